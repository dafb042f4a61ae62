/**
 * The sandbox hosted in a worker thread (src/sandbox/workerSandbox.ts), spoken to by the real SDK over
 * HTTPS, on a clock the test thread moves (src/sandbox/sharedClock.ts):
 * - it answers a GET, and its request log comes back on demand;
 * - a jump made on this thread is seen by the worker's very next request (a Run Command's hold on its
 *   VM ends on the jump) and wakes a request already waiting on the worker's clock;
 * - stop() ends the thread (the endpoint refuses connections; jest exits with no handle left);
 * - options that are not plain JSON are refused with one error naming the value, before any thread.
 */
import { connect } from 'node:tls';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { InvalidInputError } from '../../src/errors';
import { SharedSkippableClock } from '../../src/sandbox/sharedClock';
import { AZURE_DURATIONS_MS } from '../../src/sandbox/timeModel';
import { SandboxThread, startSandboxInWorker, type WorkerSandbox } from '../../src/sandbox/workerSandbox';
import { staticCredential } from '../helpers/sandboxClients';
import { ids, miniScenario, RG, SUB } from './miniScenario';
import { restError } from '../helpers/restError';

const FAST = { updateIntervalInMs: 1 };

function clients(sandbox: WorkerSandbox) {
  const options = { endpoint: sandbox.endpoint, tlsOptions: { ca: sandbox.ca } };
  return {
    network: new NetworkManagementClient(staticCredential, SUB, options),
    compute: new ComputeManagementClient(staticCredential, SUB, options),
  };
}

/** Whether `promise` has settled after one short wall-clock pause. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
}

/** Whether a TLS connection to `endpoint` is accepted. */
function accepts(endpoint: string, ca: string): Promise<boolean> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The mini scenario with vm2 running too. */
const twoRunningVms = () =>
  miniScenario((doc) => {
    (doc.guests as Record<string, { powerState: string }>)[ids.vm2]!.powerState = 'running';
  });

describe('the sandbox in a worker thread', () => {
  // One thread for the tests that only need a sandbox in it (a thread's start is the slow part).
  let thread: SandboxThread;
  let sandbox: WorkerSandbox | undefined;
  beforeAll(async () => {
    thread = await SandboxThread.start();
  });
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });
  afterAll(async () => {
    await thread.terminate();
  });

  it('answers a real SDK GET over HTTPS and hands back its request log', async () => {
    // Prepare
    sandbox = await thread.startSandbox({ scenario: miniScenario() });
    // Act
    const lb = await clients(sandbox).network.loadBalancers.get(RG, 'lb-web');
    const log = await sandbox.requestLog();
    // Assess
    expect([lb.id, lb.probes?.map((p) => p.name)]).toEqual([ids.lb, ['probe-http']]);
    expect(log).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: ids.lb,
        status: 200,
        operation: 'Microsoft.Network/loadBalancers/read',
      }),
    ]);
    expect(sandbox.clock).toBeInstanceOf(SharedSkippableClock);
  });

  it("sees a jump made on this thread in its next request: the Run Command's hold on the VM ends", async () => {
    // Prepare: Azure's Run Command duration, instant ARM round trips.
    sandbox = await thread.startSandbox({
      scenario: twoRunningVms(),
      time: { scale: 1, durationsMs: { armRequest: 0 } },
    });
    const { compute } = clients(sandbox);
    const script = (line: string) => ({ commandId: 'RunShellScript', script: [line] });
    const first = compute.virtualMachines.runCommand(RG, 'vm1', script('ss -ltn'), FAST);
    await first.submitted();
    // Act
    const during = await restError(
      compute.virtualMachines.runCommand(RG, 'vm1', script('b'), FAST).pollUntilDone(),
    );
    sandbox.clock.advance(AZURE_DURATIONS_MS.runCommand);
    const after = compute.virtualMachines.runCommand(RG, 'vm1', script('c'), FAST);
    await after.submitted();
    const log = await sandbox.requestLog();
    const firstResult = await first.pollUntilDone();
    // Assess
    expect([during.statusCode, during.code]).toEqual([409, 'Conflict']);
    expect(firstResult.value?.[0]?.code).toBe('ProvisioningState/succeeded');
    expect(log.filter((e) => e.method === 'POST').map((e) => e.status)).toEqual([202, 409, 202]);
  });

  it('wakes a request waiting on its clock when this thread moves the clock', async () => {
    // Prepare: every ARM round trip takes a minute of sandbox time, so the GET waits on the worker's clock.
    sandbox = await thread.startSandbox({
      scenario: miniScenario(),
      time: { scale: 1, durationsMs: { armRequest: 60_000 } },
    });
    const pending = clients(sandbox).network.loadBalancers.get(RG, 'lb-web');
    // Act: this thread cannot see when the request arrives, so it moves the clock a minute at a time
    // until the answer comes (a bounded number of times; wall time alone would need a minute). The
    // first check finds it unanswered (moves > 0): the sandbox did wait on its clock.
    let moves = 0;
    while (!(await settledSoon(pending)) && moves < 500) {
      sandbox.clock.advance(60_000);
      moves += 1;
    }
    // Assess
    expect(moves).toBeGreaterThan(0);
    expect(moves).toBeLessThan(500);
    expect((await pending).id).toBe(ids.lb);
  });

  it('stop() ends the thread: the endpoint refuses connections and the log is gone', async () => {
    // Prepare
    const stopping = await startSandboxInWorker({ scenario: miniScenario() });
    const acceptedBefore = await accepts(stopping.endpoint, stopping.ca);
    // Act
    await stopping.stop();
    await stopping.stop();
    // Assess
    expect(acceptedBefore).toBe(true);
    expect(await accepts(stopping.endpoint, stopping.ca)).toBe(false);
    await expect(stopping.requestLog()).rejects.toThrow(/^the sandbox worker has exited \(code \d+\)$/);
  });

  it('refuses options that are not plain JSON with one error naming the value', async () => {
    // Prepare: a resource property that is a function, and a scenario value that is a Map.
    const withFunction = miniScenario();
    (withFunction.resources[0]!.properties as Record<string, unknown>).onRead = () => 'x';
    const withMap = miniScenario();
    (withMap as unknown as Record<string, unknown>).extra = new Map();
    // Act
    const errors = await Promise.all(
      [withFunction, withMap].map((scenario) =>
        startSandboxInWorker({ scenario }).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    // Assess
    expect(errors[0]).toBeInstanceOf(InvalidInputError);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'a sandbox in a worker thread takes plain JSON options: $.scenario.resources[0].properties.onRead is a function (only data crosses threads; start this sandbox in-process)',
      'a sandbox in a worker thread takes plain JSON options: $.scenario.extra is a Map, not a plain object (only data crosses threads; start this sandbox in-process)',
    ]);
    expect((errors[0] as InvalidInputError).where).toBe('$.scenario.resources[0].properties.onRead');
  });
});
