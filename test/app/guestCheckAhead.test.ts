/**
 * A check's Run Command started during discovery (src/app/evidence.ts `startGuestCheck`): the check
 * of the same run, VM and script adopts it instead of sending a second one; anything else (another
 * script, another run, a VM that is not ready) runs as it did. The reader is a fake that counts the
 * commands and answers each with its own outcome, so which command a check reports is visible.
 */
import { createEvidenceGatherer } from '../../src/app/evidence';
import type { AzureReader } from '../../src/azure/reader';
import type { VmHealthEvidence } from '../../src/model/evidence';
import type { CheckBackendInput } from '../../src/workflow/contracts';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers';
const VM_ID = `${SUB}/Microsoft.Compute/virtualMachines/vm-app-0`;
const NIC_ID = `${SUB}/Microsoft.Network/networkInterfaces/vm-app-0-nic`;
const LB_ID = `${SUB}/Microsoft.Network/loadBalancers/lb-app`;

const running: VmHealthEvidence = { vmId: VM_ID, powerState: 'running', agentStatus: 'ready' };
const stopped: VmHealthEvidence = { vmId: VM_ID, powerState: 'stopped', agentStatus: 'unknown' };

/**
 * A reader whose n-th Run Command fails with `command n failed` once the test releases it (or at
 * once with `answerAtOnce`); the scripts sent are kept.
 */
function countingReader(options: { health?: VmHealthEvidence; answerAtOnce?: boolean } = {}) {
  const scripts: string[] = [];
  const release: (() => void)[] = [];
  const reader = {
    getVmHealth: () => Promise.resolve(options.health ?? running),
    runCommand: (_vmId: string, script: { script: string[] | string }) => {
      scripts.push(JSON.stringify(script));
      const n = scripts.length;
      return new Promise((_resolve, reject) => {
        const fail = () => reject(new Error(`command ${n} failed`));
        if (options.answerAtOnce) fail();
        else release.push(fail);
      });
    },
    getEffectiveNsgs: () => Promise.resolve([]),
    getEffectiveRoutes: () => Promise.resolve([]),
  } as unknown as AzureReader;
  return { reader, scripts, releaseAll: () => release.splice(0).forEach((fail) => fail()) };
}

function input(extra: Partial<CheckBackendInput> = {}, port = 80): CheckBackendInput {
  return {
    run: { runId: 'run-1', loadBalancerId: LB_ID, mode: 'observe', trigger: 'cli' },
    backend: {
      key: `${NIC_ID}/ipConfigurations/ipconfig1`,
      membership: 'nic',
      poolIds: [`${LB_ID}/backendAddressPools/pool`],
      ipAddress: '10.0.1.4',
      asgIds: [],
      nicId: NIC_ID,
      vmId: VM_ID,
    },
    probes: [
      { id: `${LB_ID}/probes/tcp-${port}`, name: `tcp-${port}`, protocol: 'Tcp', port, intervalInSeconds: 5 },
    ],
    health: [],
    os: 'linux',
    vmReady: true,
    ...extra,
  };
}

/** {@link input} in another run. */
function inRun(runId: string, extra: Partial<CheckBackendInput> = {}): CheckBackendInput {
  const base = input(extra);
  return { ...base, run: { ...base.run, runId } };
}

const options = { runCommandAttempts: 1, runCommandRetryDelayMs: 0 };
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a Run Command started during discovery is the one its check reports', () => {
  it('adopts the command started ahead: one command, and its outcome is the evidence', async () => {
    // Prepare
    const { reader, scripts, releaseAll } = countingReader();
    const gatherer = createEvidenceGatherer(reader, options);
    // Act
    const started = gatherer.startGuestCheck(input());
    await turn();
    const checking = gatherer(input());
    await turn();
    releaseAll();
    const evidence = await checking;
    // Assess
    expect(started).toBe(true);
    expect(scripts).toHaveLength(1);
    expect(evidence.failures?.guest).toBe('command 1 failed');
  });

  it('adopts a command that already finished before the check began', async () => {
    // Prepare
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    gatherer.startGuestCheck(input());
    await turn();
    // Act
    const evidence = await gatherer(input());
    // Assess
    expect(scripts).toHaveLength(1);
    expect(evidence.failures?.guest).toBe('command 1 failed');
  });

  it('adopts it once: a second check of the same backend sends its own command', async () => {
    // Prepare
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    gatherer.startGuestCheck(input());
    // Act
    const first = await gatherer(input());
    const second = await gatherer(input());
    // Assess
    expect(scripts).toHaveLength(2);
    expect(first.failures?.guest).toBe('command 1 failed');
    expect(second.failures?.guest).toBe('command 2 failed');
  });

  it('does not adopt a command whose script differs (another probe port): the check runs its own after it', async () => {
    // Prepare
    const { reader, scripts, releaseAll } = countingReader();
    const gatherer = createEvidenceGatherer(reader, options);
    gatherer.startGuestCheck(input({}, 80));
    await turn();
    // Act
    const checking = gatherer(input({}, 8080));
    await turn();
    // Assess: one command per VM at a time, so the check's own waits for the one started ahead.
    expect(scripts).toHaveLength(1);
    releaseAll();
    await turn();
    expect(scripts).toHaveLength(2);
    expect(scripts[1]).toContain('8080');
    releaseAll();
    expect((await checking).failures?.guest).toBe('command 2 failed');
  });

  it('does not adopt a command started for another run', async () => {
    // Prepare
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    gatherer.startGuestCheck(input());
    await turn();
    // Act
    const evidence = await gatherer(inRun('run-2'));
    // Assess
    expect(scripts).toHaveLength(2);
    expect(evidence.failures?.guest).toBe('command 2 failed');
  });

  it.each([
    ['the VM was not seen ready', { vmReady: false }],
    ['the OS is unknown', { os: undefined }],
    ['the backend has no VM', { backend: { ...input().backend, vmId: undefined } }],
    ['no probe covers the backend', { probes: [] }],
    [
      'a probe path cannot be quoted safely',
      {
        probes: [
          {
            id: `${LB_ID}/probes/http`,
            name: 'http',
            protocol: 'Http' as const,
            port: 80,
            requestPath: "/health'; rm -rf / #",
            intervalInSeconds: 5,
          },
        ],
      },
    ],
  ])('starts nothing when %s', async (_why, extra) => {
    // Prepare
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    // Act
    const started = gatherer.startGuestCheck(input(extra));
    await turn();
    // Assess
    expect(started).toBe(false);
    expect(scripts).toHaveLength(0);
  });

  it('starts one command for the same run, VM and script however often discovery asks', async () => {
    // Prepare
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    // Act
    const answers = [gatherer.startGuestCheck(input()), gatherer.startGuestCheck(input())];
    await turn();
    // Assess
    expect(answers).toEqual([true, false]);
    expect(scripts).toHaveLength(1);
  });

  it('does not wait for the command started ahead when the VM stopped since discovery', async () => {
    // Prepare: the command never answers (an agent that went away).
    const { reader, scripts } = countingReader({ health: stopped });
    const gatherer = createEvidenceGatherer(reader, options);
    gatherer.startGuestCheck(input());
    await turn();
    // Act
    const evidence = await gatherer(input());
    // Assess
    expect(scripts).toHaveLength(1);
    expect(evidence.failures?.guest).toBe(
      'not checked: the VM is stopped (the Run Command sent when discovery saw the VM ready is not waited for)',
    );
  });

  it('forgets a run’s commands whole, oldest run first, once 128 newer runs started theirs', async () => {
    // Prepare
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    for (let i = 0; i <= 128; i++) gatherer.startGuestCheck(inRun(`run-${i}`));
    await turn();
    // Act
    const forgotten = await gatherer(inRun('run-0'));
    const kept = await gatherer(inRun('run-1'));
    // Assess: run-0's check ran its own command (the 130th); run-1's adopted the second one sent.
    expect(scripts).toHaveLength(130);
    expect(forgotten.failures?.guest).toBe('command 130 failed');
    expect(kept.failures?.guest).toBe('command 2 failed');
  });

  it('keeps every command of a run’s first batch while other runs start theirs (13 runs of 20)', async () => {
    // Prepare: 13 runs' discoveries each start 20 commands (one per VM) before run 0's checks come.
    const { reader, scripts } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options);
    const backendOf = (run: number, n: number): CheckBackendInput =>
      inRun(`run-${run}`, {
        backend: {
          ...input().backend,
          key: `${NIC_ID}-${run}-${n}/ipConfigurations/ipconfig1`,
          vmId: `${VM_ID}-${run}-${n}`,
        },
      });
    for (let run = 0; run < 13; run++)
      for (let n = 0; n < 20; n++) gatherer.startGuestCheck(backendOf(run, n));
    await turn();
    // Act
    await Promise.all(Array.from({ length: 20 }, (_, n) => gatherer(backendOf(0, n))));
    // Assess
    expect(scripts).toHaveLength(260);
  });

  it('labels an adopted command’s evidence with the adopting check’s probe ids', async () => {
    // Prepare: the same port (so the same script) under another probe name.
    const answer = {
      value: [
        { code: 'ComponentStatus/StdOut/succeeded', message: '' },
        { code: 'ComponentStatus/StdErr/succeeded', message: '' },
      ],
    };
    const sent: unknown[] = [];
    const reader = {
      getVmHealth: () => Promise.resolve(running),
      runCommand: (_vm: string, script: unknown) => {
        sent.push(script);
        return Promise.resolve(answer);
      },
      getEffectiveNsgs: () => Promise.resolve([]),
      getEffectiveRoutes: () => Promise.resolve([]),
    } as unknown as AzureReader;
    const gatherer = createEvidenceGatherer(reader, options);
    const withProbe = (name: string): CheckBackendInput => ({
      ...input(),
      probes: [{ id: `${LB_ID}/probes/${name}`, name, protocol: 'Tcp', port: 80, intervalInSeconds: 5 }],
    });
    gatherer.startGuestCheck(withProbe('old-80'));
    // Act
    const evidence = await gatherer(withProbe('new-80'));
    // Assess
    expect(sent).toHaveLength(1);
    expect(evidence.guestProbeId).toBe(`${LB_ID}/probes/new-80`);
  });
});

describe('a Run Command Azure took is told at once (the audit trail’s RunCommandAccepted)', () => {
  it('tells it when Azure takes the command, before the script ends or the check returns, once', async () => {
    // Prepare: Azure takes the command, and the script never ends (a run a deadline will stop).
    const told: string[] = [];
    const reader = {
      getVmHealth: () => Promise.resolve(running),
      runCommand: async (
        _vmId: string,
        _script: unknown,
        hooks?: { onAccepted?: () => Promise<void> | void },
      ) => {
        await hooks?.onAccepted?.();
        return new Promise(() => undefined);
      },
      getEffectiveNsgs: () => Promise.resolve([]),
      getEffectiveRoutes: () => Promise.resolve([]),
    } as unknown as AzureReader;
    const gatherer = createEvidenceGatherer(reader, options, (run, command) => {
      told.push(
        `${run.runId}|${command.vmId}|${command.commandId}|${command.startedAhead}|${command.scriptSha256.length}`,
      );
    });

    // Act: discovery starts it; the check adopts it and waits (it never returns here).
    gatherer.startGuestCheck(input());
    void gatherer(input());
    for (let i = 0; i < 5; i++) await turn();

    // Assess
    expect(told).toEqual([`run-1|${VM_ID}|RunShellScript|true|64`]);
  });

  it('tells nothing of a command Azure refused', async () => {
    // Prepare
    const told: string[] = [];
    const { reader } = countingReader({ answerAtOnce: true });
    const gatherer = createEvidenceGatherer(reader, options, (_run, command) => void told.push(command.vmId));

    // Act
    const evidence = await gatherer(input());

    // Assess
    expect(evidence.failures?.guest).toBe('command 1 failed');
    expect(evidence.guestCommand).toBeUndefined();
    expect(told).toEqual([]);
  });
});
