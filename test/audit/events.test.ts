import { isInvalidAuditEventError } from '../../src/audit/errors';
import { parseAuditEvent, toDimensions } from '../../src/audit/events';
import { LB, NIC1, NSG, SUB } from '../helpers/auditEvents';

const base = {
  schemaVersion: '1',
  eventId: 'e1',
  time: '2026-11-25T10:00:00.000Z',
  runId: 'run-1',
  loadBalancerId: LB,
  subscriptionId: SUB,
  mode: 'fix',
};
const applied = {
  name: 'ProbeDoctor.FixApplied',
  ...base,
  fixKind: 'nsg-allow-probe',
  target: NSG,
  causeId: 'nsg-blocks-probe',
  backend: NIC1,
  before: 'null',
  after: '{"priority":3990}',
  outcome: 'applied',
};

describe('parseAuditEvent', () => {
  it('accepts a valid event and keeps its fields', () => {
    // Act
    const event = parseAuditEvent(applied);

    // Assess
    expect(event).toEqual(applied);
  });

  it.each([
    [
      'an unknown name',
      { ...applied, name: 'ProbeDoctor.Nope' },
      'Invalid audit event: name must be one of ProbeDoctor.RunStarted, ProbeDoctor.BackendChecked, ProbeDoctor.BackendsHealthy, ProbeDoctor.CauseFound, ProbeDoctor.FixPlanned, ProbeDoctor.FixApplied, ProbeDoctor.FixRolledBack, ProbeDoctor.ValidationResult, ProbeDoctor.Escalated, ProbeDoctor.RunFinished, ProbeDoctor.AlertRejected, ProbeDoctor.ApprovalReceived, ProbeDoctor.RunCommandAccepted, ProbeDoctor.SweepCompleted (got "ProbeDoctor.Nope").',
      'name',
    ],
    [
      'after that is not JSON',
      { ...applied, after: '{priority:3990' },
      'Invalid ProbeDoctor.FixApplied: after must be JSON text.',
      'after',
    ],
    [
      'an outcome of another event',
      { ...applied, outcome: 'planned' },
      'Invalid ProbeDoctor.FixApplied: outcome must be one of started, applied, already-in-place, failed.',
      'outcome',
    ],
    [
      'an unknown shape of down by design',
      {
        name: 'ProbeDoctor.BackendChecked',
        ...base,
        backend: NIC1,
        probeState: 'expected-down',
        causeIds: '',
        outcome: 'expected-down',
        downByDesign: 'maintenance',
      },
      'Invalid ProbeDoctor.BackendChecked: downByDesign must be one of no-local-endpoint, listener-on-active-node-only.',
      'downByDesign',
    ],
    [
      'an unknown cause id',
      { ...applied, causeId: 'dns' },
      'Invalid ProbeDoctor.FixApplied: causeId must be one of vm-not-running, vm-unhealthy, not-listening, probe-endpoint-error, nsg-blocks-probe, guest-firewall-blocks-probe, route-diverts-probe, probe-misconfigured, backend-pool-empty, unknown.',
      'causeId',
    ],
    [
      'a missing runId',
      { ...applied, runId: undefined },
      'Invalid ProbeDoctor.FixApplied: runId is required.',
      'runId',
    ],
    [
      'an empty runId',
      { ...applied, runId: '' },
      'Invalid ProbeDoctor.FixApplied: runId must not be empty.',
      'runId',
    ],
    [
      'a target that is not a resource id',
      { ...applied, target: 'nsg-web' },
      'Invalid ProbeDoctor.FixApplied: target must be an ARM resource id (/subscriptions/.../resourceGroups/.../providers/...).',
      'target',
    ],
    [
      'a time that is not ISO 8601',
      { ...applied, time: 'yesterday' },
      'Invalid ProbeDoctor.FixApplied: time must be an ISO 8601 date-time.',
      'time',
    ],
    [
      'a subscription that is not a GUID',
      { ...applied, subscriptionId: 'sub' },
      'Invalid ProbeDoctor.FixApplied: subscriptionId must be a GUID.',
      'subscriptionId',
    ],
    [
      'a bad cause list',
      {
        name: 'ProbeDoctor.Escalated',
        ...base,
        causeIds: 'nsg-blocks-probe,dns',
        reason: 'still down',
        outcome: 'ticket-built',
      },
      'Invalid ProbeDoctor.Escalated: causeIds must be a comma-separated list of cause ids (vm-not-running, vm-unhealthy, not-listening, probe-endpoint-error, nsg-blocks-probe, guest-firewall-blocks-probe, route-diverts-probe, probe-misconfigured, backend-pool-empty, unknown).',
      'causeIds',
    ],
    [
      'a rollback without a reason',
      { ...applied, name: 'ProbeDoctor.FixRolledBack', outcome: 'rolled-back' },
      'Invalid ProbeDoctor.FixRolledBack: reason is required.',
      'reason',
    ],
    ['not an object', 'FixApplied', 'Invalid audit event: (event) must be of type object.', ''],
  ])('rejects %s', (_case, value, message, field) => {
    // Act
    let error: unknown;
    try {
      parseAuditEvent(value);
    } catch (err) {
      error = err;
    }

    // Assess
    expect(isInvalidAuditEventError(error)).toBe(true);
    expect((error as Error).message).toBe(message);
    expect((error as { field?: string }).field).toBe(field);
  });

  it('accepts a rejected alert with no load balancer', () => {
    // Prepare
    const rejected = {
      name: 'ProbeDoctor.AlertRejected',
      schemaVersion: '1',
      eventId: 'e9',
      time: '2026-11-25T10:00:00Z',
      runId: 'inv-1',
      mode: 'observe',
      reason: 'payload is not the common alert schema',
      outcome: 'malformed',
    };

    // Act
    const event = parseAuditEvent(rejected);

    // Assess
    expect(event).toEqual(rejected);
  });

  it('returns a validated event frozen, and the same event again without a second look', () => {
    // Prepare
    const event = parseAuditEvent(applied);

    // Act
    const again = parseAuditEvent(event);
    const change = () => {
      (event as { outcome: string }).outcome = '';
    };

    // Assess
    expect(again).toBe(event);
    expect(Object.isFrozen(event)).toBe(true);
    expect(change).toThrow(TypeError);
    expect(parseAuditEvent(event)).toEqual(applied);
  });

  it('validates again an event it did not return, even one equal to a validated one', () => {
    // Prepare: a valid event remembered, then a copy of it made invalid
    const event = parseAuditEvent(applied);
    const copy = { ...event, outcome: '' };

    // Act
    const parse = () => parseAuditEvent(copy);

    // Assess
    expect(parse).toThrow('Invalid ProbeDoctor.FixApplied: outcome');
  });
});

describe('toDimensions', () => {
  it('turns every field but the name into a string dimension', () => {
    // Act
    const dimensions = toDimensions(parseAuditEvent(applied));

    // Assess
    expect(dimensions).toEqual(Object.fromEntries(Object.entries(applied).filter(([k]) => k !== 'name')));
    expect(dimensions).not.toHaveProperty('name');
  });
});
