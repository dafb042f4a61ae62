/**
 * Writes to one NSG are serialised in-process: two orchestrations in one host never write the same
 * NSG at once. Across processes (several Functions workers) nothing holds a lock: the ETag conditions
 * (If-None-Match / If-Match), the priority re-choice on SecurityRuleConflict and the bounded retries
 * on 409/412/429 keep the writes correct. A Durable Functions entity lock (`context.df.lock`) around
 * the apply activity would serialise them outright; the orchestrator does not take one yet.
 */
import { KeyedLock } from '../util/keyedLock';

export { KeyedLock };

/** The process-wide lock for NSG writes. */
export const nsgWriteLock = new KeyedLock();
