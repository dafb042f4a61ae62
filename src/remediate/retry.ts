/**
 * Retry decisions for writes (NSG rules, VM actions), as pure functions over the failure: what kind
 * it is, and how long to wait.
 *
 * One retry layer per call. Every request already goes through the SDK pipeline's retry policy
 * (src/azure/clients.ts): 429 and 503 with Retry-After, 408, 5xx other than 501/505, and dropped or
 * refused connections, up to `DEFAULT_RETRY_OPTIONS.maxRetries` times. A failure of that kind that
 * reaches this code has outlasted those retries: retrying it here again would multiply them (5 loop
 * attempts x 6 pipeline attempts), not cure an outage, so it is `exhausted` and reported. The loops of
 * the write paths remain only for what the pipeline cannot know:
 * - 412 (the ETag moved) and `SecurityRuleConflict` (someone took the priority): the next attempt
 *   is a different request, decided on a fresh read;
 * - 409 (`AnotherOperationInProgress` on the NSG, Run Command's "execution is in progress"): the
 *   pipeline never retries a 409;
 * - the Network resource provider's 429 `RetryableError` / `RetryableErrorDueToAnotherOperation`
 *   without a Retry-After header: the pipeline's throttling strategy retries a 429 only when it
 *   carries one; the wait is in the message ("The call can be retried in 14 seconds").
 */
import { isAzureCallError } from '../errors';

/**
 * - `precondition`: 412, the etag moved: re-read and decide again.
 * - `priority-conflict`: SecurityRuleConflict, someone took the priority: re-read, choose again.
 * - `busy`: another operation holds the resource (409, or the RP's 429 RetryableError without
 *   Retry-After): wait and retry.
 * - `exhausted`: a failure the SDK pipeline retries (429/503 with Retry-After, 408, 5xx, a dropped
 *   connection) and already retried: report it, never retry again.
 * - `fatal`: anything else (403, 400, 404): report it.
 */
export type WriteFailure = 'precondition' | 'priority-conflict' | 'busy' | 'exhausted' | 'fatal';

/** The error and its causes, outermost first (bounded). */
function chainOf(err: unknown): unknown[] {
  const out: unknown[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    out.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * ARM's `error.details` of the first error in the chain that carries a parsed ARM error body (the
 * SDK's RestError keeps it as `details`); ports stay free of SDK types, so this reads the shape.
 */
function armErrorDetails(err: unknown): { code?: unknown; message?: unknown }[] {
  for (const e of chainOf(err)) {
    const body = (e as { details?: { error?: { details?: unknown } } }).details;
    if (body?.error === undefined) continue;
    return Array.isArray(body.error.details) ? (body.error.details as { code?: unknown }[]) : [];
  }
  return [];
}

/** The inner codes of ARM's `error.details` (where the Network RP names why a 429 is retryable). */
export function armDetailCodes(err: unknown): string[] {
  return armErrorDetails(err)
    .map((d) => d.code)
    .filter((c): c is string => typeof c === 'string');
}

/** Codes that say another operation holds the resource: the same request succeeds once it ends. */
const ANOTHER_OPERATION = new Set(['AnotherOperationInProgress', 'RetryableErrorDueToAnotherOperation']);

/** Node's connection failures that the pipeline's exponential strategy retries (isSystemError). */
const SYSTEM_ERRORS = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'ENOTFOUND',
]);

/**
 * True when the SDK pipeline's retry policy retries this failure (core-rest-pipeline 1.x
 * `defaultRetryPolicy`: its throttling strategy for 429/503 with a retry-after header, its
 * exponential strategy for 408, 5xx other than 501/505, and connection errors).
 */
export function pipelineRetries(err: unknown): boolean {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  if ((status === 429 || status === 503) && retryAfterHeaderMs(err) !== undefined) return true;
  if (status === 408 || (status !== undefined && status >= 500 && status !== 501 && status !== 505)) {
    return true;
  }
  if (status !== undefined) return false;
  return chainOf(err).some((e) => SYSTEM_ERRORS.has(String((e as { code?: unknown }).code)));
}

export function classifyWriteError(err: unknown): WriteFailure {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  const code = isAzureCallError(err) ? err.code : undefined;
  if (code === 'SecurityRuleConflict') return 'priority-conflict';
  if (status === 412 || code === 'PreconditionFailedEtagMismatch') return 'precondition';
  if (pipelineRetries(err)) return 'exhausted';
  if (status === 409) return 'busy';
  const codes = [code, ...armDetailCodes(err)];
  if (codes.some((c) => c !== undefined && ANOTHER_OPERATION.has(c))) return 'busy';
  if (status === 429 && code === 'RetryableError') return 'busy';
  return 'fatal';
}

/** The Retry-After header (seconds) of the HTTP answer behind an error, in milliseconds. */
function retryAfterHeaderMs(err: unknown): number | undefined {
  for (const current of chainOf(err)) {
    const headers = (current as { response?: { headers?: { get?: (name: string) => string | undefined } } })
      .response?.headers;
    const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
    if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  }
  return undefined;
}

/**
 * How long the answer behind an error asks to wait, in milliseconds: its Retry-After header
 * (seconds), or else the Network RP's "The call can be retried in N seconds." in `error.details`.
 */
export function retryAfterMs(err: unknown): number | undefined {
  const header = retryAfterHeaderMs(err);
  if (header !== undefined) return header;
  for (const d of armErrorDetails(err)) {
    const m = /can be retried in (\d{1,4}) seconds?/i.exec(String(d.message));
    if (m) return Number(m[1]) * 1000;
  }
  return undefined;
}

/** Default backoff: 500 ms doubling per attempt, at most 16 s; a stated wait wins (at most 60 s). */
export function backoffMs(attempt: number, retryAfter?: number, baseMs = 500, capMs = 16_000): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, 60_000);
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * True when a write's own request was refused outright: the failing HTTP request was the write
 * (PUT/DELETE) and ARM answered it with a 4xx (429 included), so it did not land. A failure of a later
 * request (a poll, the final GET of a long-running write) or a 5xx leaves the write's fate unknown.
 */
export function writeRefused(err: unknown): boolean {
  for (const e of chainOf(err)) {
    const request = (e as { request?: { method?: unknown } }).request;
    const status = (e as { statusCode?: unknown }).statusCode;
    if (typeof request?.method !== 'string' || typeof status !== 'number') continue;
    return (request.method === 'PUT' || request.method === 'DELETE') && status >= 400 && status < 500;
  }
  return false;
}

/**
 * True when ARM refused the write itself for want of a role (401/403 to the PUT or DELETE): decided
 * before the resource provider sees the request, and the same for every try the pipeline may have
 * made, so no try of it can have landed. Any other refusal proves less: a 412 or 409 may answer the
 * pipeline's retry of a PUT whose first try landed (the rule it created now fails `If-None-Match: *`).
 */
export function writeUnauthorized(err: unknown): boolean {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  return (status === 401 || status === 403) && writeRefused(err);
}

/** The reason of a write that stopped on a failure the pipeline had already retried. */
export const EXHAUSTED_NOTE = "still failing after the SDK's retries";

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
