/**
 * Derives the ARM operations probe-doctor performs, from the sandbox's request log: discovery, every
 * evidence read and action of the reader, and every write of the remediation port (src/azure/writer),
 * run through the real SDK clients over HTTPS against one scenario at a time.
 *
 * The workflow's activities are not wired to these ports yet (src/workflow/unwiredDeps.ts), so this
 * drives each port method the way an activity does: once per backend kind the scenario has.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientFactory } from '../../src/azure/clients';
import { discoverTopology } from '../../src/azure/discovery';
import { createSdkAzureReader, type AzureReader } from '../../src/azure/reader';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { createSdkAzureWriter, type AzureWriter } from '../../src/azure/writer';
import { ensureError } from '../../src/errors';
import { buildGuestScript, buildTcpTestScript } from '../../src/guest/scripts';
import { idKey } from '../../src/model/ids';
import type { BackendInfo, Topology, VmInfo } from '../../src/model/topology';
import { parseScenario, type Scenario } from '../../src/sandbox/scenario';
import { startSandbox, type RequestLogEntry } from '../../src/sandbox/server';

export const SCENARIO_DIR = join(__dirname, '..', '..', 'scenarios');

/**
 * The phases of a run, as the role grants them: diagnosis alone (observe mode), the NSG fix, and the
 * opt-in VM start. Escalation is not here: src/escalate does not call ARM yet.
 */
export const PHASES = ['diagnose', 'fix', 'startVm'] as const;
export type Phase = (typeof PHASES)[number];

/** What one scenario's run asked of ARM. */
export interface ScenarioOperations {
  scenario: string;
  /** Per phase, the operations of requests that got past authorization (see {@link authorized}). */
  operations: Record<Phase, Set<string>>;
  /** Port calls that failed, as `method: message`, for the test's diagnostics. */
  failures: string[];
}

/**
 * Answers that prove the request got past authorization: success, a conflict on state (409, 412), or
 * the sandbox's 501 for a computation it has not implemented (its handler ran after the scope check).
 * A 404 does not count: the sandbox also answers 404 for a path it does not serve.
 */
function authorized(entry: RequestLogEntry): boolean {
  return entry.status < 400 || entry.status === 409 || entry.status === 412 || entry.status === 501;
}

/** The shipped scenario files, by name. */
export function shippedScenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

const LOAD_BALANCER_TYPE = /^Microsoft\.Network\/loadBalancers$/i;

/**
 * The region's Network Watcher, as Azure creates it in NetworkWatcherRG: scenarios rarely export it,
 * and the reader looks it up before IP flow verify and connectivity check.
 */
function withNetworkWatcher(scenario: Scenario): Scenario {
  const lb = scenario.resources.find((r) => LOAD_BALANCER_TYPE.test(r.type));
  const location = typeof lb?.location === 'string' ? lb.location : 'westeurope';
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(lb?.id ?? '')?.[1] ?? '';
  const hasWatcher = scenario.resources.some((r) => /networkWatchers$/i.test(r.type));
  if (hasWatcher) return scenario;
  return {
    ...scenario,
    resources: [
      ...scenario.resources,
      {
        id: `/subscriptions/${subscription}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_${location}`,
        name: `NetworkWatcher_${location}`,
        type: 'Microsoft.Network/networkWatchers',
        location,
        properties: { provisioningState: 'Succeeded' },
      },
    ],
  };
}

type Attempt = <T>(what: string, call: () => Promise<T>) => Promise<T | undefined>;

function vmOf(topology: Topology, backend: BackendInfo): VmInfo | undefined {
  return backend.vmId ? topology.vms[idKey(backend.vmId)] : undefined;
}

/** The evidence an activity gathers for one failing backend, plus the peer validation. */
async function readBackend(
  reader: AzureReader,
  topology: Topology,
  backend: BackendInfo,
  peer: BackendInfo | undefined,
  attempt: Attempt,
): Promise<void> {
  const vm = vmOf(topology, backend);
  if (!vm) return;
  const location = topology.loadBalancer.location ?? 'westeurope';
  const probe = topology.probes[0];
  const os = vm.osType === 'Windows' ? 'windows' : 'linux';
  await attempt('getVmHealth', () => reader.getVmHealth(vm.id));
  if (backend.nicId && vm.kind === 'vm') {
    const nicId = backend.nicId;
    await attempt('getEffectiveNsgs', () => reader.getEffectiveNsgs(nicId));
    await attempt('getEffectiveRoutes', () => reader.getEffectiveRoutes(nicId));
  }
  if (probe && backend.ipAddress) {
    const address = backend.ipAddress;
    await attempt('runCommand', () => reader.runCommand(vm.id, buildGuestScript(os, probe, address)));
    await attempt('ipFlowVerify', () =>
      reader.ipFlowVerify({
        targetResourceId: vm.id,
        location,
        direction: 'Inbound',
        protocol: 'TCP',
        localIpAddress: address,
        localPort: probe.port,
        remoteIpAddress: '168.63.129.16',
        remotePort: 49152,
      }),
    );
    const peerVm = peer ? vmOf(topology, peer) : undefined;
    if (peerVm) {
      const peerOs = peerVm.osType === 'Windows' ? 'windows' : 'linux';
      await attempt('connectivityCheck', () =>
        reader.connectivityCheck({
          sourceResourceId: peerVm.id,
          location,
          destination: { address, port: probe.port },
          protocol: 'Tcp',
        }),
      );
      await attempt('runCommand (peer TCP test)', () =>
        reader.runCommand(peerVm.id, buildTcpTestScript(peerOs, address, probe.port)),
      );
    }
  }
}

/** The NSG fix: an allow rule created (create-only), read back, and rolled back. */
async function writeNsgFix(writer: AzureWriter, topology: Topology, attempt: Attempt): Promise<void> {
  const backend = topology.backends.find((b) => b.subnetId || b.nicId);
  const nsgId =
    (backend?.subnetId ? topology.subnets[idKey(backend.subnetId)]?.nsgId : undefined) ??
    (backend?.nicId ? topology.nics[idKey(backend.nicId)]?.nsgId : undefined);
  const probe = topology.probes[0];
  if (nsgId && probe) {
    const name = 'probe-doctor-allow-lb-probe';
    await attempt('getSecurityRule', () => writer.getSecurityRule(nsgId, name));
    const created = await attempt('createSecurityRule', () =>
      writer.createSecurityRule(
        nsgId,
        name,
        {
          priority: 3990,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefixes: ['AzureLoadBalancer'],
          sourcePortRanges: ['*'],
          destinationAddressPrefixes: ['*'],
          destinationPortRanges: [String(probe.port)],
          sourceApplicationSecurityGroupIds: [],
          destinationApplicationSecurityGroupIds: [],
          description: 'probe-doctor: allow the load balancer health probe',
        },
        { ifNoneMatch: '*' },
      ),
    );
    await attempt('getSecurityRule (after write)', () => writer.getSecurityRule(nsgId, name));
    await attempt('deleteSecurityRule', () =>
      writer.deleteSecurityRule(nsgId, name, created?.etag ? { ifMatch: created.etag } : {}),
    );
  }
}

/** The opt-in start-vm fix, once per VM kind: it applies to VMs and scale set VMs alike. */
async function startVms(writer: AzureWriter, topology: Topology, attempt: Attempt): Promise<void> {
  const kinds = new Map<VmInfo['kind'], VmInfo>();
  for (const vm of Object.values(topology.vms)) if (!kinds.has(vm.kind)) kinds.set(vm.kind, vm);
  for (const vm of kinds.values()) await attempt('startVm', () => writer.startVm(vm.id));
}

/** Runs discovery, the reader and the writer over one scenario document and returns what ARM saw. */
export async function collectScenarioOperations(file: string): Promise<ScenarioOperations> {
  const raw = JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as Record<string, unknown>;
  // Faults change how often a request is sent, never which operations: leave them out to stay fast.
  const calm = { ...raw };
  delete calm.faults;
  const scenario = withNetworkWatcher(parseScenario(calm, file));
  // Answer long-running operations on the first poll: the protocol is the same, the test is faster.
  const sandbox = await startSandbox({ scenario, behaviour: { actionPolls: 0, writePolls: 0 } });
  const marks: { phase: Phase; from: number }[] = [];
  const enter = (phase: Phase) => marks.push({ phase, from: sandbox.requestLog.length });
  const failures: string[] = [];
  const attempt: Attempt = async (what, call) => {
    try {
      return await call();
    } catch (err) {
      failures.push(`${what}: ${ensureError(err).message}`);
      return undefined;
    }
  };
  try {
    const clientsFor = createClientFactory(
      { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
      { retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
    );
    const topologyReader = createSdkTopologyReader(clientsFor);
    const reader = createSdkAzureReader(clientsFor);
    const writer = createSdkAzureWriter(clientsFor);
    const lbIds = scenario.resources.filter((r) => LOAD_BALANCER_TYPE.test(r.type)).map((r) => r.id);
    for (const lbId of lbIds) {
      enter('diagnose');
      const topology = await discoverTopology(topologyReader, lbId);
      for (const rule of topology.rules) {
        await attempt('getRuleHealth', () => reader.getRuleHealth(lbId, rule.name));
      }
      await attempt('getDipAvailability', () => reader.getDipAvailability(lbId));
      const withVm = topology.backends.filter((b) => vmOf(topology, b));
      for (const [i, backend] of withVm.entries()) {
        await readBackend(reader, topology, backend, withVm[(i + 1) % withVm.length], attempt);
      }
      enter('fix');
      await writeNsgFix(writer, topology, attempt);
      enter('startVm');
      await startVms(writer, topology, attempt);
    }
  } finally {
    await sandbox.stop();
  }
  const operations: Record<Phase, Set<string>> = { diagnose: new Set(), fix: new Set(), startVm: new Set() };
  marks.forEach(({ phase, from }, i) => {
    const to = marks[i + 1]?.from ?? sandbox.requestLog.length;
    for (const entry of sandbox.requestLog.slice(from, to)) {
      if (entry.operation && authorized(entry)) operations[phase].add(entry.operation);
    }
  });
  return { scenario: file, operations, failures };
}
