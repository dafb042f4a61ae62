import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import { sweepScheduleSetting } from '../src/config';

/** The fleet sweep over the allowed scopes, on PROBE_DOCTOR_SWEEP_SCHEDULE. */
export async function fleetSweep(
  _timer: Timer,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<void> {
  // The sweep's code (Resource Graph, the ARM readers) is loaded on the first tick, not at the worker's
  // start (cold start).
  const [{ config, credential, auditSink }, { handleSweepTimer }] = await Promise.all([
    functionsApp(),
    import('../src/triggers/sweepTimer'),
  ]);
  await handleSweepTimer({
    client,
    target: { kind: 'live', credential },
    config,
    auditSink,
    invocationId: context.invocationId,
    log: (line) => context.log(line),
  });
}

// Off by default: the timer exists only when a schedule is set.
const schedule = sweepScheduleSetting(process.env);
if (schedule) {
  df.app.client.timer('fleetSweep', { schedule, handler: fleetSweep });
}
