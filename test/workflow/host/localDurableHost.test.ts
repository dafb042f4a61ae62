import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { HistoryEventType } from '../../../src/workflow/host/events';
import { LocalDurableHost, type LocalActivity } from '../../../src/workflow/host/localDurableHost';

const T0 = new Date('2026-11-25T10:00:00.000Z');

function hostWith(
  orchestrators: Record<string, OrchestrationHandler>,
  activities: Record<string, LocalActivity>,
) {
  return new LocalDurableHost({ orchestrators, activities, clock: () => T0 });
}

const types = (history: { EventType: number }[]): string[] =>
  history.map((e) => HistoryEventType[e.EventType] ?? '?');

describe('LocalDurableHost', () => {
  it('runs activities in sequence and in parallel, and records each episode', async () => {
    // Prepare
    const orchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
      const a = (yield context.df.callActivity('double', 2)) as number;
      const rest = (yield context.df.Task.all([
        context.df.callActivity('double', a),
        context.df.callActivity('double', 10),
      ])) as number[];
      return [a, ...rest];
    };
    const host = hostWith({ o: orchestrator }, { double: (n) => (n as number) * 2 });

    // Act
    await host.start('o', 'i1', undefined);
    const status = await host.waitForCompletion('i1');

    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual([4, 8, 20]);
    expect(types(status.history)).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskScheduled',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'TaskCompleted',
      'OrchestratorCompleted',
    ]);
  });

  it('honours RetryOptions: a failed attempt is retried after the retry timer', async () => {
    // Prepare
    let calls = 0;
    const orchestrator: OrchestrationHandler = function* (context) {
      const retry = new df.RetryOptions(5000, 3);
      retry.backoffCoefficient = 2;
      return (yield context.df.callActivityWithRetry('flaky', retry, 'x')) as unknown;
    };
    const host = hostWith(
      { o: orchestrator },
      {
        flaky: () => {
          calls += 1;
          if (calls < 3) throw new Error(`attempt ${calls} failed`);
          return `ok after ${calls}`;
        },
      },
    );

    // Act
    await host.start('o', 'r1');
    const status = await host.waitForCompletion('r1');

    // Assess
    expect(status.output).toBe('ok after 3');
    const timers = status.history.filter((e) => e.EventType === HistoryEventType.TimerCreated);
    expect(timers.map((e) => (e['FireAt'] as Date).getTime() - T0.getTime())).toEqual([5000, 5000 + 10000]);
    expect(status.history.filter((e) => e.EventType === HistoryEventType.TaskFailed)).toHaveLength(2);
  });

  it('fails the instance when every attempt fails, with the activity error', async () => {
    // Prepare
    const orchestrator: OrchestrationHandler = function* (context) {
      return (yield context.df.callActivityWithRetry(
        'broken',
        new df.RetryOptions(1000, 2),
        null,
      )) as unknown;
    };
    const host = hostWith(
      { o: orchestrator },
      {
        broken: () => {
          throw new Error('always broken');
        },
      },
    );

    // Act
    await host.start('o', 'f1');
    const status = await host.waitForCompletion('f1');

    // Assess
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.error).toBe('Error: always broken');
  });

  it('fast-forwards a durable timer: currentUtcDateTime moves to the fire time', async () => {
    // Prepare
    const orchestrator: OrchestrationHandler = function* (context) {
      const start = context.df.currentUtcDateTime.toISOString();
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 90_000));
      return [start, context.df.currentUtcDateTime.toISOString()];
    };
    const host = hostWith({ o: orchestrator }, {});

    // Act
    await host.start('o', 't1');
    const status = await host.waitForCompletion('t1');

    // Assess
    expect(status.output).toEqual(['2026-11-25T10:00:00.000Z', '2026-11-25T10:01:30.000Z']);
  });

  describe('an external event raced against a timer', () => {
    const orchestrator: OrchestrationHandler = function* (context) {
      const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
      const event = context.df.waitForExternalEvent('approval');
      context.df.setCustomStatus({ phase: 'waiting' });
      const winner = yield context.df.Task.any([event, timer]);
      if (winner === event) {
        timer.cancel();
        return { got: event.result };
      }
      return { got: 'timeout' };
    };

    it('waits (stays Running) until the event is raised, then completes with its data', async () => {
      // Prepare
      const host = hostWith({ o: orchestrator }, {});
      await host.start('o', 'e1');

      // Act
      const waiting = await host.waitForIdle('e1');
      await host.raiseEvent('e1', 'approval', { decision: 'approve' });
      const done = await host.waitForCompletion('e1');

      // Assess
      expect(waiting.runtimeStatus).toBe('Running');
      expect(waiting.customStatus).toEqual({ phase: 'waiting' });
      expect(waiting.waitingForEvents).toEqual(['approval']);
      expect(done.output).toEqual({ got: { decision: 'approve' } });
    });

    it('fires the timer only when told to fast-forward', async () => {
      // Prepare
      const host = hostWith({ o: orchestrator }, {});
      await host.start('o', 'e2');
      await host.waitForIdle('e2');

      // Act
      await host.fastForward('e2');
      const done = await host.waitForCompletion('e2');

      // Assess
      expect(done.output).toEqual({ got: 'timeout' });
    });

    it('delivers an event raised before the wait started', async () => {
      // Prepare
      const late: OrchestrationHandler = function* (context) {
        yield context.df.callActivity('slow', null);
        return (yield context.df.waitForExternalEvent('go')) as unknown;
      };
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const host = hostWith({ o: late }, { slow: () => gate });
      await host.start('o', 'e3');

      // Act
      await host.raiseEvent('e3', 'go', 'early');
      release();
      const done = await host.waitForCompletion('e3');

      // Assess
      expect(done.output).toBe('early');
    });
  });

  it('joins a second start of an instance that is running, and restarts a finished one', async () => {
    // Prepare
    const orchestrator: OrchestrationHandler = function* (context) {
      return (yield context.df.waitForExternalEvent('go')) as unknown;
    };
    const host = hostWith({ o: orchestrator }, {});
    const first = await host.start('o', 'same', 1);

    // Act
    const second = await host.start('o', 'same', 2);
    await host.raiseEvent('same', 'go', 'done');
    const finished = await host.waitForCompletion('same');
    const third = await host.start('o', 'same', 3);

    // Assess
    expect(first.joined).toBe(false);
    expect(second).toEqual({ instanceId: 'same', joined: true, runtimeStatus: 'Pending' });
    expect(finished.input).toBe(1);
    expect(third.joined).toBe(false);
    expect(host.getStatus('same')?.input).toBe(3);
  });

  it.each([
    [
      'an unknown orchestrator',
      () => hostWith({}, {}).start('nope', 'x'),
      'Orchestrator "nope" is not registered.',
    ],
    [
      'an event for an unknown instance',
      () => hostWith({}, {}).raiseEvent('x', 'e'),
      'No orchestration instance "x".',
    ],
  ])('refuses %s', async (_case, act, message) => {
    // Act / Assess
    await expect(act()).rejects.toThrow(message);
  });

  it('fails an instance that calls an activity nobody registered', async () => {
    // Prepare
    const orchestrator: OrchestrationHandler = function* (context) {
      return (yield context.df.callActivity('missing', null)) as unknown;
    };
    const host = hostWith({ o: orchestrator }, {});

    // Act
    await host.start('o', 'm1');
    const status = await host.waitForCompletion('m1');

    // Assess
    expect(status.error).toBe('Error: Activity "missing" is not registered.');
  });
});

describe('LocalDurableHost entity locks', () => {
  const entity = new df.EntityId('nsgLock', 'k1');
  /** Locks `entity`, runs one activity inside, and releases unless told to end while holding it. */
  const locking = (release: boolean): OrchestrationHandler =>
    function* (context: OrchestrationContext) {
      const lock = (yield context.df.lock(entity)) as df.DurableLock;
      yield context.df.callActivity('work', context.df.instanceId);
      if (release) lock.release();
      return context.df.isLocked().isLocked;
    };

  it('grants a contended lock first come, first served, one holder at a time', async () => {
    // Prepare
    const order: string[] = [];
    const host = hostWith({ o: locking(true) }, { work: (id) => order.push(id as string) });

    // Act
    for (const id of ['i1', 'i2', 'i3']) await host.start('o', id, undefined);
    const done = await Promise.all(['i1', 'i2', 'i3'].map((id) => host.waitForCompletion(id)));

    // Assess
    expect(done.map((s) => [s.runtimeStatus, s.output])).toEqual([
      ['Completed', false],
      ['Completed', false],
      ['Completed', false],
    ]);
    expect(order).toEqual(['i1', 'i2', 'i3']);
    expect(types(done[0]?.history ?? [])).toEqual([
      'OrchestratorStarted',
      'ExecutionStarted',
      'EventSent',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'EventRaised',
      'TaskScheduled',
      'OrchestratorCompleted',
      'OrchestratorStarted',
      'TaskCompleted',
      'OrchestratorCompleted',
    ]);
    expect(host.lockHolders()).toEqual({});
  });

  it('frees the locks of an orchestration that ends inside its critical section', async () => {
    // Prepare
    const host = hostWith({ keep: locking(false), o: locking(true) }, { work: () => null });
    await host.start('keep', 'holder', undefined);
    const held = await host.waitForCompletion('holder');

    // Act
    await host.start('o', 'next', undefined);
    const next = await host.waitForCompletion('next');

    // Assess
    expect(held.output).toBe(true);
    expect(next.runtimeStatus).toBe('Completed');
    expect(host.lockHolders()).toEqual({});
  });

  it('keeps a lock held while its holder waits, then hands it on', async () => {
    // Prepare: the holder waits for an event inside its section.
    const waiting: OrchestrationHandler = function* (context: OrchestrationContext) {
      const lock = (yield context.df.lock(entity)) as df.DurableLock;
      yield context.df.waitForExternalEvent('go');
      lock.release();
      return 'released';
    };
    const host = hostWith({ waiting, o: locking(true) }, { work: () => null });
    await host.start('waiting', 'holder', undefined);
    await host.waitForIdle('holder');
    await host.start('o', 'queued', undefined);
    const blocked = await host.waitForIdle('queued');
    const holdersWhileBlocked = host.lockHolders();

    // Act
    await host.raiseEvent('holder', 'go');
    const after = await host.waitForCompletion('queued');

    // Assess
    expect(blocked.runtimeStatus).toBe('Running');
    expect(holdersWhileBlocked).toEqual({ '@nsglock@k1': 'holder' });
    expect(after.runtimeStatus).toBe('Completed');
    expect(host.lockHolders()).toEqual({});
  });

  describe('time', () => {
    const sleeper: OrchestrationHandler = function* (context: OrchestrationContext) {
      context.df.setCustomStatus({ waitReason: 'for a test' });
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 300));
      return 'woke';
    };

    it('on wall time waits for a timer for real, and announces the wait once', async () => {
      // Prepare
      const waits: { seconds: number; kind: string; customStatus: unknown }[] = [];
      const host = new LocalDurableHost({
        orchestrators: { o: sleeper },
        activities: {},
        time: { kind: 'wall' },
        onWait: (w) => waits.push({ seconds: w.seconds, kind: w.kind, customStatus: w.customStatus }),
      });
      const started = Date.now();

      // Act
      await host.start('o', 'w1');
      const status = await host.waitForCompletion('w1');

      // Assess
      expect(status.output).toBe('woke');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(waits).toEqual([{ seconds: 0, kind: 'timer', customStatus: { waitReason: 'for a test' } }]);
    });

    it('on virtual time skips to the timer by moving the shared clock, without waiting', async () => {
      // Prepare
      let now = T0.getTime();
      const moves: number[] = [];
      const long: OrchestrationHandler = function* (context: OrchestrationContext) {
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
        return context.df.currentUtcDateTime.toISOString();
      };
      const host = new LocalDurableHost({
        orchestrators: { o: long },
        activities: {},
        clock: () => new Date(now),
        time: {
          kind: 'virtual',
          advanceTo: (ms) => {
            moves.push(ms - T0.getTime());
            now = ms;
          },
        },
      });

      // Act
      await host.start('o', 'v1');
      const status = await host.waitForCompletion('v1');

      // Assess
      expect(moves).toEqual([3_600_000]);
      expect(status.output).toBe('2026-11-25T11:00:00.000Z');
    });

    /** An activity that never answers raced against a timer 200 ms later: 'deadline' when the timer wins. */
    const deadlineRace = (clock?: () => Date) =>
      new LocalDurableHost({
        orchestrators: {
          o: function* (context: OrchestrationContext) {
            const work = context.df.callActivity('hang', null);
            const deadline = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 200));
            const winner = yield context.df.Task.any([work, deadline]);
            return winner === deadline ? 'deadline' : 'work';
          },
        },
        activities: { hang: () => new Promise(() => undefined) },
        ...(clock ? { clock } : {}),
      });

    it('lets a timer win the race against an activity that is still running (a deadline)', async () => {
      // Prepare: the activity never answers; the timer is due 200 ms later on the real clock.
      const host = deadlineRace();

      // Act
      await host.start('o', 'd1');
      const status = await host.waitForCompletion('d1');

      // Assess
      expect(status.output).toBe('deadline');
    });

    it('still fires a timer when the clock it reads runs behind the timers that wake it', async () => {
      // Prepare: the host's clock runs at 80% of real time, so the first wake (set for the 200 ms the
      // clock says are left) comes before the clock reaches the timer; the host must wake again.
      const start = Date.now();
      const host = deadlineRace(() => new Date(start + (Date.now() - start) * 0.8));

      // Act
      await host.start('o', 'd2');
      const status = await host.waitForCompletion('d2');

      // Assess
      expect(status.output).toBe('deadline');
    }, 5_000);
  });
});
