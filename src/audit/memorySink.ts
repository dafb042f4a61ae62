/**
 * An in-memory sink for tests of code that audits (activities, remediation): it keeps what was
 * emitted and can be told to fail, so "no audit, no change" can be tested without a disk or network.
 */
import { AuditWriteError } from './errors';
import { parseAuditEvent, type AuditEvent } from './events';
import type { ConfirmingAuditSink } from './sink';

export interface MemorySinkOptions {
  /** Return an error to make that emit fail (as a full disk or a refused ingestion would). */
  failWhen?: (event: AuditEvent) => Error | undefined;
}

export class MemoryAuditSink implements ConfirmingAuditSink {
  readonly name = 'memory';
  /** Events written, in order. */
  readonly events: AuditEvent[] = [];
  /** How many of {@link events} were written through `emitAndConfirm`. */
  confirmed = 0;
  private closed = false;

  constructor(private readonly options: MemorySinkOptions = {}) {}

  emit(event: AuditEvent): Promise<void> {
    return Promise.resolve().then(() => {
      this.write(event);
    });
  }

  emitAndConfirm(event: AuditEvent): Promise<void> {
    return Promise.resolve().then(() => {
      this.write(event);
      this.confirmed += 1;
    });
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private write(event: AuditEvent): void {
    const valid = parseAuditEvent(event);
    if (this.closed)
      throw new AuditWriteError('Cannot write audit event: the memory sink is closed.', this.name);
    const failure = this.options.failWhen?.(valid);
    if (failure) {
      throw new AuditWriteError(`Cannot write audit event ${valid.name}: ${failure.message}`, this.name, {
        cause: failure,
      });
    }
    this.events.push(valid);
  }
}
