/**
 * The audit trail's errors. Remediation code branches on these: a change is not made when its audit
 * event could not be written, so "could not write" must be a distinct, catchable type.
 */
import { ProbeDoctorError } from '../errors';

/** An audit event failed the schema: it is rejected before any sink sees it. */
export class InvalidAuditEventError extends ProbeDoctorError {
  constructor(
    message: string,
    /** Path of the first bad field, e.g. `before` or `outcome`. */
    readonly field: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A sink could not write (or, for a confirmed write, could not prove delivery of) an event. */
export class AuditWriteError extends ProbeDoctorError {
  constructor(
    message: string,
    /** Which sink failed: `json-lines`, `app-insights`, `memory`, or the fan-out's members. */
    readonly sink: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isInvalidAuditEventError = (e: unknown): e is InvalidAuditEventError =>
  e instanceof InvalidAuditEventError;
export const isAuditWriteError = (e: unknown): e is AuditWriteError => e instanceof AuditWriteError;

/**
 * The message of anything thrown. Node's fs errors are not always `instanceof Error` (they may come
 * from another realm, as under jest), so the message is read structurally rather than through
 * ensureError's instanceof check.
 */
export function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}
