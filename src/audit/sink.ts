/**
 * The port every audit destination implements. Remediation audits a change before making it and must
 * not make it when the audit cannot be written, so `emit` rejects loudly (AuditWriteError or
 * InvalidAuditEventError) instead of logging and carrying on.
 */
import type { AuditEvent } from './events';

export interface AuditSink {
  /** Short name used in error messages (`json-lines`, `app-insights`, ...). */
  readonly name: string;
  /**
   * Validates and writes one event. What "written" means depends on the sink: for JSON lines, on disk
   * (fsync'd); for Application Insights, queued in the SDK (see {@link ConfirmingAuditSink}).
   */
  emit(event: AuditEvent): Promise<void>;
  /** Pushes out whatever is buffered. */
  flush(): Promise<void>;
  /** Flushes and releases the sink; later emits reject. */
  close(): Promise<void>;
}

/** A sink that can prove one event reached its destination, not only that it was accepted locally. */
export interface ConfirmingAuditSink extends AuditSink {
  /** Writes the event and resolves only once the destination has acknowledged it; rejects otherwise. */
  emitAndConfirm(event: AuditEvent): Promise<void>;
}

export const isConfirmingSink = (sink: AuditSink): sink is ConfirmingAuditSink =>
  typeof (sink as Partial<ConfirmingAuditSink>).emitAndConfirm === 'function';

/**
 * Writes an event as durably as the sink allows: `emitAndConfirm` where the sink has one, otherwise
 * `emit` then `flush`. Use it before a change is made.
 */
export async function emitConfirmed(sink: AuditSink, event: AuditEvent): Promise<void> {
  if (isConfirmingSink(sink)) return sink.emitAndConfirm(event);
  await sink.emit(event);
  await sink.flush();
}
