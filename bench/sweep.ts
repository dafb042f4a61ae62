/**
 * The fleet sweep over `count` load balancers spread over `subscriptions` subscriptions (every
 * `downEvery`-th one with backends down): wall time, and what it asked ARM for per subscription, to
 * set against ARM's read budget (docs/sweep.md). Remediations are recorded by a client that only
 * counts them: the figure is the sweep's, not the runs'.
 */
import { sweepFleet } from '../src/app/sweep';
import type { OrchestrationClient } from '../src/triggers/client';
import { startSandbox } from '../src/sandbox/server';
import { scaledFleet } from './fleetScenario';
import { timed, type BenchRow } from './measure';

export async function benchSweep(count: number, subscriptions: number, concurrency = 8): Promise<BenchRow> {
  const scenario = scaledFleet(count, subscriptions, 50);
  const subs = [...new Set(scenario.resources.map((r) => r.id.split('/')[2] as string))];
  const sandbox = await startSandbox({ scenario });
  let started = 0;
  const client: OrchestrationClient = {
    startNew: () => Promise.resolve(String(++started)),
    getStatus: () => Promise.reject(new Error('HTTP 404')),
    raiseEvent: () => Promise.resolve(),
    createCheckStatusResponse: () => {
      throw new Error('not used');
    },
  };
  try {
    const { value: report, ms } = await timed(() =>
      sweepFleet({
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
        client,
        sweepId: 'bench',
        scopes: subs.map((subscriptionId) => ({ subscriptionId })),
        mode: 'observe',
        concurrency,
        // Unpaced: the figure is the sweep's own cost; the pace is arithmetic (docs/sweep.md).
        loadBalancersPerSecond: 0,
      }),
    );
    const log = sandbox.requestLog;
    const perSub = (pred: (e: (typeof log)[number]) => boolean) =>
      Math.max(
        ...subs.map(
          (s) => log.filter((e) => pred(e) && e.path.toLowerCase().startsWith(`/subscriptions/${s}`)).length,
        ),
      );
    return {
      name: `sweep-${count}`,
      n: report.totals.loadBalancers,
      totalMs: ms,
      counts: {
        subscriptions: subs.length,
        concurrency,
        down: report.totals.down,
        started,
        resourceGraphRequests: log.filter((e) => e.path.toLowerCase().includes('microsoft.resourcegraph'))
          .length,
        armGetsMaxPerSub: perSub((e) => e.method === 'GET'),
        armPostsMaxPerSub: perSub((e) => e.method === 'POST'),
        requests: log.length,
      },
    };
  } finally {
    await sandbox.stop();
  }
}
