/**
 * One retry layer per call (issue 15): a fix run against the sandbox, through the real SDK over HTTPS,
 * with one call faulted, counts how many times that call reached ARM. A 429 with Retry-After is
 * retried by the SDK pipeline alone (1 + maxRetries attempts), never again by the write loop or the
 * orchestrator; a 409 AnotherOperationInProgress and the Network RP's 429 RetryableError without
 * Retry-After, which the pipeline does not retry, are retried by the write loop alone. A loop that
 * re-retried what the pipeline retries would show here as a multiple of 6.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { DEFAULT_RETRY_OPTIONS } from '../../src/azure/clients';
import { loadConfig } from '../../src/config';
import { parseScenario, type Faults } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const FILE = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');
const RULE_WRITE = 'Microsoft.Network/networkSecurityGroups/securityRules/write';
/** The write loop's attempts for what only it retries (nsgApply.ts DEFAULT_ATTEMPTS). */
const LOOP_ATTEMPTS = 5;

async function fixRunWith(faults: Partial<Faults>) {
  const json = JSON.parse(readFileSync(FILE, 'utf8')) as { expect: { loadBalancerId: string } };
  const sandbox = await startSandbox({ scenario: parseScenario(json) });
  const sleeps: number[] = [];
  const started = { wall: Date.now(), sandbox: sandbox.clock.now() };
  try {
    sandbox.setFaults({ ...faults, operations: [RULE_WRITE] });
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        pollIntervalMs: 1,
      }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const puts = sandbox.requestLog.filter((e) => e.method === 'PUT' && /\/securityRules\//i.test(e.path));
    return {
      report,
      statuses: puts.map((p) => p.status),
      sleeps,
      wallMs: Date.now() - started.wall,
      sandboxMs: sandbox.clock.now() - started.sandbox,
    };
  } finally {
    await sandbox.stop();
  }
}

describe('one retry layer per call: attempts of the rule PUT through the real SDK', () => {
  it('a 429 with Retry-After 60 is retried by the pipeline alone: 6 attempts, the waits skipped on the sandbox clock', async () => {
    // Act
    const run = await fixRunWith({ throttleRate: 1, retryAfterSeconds: 60 });

    // Assess
    const attempts = 1 + (DEFAULT_RETRY_OPTIONS.maxRetries ?? 0);
    expect(run.statuses).toEqual(Array<number>(attempts).fill(429));
    expect(run.sleeps).toEqual([]);
    const fix = run.report.fixes.find((f) => f.kind === 'nsg-allow-probe');
    expect(fix?.status).toBe('failed');
    expect(fix?.reason).toMatch(/429 SubscriptionRequestsThrottled.*still failing after the SDK's retries/);
    // Five Retry-After waits of 60 s passed on the sandbox's clock, none on the wall.
    expect(run.sandboxMs - run.wallMs).toBeGreaterThanOrEqual(5 * 60_000);
  });

  it('a 409 AnotherOperationInProgress, which the pipeline does not retry, is retried by the write loop alone', async () => {
    // Act
    const run = await fixRunWith({ conflictRate: 1 });

    // Assess
    expect(run.statuses).toEqual(Array<number>(LOOP_ATTEMPTS).fill(409));
    expect(run.sleeps).toHaveLength(LOOP_ATTEMPTS - 1);
    expect(run.report.fixes.find((f) => f.kind === 'nsg-allow-probe')?.reason).toMatch(
      /gave up after 5 attempts.*AnotherOperationInProgress/,
    );
  });

  it("the Network RP's 429 RetryableErrorDueToAnotherOperation (no Retry-After) is retried by the loop alone, waiting what its message says", async () => {
    // Act
    const run = await fixRunWith({ conflictRate: 1, conflictAnswer: 'RetryableErrorDueToAnotherOperation' });

    // Assess
    expect(run.statuses).toEqual(Array<number>(LOOP_ATTEMPTS).fill(429));
    expect(run.sleeps).toEqual(Array<number>(LOOP_ATTEMPTS - 1).fill(14_000));
  });

  it('a PUT that lands after two 429s is one write: 3 attempts, resolved', async () => {
    // Prepare: seed 3 draws throttle, throttle, pass on the first three PUTs at rate 0.6.
    const run = await fixRunWith({ seed: 3, throttleRate: 0.6, retryAfterSeconds: 60 });

    // Assess
    expect(run.statuses.filter((s) => s === 429).length).toBeLessThan(6);
    expect(run.statuses.filter((s) => s < 300)).toHaveLength(1);
    expect(run.report.verdict).toBe('resolved');
  });
});
