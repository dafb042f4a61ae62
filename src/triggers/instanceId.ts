import { createHash } from 'node:crypto';
import { idKey } from '../model/ids';

/**
 * The one orchestration instance id for a load balancer: `pd-` + the first 32 hex digits of the
 * SHA-256 of its lowercased id. Deterministic, so an alert storm joins the run in progress.
 */
export function instanceIdFor(loadBalancerId: string): string {
  return `pd-${createHash('sha256').update(idKey(loadBalancerId)).digest('hex').slice(0, 32)}`;
}
