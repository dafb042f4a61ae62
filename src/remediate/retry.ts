/**
 * Retry decisions for NSG writes, as pure functions over the failure: what kind it is, and how long to
 * wait. Reads and writes go through the SDK's own retry first; these decide what remains.
 */
import { isAzureCallError } from '../errors';

/**
 * - `precondition`: 412, the etag moved: re-read and decide again.
 * - `priority-conflict`: SecurityRuleConflict, someone took the priority: re-read, choose again.
 * - `busy`: 409 AnotherOperationInProgress, 429, 5xx: wait and retry.
 * - `fatal`: anything else (403, 400, 404): report it.
 */
export type WriteFailure = 'precondition' | 'priority-conflict' | 'busy' | 'fatal';

export function classifyWriteError(err: unknown): WriteFailure {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  const code = isAzureCallError(err) ? err.code : undefined;
  if (code === 'SecurityRuleConflict') return 'priority-conflict';
  if (status === 412 || code === 'PreconditionFailedEtagMismatch') return 'precondition';
  if (status === 409 || status === 429 || (status !== undefined && status >= 500)) return 'busy';
  if (code === 'RetryableErrorDueToAnotherOperation' || code === 'AnotherOperationInProgress') return 'busy';
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
