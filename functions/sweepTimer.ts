import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { functionsApp } from '../src/app/functionsApp';
import { sweepScheduleSetting } from '../src/config';
import { handleSweepTimer } from '../src/triggers/sweepTimer';

/** The fleet sweep over the allowed scopes, on PROBE_DOCTOR_SWEEP_SCHEDULE. */
export async function fleetSweep(
  _timer: Timer,
  client: df.DurableClient,
  context: InvocationContext,
): Promise<void> {
  const { config, credential, auditSink } = await functionsApp();
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
