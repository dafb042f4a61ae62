import { createSdkAzureReader } from '../../src/azure/reader';
import type { BackendHealth, RuleHealth } from '../../src/model/health';
import type { BackendInfo } from '../../src/model/topology';
import { applyFixes } from '../../src/remediate/apply';
import { planFixes } from '../../src/remediate/plan';
import { noPeerReason, validateFixes } from '../../src/remediate/validate';
import type { RunCommandScript } from '../../src/guest/scripts';
import {
  discover,
  loadScenario,
  nsgDiagnosis,
  letProbesRetest,
  startRemediationSandbox,
  type RemediationSandbox,
} from './sandboxRun';
import { ids, webTopology } from '../helpers/topologyBuilder';

const noAudit = () => Promise.resolve();
const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod';

describe('validateFixes against the sandbox (nsg-deny-all-blocks-probe)', () => {
  let s: RemediationSandbox;
  beforeEach(async () => {
    s = await startRemediationSandbox(await loadScenario('nsg-deny-all-blocks-probe'));
  });
  afterEach(() => s.stop());

  async function downKeys() {
    const topology = await discover(s, LB);
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: nsgDiagnosis(topology),
      policy: { optInFixes: [], approvalRequiredFor: [] },
      runId: 'pd-run-1',
    });
    return { topology, fixes, keys: fixes.flatMap((f) => f.backendKeys) };
  }

  it('resolves when the peer test and the per-rule health agree after the fix', async () => {
    // Prepare
    const { topology, fixes, keys } = await downKeys();
    await applyFixes({ nsgWriter: s.writer, audit: noAudit, sleep: () => Promise.resolve() }, fixes, {
      runId: 'pd-run-1',
      loadBalancerId: LB,
      mode: 'fix',
      topology,
    });
    letProbesRetest(s, topology);

    // Act
    const result = await validateFixes(
      { reader: createSdkAzureReader(s.clientsFor) },
      {
        run: { runId: 'pd-run-1', loadBalancerId: LB, mode: 'fix' as const, trigger: 'cli' as const },
        topology,
        backendKeys: keys,
      },
    );

    // Assess
    expect(keys).toHaveLength(2);
    expect(result.stillDown).toEqual([]);
    expect(result.backends.map((b) => [b.health, b.tcp?.reachable, b.tcp?.tool, b.agree])).toEqual([
      ['Up', true, 'bash-dev-tcp', true],
      ['Up', true, 'bash-dev-tcp', true],
    ]);
    expect(result.backends[0]!.tcp?.peerVmId).toMatch(/vm-orders-03$/i);
  });

  it('says which disagrees and why when the peer reaches a backend the probe still cannot', async () => {
    // Prepare: no fix applied
    const { topology, keys } = await downKeys();

    // Act
    const result = await validateFixes(
      { reader: createSdkAzureReader(s.clientsFor) },
      {
        run: { runId: 'pd-run-1', loadBalancerId: LB, mode: 'fix' as const, trigger: 'cli' as const },
        topology,
        backendKeys: keys,
      },
    );

    // Assess
    expect(result.stillDown).toEqual(keys);
    expect(result.backends[0]).toMatchObject({ health: 'Down', agree: false, tcp: { reachable: true } });
    expect(result.backends[0]!.explanation).toBe(
      'the peer reaches port 8080, so the service answers there; the probe still fails, so something specific to 168.63.129.16 remains (an NSG rule for AzureLoadBalancer, a guest firewall rule for 168.63.129.16) or the probe has not re-evaluated yet; per-rule health decides: still down',
    );
  });

  it('chooses another peer when Run Command answers 409 on the first', async () => {
    // Prepare
    const { topology, fixes, keys } = await downKeys();
    await applyFixes({ nsgWriter: s.writer, audit: noAudit, sleep: () => Promise.resolve() }, fixes, {
      runId: 'pd-run-1',
      loadBalancerId: LB,
      mode: 'fix',
      topology,
    });
    letProbesRetest(s, topology);
    const reader = createSdkAzureReader(s.clientsFor);
    const calls: string[] = [];
    const busyFirst = {
      ...reader,
      runCommand: async (vmId: string, request: Parameters<typeof reader.runCommand>[1]) => {
        calls.push(vmId);
        if (calls.length === 1) {
          const { AzureCallError } = await import('../../src/errors');
          throw new AzureCallError('Run command extension execution is in progress', vmId, 409, 'Conflict');
        }
        return reader.runCommand(vmId, request);
      },
    };

    // Act: backend 1 only; after the fix both vm-orders-02 and vm-orders-03 are healthy peers.
    const result = await validateFixes(
      { reader: busyFirst },
      {
        run: { runId: 'pd-run-1', loadBalancerId: LB, mode: 'fix' as const, trigger: 'cli' as const },
        topology,
        backendKeys: keys.slice(0, 1),
      },
    );

    // Assess
    expect(calls).toHaveLength(2);
    expect(calls[1]).not.toBe(calls[0]);
    expect(result.backends[0]).toMatchObject({ agree: true, tcp: { reachable: true, peerVmId: calls[1] } });
  });
});

describe('validateFixes: how the re-read health is read', () => {
  const topology = webTopology({ vmCount: 2 }).build();
  const [one, two] = topology.backends as [BackendInfo, BackendInfo];
  const run = { runId: 'pd-run-1', loadBalancerId: ids.lb(), mode: 'fix' as const, trigger: 'cli' as const };

  /** A reader answering `backends` for every rule; no peer can run the TCP test. */
  const readerWith = (backends: BackendHealth[]) => ({
    getRuleHealth: (_lb: string, rule: string): Promise<RuleHealth> =>
      Promise.resolve({ ruleId: ids.rule(rule), up: 0, down: 0, backends }),
    runCommand: () => Promise.reject(new Error('no peer in this test')),
  });
  const health = (
    ipConfigurationId: string | undefined,
    ipAddress: string,
    state: BackendHealth['state'],
    reason?: string,
  ): BackendHealth => ({
    ruleId: ids.rule('rule-web'),
    source: 'rule-health',
    ipAddress,
    ...(ipConfigurationId ? { ipConfigurationId } : {}),
    state,
    ...(reason ? { reason } : {}),
  });

  it('reports a backend approaching the healthy threshold as recovering, not still down', async () => {
    // Prepare
    const reader = readerWith([
      health(one.ipConfigurationId, one.ipAddress!, 'Down', 'Down_Probe_ApproachingHealthyThreshold'),
      health(two.ipConfigurationId, two.ipAddress!, 'Down', 'Down_Probe_TcpProbeTimeout'),
    ]);

    // Act
    const result = await validateFixes({ reader }, { run, topology, backendKeys: [one.key, two.key] });

    // Assess
    expect(result.recovering).toEqual([one.key]);
    expect(result.stillDown).toEqual([two.key]);
  });

  it('matches health by IP configuration id when both know it, not by a reused address', async () => {
    // Prepare: another backend (another network) with backend one's address is down; one itself is up.
    const reader = readerWith([
      health(one.ipConfigurationId, one.ipAddress!, 'Up', 'Up_Probe_Success'),
      health(ids.ipConfig('vm-other-nic0'), one.ipAddress!, 'Down', 'Down_Probe_TcpProbeTimeout'),
      health(two.ipConfigurationId, two.ipAddress!, 'Up', 'Up_Probe_Success'),
    ]);

    // Act
    const result = await validateFixes({ reader }, { run, topology, backendKeys: [one.key] });

    // Assess
    expect(result.stillDown).toEqual([]);
    expect(result.backends.map((b) => [b.health, b.healthReason])).toEqual([['Up', 'Up_Probe_Success']]);
  });

  it('falls back to the address when the health entry has no IP configuration id', async () => {
    // Prepare
    const reader = readerWith([health(undefined, one.ipAddress!, 'Down', 'Down_Probe_TcpProbeTimeout')]);

    // Act
    const result = await validateFixes({ reader }, { run, topology, backendKeys: [one.key] });

    // Assess
    expect(result.stillDown).toEqual([one.key]);
  });
});

describe('validateFixes: one parallel round', () => {
  const sixVms = webTopology({ vmCount: 6 }).build();
  const topology = sixVms;
  const run = { runId: 'pd-run-1', loadBalancerId: ids.lb(), mode: 'fix' as const, trigger: 'cli' as const };
  const targets = topology.backends.slice(0, 3).map((b) => b.key);

  /** A reader that holds every call open for a few ticks and records what was in flight at once. */
  function slowReader(topology = sixVms) {
    const inFlight = new Set<string>();
    const together: string[][] = [];
    const perVm = new Map<string, number>();
    const scripts: { vmId: string; script: string[] }[] = [];
    let overlapOnOneVm = false;
    const hold = async <T>(what: string, value: T): Promise<T> => {
      inFlight.add(what);
      together.push([...inFlight]);
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      inFlight.delete(what);
      return value;
    };
    return {
      together,
      scripts,
      overlapOnOneVm: () => overlapOnOneVm,
      reader: {
        getRuleHealth: (_lb: string, rule: string): Promise<RuleHealth> =>
          hold(`health ${rule}`, {
            ruleId: ids.rule(rule),
            up: 6,
            down: 0,
            backends: topology.backends.map((b) => ({
              ruleId: ids.rule(rule),
              source: 'rule-health' as const,
              ipConfigurationId: b.ipConfigurationId as string,
              state: 'Up' as const,
            })),
          }),
        runCommand: async (vmId: string, request: RunCommandScript) => {
          const n = (perVm.get(vmId) ?? 0) + 1;
          perVm.set(vmId, n);
          if (n > 1) overlapOnOneVm = true;
          scripts.push({ vmId, script: request.script });
          // Every target the script names answers open, in the script's line format.
          const lines = request.script.flatMap((l) => {
            const m = /^PD_TARGET_(\d+)='([^']*)'$/.exec(l);
            const port = m && request.script.find((p) => p.startsWith(`PD_PORT_${m[1]}=`))?.split("'")[1];
            return m
              ? [`peer n=${m[1]} address=${m[2]} port=${port} tool=bash-dev-tcp exit=0 elapsed_ms=3 output=`]
              : [];
          });
          const body = await hold(`run ${vmId}`, {
            value: [
              {
                code: 'ProvisioningState/succeeded',
                message: `Enable succeeded: \n[stdout]\n${lines.join('\n')}\n\n[stderr]\n`,
              },
            ],
          });
          perVm.set(vmId, (perVm.get(vmId) ?? 1) - 1);
          return body;
        },
      },
    };
  }

  it('re-reads the health and runs every target’s peer test at once, each on its own peer', async () => {
    // Prepare
    const { reader, together, overlapOnOneVm } = slowReader();

    // Act
    const result = await validateFixes({ reader }, { run, topology, backendKeys: targets });

    // Assess: three targets, three distinct peers (the three backends not being validated).
    expect(result.stillDown).toEqual([]);
    const peers = result.backends.map((b) => b.tcp?.peerVmId);
    expect(new Set(peers).size).toBe(3);
    expect(peers.every((p) => !topology.backends.slice(0, 3).some((t) => t.vmId === p))).toBe(true);
    // At some moment the health re-read and all three peer tests were in flight together.
    expect(Math.max(...together.map((t) => t.length))).toBe(4);
    expect(overlapOnOneVm()).toBe(false);
  });

  it('splits more than 16 targets of one peer into scripts of at most 16, run one after another on it', async () => {
    // Prepare: 18 targets, one peer (the 19th VM).
    const large = webTopology({ vmCount: 19 }).build();
    const { reader, overlapOnOneVm, scripts } = slowReader(large);
    const targets = large.backends.slice(0, 18);

    // Act
    const result = await validateFixes(
      { reader },
      { run, topology: large, backendKeys: targets.map((b) => b.key) },
    );

    // Assess
    expect(scripts.map((s) => s.script.filter((l) => l.startsWith('PD_TARGET_')).length)).toEqual([16, 2]);
    expect(new Set(scripts.map((s) => s.vmId))).toEqual(new Set([large.backends[18]?.vmId]));
    expect(overlapOnOneVm()).toBe(false);
    expect(result.backends.map((b) => b.tcp?.reachable)).toEqual(targets.map(() => true));
  });

  it('tests every target in ONE script on a peer that is the only one in the network', async () => {
    // Prepare: five targets, one peer.
    const { reader, overlapOnOneVm, scripts, together } = slowReader();
    const five = topology.backends.slice(0, 5);

    // Act
    const result = await validateFixes({ reader }, { run, topology, backendKeys: five.map((b) => b.key) });

    // Assess: one Run Command, naming all five, while the health was re-read.
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.vmId).toBe(topology.backends[5]?.vmId);
    expect(scripts[0]?.script.filter((l) => l.startsWith('PD_TARGET_'))).toEqual(
      five.map((b, i) => `PD_TARGET_${i + 1}='${b.ipAddress}'`),
    );
    expect(result.backends.map((b) => [b.backendKey, b.tcp?.reachable, b.tcp?.peerVmId])).toEqual(
      five.map((b) => [b.key, true, topology.backends[5]?.vmId]),
    );
    expect(Math.max(...together.map((t) => t.length))).toBe(2);
    expect(overlapOnOneVm()).toBe(false);
  });
});

describe('validateFixes: values that cannot go into a script', () => {
  const run = { runId: 'pd-run-1', loadBalancerId: ids.lb(), mode: 'fix' as const, trigger: 'cli' as const };

  it('refuses a target address with shell syntax, says why, and sends no script holding it', async () => {
    // Prepare: backend one's address as a tampered export could carry it; backend two is fine.
    const built = webTopology({ vmCount: 3 }).build();
    const evil = '10.0.0.4`reboot`$(reboot)';
    const topology = {
      ...built,
      backends: built.backends.map((b, i) => (i === 0 ? { ...b, ipAddress: evil } : b)),
    };
    const [one, two] = topology.backends as [BackendInfo, BackendInfo];
    const scripts: string[][] = [];
    const reader = {
      getRuleHealth: (_lb: string, rule: string): Promise<RuleHealth> =>
        Promise.resolve({ ruleId: ids.rule(rule), up: 0, down: 0, backends: [] }),
      runCommand: (_vmId: string, request: RunCommandScript) => {
        scripts.push(request.script);
        return Promise.resolve({
          value: [
            { code: 'ProvisioningState/succeeded', message: 'Enable succeeded: \n[stdout]\n\n[stderr]\n' },
          ],
        });
      },
    };

    // Act
    const result = await validateFixes({ reader }, { run, topology, backendKeys: [one.key, two.key] });

    // Assess
    expect(result.backends[0]?.tcp).toBeUndefined();
    expect(result.backends[0]?.explanation).toBe(
      `not tested from a peer: ipAddress must be an IPv4 address in dotted-quad form, got ${JSON.stringify(evil)}; per-rule health decides`,
    );
    expect(scripts).toHaveLength(1);
    expect(scripts.flat().some((l) => l.includes('reboot'))).toBe(false);
    expect(scripts[0]?.filter((l) => l.startsWith('PD_TARGET_'))).toEqual([`PD_TARGET_1='${two.ipAddress}'`]);
    // The one script printed nothing for backend two: unknown, never reachable.
    expect(result.backends[1]?.tcp).toMatchObject({ reachable: false, tool: 'unknown' });
  });
});

describe('noPeerReason: why no peer could run the TCP test', () => {
  it('names each candidate of the network and what kept it out, and says "no peer" when there is none', () => {
    // Prepare: vm-web-1 is validated; vm-web-2 stopped, vm-web-3 unread (refused), vm-web-4 OS unknown.
    const topology = webTopology({ vmCount: 4 }).build();
    const [target, stopped, unread, noOs] = topology.backends as [
      BackendInfo,
      BackendInfo,
      BackendInfo,
      BackendInfo,
    ];
    const vm = (b: BackendInfo) => `${b.vmId ?? ''}`.toLowerCase();
    topology.vms[vm(stopped)] = { ...topology.vms[vm(stopped)]!, powerState: 'deallocated' };
    delete topology.vms[vm(unread)];
    topology.problems = [
      {
        resourceId: unread.vmId ?? '',
        kind: 'forbidden',
        statusCode: 403,
        message: `read virtual machine failed (403 AuthorizationFailed): ... does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '${unread.vmId}'`,
      },
    ];
    const noOsVm = { ...topology.vms[vm(noOs)]! };
    delete noOsVm.osType;
    topology.vms[vm(noOs)] = noOsVm;
    const alone = webTopology({ vmCount: 1 }).build();

    // Act
    const reason = noPeerReason(topology, target, [target.key]);
    const none = noPeerReason(alone, alone.backends[0] as BackendInfo, [alone.backends[0]?.key ?? '']);

    // Assess
    expect(reason).toBe(
      "no peer VM in the same virtual network can run the test: vm-web-2 is deallocated; vm-web-3 could not be read (the signed-in principal lacks Microsoft.Compute/virtualMachines/read); vm-web-4's OS is unknown",
    );
    expect(none).toBe('no healthy running peer VM in the same virtual network');
  });
});
