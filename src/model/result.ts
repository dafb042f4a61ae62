/**
 * Fan-out activities return this instead of throwing: `Task.all` fails fast, and one broken VM must
 * not hide the others (STYLE.md, point 3).
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ResultError };

export interface ResultError {
  message: string;
  /** ARM error code or HTTP status when the failure came from a call. */
  code?: string;
  statusCode?: number;
  /** True when trying again later may succeed (409 run command in progress, 429, 5xx). */
  retryable?: boolean;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: ResultError): Result<T> => ({ ok: false, error });
