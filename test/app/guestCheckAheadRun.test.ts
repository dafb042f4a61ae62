/**
 * Run Commands started during discovery, against the sandbox through the real SDK clients: discovery
 * tells the caller about each failing backend as soon as its VM is read (never a healthy peer), and a
 * whole run sends one Run Command per checked backend, the one its check reports. Counts and order of
 * events, never times.
 */
import { countRequests } from '../../bench/requestCounts';
import { scaledScenario, type ScaledScenario } from '../../bench/scaledScenario';
import { discoverHealthFirst, type HealthFirstOptions } from '../../src/app/discovery';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { createClientFactory } from '../../src/azure/clients';
import { createSdkAzureReader } from '../../src/azure/reader';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { loadConfig } from '../../src/config';
import { idKey } from '../../src/model/ids';
import type { BackendInfo } from '../../src/model/topology';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../src/sandbox/server';
import type { DiscoveredRun } from '../../src/workflow/contracts';

/** Discovers `scaled` health first against a sandbox of its own, with options built over that sandbox. */
async function discoverInSandbox(
  scaled: ScaledScenario,
  options: (sandbox: Sandbox) => HealthFirstOptions,
): Promise<{ run: DiscoveredRun; requestLog: RequestLogEntry[] }> {
  const sandbox = await startSandbox({ scenario: scaled.scenario });
  try {
    const clientsFor = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
    const run = await discoverHealthFirst(
      createSdkTopologyReader(clientsFor),
      createSdkAzureReader(clientsFor),
      scaled.loadBalancerId,
      options(sandbox),
    );
    return { run, requestLog: sandbox.requestLog };
  } finally {
    await sandbox.stop();
  }
}

describe('discovery reports each failing backend once its VM is read', () => {
  it('calls back for the failing backends only, in their order, with their VM already read', async () => {
    // Prepare: 3 of 12 failing; fix mode also reads a healthy peer in depth, which is not reported.
    const scaled = scaledScenario(12, { failing: 3 });
    const seen: { key: string; index: number; vmKnown: boolean; ip?: string; requestsSoFar: number }[] = [];

    // Act
    const { run, requestLog } = await discoverInSandbox(scaled, (sandbox) => ({
      validationPeers: true,
      failingVmsFirst: {
        count: 10,
        vmRead: (backend: BackendInfo, index, topology) => {
          seen.push({
            key: idKey(backend.key),
            index,
            vmKnown: backend.vmId !== undefined && topology.vms[idKey(backend.vmId)] !== undefined,
            ...(backend.ipAddress ? { ip: backend.ipAddress } : {}),
            requestsSoFar: sandbox.requestLog.length,
          });
        },
      },
    }));

    // Assess
    const failingKeys = run.topology.backends
      .filter((b) =>
        run.health.some((r) =>
          r.backends.some((h) => h.state !== 'Up' && idKey(h.ipConfigurationId ?? '') === idKey(b.key)),
        ),
      )
      .map((b) => idKey(b.key));
    expect(failingKeys).toHaveLength(3);
    expect(seen.map((s) => s.key).sort()).toEqual([...failingKeys].sort());
    expect(seen.map((s) => [s.key, s.index]).sort()).toEqual(failingKeys.map((k, i) => [k, i]).sort());
    expect(seen.every((s) => s.vmKnown && s.ip !== undefined)).toBe(true);
    // Called before discovery ended: some of its reads came after the first call.
    expect(Math.min(...seen.map((s) => s.requestsSoFar))).toBeLessThan(requestLog.length);
  });

  it('goes on when the callback throws', async () => {
    // Prepare
    const scaled = scaledScenario(6, { failing: 2 });
    let calls = 0;

    // Act
    const { run } = await discoverInSandbox(scaled, () => ({
      failingVmsFirst: {
        count: 10,
        vmRead: () => {
          calls++;
          throw new Error('the caller failed');
        },
      },
    }));

    // Assess
    expect(calls).toBe(2);
    expect(run.topology.backends).toHaveLength(6);
    expect(Object.keys(run.topology.nsgs).length).toBeGreaterThan(0);
  });
});

describe('the first failing backends’ VMs are read before anything else of the backends', () => {
  it('reads the network, the other failing backends and the peer after the first two VMs', async () => {
    // Prepare: 3 failing of 12 (fix mode: a healthy peer is read in depth too); the first 2 go first.
    const scaled = scaledScenario(12, { failing: 3 });
    const firstVms: string[] = [];

    // Act
    const { run, requestLog } = await discoverInSandbox(scaled, () => ({
      validationPeers: true,
      failingVmsFirst: {
        count: 2,
        vmRead: (backend: BackendInfo) => firstVms.push((backend.vmId ?? '').toLowerCase()),
      },
    }));

    // Assess: every answer to a first-VM read comes before any read of the rest.
    const at = (re: RegExp) =>
      requestLog.flatMap((e, i) => (e.method === 'GET' && re.test(e.path) ? [i] : []));
    const firstVmReads = requestLog.flatMap((e, i) =>
      e.method === 'GET' &&
      firstVms.some((vm) => e.path.toLowerCase().endsWith(vm.split('/providers')[1] ?? '?'))
        ? [i]
        : [],
    );
    const rest = [
      ...at(/\/virtualNetworks\/[^/]+$/i),
      ...at(/\/networkSecurityGroups\/[^/]+$/i),
      ...at(/\/virtualMachines\/[^/]+$/i).filter((i) => !firstVmReads.includes(i)),
    ];
    expect(firstVms).toHaveLength(2);
    expect(firstVmReads).toHaveLength(2);
    expect(rest.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...firstVmReads)).toBeLessThan(Math.min(...rest));
    expect(Object.keys(run.topology.vms)).toHaveLength(4);
  });
});

describe('a run starts its checks’ Run Commands during discovery', () => {
  it.each(['observe', 'fix'] as const)(
    '%s: one Run Command per failing backend, started by discovery and adopted by its check',
    async (mode) => {
      // Prepare: 4 failing of 20, one batch of checks.
      const scaled = scaledScenario(20, { failing: 4 });
      const sandbox = await startSandbox({ scenario: scaled.scenario });
      const auditSink = new MemoryAuditSink();
      let requestsWhenDiscovered = -1;
      let discoveryDetail: Record<string, unknown> = {};
      try {
        // Act
        const result = await runLocally({
          input: { loadBalancerId: scaled.loadBalancerId, mode, requestedBy: 'test' },
          target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
          config: loadConfig({ PROBE_DOCTOR_MODE: mode, PROBE_DOCTOR_ALLOWED_SCOPES: scaled.scope }),
          auditSink,
          progress: (event) => {
            if (event.activity !== 'discoverTopology') return;
            requestsWhenDiscovered = sandbox.requestLog.length;
            discoveryDetail = event.detail;
          },
          remediation: createRemediation({ pollIntervalMs: 1, sleep: () => Promise.resolve() }),
          evidence: { runCommandAttempts: 1, runCommandRetryDelayMs: 0 },
        });
        // Assess: discovery started the 4 commands (its own audit detail says so, before any check
        // ran), and no check sent a second one: fix mode adds only validation's, from a healthy peer.
        expect(requestsWhenDiscovered).toBeGreaterThan(0);
        expect(discoveryDetail.guestChecksStarted).toBe(4);
        expect(discoveryDetail.guestChecksStartedOn).toHaveLength(4);
        expect(countRequests(sandbox.requestLog).runCommands).toBe(mode === 'fix' ? 5 : 4);
        expect(result.report.verdict).toBe(mode === 'fix' ? 'resolved' : 'action-required');
      } finally {
        await sandbox.stop();
        await auditSink.close();
      }
    },
  );
});
