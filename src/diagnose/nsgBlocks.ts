/**
 * Seed cause 3, the network half: an NSG rule (subnet or NIC) that denies the probe, from engineer C's
 * evaluator (src/diagnose/nsg/), cross-checked against the effective-NSG API when it answered. An Azure
 * Virtual Network Manager security admin deny comes before every NSG and no NSG rule can override it,
 * so it is reported as not fixable here. When an admin `AlwaysAllow` in the effective rules lets the
 * probe past every NSG, no NSG cause is raised and a note says so. Any other disagreement, or a
 * cross-check that abstains, keeps the evaluator's deny (its evidence carries `effectiveView`) and a
 * note shows the other view: neither silently drops a deny.
 *
 * (Named nsgBlocks.ts, not nsg.ts: a file beside the nsg/ folder would make `import '../diagnose/nsg'`
 * resolve to the file instead of the evaluator.)
 */
import type { EffectiveNsgAssociation } from '../model/evidence';
import type { Cause, Note } from '../model/report';
import type { Result } from '../model/result';
import type { BackendInfo, ProbeInfo, Topology } from '../model/topology';
import type { Findings } from './findings';
import { describeBackend } from './names';
import type { EffectiveCrossCheck, NsgDecision, ProbePathVerdict } from './nsg/index';
import { crossCheckEffective, evaluateProbeInbound, vnetTags } from './nsg/index';

export interface NsgDiagnosisInput {
  topology: Topology;
  backend: BackendInfo;
  probe: ProbeInfo;
  effectiveNsgs?: Result<EffectiveNsgAssociation[]>;
}

/** A Deny at the lowest priority number cannot be outranked by a new Allow rule. */
const LOWEST_PRIORITY = 100;

/**
 * Where the probe comes from, as a cause says it: 168.63.129.16 for an IPv4 backend; an IPv6 probe
 * comes from a link-local source, which the `AzureLoadBalancer` tag covers (docs/probe-facts.md).
 */
export function probeSourceWords(backend: Pick<BackendInfo, 'ipAddress'>): string {
  return backend.ipAddress?.includes(':')
    ? 'AzureLoadBalancer (the IPv6 probe, from a link-local source)'
    : 'AzureLoadBalancer (168.63.129.16)';
}

function denyCause(decision: NsgDecision, probe: ProbeInfo, who: string, source: string): Cause {
  const rule = decision.rule;
  const before = rule.isDefault
    ? ''
    : ' before the default rules that admit the probe (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001)';
  const fixable = rule.priority > LOWEST_PRIORITY;
  return {
    id: 'nsg-blocks-probe',
    summary: `NSG ${decision.nsgName} (${decision.level}) rule ${rule.name} at priority ${rule.priority} denies TCP from ${source} to ${who} port ${probe.port}${before}.`,
    evidence: {
      nsgId: decision.nsgId,
      ruleName: rule.name,
      priority: rule.priority,
      level: decision.level,
      access: decision.access,
      ruleId: rule.id ?? null,
      fixable,
      ...(fixable ? {} : { why: `priority ${rule.priority} cannot be outranked by a new rule` }),
    },
  };
}

function adminDenyCause(
  check: EffectiveCrossCheck,
  probe: ProbeInfo,
  who: string,
  source: string,
): Cause | undefined {
  const admin = check.adminRule;
  if (!admin || admin.access !== 'Deny') return undefined;
  return {
    id: 'nsg-blocks-probe',
    summary: `Azure Virtual Network Manager security admin rule ${admin.name} at priority ${admin.priority} denies TCP from ${source} to ${who} port ${probe.port}; no NSG rule can override it.`,
    evidence: {
      adminRule: true,
      fixable: false,
      ruleName: admin.name,
      priority: admin.priority,
      level: 'admin',
      access: admin.access,
      ...(check.adminNetworkManagerId ? { networkManagerId: check.adminNetworkManagerId } : {}),
    },
  };
}

function describePath(verdict: ProbePathVerdict): string {
  if (verdict.decisions.length === 0) return 'no NSG on the subnet or the NIC';
  return verdict.decisions.map((d) => `${d.level} ${d.nsgName}: ${d.rule.name} ${d.access}`).join(', ');
}

/** `nsg-blocks-probe` causes for one backend, NSG levels in the order the probe crosses them. */
export function diagnoseNsg(input: NsgDiagnosisInput): Findings {
  const { topology, backend, probe, effectiveNsgs } = input;
  const who = describeBackend(topology, backend);
  const verdict = evaluateProbeInbound(topology, backend, probe);
  const causes: Cause[] = [];
  const notes: Note[] = [];
  const checked = [`NSGs on the probe path to port ${probe.port} (${describePath(verdict)})`];

  let check: EffectiveCrossCheck | undefined;
  if (effectiveNsgs?.ok) {
    check = crossCheckEffective(verdict, effectiveNsgs.value, vnetTags(topology, backend));
    checked.push('effective security rules of the NIC');
  } else if (effectiveNsgs && !effectiveNsgs.ok) {
    notes.push({
      id: 'effective-nsg-unchecked',
      summary: `The effective security rules of ${who} could not be read (${effectiveNsgs.error.message}); the NSG verdict rests on the NSG resources alone.`,
      evidence: {
        message: effectiveNsgs.error.message,
        ...(effectiveNsgs.error.code ? { code: effectiveNsgs.error.code } : {}),
      },
    });
  }

  const adminDeny = check ? adminDenyCause(check, probe, who, probeSourceWords(backend)) : undefined;
  if (adminDeny) causes.push(adminDeny);
  // Only a security admin rule the evaluator does not see (AlwaysAllow skips every NSG) verifies that
  // the platform lets the probe past a deny the NSG resources hold. Any other disagreement, and an
  // abstention, keeps the evaluator's deny: the report shows both views and a person decides.
  const adminAlwaysAllows = check?.adminRule?.access === 'AlwaysAllow';
  const effectiveView =
    check === undefined
      ? undefined
      : check.outcome === 'abstains'
        ? 'cannot-evaluate'
        : check.effectiveAllowed
          ? 'allows'
          : 'denies';
  if (!adminAlwaysAllows) {
    for (const decision of verdict.decisions) {
      if (decision.access !== 'Deny') continue;
      const cause = denyCause(decision, probe, who, probeSourceWords(backend));
      if (effectiveView) cause.evidence = { ...cause.evidence, effectiveView };
      causes.push(cause);
    }
  }

  if (check && check.outcome === 'abstains') {
    notes.push({
      id: 'effective-nsg-abstains',
      summary: `The effective security rules of ${who} cannot confirm or refute the NSG evaluation (${verdict.allowed ? 'allowed' : 'denied'}) of the probe to port ${probe.port}: ${check.note ?? 'a rule cannot be evaluated'}.`,
      evidence: { evaluatedAllowed: verdict.allowed, unevaluated: check.unevaluated ?? [] },
    });
  } else if (check && !check.agrees && !adminDeny) {
    const blocked = verdict.blockedBy;
    const consequence = adminAlwaysAllows
      ? '; no NSG cause is raised and nothing is written, since the admin rule lets the probe past every NSG'
      : blocked
        ? `; the NSG resources' deny (${blocked.rule.name}) is still reported, since the effective view alone does not verify the allow`
        : '';
    notes.push({
      id: 'effective-nsg-disagrees',
      summary: `The effective security rules of ${who} ${check.effectiveAllowed ? 'allow' : 'deny'} the probe to port ${probe.port}, but the NSG resources ${verdict.allowed ? 'allow' : 'deny'} it: ${check.note ?? 'they disagree'}${consequence}.`,
      evidence: {
        effectiveAllowed: check.effectiveAllowed ?? null,
        evaluatedAllowed: verdict.allowed,
        ...(check.note ? { detail: check.note } : {}),
        ...(check.adminRule ? { adminRuleName: check.adminRule.name } : {}),
        ...(blocked
          ? {
              evaluatedBlockedBy: {
                nsgId: blocked.nsgId,
                level: blocked.level,
                ruleName: blocked.rule.name,
                priority: blocked.rule.priority,
              },
            }
          : {}),
      },
    });
  }
  const warnings = [...(verdict.warnings ?? []), ...verdict.decisions.flatMap((d) => d.warnings ?? [])];
  if (warnings.length > 0) {
    notes.push({
      id: 'nsg-evaluation-incomplete',
      summary: `The NSG evaluation for ${who} is incomplete: ${warnings.join('; ')}.`,
      evidence: { warnings },
    });
  }
  return { causes, notes, checked };
}
