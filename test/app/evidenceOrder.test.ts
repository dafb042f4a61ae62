/**
 * The order of a backend check's calls (src/app/evidence.ts): when discovery has just seen the VM
 * running with its guest agent ready, the Run Command (the check's long pole) starts at once and the
 * VM's fresh health is read meanwhile; otherwise the health is read first and decides whether a Run
 * Command may run at all. The reader is a fake whose answers the test releases one by one.
 */
import { createEvidenceGatherer } from '../../src/app/evidence';
import type { AzureReader } from '../../src/azure/reader';
import type { VmHealthEvidence } from '../../src/model/evidence';
import type { CheckBackendInput } from '../../src/workflow/contracts';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers';
const VM_ID = `${SUB}/Microsoft.Compute/virtualMachines/vm-app-0`;
const NIC_ID = `${SUB}/Microsoft.Network/networkInterfaces/vm-app-0-nic`;

/** A promise the test settles. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody asked for (the call was never made) is the test's failure, not a crash.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A reader whose VM health and Run Command answer when the test says; it records each call. */
function scriptedReader() {
  const calls: string[] = [];
  const health = deferred<VmHealthEvidence>();
  const command = deferred<never>();
  const reader = {
    getVmHealth: () => {
      calls.push('getVmHealth');
      return health.promise;
    },
    runCommand: () => {
      calls.push('runCommand');
      return command.promise;
    },
    getEffectiveNsgs: () => Promise.resolve([]),
    getEffectiveRoutes: () => Promise.resolve([]),
  } as unknown as AzureReader;
  return { reader, calls, health, command };
}

function input(extra: Partial<CheckBackendInput>): CheckBackendInput {
  return {
    run: {
      runId: 'run-1',
      loadBalancerId: `${SUB}/Microsoft.Network/loadBalancers/lb-app`,
      mode: 'observe',
      trigger: 'cli',
    },
    backend: {
      key: `${NIC_ID}/ipConfigurations/ipconfig1`,
      membership: 'nic',
      poolIds: [`${SUB}/Microsoft.Network/loadBalancers/lb-app/backendAddressPools/pool`],
      ipAddress: '10.0.1.4',
      asgIds: [],
      nicId: NIC_ID,
      vmId: VM_ID,
    },
    probes: [
      {
        id: `${SUB}/Microsoft.Network/loadBalancers/lb-app/probes/tcp-80`,
        name: 'tcp-80',
        protocol: 'Tcp',
        port: 80,
        intervalInSeconds: 5,
      },
    ],
    health: [],
    os: 'linux',
    ...extra,
  };
}

const running: VmHealthEvidence = { vmId: VM_ID, powerState: 'running', agentStatus: 'ready' };
const deallocated: VmHealthEvidence = { vmId: VM_ID, powerState: 'deallocated', agentStatus: 'unknown' };

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a backend check starts its Run Command first when discovery saw the VM ready', () => {
  it('starts the Run Command before the fresh VM health answers', async () => {
    // Prepare
    const { reader, calls, health, command } = scriptedReader();
    const check = createEvidenceGatherer(reader, { runCommandAttempts: 1, runCommandRetryDelayMs: 0 });
    // Act
    const evidence = check(input({ vmReady: true }));
    await settle();
    // Assess: the command went first, and both are in flight while the health is not answered yet.
    expect(calls).toEqual(['runCommand', 'getVmHealth']);
    health.resolve(running);
    command.reject(new Error('the script timed out'));
    const result = await evidence;
    expect(result.vm).toEqual(running);
    expect(result.failures?.guest).toBe('the script timed out');
  });

  it('gets every command of a batch started together out before any health read', async () => {
    // Prepare: three checks started in the same turn, as the orchestrator's batch starts them.
    const { reader, calls, health, command } = scriptedReader();
    const check = createEvidenceGatherer(reader, { runCommandAttempts: 1, runCommandRetryDelayMs: 0 });
    // Act
    const batch = [0, 1, 2].map((i) => {
      const one = input({ vmReady: true });
      // Three VMs: one VM runs one command at a time (evidence.ts serialises them per VM).
      return check({ ...one, backend: { ...one.backend, vmId: `${VM_ID}${i}` } });
    });
    await settle();
    // Assess
    expect(calls).toEqual([
      'runCommand',
      'runCommand',
      'runCommand',
      'getVmHealth',
      'getVmHealth',
      'getVmHealth',
    ]);
    health.resolve(running);
    command.reject(new Error('the script timed out'));
    await Promise.all(batch);
  });

  it('reads the VM health first when discovery did not see the VM ready', async () => {
    // Prepare
    const { reader, calls, health, command } = scriptedReader();
    const check = createEvidenceGatherer(reader, { runCommandAttempts: 1, runCommandRetryDelayMs: 0 });
    // Act
    const evidence = check(input({}));
    await settle();
    // Assess: no Run Command while the VM's state is unknown.
    expect(calls).toEqual(['getVmHealth']);
    health.resolve(running);
    await settle();
    expect(calls).toEqual(['getVmHealth', 'runCommand']);
    command.reject(new Error('the script timed out'));
    expect((await evidence).failures?.guest).toBe('the script timed out');
  });

  it('runs no Run Command on a VM the fresh health finds stopped, when discovery did not see it ready', async () => {
    // Prepare
    const { reader, calls, health } = scriptedReader();
    const check = createEvidenceGatherer(reader, { runCommandAttempts: 1, runCommandRetryDelayMs: 0 });
    // Act
    const evidence = check(input({}));
    health.resolve(deallocated);
    const result = await evidence;
    // Assess
    expect(calls).toEqual(['getVmHealth']);
    expect(result.failures?.guest).toBe('not checked: the VM is deallocated');
  });

  it('says the VM stopped when it did so between discovery and the check, without waiting for the command', async () => {
    // Prepare: the command sent early never answers.
    const { reader, health } = scriptedReader();
    const check = createEvidenceGatherer(reader, { runCommandAttempts: 1, runCommandRetryDelayMs: 0 });
    // Act
    const evidence = check(input({ vmReady: true }));
    health.resolve(deallocated);
    const result = await evidence;
    // Assess: the same finding as a check that never tried, and no guest evidence.
    expect(result.vm).toEqual(deallocated);
    expect(result.guest).toBeUndefined();
    expect(result.failures?.guest).toMatch(/^not checked: the VM is deallocated \(.*not waited for\)$/);
  });

  it('does not wait for a command whose VM agent went away since discovery', async () => {
    // Prepare: the agent is not ready now; the command sent early would wait for it.
    const { reader, health } = scriptedReader();
    const check = createEvidenceGatherer(reader, { runCommandAttempts: 1, runCommandRetryDelayMs: 0 });
    // Act
    const evidence = check(input({ vmReady: true }));
    health.resolve({ vmId: VM_ID, powerState: 'running', agentStatus: 'not-ready' });
    const result = await evidence;
    // Assess
    expect(result.failures?.guest).toMatch(
      /^not checked: Run Command needs the guest agent, which is not ready \(/,
    );
  });
});
