/**
 * A sink that validates events and keeps none: for a read-only (observe) CLI run where the person
 * asked for no audit log. Never used when changes can be made: `diagnose --fix` always writes a
 * JSON-lines trail, and the Functions app requires a destination in fix mode.
 */
import type { AuditEvent } from './events';
import { parseAuditEvent } from './events';
import type { AuditSink } from './sink';

export class DiscardAuditSink implements AuditSink {
  readonly name = 'discard';

  emit(event: AuditEvent): Promise<void> {
    // Still validated: a malformed event is a bug whether or not anyone keeps it.
    parseAuditEvent(event);
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
