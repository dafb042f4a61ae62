/**
 * The NSG allow rule for the probe: what it says, and the proof (through the NSG evaluator) that it
 * lets the probe through the NSG it is written to, before anything is written.
 */
import { z } from 'zod';
import { evaluateProbeInbound } from '../diagnose/nsg/index';
import { idKey, sameId } from '../model/ids';
import type { BackendInfo, NsgInfo, ProbeInfo, SecurityRuleInfo, Topology } from '../model/topology';

/** The service tag of the probe source (168.63.129.16). */
export const PROBE_SOURCE_TAG = 'AzureLoadBalancer';

/**
 * The `detail` of an `nsg-allow-probe` fix: the rule as it will be written, plus what it answers.
 * Plain JSON, so it survives the orchestration history; {@link parseAllowRuleDetail} reads it back.
 */
export const allowRuleDetailSchema = z.object({
  ruleName: z.string().min(1),
  priority: z.number().int().min(100).max(4096),
  direction: z.literal('Inbound'),
  access: z.literal('Allow'),
  protocol: z.literal('Tcp'),
  sourceAddressPrefix: z.literal(PROBE_SOURCE_TAG),
  sourcePortRange: z.literal('*'),
  destinationAddressPrefixes: z.array(z.string().min(1)),
  destinationApplicationSecurityGroupIds: z.array(z.string().min(1)),
  destinationPortRange: z.string().regex(/^\d+$/),
  description: z.string().max(140),
  /** The rule that blocks the probe (the lowest number when several do, for different backends). */
  blockingRuleName: z.string(),
  blockingPriority: z.number().int(),
  level: z.enum(['subnet', 'nic']),
  port: z.number().int().min(1).max(65535),
  backendIps: z.array(z.string()),
  /**
   * What the destination is and why (src/remediate/destination.ts): `subnet snet-web 10.10.1.0/24
   * (scale set vmss-web's instances; new instances land there)`. Absent on plans made before it.
   */
  destination: z.string().optional(),
  destinationBasis: z.enum(['backend-addresses', 'scale-set-asg', 'subnet', 'blocking-rule']).optional(),
  /** Why an instance added later may not be admitted by this rule, when it may not. */
  futureGap: z.string().optional(),
  /**
   * Denies above the blocker whose coverage of the probe the docs leave in doubt (a source of
   * `Internet` or an Azure service tag): the priority outranks them too, and the plan says so.
   */
  alsoOutranks: z
    .array(z.object({ ruleName: z.string(), priority: z.number().int(), why: z.string() }))
    .optional(),
});

export type AllowRuleDetail = z.infer<typeof allowRuleDetailSchema>;

/** Reads a fix's detail back; throws a ZodError naming the bad field. */
export function parseAllowRuleDetail(detail: unknown): AllowRuleDetail {
  return allowRuleDetailSchema.parse(detail);
}

/**
 * Reads a fix's detail back without throwing: the detail, or one line naming the first bad field
 * (never the raw Zod error, which is multi-line JSON and unfit for a report's reason).
 */
export function readAllowRuleDetail(
  detail: unknown,
): { ok: true; value: AllowRuleDetail } | { ok: false; error: string } {
  const parsed = allowRuleDetailSchema.safeParse(detail);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'detail';
  return {
    ok: false,
    error: `the fix detail is not a valid allow rule: ${field}: ${issue?.message ?? 'invalid'}`,
  };
}

/** The rule as the evaluator and the writer see it. */
export function toSecurityRule(
  detail: AllowRuleDetail,
  priority = detail.priority,
): Omit<SecurityRuleInfo, 'id' | 'etag'> {
  return {
    name: detail.ruleName,
    priority,
    direction: detail.direction,
    access: detail.access,
    protocol: detail.protocol,
    sourceAddressPrefixes: [detail.sourceAddressPrefix],
    sourcePortRanges: [detail.sourcePortRange],
    destinationAddressPrefixes: detail.destinationAddressPrefixes,
    destinationPortRanges: [detail.destinationPortRange],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: detail.destinationApplicationSecurityGroupIds,
    description: detail.description,
    isDefault: false,
  };
}

/** The NSG with one rule added (or replacing the rule of the same name). */
export function withRule(nsg: NsgInfo, rule: Omit<SecurityRuleInfo, 'id' | 'etag'>): NsgInfo {
  const others = nsg.securityRules.filter((r) => r.name.toLowerCase() !== rule.name.toLowerCase());
  return { ...nsg, securityRules: [...others, { ...rule, id: `${nsg.id}/securityRules/${rule.name}` }] };
}

/**
 * Proves the rule: with it added to the NSG, the evaluator must find this NSG allowing the probe to
 * every backend. Returns undefined when proven, else why not (in words for the report).
 */
export function proveAllowRule(
  topology: Topology,
  nsgId: string,
  rule: Omit<SecurityRuleInfo, 'id' | 'etag'>,
  backends: readonly BackendInfo[],
  probe: ProbeInfo,
): string | undefined {
  const nsg = topology.nsgs[idKey(nsgId)];
  if (!nsg) return `NSG ${nsgId} was not read, so the rule cannot be proven`;
  const changed: Topology = { ...topology, nsgs: { ...topology.nsgs, [idKey(nsgId)]: withRule(nsg, rule) } };
  for (const backend of backends) {
    const verdict = evaluateProbeInbound(changed, backend, probe);
    const decision = verdict.decisions.find((d) => sameId(d.nsgId, nsgId));
    if (!decision)
      return `NSG ${nsg.name} is not on the probe path to backend ${backend.ipAddress ?? backend.key}`;
    if (decision.access !== 'Allow') {
      return `with rule ${rule.name} at priority ${rule.priority}, NSG ${nsg.name} still denies the probe to ${backend.ipAddress ?? backend.key} (rule ${decision.rule.name} at ${decision.rule.priority})`;
    }
  }
  return undefined;
}
