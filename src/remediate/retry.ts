/**
 * Retry decisions for writes (NSG rules, VM actions), as pure functions over the failure: what kind it
 * is, and how long to wait. One retry layer per call: the SDK pipeline under every call already
 * retries throttling (429 with Retry-After), server errors (5xx) and dropped connections
 * (src/azure/clients.ts), so a 429 or a 5xx that reaches this code has outlasted those retries and is
 * reported, not retried again. What stays here is what only this code knows how to answer:
 * - 412 (the ETag moved): re-read the NSG and decide again;
 * - SecurityRuleConflict (someone took the priority): re-read and pick another;
 * - 409 on a resource busy with another operation (AnotherOperationInProgress on an NSG, Run Command's
 *   "execution is in progress" on a VM): the pipeline never retries a 409; wait, then try again.
 */
import { isAzureCallError } from '../errors';

/**
 * - `precondition`: 412, the etag moved: re-read and decide again.
 * - `priority-conflict`: SecurityRuleConflict, someone took the priority: re-read, choose again.
 * - `busy`: 409, another operation holds the resource: wait and retry.
 * - `fatal`: anything else (403, 400, 404, and a 429 or 5xx the SDK already retried): report it.
 */
export type WriteFailure = 'precondition' | 'priority-conflict' | 'busy' | 'fatal';

export function classifyWriteError(err: unknown): WriteFailure {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  const code = isAzureCallError(err) ? err.code : undefined;
  if (code === 'SecurityRuleConflict') return 'priority-conflict';
  if (status === 412 || code === 'PreconditionFailedEtagMismatch') return 'precondition';
  if (status === 409) return 'busy';
  return 'fatal';
}

/** Retry-After (seconds) of the HTTP answer behind an error, in milliseconds, when there was one. */
export function retryAfterMs(err: unknown): number | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const headers = (current as { response?: { headers?: { get?: (name: string) => string | undefined } } })
      .response?.headers;
    const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
    if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Default backoff: 500 ms doubling per attempt, at most 16 s; Retry-After wins when it is given. */
export function backoffMs(attempt: number, retryAfter?: number, baseMs = 500, capMs = 16_000): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, 60_000);
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
