import { auditAlertRejected, createAuditor, subscriptionOf } from '../../src/audit/auditor';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { COMMON, LB, NIC1, NSG, SUB, sequentialIds, steppingClock } from '../helpers/auditEvents';

describe('createAuditor', () => {
  it('records a thousand healthy backends as one event: counted, the first 20 listed, reasons summed', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, COMMON, { now: steppingClock(), newId: sequentialIds() });
    const backends = Array.from({ length: 1000 }, (_, i) => ({
      key: `${NIC1}-${i}`,
      ipAddress: `10.0.${i >> 8}.${i & 255}`,
      healthReason: i === 0 ? 'Up_Admin' : 'Up_Probe_Success',
    }));

    // Act
    const event = await audit.backendsHealthy({ backends });

    // Assess
    expect(sink.events).toHaveLength(1);
    expect(event).toMatchObject({
      name: 'ProbeDoctor.BackendsHealthy',
      count: '1000',
      omitted: '980',
      healthReasons: '{"Up_Admin":1,"Up_Probe_Success":999}',
      outcome: 'healthy',
    });
    const listed = JSON.parse((event as { backends: string }).backends) as unknown[];
    expect(listed).toHaveLength(20);
    expect(listed[1]).toEqual({ backend: `${NIC1}-1`, ipAddress: '10.0.0.1' });
  });

  it('fills the run dimensions and serialises structured values', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, COMMON, { now: steppingClock(), newId: sequentialIds() });

    // Act
    const event = await audit.fixApplied({
      fixKind: 'nsg-allow-probe',
      target: NSG,
      causeId: 'nsg-blocks-probe',
      before: { priority: 4000, access: 'Deny' },
      after: { priority: 3990, access: 'Allow' },
      outcome: 'applied',
    });

    // Assess
    expect(event).toEqual({
      name: 'ProbeDoctor.FixApplied',
      schemaVersion: '1',
      eventId: 'e1',
      time: '2026-11-25T10:00:00.000Z',
      runId: 'run-1',
      alertId: 'alert-1',
      loadBalancerId: LB,
      subscriptionId: SUB,
      mode: 'fix',
      fixKind: 'nsg-allow-probe',
      target: NSG,
      causeId: 'nsg-blocks-probe',
      before: '{"priority":4000,"access":"Deny"}',
      after: '{"priority":3990,"access":"Allow"}',
      outcome: 'applied',
    });
    expect(sink.events).toEqual([event]);
  });

  it('leaves out dimensions the run does not have', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, { runId: 'run-2', loadBalancerId: LB, mode: 'observe' });

    // Act
    const event = await audit.runStarted({ trigger: 'cli', outcome: 'started' });

    // Assess
    expect(event).not.toHaveProperty('alertId');
    expect(Object.values(event)).not.toContain(undefined);
  });

  it('confirms the write when asked, and only then', async () => {
    // Prepare
    const sink = new MemoryAuditSink();

    const audit = createAuditor(sink, COMMON);

    // Act
    await audit.validationResult({ backend: NIC1, method: 'health-reread', outcome: 'down' });
    await audit.fixPlanned(
      { fixKind: 'nsg-allow-probe', target: NSG, before: null, after: {}, outcome: 'planned' },
      { confirm: true },
    );

    // Assess
    expect(sink.confirmed).toBe(1);
    expect(sink.events).toHaveLength(2);
  });

  it('rejects when the audit cannot be written, so the caller does not make the change', async () => {
    // Prepare
    const sink = new MemoryAuditSink({
      failWhen: (e) => (e.name === 'ProbeDoctor.FixPlanned' ? new Error('disk full') : undefined),
    });
    const audit = createAuditor(sink, COMMON);
    let changed = false;

    // Act
    const attempt = audit
      .fixPlanned(
        { fixKind: 'nsg-allow-probe', target: NSG, before: null, after: {}, outcome: 'planned' },
        { confirm: true },
      )
      .then(() => {
        changed = true;
      });

    // Assess
    await expect(attempt).rejects.toThrow('Cannot write audit event ProbeDoctor.FixPlanned: disk full');
    expect(changed).toBe(false);
  });

  it('joins cause ids and turns counts into strings', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, COMMON);

    // Act
    const event = await audit.runFinished({
      causeIds: ['nsg-blocks-probe', 'not-listening'],
      fixesApplied: 1,
      backendsDown: 2,
      outcome: 'escalated',
    });

    // Assess
    expect(event).toMatchObject({
      causeIds: 'nsg-blocks-probe,not-listening',
      fixesApplied: '1',
      backendsDown: '2',
    });
  });
});

describe('RunFinished: the next steps and what could not be read, within a dimension', () => {
  it('writes them whole when they fit, and nothing when there are none', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, COMMON);
    const problem = { resourceId: NSG, kind: 'forbidden', statusCode: 403, message: 'refused' };

    // Act
    const full = await audit.runFinished({
      causeIds: [],
      fixesApplied: 0,
      backendsDown: 1,
      outcome: 'action-required',
      nextSteps: ['allow the probe', 'check the guest'],
      problems: [problem],
    });
    const bare = await audit.runFinished({
      causeIds: [],
      fixesApplied: 0,
      backendsDown: 0,
      outcome: 'healthy',
    });

    // Assess
    expect(full).toMatchObject({
      nextSteps: '["allow the probe","check the guest"]',
      problems: JSON.stringify([problem]),
    });
    expect(full).not.toHaveProperty('nextStepsOmitted');
    expect(full).not.toHaveProperty('problemsOmitted');
    expect(Object.keys(bare).filter((k) => /nextSteps|problems/.test(k))).toEqual([]);
  });

  it('keeps as many whole steps as 8,192 characters hold, in order, and counts the rest', async () => {
    // Prepare: 40 steps of 300 characters (12 KB).
    const sink = new MemoryAuditSink();
    const audit = createAuditor(sink, COMMON);
    const steps = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(297)}`);

    // Act
    const event = (await audit.runFinished({
      causeIds: [],
      fixesApplied: 0,
      backendsDown: 40,
      outcome: 'action-required',
      nextSteps: steps,
    })) as { nextSteps: string; nextStepsOmitted: string };

    // Assess: 302 characters each with quotes, 303 with the comma, 2 for the brackets: 27 fit.
    expect(event.nextSteps.length).toBeLessThanOrEqual(8192);
    expect(JSON.parse(event.nextSteps)).toEqual(steps.slice(0, 27));
    expect(event.nextStepsOmitted).toBe('13');
  });
});

describe('auditAlertRejected', () => {
  it('records an ignored resolved alert with the subscription of its target', async () => {
    // Prepare
    const sink = new MemoryAuditSink();

    // Act
    const event = await auditAlertRejected(
      sink,
      {
        runId: 'inv-9',
        alertId: 'alert-9',
        loadBalancerId: LB,
        mode: 'fix',
        reason: 'monitorCondition is Resolved',
        outcome: 'resolved-ignored',
      },
      { now: steppingClock(), newId: sequentialIds() },
    );

    // Assess
    expect(event).toEqual({
      name: 'ProbeDoctor.AlertRejected',
      schemaVersion: '1',
      eventId: 'e1',
      time: '2026-11-25T10:00:00.000Z',
      runId: 'inv-9',
      alertId: 'alert-9',
      loadBalancerId: LB,
      subscriptionId: SUB,
      mode: 'fix',
      reason: 'monitorCondition is Resolved',
      outcome: 'resolved-ignored',
    });
  });
});

describe('subscriptionOf', () => {
  it.each([
    [LB, SUB],
    [
      '/SUBSCRIPTIONS/ABCDEF00-0000-0000-0000-000000000001/resourceGroups/x',
      'abcdef00-0000-0000-0000-000000000001',
    ],
    ['lb-web', undefined],
  ])('%s -> %s', (id, expected) => {
    expect(subscriptionOf(id)).toBe(expected);
  });
});
