/**
 * The sandbox's time model (src/sandbox/timeModel.ts) is honoured in SANDBOX time, not wall time: the
 * tests move the sandbox's SkippableClock and check what Azure would answer at that moment.
 * - A Run Command holds its VM for the script's duration: a second script is refused with Azure's
 *   409 Conflict until the clock passes the end, and accepted after (real SDK over HTTPS).
 * - A long-running operation's `Retry-After` is the whole seconds left (ARM's async-operation
 *   pattern); a poll with less than a second left is answered when the operation is done.
 * - A security rule PUT holds its NSG for its duration and finishes on time even if nobody polls.
 * - Probe re-evaluation runs at the model's probe scale.
 */
import { SkippableClock } from '../../src/sandbox/clock';
import { reportedAt } from '../../src/sandbox/probeTime';
import {
  AZURE_DURATIONS_MS,
  durationMs,
  IN_PROCESS_DEFAULT,
  probeReevaluationMs,
  resolveTimeModel,
} from '../../src/sandbox/timeModel';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { join } from 'node:path';
import { loadScenarioFile } from '../../src/sandbox/scenario';
import { ids, miniScenario, RG } from './miniScenario';
import { restError } from '../helpers/restError';

const FAST = { updateIntervalInMs: 1 };
const API = 'api-version=2025-05-01';

interface RawAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A raw HTTPS request to the sandbox: the headers the SDK hides (Retry-After). `malformed` sends what
 * the SDK never would: no bearer token, or a body that is not JSON.
 */
async function raw(
  t: TestSandbox,
  method: string,
  pathOrUrl: string,
  body?: unknown,
  malformed: { noToken?: boolean; bodyText?: string } = {},
): Promise<RawAnswer> {
  const { request } = await import('node:https');
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${t.sandbox.endpoint}${pathOrUrl}`;
  const payload = malformed.bodyText ?? (body === undefined ? undefined : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: t.sandbox.ca,
        headers: {
          ...(malformed.noToken ? {} : { Authorization: 'Bearer sandbox' }),
          ...(payload
            ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as unknown) : undefined,
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The mini scenario with vm2 running too, so two VMs can run scripts. */
const twoRunningVms = () =>
  miniScenario((doc) => {
    (doc.guests as Record<string, { powerState: string }>)[ids.vm2]!.powerState = 'running';
  });

const settledWithin = async <T>(promise: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('resolveTimeModel', () => {
  it('scales Azure figures; a start setting wins over the scenario, the scenario over the default', () => {
    // Act
    const bench = resolveTimeModel({ scale: 0.01 });
    const layered = resolveTimeModel(
      { durationsMs: { runCommand: 5_000 } },
      { scale: 2, probeScale: 1 },
      IN_PROCESS_DEFAULT,
    );
    const inProcess = resolveTimeModel(undefined, undefined, IN_PROCESS_DEFAULT);
    // Assess
    expect([
      durationMs(bench, 'armRequest'),
      durationMs(bench, 'ruleHealth'),
      durationMs(bench, 'runCommand'),
    ]).toEqual([1.5, 20, 200]);
    expect(durationMs(bench, 'securityRuleWrite')).toBe(75);
    expect(probeReevaluationMs(bench, 5, 2)).toBe(100);
    expect([
      durationMs(layered, 'runCommand'),
      durationMs(layered, 'ruleHealth'),
      layered.probeScale,
    ]).toEqual([10_000, 2 * AZURE_DURATIONS_MS.ruleHealth, 1]);
    expect([durationMs(inProcess, 'runCommand'), probeReevaluationMs(inProcess, 5, 2)]).toEqual([0, 10_000]);
  });

  it('refuses a factor outside 0..100 and a negative duration, naming it', () => {
    expect(() => resolveTimeModel({ scale: -1 })).toThrow(
      'time scale must be a number from 0 to 100, got -1',
    );
    // Alone or beside a scale in the same layer.
    expect(() => resolveTimeModel({ probeScale: -3 })).toThrow(
      'time probeScale must be a number from 0 to 100, got -3',
    );
    expect(() => resolveTimeModel({ scale: 0.01, probeScale: -3 })).toThrow(
      'time probeScale must be a number from 0 to 100, got -3',
    );
    expect(() => resolveTimeModel({ durationsMs: { runCommand: -5 } })).toThrow(
      'time durationsMs.runCommand must be >= 0 ms, got -5',
    );
  });
});

describe('sandbox time model (sandbox time, real SDK over HTTPS)', () => {
  let t: TestSandbox;
  let clock: SkippableClock;

  beforeEach(async () => {
    clock = new SkippableClock();
    // Azure's pace, except the ARM round trip (it would only make the test wait for real).
    t = await startTestSandbox(twoRunningVms(), {
      clock,
      time: { scale: 1, durationsMs: { armRequest: 0 } },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('holds the VM for the Run Command: a second script gets 409 Conflict until 20 s of sandbox time pass', async () => {
    // Prepare
    const script = (line: string) => ({ commandId: 'RunShellScript', script: [line] });
    const first = t.compute.virtualMachines.runCommand(RG, 'vm1', script('ss -ltn'), FAST);
    await first.submitted();
    // Act
    const during = await restError(
      t.compute.virtualMachines.runCommand(RG, 'vm1', script('b'), FAST).pollUntilDone(),
    );
    clock.advance(AZURE_DURATIONS_MS.runCommand - 1_000);
    const justBefore = await restError(
      t.compute.virtualMachines.runCommand(RG, 'vm1', script('c'), FAST).pollUntilDone(),
    );
    const otherVm = await raw(t, 'POST', `${ids.vm2}/runCommand?${API}`, script('d'));
    clock.advance(1_000);
    const firstResult = await first.pollUntilDone();
    const after = await raw(t, 'POST', `${ids.vm1}/runCommand?${API}`, script('e'));
    // Assess
    for (const refused of [during, justBefore]) {
      expect([refused.statusCode, refused.code, refused.message]).toEqual([
        409,
        'Conflict',
        'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
      ]);
    }
    expect(otherVm.status).toBe(202);
    expect(firstResult.value?.[0]?.code).toBe('ProvisioningState/succeeded');
    expect(after.status).toBe(202);
  });

  it('sends Retry-After with the whole seconds left, and answers a sub-second poll when it is done', async () => {
    // Prepare: a health operation that runs 10.5 s.
    await t.stop();
    t = await startTestSandbox(miniScenario(), {
      clock,
      time: { scale: 1, durationsMs: { armRequest: 0, ruleHealth: 10_500 } },
    });
    // Act
    const started = await raw(t, 'POST', `${ids.lb}/loadBalancingRules/rule-http/health?${API}`);
    const location = String(started.headers.location);
    clock.advance(3_000);
    const polled = await raw(t, 'GET', location);
    clock.advance(7_000);
    const held = raw(t, 'GET', location);
    const answeredEarly = await settledWithin(held, 200);
    clock.advance(500);
    const done = await held;
    // Assess
    expect([started.status, started.headers['retry-after']]).toEqual([202, '10']);
    expect([polled.status, polled.headers['retry-after']]).toEqual([202, '7']);
    expect(answeredEarly).toBe(false);
    expect(done.status).toBe(200);
    expect(done.body).toHaveProperty('loadBalancerBackendAddresses');
  });

  it('answers a request one ARM round trip after it arrives, on the sandbox clock, and not before', async () => {
    // Prepare: a round trip of 10 s of sandbox time, so only the clock can end it within the test.
    await t.stop();
    t = await startTestSandbox(miniScenario(), {
      clock,
      time: { scale: 1, durationsMs: { armRequest: 10_000 } },
    });
    // Act
    const read = raw(t, 'GET', `${ids.lb}?${API}`);
    const answeredEarly = await settledWithin(read, 200);
    clock.advance(9_000);
    const answeredAtNineSeconds = await settledWithin(read, 100);
    clock.advance(1_000);
    const answered = await settledWithin(read, 500);
    // Assess
    expect([answeredEarly, answeredAtNineSeconds, answered]).toEqual([false, false, true]);
    expect((await read).status).toBe(200);
  });

  it('answers a refused request (no token, no api-version, a body that is not JSON) one ARM round trip after it arrives too', async () => {
    // Prepare: a round trip of 10 s of sandbox time, as above.
    await t.stop();
    t = await startTestSandbox(miniScenario(), {
      clock,
      time: { scale: 1, durationsMs: { armRequest: 10_000 } },
    });
    // Act: three requests ARM's front end refuses, none of which the SDK sends.
    const refused = Promise.all([
      raw(t, 'GET', `${ids.lb}?${API}`, undefined, { noToken: true }),
      raw(t, 'GET', ids.lb),
      raw(t, 'PUT', `${ids.nsg}/securityRules/allow-probe?${API}`, undefined, { bodyText: '{"properties":' }),
    ]);
    const answeredEarly = await settledWithin(refused, 200);
    clock.advance(10_000);
    const answers = await refused;
    // Assess
    expect(answeredEarly).toBe(false);
    expect(answers.map((a) => a.status)).toEqual([401, 400, 400]);
  });

  it('tells a client a Retry-After that, waited from the answer, brings it back at or before the end', async () => {
    // Prepare: Azure's round trip (150 ms) and a rule health of 2.1 s, whose sub-second rest (0.1 s)
    // is shorter than a round trip: told at arrival, "2" would bring the client back 0.15 s late.
    await t.stop();
    t = await startTestSandbox(miniScenario(), {
      clock,
      time: { scale: 1, durationsMs: { armRequest: 150, ruleHealth: 2_100 } },
    });
    const sent = clock.now();
    // Act
    const answer = raw(t, 'POST', `${ids.lb}/loadBalancingRules/rule-http/health?${API}`);
    await settledWithin(answer, 100);
    clock.advance(150);
    const started = await answer;
    const receivedAt = clock.now();
    // Assess
    expect(started.status).toBe(202);
    expect(receivedAt + Number(started.headers['retry-after']) * 1000).toBeLessThanOrEqual(sent + 2_100);
  });

  it('holds the NSG for the security rule write, which ends on time even if nobody polls', async () => {
    // Prepare
    const rule = (priority: number) => ({
      properties: {
        protocol: 'Tcp',
        access: 'Allow',
        direction: 'Inbound',
        priority,
        sourceAddressPrefix: 'AzureLoadBalancer',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '80',
      },
    });
    // Act
    const put = await raw(t, 'PUT', `${ids.nsg}/securityRules/allow-lb?${API}`, rule(3990));
    const status = await raw(t, 'GET', String(put.headers['azure-asyncoperation']));
    const second = await raw(t, 'PUT', `${ids.nsg}/securityRules/allow-other?${API}`, rule(3980));
    clock.advance(AZURE_DURATIONS_MS.securityRuleWrite);
    const stored = await t.network.securityRules.get(RG, 'nsg-web', 'allow-lb');
    const later = await raw(t, 'PUT', `${ids.nsg}/securityRules/allow-other?${API}`, rule(3980));
    // Assess
    expect([put.status, put.headers['retry-after']]).toEqual([201, '7']);
    expect([status.body, status.headers['retry-after']]).toEqual([
      expect.objectContaining({ status: 'InProgress' }),
      '7',
    ]);
    expect([second.status, (second.body as { error: { code: string } }).error.code]).toEqual([
      409,
      'AnotherOperationInProgress',
    ]);
    expect(stored.provisioningState).toBe('Succeeded');
    expect(later.status).toBe(201);
  });
});

describe('probe re-evaluation on the time model', () => {
  it('after a fix the probe re-tests at interval x threshold x probeScale of sandbox time', async () => {
    // Prepare: nsg-deny-all-blocks-probe's probe is 5 s x 2; at probeScale 0.5 that is 5 s.
    const scenario = await loadScenarioFile(
      join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json'),
    );
    const clock = new SkippableClock();
    const instant = { armRequest: 0, ruleHealth: 0, securityRuleWrite: 0 };
    const t = await startTestSandbox(scenario, {
      clock,
      time: { scale: 1, probeScale: 0.5, durationsMs: instant },
    });
    const lb = scenario.resources.find((r) => r.type === 'Microsoft.Network/loadBalancers')?.id ?? '';
    const nsg = scenario.resources.find((r) => r.name === 'nsg-snet-app-a')?.id ?? '';
    const health = async (): Promise<string[]> => {
      const started = await raw(t, 'POST', `${lb}/loadBalancingRules/rule-orders-http/health?${API}`);
      const done = await raw(t, 'GET', String(started.headers.location));
      const addresses = (done.body as { loadBalancerBackendAddresses: { state?: string; reason?: string }[] })
        .loadBalancerBackendAddresses;
      return addresses.map((a) => `${a.state ?? ''}/${a.reason ?? ''}`).sort();
    };
    try {
      const before = await health();
      // Act: the fix (an allow for the probe above the subnet NSG's deny), then the clock moves.
      const put = await raw(t, 'PUT', `${nsg}/securityRules/allow-probe?${API}`, {
        properties: {
          protocol: 'Tcp',
          access: 'Allow',
          direction: 'Inbound',
          priority: 3990,
          sourceAddressPrefix: 'AzureLoadBalancer',
          sourcePortRange: '*',
          destinationAddressPrefix: '*',
          destinationPortRange: '8080',
        },
      });
      clock.advance(4_000);
      const approaching = await health();
      clock.advance(1_000);
      const after = await health();
      // Assess
      expect(put.status).toBe(201);
      expect(before.filter((s) => s.startsWith('Down/'))).not.toHaveLength(0);
      expect(approaching.filter((s) => s === 'Down/Down_Probe_ApproachingHealthyThreshold')).toHaveLength(
        before.filter((s) => s.startsWith('Down/')).length,
      );
      expect(after.every((s) => s.startsWith('Up/'))).toBe(true);
    } finally {
      await t.stop();
    }
  });

  it('re-tests at interval x threshold x probeScale', () => {
    // Prepare: 5 s x 2 at the benchmark's 1/100 is 100 ms of sandbox time.
    const time = resolveTimeModel({ scale: 0.01 });
    const down = { state: 'Down' as const, reason: 'Down_Probe_TcpProbeTimeout' };
    const up = { state: 'Up' as const, reason: 'Up_Probe_Success' };
    const entry = {
      from: down,
      target: up,
      since: 0,
      intervalMs: probeReevaluationMs(time, 5, 1),
      threshold: 2,
    };
    // Act / Assess
    expect(reportedAt(entry, 99)?.state).toBe('Down');
    expect(reportedAt(entry, 100)).toEqual(up);
  });
});
