/**
 * How probe-doctor recognises its own NSG rules: a deterministic name and a description marker. A retry
 * or a second run finds the rule by name instead of adding another, and nothing that lacks both the
 * name prefix and the marker is ever changed or deleted.
 */
import { createHash } from 'node:crypto';
import { idKey } from '../model/ids';
import type { SecurityRuleInfo } from '../model/topology';

/** Every rule probe-doctor writes starts with this name. */
export const ALLOW_RULE_PREFIX = 'probe-doctor-allow-probe-';

/** Every rule probe-doctor writes has a description starting with this marker. */
export const DESCRIPTION_MARKER = 'probe-doctor:';

/**
 * ARM's limit on a security rule description: "A description for this rule. Restricted to 140 chars."
 * (SecurityRulePropertiesFormat.description, azure-rest-api-specs, network).
 */
export const MAX_DESCRIPTION_LENGTH = 140;

/**
 * `probe-doctor-allow-probe-<port>-<8 hex>`: the suffix is a hash of the load balancer id, so two load
 * balancers whose probes use the same port and cross the same NSG get two rules (each with its own
 * backends) instead of overwriting each other's destination; the same load balancer always gets the
 * same name, so a retry finds its rule.
 */
export function allowRuleName(loadBalancerId: string, port: number): string {
  const hash = createHash('sha256').update(idKey(loadBalancerId)).digest('hex').slice(0, 8);
  return `${ALLOW_RULE_PREFIX}${port}-${hash}`;
}

/**
 * The description: marker, what the rule is for, the load balancer and the run that wrote it, within
 * ARM's {@link MAX_DESCRIPTION_LENGTH} characters. The run id proves a rule is this run's own write
 * (see {@link isWrittenBy}) and the load balancer's name tells a person whose rule it is, so the fixed
 * words give way first: the full sentence, then a short one, then the bare `name:port`. Only a name too
 * long even for that (a load balancer name may have 80 characters, a run id 55) is cut, never the run id.
 */
export function allowRuleDescription(loadBalancerName: string, port: number, runId: string): string {
  const forms = [
    `${DESCRIPTION_MARKER} allow Azure Load Balancer probe to port ${port} of ${loadBalancerName}; run ${runId}`,
    `${DESCRIPTION_MARKER} allow LB probe port ${port} of ${loadBalancerName}; run ${runId}`,
    `${DESCRIPTION_MARKER} ${loadBalancerName}:${port} run ${runId}`,
  ];
  const whole = forms.find((f) => f.length <= MAX_DESCRIPTION_LENGTH);
  if (whole) return whole;
  const tail = `:${port} run ${runId}`;
  const room = MAX_DESCRIPTION_LENGTH - `${DESCRIPTION_MARKER} `.length - tail.length;
  if (room < 1) return `${DESCRIPTION_MARKER} run ${runId}`.slice(0, MAX_DESCRIPTION_LENGTH);
  return `${DESCRIPTION_MARKER} ${loadBalancerName.slice(0, room)}${tail}`;
}

/**
 * The id a run's NSG writes carry in their description: the proof, read back from ARM, that a rule is
 * this run's own write when the answer to the PUT was lost.
 *
 * It must differ between any two runs that can write the same rule, and be the same for every
 * execution of one run's activity: the run id is both (src/workflow/runId.ts: the run's start time to
 * the millisecond and its instance id; one execution of an instance at a time per task hub). Two
 * processes on one load balancer get the same run id only if both start it in the same millisecond.
 * Being deterministic, it lets a re-executed apply activity (Durable Functions runs an activity at
 * least once) recognise the rule an earlier execution of the same run wrote, and lets a rollback find
 * it; a random suffix would make that execution another run's.
 */
export function writeOwnerId(runId: string): string {
  return runId;
}

/**
 * True when the rule carries exactly the description this run wrote: the rule is this run's own write
 * (a rule of our name and marker written by another run does not qualify).
 */
export function isWrittenBy(rule: Pick<SecurityRuleInfo, 'description'>, description: string): boolean {
  return rule.description === description;
}

/** True only for a rule probe-doctor wrote: our name prefix AND our description marker. */
export function isProbeDoctorRule(rule: Pick<SecurityRuleInfo, 'name' | 'description'>): boolean {
  return (
    rule.name.toLowerCase().startsWith(ALLOW_RULE_PREFIX) &&
    (rule.description ?? '').startsWith(DESCRIPTION_MARKER)
  );
}
