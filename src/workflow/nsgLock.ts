/**
 * Which entity locks an orchestration takes before it writes NSG rules: one `nsgLock` entity per NSG,
 * so two runs that would change the same NSG take turns across processes, not only within one
 * (src/remediate/keyedLock.ts), and ETag conflicts become the exception rather than the rule.
 */
import { createHash } from 'node:crypto';
import { EntityId } from 'durable-functions';
import type { FixReport } from '../model/report';
import { idKey } from '../model/ids';
import { NSG_LOCK_ENTITY } from './names';

/**
 * The entity key for an NSG: a hash of its normalized id. Resource ids contain `/`, which the task
 * hub's storage keys do not allow, and can be long; the hash is fixed-length, key-safe and the same
 * in every replay (it depends on the id alone).
 */
export function nsgLockKey(nsgId: string): string {
  return createHash('sha256').update(idKey(nsgId)).digest('hex');
}

/** The NSG lock entities for the `nsg-allow-probe` fixes among `fixes`, deduped and sorted (pure). */
export function nsgLockIds(fixes: readonly Pick<FixReport, 'kind' | 'target'>[]): EntityId[] {
  const keys = new Set(fixes.filter((f) => f.kind === 'nsg-allow-probe').map((f) => nsgLockKey(f.target)));
  return [...keys].sort().map((key) => new EntityId(NSG_LOCK_ENTITY, key));
}
