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

/** ARM's limit on a security rule description. */
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

/** The description: marker, what the rule is for, and the run that wrote it (cut to ARM's limit). */
export function allowRuleDescription(loadBalancerName: string, port: number, runId: string): string {
  const text = `${DESCRIPTION_MARKER} allow Azure Load Balancer probe to port ${port} of ${loadBalancerName}; run ${runId}`;
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : text.slice(0, MAX_DESCRIPTION_LENGTH);
}

/** True only for a rule probe-doctor wrote: our name prefix AND our description marker. */
export function isProbeDoctorRule(rule: Pick<SecurityRuleInfo, 'name' | 'description'>): boolean {
  return (
    rule.name.toLowerCase().startsWith(ALLOW_RULE_PREFIX) &&
    (rule.description ?? '').startsWith(DESCRIPTION_MARKER)
  );
}
