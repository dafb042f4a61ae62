import { isAuditWriteError } from '../../src/audit/errors';
import type { AuditEvent } from '../../src/audit/events';
import { FanOutAuditSink } from '../../src/audit/fanOutSink';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { emitConfirmed, type AuditSink } from '../../src/audit/sink';
import { resolvedRun } from '../helpers/auditEvents';

/** A sink without emitAndConfirm, recording the calls it gets. */
class PlainSink implements AuditSink {
  readonly name = 'plain';
  readonly calls: string[] = [];
  emit(event: AuditEvent) {
    this.calls.push(`emit ${event.name}`);
    return Promise.resolve();
  }
  flush() {
    this.calls.push('flush');
    return Promise.resolve();
  }
  close() {
    this.calls.push('close');
    return Promise.resolve();
  }
}

describe('FanOutAuditSink', () => {
  let events: AuditEvent[];
  beforeAll(async () => {
    events = await resolvedRun();
  });

  it('writes each event to every sink', async () => {
    // Prepare
    const a = new MemoryAuditSink();
    const b = new MemoryAuditSink();
    const fan = new FanOutAuditSink([a, b]);

    // Act
    for (const e of events) await fan.emit(e);

    // Assess
    expect(a.events).toEqual(events);
    expect(b.events).toEqual(events);
  });

  it('fails the emit when any sink fails, after trying all of them', async () => {
    // Prepare
    const healthy = new MemoryAuditSink();
    const full = new MemoryAuditSink({ failWhen: () => new Error('ENOSPC: no space left on device') });
    const fan = new FanOutAuditSink([full, healthy]);

    // Act
    const emitted = fan.emit(events[0]!);

    // Assess
    await expect(emitted).rejects.toThrow(
      'Cannot write audit event ProbeDoctor.RunStarted: memory: Cannot write audit event ProbeDoctor.RunStarted: ENOSPC: no space left on device',
    );
    await expect(emitted.catch((e: unknown) => isAuditWriteError(e))).resolves.toBe(true);
    expect(healthy.events).toEqual([events[0]]);
  });

  it('rejects a malformed event before any sink sees it', async () => {
    // Prepare
    const a = new MemoryAuditSink();
    const fan = new FanOutAuditSink([a]);

    // Act
    const emitted = fan.emit({ ...events[0]!, mode: 'auto' } as unknown as AuditEvent);

    // Assess
    await expect(emitted).rejects.toThrow('Invalid ProbeDoctor.RunStarted: mode must be observe or fix.');
    expect(a.events).toEqual([]);
  });

  it('confirms through emitAndConfirm where a sink has it, and emit then flush where not', async () => {
    // Prepare
    const confirming = new MemoryAuditSink();
    const plain = new PlainSink();
    const fan = new FanOutAuditSink([confirming, plain]);

    // Act
    await emitConfirmed(fan, events[3]!);
    await fan.close();

    // Assess
    expect(confirming.confirmed).toBe(1);
    expect(plain.calls).toEqual(['emit ProbeDoctor.FixPlanned', 'flush', 'close']);
  });
});
