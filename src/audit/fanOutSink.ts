/**
 * Writes every event to several sinks (JSON lines and Application Insights, typically). An event counts
 * as written only when every sink wrote it: the remediation code's guarantee is only as strong as the
 * weakest destination it relies on, so one failing sink fails the emit.
 */
import { ensureError } from '../errors';
import { AuditWriteError } from './errors';
import { parseAuditEvent, type AuditEvent } from './events';
import { emitConfirmed, type AuditSink, type ConfirmingAuditSink } from './sink';

export class FanOutAuditSink implements ConfirmingAuditSink {
  readonly name: string;

  constructor(private readonly sinks: readonly AuditSink[]) {
    this.name = `fan-out(${sinks.map((s) => s.name).join(', ')})`;
  }

  emit(event: AuditEvent): Promise<void> {
    return this.all(event, (sink, valid) => sink.emit(valid), `write audit event ${event.name}`);
  }

  /** Confirms through each sink: `emitAndConfirm` where it has one, else emit and flush. */
  emitAndConfirm(event: AuditEvent): Promise<void> {
    return this.all(event, (sink, valid) => emitConfirmed(sink, valid), `confirm audit event ${event.name}`);
  }

  flush(): Promise<void> {
    return this.all(undefined, (sink) => sink.flush(), 'flush audit sinks');
  }

  close(): Promise<void> {
    return this.all(undefined, (sink) => sink.close(), 'close audit sinks');
  }

  /** Runs `op` on every sink (all of them, even after one fails) and reports every failure. */
  private async all<E extends AuditEvent | undefined>(
    event: E,
    op: (sink: AuditSink, valid: AuditEvent) => Promise<void>,
    what: string,
  ): Promise<void> {
    // Validate once up front, so an invalid event reaches no sink at all.
    const valid = event === undefined ? (undefined as unknown as AuditEvent) : parseAuditEvent(event);
    const results = await Promise.allSettled(this.sinks.map((sink) => op(sink, valid)));
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [{ sink: this.sinks[i]?.name ?? String(i), error: ensureError(r.reason) }]
        : [],
    );
    if (failures.length === 0) return;
    const detail = failures.map((f) => `${f.sink}: ${f.error.message}`).join('; ');
    throw new AuditWriteError(`Cannot ${what}: ${detail}`, failures.map((f) => f.sink).join(', '), {
      cause: failures.length === 1 ? failures[0]?.error : new AggregateError(failures.map((f) => f.error)),
    });
  }
}
