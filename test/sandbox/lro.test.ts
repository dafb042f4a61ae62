import {
  LockTable,
  OPERATION_EXPIRY_MS,
  OperationStore,
  asyncOperationBody,
  retryAfterSeconds,
} from '../../src/sandbox/lro';
import { SandboxHttpError } from '../../src/sandbox/httpError';

function store(clock = { now: 0 }) {
  return new OperationStore(
    () => 'https://127.0.0.1:1',
    () => clock.now,
  );
}

const start = {
  namespace: 'Microsoft.Network',
  subscriptionId: 's',
  location: 'westeurope',
  apiVersion: '2025-05-01',
};

describe('OperationStore', () => {
  it('answers "in progress" for the configured polls, then finishes once', () => {
    // Prepare
    const ops = store();
    let done = 0;
    const op = ops.start({ ...start, pollsBeforeDone: 2, result: { up: 1 }, onDone: () => (done += 1) });
    // Act
    const statuses = [1, 2, 3, 4].map(() => ops.poll(op.id)?.status);
    // Assess
    expect(statuses).toEqual(['InProgress', 'InProgress', 'Succeeded', 'Succeeded']);
    expect(done).toBe(1);
  });

  it('builds operation URLs under the sandbox with the request api-version', () => {
    // Prepare
    const ops = store();
    const op = ops.start({ ...start, pollsBeforeDone: 0 });
    // Act
    const urls = [ops.asyncOperationUrl(op), ops.locationUrl(op)];
    // Assess
    expect(urls).toEqual([
      'https://127.0.0.1:1/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/00000000-0000-0000-0000-000000000001?api-version=2025-05-01',
      'https://127.0.0.1:1/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operationResults/00000000-0000-0000-0000-000000000001?api-version=2025-05-01',
    ]);
  });

  it.each([
    [
      'Microsoft.Compute',
      'https://127.0.0.1:1/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/00000000-0000-0000-0000-000000000001?api-version=2025-05-01',
      'https://127.0.0.1:1/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/00000000-0000-0000-0000-000000000001?api-version=2025-05-01&monitor=true',
    ],
    [
      'Microsoft.Support',
      'https://127.0.0.1:1/subscriptions/s/providers/Microsoft.Support/operationsStatus/00000000-0000-0000-0000-000000000001?api-version=2025-05-01',
      'https://127.0.0.1:1/subscriptions/s/providers/Microsoft.Support/operationResults/00000000-0000-0000-0000-000000000001?api-version=2025-05-01',
    ],
  ])(
    "builds %s operation URLs in that provider's shape (its real RBAC read action)",
    (namespace, async, location) => {
      // Prepare
      const ops = store();
      const op = ops.start({ ...start, namespace, pollsBeforeDone: 0 });
      // Act / Assess
      expect([ops.asyncOperationUrl(op), ops.locationUrl(op)]).toEqual([async, location]);
    },
  );

  it('reports a failed operation with its error', () => {
    // Prepare
    const ops = store();
    const op = ops.start({
      ...start,
      pollsBeforeDone: 0,
      error: new SandboxHttpError(400, 'Bad', 'bad input'),
    });
    // Act
    ops.poll(op.id);
    // Assess
    expect(asyncOperationBody(op)).toMatchObject({
      status: 'Failed',
      error: { code: 'Bad', message: 'bad input' },
    });
  });

  it('answers undefined for an unknown operation', () => {
    // Act / Assess
    expect(store().poll('nope')).toBeUndefined();
  });
});

describe('LockTable', () => {
  it('holds a key while its operation runs, and frees it when done', () => {
    // Prepare
    const ops = store();
    const locks = new LockTable(ops);
    const op = ops.start({ ...start, pollsBeforeDone: 0 });
    locks.hold('nsg', op);
    // Act
    const during = locks.holder('nsg');
    ops.poll(op.id);
    const after = locks.holder('nsg');
    // Assess
    expect([during?.id, after]).toEqual([op.id, undefined]);
  });

  it('frees the key of an operation nobody polls after the expiry', () => {
    // Prepare
    const clock = { now: 0 };
    const ops = store(clock);
    const locks = new LockTable(ops);
    const op = ops.start({ ...start, pollsBeforeDone: 5 });
    locks.hold('nsg', op);
    // Act
    clock.now = OPERATION_EXPIRY_MS + 1;
    const holder = locks.holder('nsg');
    // Assess
    expect(holder).toBeUndefined();
    expect(op.status).toBe('Succeeded');
  });
});

describe('OperationStore with a duration (timeModel.ts)', () => {
  it('answers "in progress" until its time is up, whatever the polls, and says the seconds left', () => {
    // Prepare
    const clock = { now: 1_000 };
    const ops = store(clock);
    const op = ops.start({ ...start, pollsBeforeDone: 0, durationMs: 20_000, startedAtMs: 900 });
    // Act
    const atStart = [ops.poll(op.id)?.status, retryAfterSeconds(ops, op)];
    clock.now = 900 + 19_999;
    const justBefore = [ops.poll(op.id)?.status, retryAfterSeconds(ops, op)];
    clock.now = 900 + 20_000;
    const atEnd = [ops.poll(op.id)?.status, retryAfterSeconds(ops, op)];
    // Assess
    expect(atStart).toEqual(['InProgress', '19']);
    expect(justBefore).toEqual(['InProgress', '0']);
    expect(atEnd).toEqual(['Succeeded', '0']);
    expect(asyncOperationBody(op)).toMatchObject({
      startTime: new Date(900).toISOString(),
      endTime: new Date(20_900).toISOString(),
    });
  });

  it('ends on time when nobody polls: the lock is free and onDone has run', () => {
    // Prepare
    const clock = { now: 0 };
    const ops = store(clock);
    const locks = new LockTable(ops);
    let done = 0;
    const op = ops.start({ ...start, pollsBeforeDone: 3, durationMs: 7_500, onDone: () => (done += 1) });
    locks.hold('nsg', op);
    // Act
    clock.now = 7_499;
    ops.settleDue();
    const during = [locks.holder('nsg')?.id, done];
    clock.now = 7_500;
    ops.settleDue();
    // Assess
    expect(during).toEqual([op.id, 0]);
    expect([locks.holder('nsg'), done, op.status]).toEqual([undefined, 1, 'Succeeded']);
  });
});
