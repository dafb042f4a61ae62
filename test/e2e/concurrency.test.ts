/**
 * Two runs at once, on two load balancers whose backends share one subnet NSG that blocks both
 * probes: each run on its own durable host (as two orchestrations would run), one sandbox. Both must
 * end resolved, with exactly the two rules they need, no conflict left, nothing duplicated or lost,
 * and every other rule as it was.
 *
 * The one-host cases run under an event-loop watchdog: their regression (a run waiting for the NSG
 * lock spinning in a microtask loop) blocks the loop jest's timeout needs, so without it the test
 * would hang instead of failing; with it the file fails within 30 s with a line that says why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalHost, runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { findResource } from '../../src/sandbox/state';
import { watchEventLoop, type EventLoopWatchdog } from '../helpers/eventLoopWatchdog';

const FILE = join(__dirname, '../../scenarios/shared-nsg-two-lbs.json');

interface Rule {
  name: string;
  properties: {
    priority: number;
    access: string;
    destinationPortRange?: string;
    sourceAddressPrefix?: string;
  };
}

describe('two concurrent fix runs on load balancers that share an NSG', () => {
  it.each([
    ['without faults', 'two hosts', undefined],
    // One host for both (as the demo shares one with its triggers): the run waiting for the NSG lock
    // must let the holder's HTTP calls finish (it used to spin in a microtask loop, at 100% CPU).
    ['without faults', 'one host', undefined],
    [
      'with 409/429/500 faults on every other write',
      'two hosts',
      { seed: 11, conflictRate: 0.5, throttleRate: 0.2, serverErrorRate: 0.1, retryAfterSeconds: 0 },
    ],
    [
      'with 409/429/500 faults on every other write',
      'one host',
      { seed: 11, conflictRate: 0.5, throttleRate: 0.2, serverErrorRate: 0.1, retryAfterSeconds: 0 },
    ],
  ])('end resolved with exactly the rules both need (%s, %s)', async (_case, hosts, faults) => {
    // Prepare
    const json = JSON.parse(readFileSync(FILE, 'utf8')) as {
      expect: { loadBalancerId: string };
      alsoExpect: { loadBalancerId: string }[];
    };
    const lbs = [json.expect.loadBalancerId, json.alsoExpect[0]!.loadBalancerId];
    const sandbox = await startSandbox({ scenario: parseScenario(json) });
    const nsgId = (
      sandbox.state.scenario.resources.find(
        (r) => r.type === 'Microsoft.Network/networkSecurityGroups' && /shared/i.test(r.name),
      ) ?? { id: '' }
    ).id;
    const rulesBefore = structuredClone(
      (findResource(sandbox.state, nsgId)?.properties as { securityRules: Rule[] }).securityRules,
    );
    const options = {
      target: { kind: 'sandbox' as const, endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      // Fix mode writes nothing without an audit trail; keep it in memory here.
      auditSink: new MemoryAuditSink(),
      // The product's write backoff (500 ms doubling) scaled down 50x: retries still wait, as they do in
      // production, so the other run's in-progress NSG operation can finish; a zero wait would burn every
      // attempt on its 409 AnotherOperationInProgress within microseconds, which Azure never sees.
      remediation: createRemediation({
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / 50)),
        pollIntervalMs: 1,
        // With a synthetic 409 on every other write (conflictRate 0.5), the default five attempts all meet
        // one once in 32 writes by chance alone: 4 writes per case made 1 run in 5 fail on the budget,
        // not on concurrency (measured: 4 of 19 runs). Ten attempts leave that at 1 in 1,024 per write.
        ...(faults ? { writeAttempts: 10 } : {}),
      }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    };
    let watchdog: EventLoopWatchdog | undefined;
    try {
      if (hosts === 'one host') {
        watchdog = watchEventLoop(
          `concurrency.test one host (${_case})`,
          'the run waiting for the shared NSG lock never lets the holder finish: the one-host livelock of concurrency-livelock-repro.js.txt; see LocalDurableHost episodes on setImmediate',
        );
      }
      if (faults) sandbox.setFaults(faults);

      // Act
      const shared = hosts === 'one host' ? createLocalHost(options) : undefined;
      const reports = await Promise.all(
        lbs.map((lb) =>
          runLocally({
            ...options,
            host: shared ?? createLocalHost(options),
            input: { loadBalancerId: lb, mode: 'fix' },
          }),
        ),
      );

      // Assess
      expect(reports.map((r) => r.report.verdict)).toEqual(['resolved', 'resolved']);
      const rulesAfter = (findResource(sandbox.state, nsgId)?.properties as { securityRules: Rule[] })
        .securityRules;
      const added = rulesAfter.filter((r) => !rulesBefore.some((b) => b.name === r.name));
      expect(added.map((r) => r.properties.destinationPortRange).sort()).toEqual(['80', '8443']);
      for (const rule of added) {
        expect(rule.name).toMatch(/^probe-doctor-allow-probe-(80|8443)-[0-9a-f]{8}$/);
        expect(rule.properties).toMatchObject({ access: 'Allow', sourceAddressPrefix: 'AzureLoadBalancer' });
      }
      // No two rules share a priority (no SecurityRuleConflict left behind), none was lost or changed.
      const priorities = rulesAfter.map((r) => r.properties.priority);
      expect(new Set(priorities).size).toBe(priorities.length);
      for (const before of rulesBefore) {
        expect(rulesAfter.find((r) => r.name === before.name)?.properties).toEqual(before.properties);
      }
      if (faults) {
        expect(sandbox.requestLog.some((r) => r.status === 409 || r.status === 429 || r.status >= 500)).toBe(
          true,
        );
      }
    } finally {
      await watchdog?.stop();
      await sandbox.stop();
    }
  });
});
