/**
 * The read discipline of discovery: bounded concurrency (ARM throttles per subscription), each
 * resource read at most once per run, and a read that fails recorded once as a {@link TopologyProblem}
 * instead of ending the run.
 */
import pLimit from 'p-limit';
import { ensureError, isAzureCallError } from '../../errors';
import { idKey } from '../../model/ids';
import type { TopologyProblem } from '../../model/topology';

/** The kind of problem an HTTP status makes: 404 not-found, 401/403 forbidden, anything else error. */
export function problemKind(statusCode: number | undefined): TopologyProblem['kind'] {
  return statusCode === 404 ? 'not-found' : statusCode === 403 || statusCode === 401 ? 'forbidden' : 'error';
}

/** A discovery read's failure as a typed problem (see {@link problemKind}). */
export function problemOf(
  err: unknown,
  resourceId: string,
  referencedBy: string | undefined,
): TopologyProblem {
  const statusCode = isAzureCallError(err) ? err.statusCode : undefined;
  return {
    resourceId,
    kind: problemKind(statusCode),
    ...(statusCode !== undefined ? { statusCode } : {}),
    message: ensureError(err).message,
    ...(referencedBy !== undefined ? { referencedBy } : {}),
  };
}

/** Reads once per (kind, id), at most `concurrency` at a time; what failed is in `problems`. */
export class ReadOnce {
  readonly problems: TopologyProblem[] = [];
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(concurrency: number) {
    this.limit = pLimit(Math.max(1, concurrency));
  }

  /** Runs `read` under the concurrency bound, not memoised (the load balancer, whose failure ends the run). */
  bounded<T>(read: () => Promise<T>): Promise<T> {
    return this.limit(read);
  }

  /** The one read of `id` as `kind`; a failure reads as undefined and is recorded once. */
  read<T>(
    kind: string,
    id: string,
    referencedBy: string | undefined,
    read: () => Promise<T>,
  ): Promise<T | undefined> {
    const key = `${kind}:${idKey(id)}`;
    let pending = this.memo.get(key) as Promise<T | undefined> | undefined;
    if (!pending) {
      pending = this.limit(read).catch((err: unknown) => {
        this.problems.push(problemOf(err, id, referencedBy));
        return undefined;
      });
      this.memo.set(key, pending);
    }
    return pending;
  }
}
