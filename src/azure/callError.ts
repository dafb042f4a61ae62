/**
 * Turns whatever an SDK call threw into an {@link AzureCallError} that keeps the HTTP status and the
 * ARM error code, so callers branch on numbers (404, 403, 409) rather than on message text.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { AzureCallError, ensureError, isAzureCallError } from '../errors';

/** Status and ARM code of a failed call, wherever the SDK put them. */
export function statusOf(err: unknown): { statusCode?: number; code?: string } {
  if (isRestError(err)) {
    return { statusCode: err.statusCode, code: err.code ?? armCodeOf(err.details) };
  }
  if (typeof err === 'object' && err !== null) {
    const e = err as { statusCode?: unknown; code?: unknown };
    return {
      statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
      code: typeof e.code === 'string' ? e.code : undefined,
    };
  }
  return {};
}

function armCodeOf(details: unknown): string | undefined {
  const code = (details as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Wraps a failure of `action` on `resourceId`. An AzureCallError passes through unchanged, so
 * wrapping twice does not stack messages.
 */
export function toAzureCallError(err: unknown, action: string, resourceId?: string): AzureCallError {
  if (isAzureCallError(err)) return err;
  const { statusCode, code } = statusOf(err);
  const status = [statusCode, code].filter((x) => x !== undefined).join(' ');
  const message = `${action}${resourceId ? ` ${resourceId}` : ''} failed${status ? ` (${status})` : ''}: ${ensureError(err).message}`;
  return new AzureCallError(message, resourceId, statusCode, code, { cause: err });
}

/** Runs an SDK call and rethrows its failure as an {@link AzureCallError}. */
export async function callAzure<T>(
  action: string,
  resourceId: string | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAzureCallError(err, action, resourceId);
  }
}

/** True for failures worth retrying later: throttling, conflicts (a run command in progress), 5xx. */
export function isRetryableStatus(statusCode: number | undefined): boolean {
  return statusCode === 409 || statusCode === 429 || (statusCode !== undefined && statusCode >= 500);
}
