/** Fake dependencies and topologies for orchestration tests: plain data, no Azure. */
import { createActivities, type ActivityDeps, type WorkflowAuditEvent } from '../../src/workflow/activities';
import { LocalDurableHost } from '../../src/workflow/host/localDurableHost';
import { ORCHESTRATOR_NAME } from '../../src/workflow/names';
import { probeDoctorOrchestrator } from '../../src/workflow/orchestrator';
import type { RunOutcome, WorkflowPolicy } from '../../src/workflow/contracts';
import { MemoryRunStore } from '../../src/runstore/memoryRunStore';
import type { RunStore } from '../../src/runstore/runStore';
import type { FixKind, Report } from '../../src/model/report';
import type { BackendInfo, Topology } from '../../src/model/topology';

export const SUB = '11111111-2222-3333-4444-555555555555';
export const LB_ID = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/lb-web`;
export const NSG_ID = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkSecurityGroups/nsg-web`;
const POOL_ID = `${LB_ID}/backendAddressPools/pool`;
const PROBE_ID = `${LB_ID}/probes/http`;

export const backendKey = (i: number): string =>
  `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkInterfaces/nic${i}/ipConfigurations/ipconfig1`;

/** A load balancer with `count` NIC backends in one pool behind one HTTP probe (5 s x 2). */
export function topologyWith(count: number): Topology {
  const backends: BackendInfo[] = Array.from({ length: count }, (_, i) => ({
    key: backendKey(i),
    membership: 'nic',
    poolIds: [POOL_ID],
    ipAddress: `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`,
    ipConfigurationId: backendKey(i),
    asgIds: [],
  }));
  return {
    loadBalancer: {
      id: LB_ID,
      name: 'lb-web',
      subscriptionId: SUB,
      resourceGroup: 'rg-web',
      sku: 'Standard',
      kind: 'public',
      frontendIpConfigurations: [],
    },
    probes: [
      {
        id: PROBE_ID,
        name: 'http',
        protocol: 'Http',
        port: 80,
        requestPath: '/',
        intervalInSeconds: 5,
        probeThreshold: 2,
      },
    ],
    rules: [
      {
        id: `${LB_ID}/loadBalancingRules/http`,
        name: 'http',
        protocol: 'Tcp',
        frontendPort: 80,
        backendPort: 80,
        probeId: PROBE_ID,
        backendPoolIds: [POOL_ID],
        enableFloatingIP: false,
      },
    ],
    pools: [{ id: POOL_ID, name: 'pool', backendKeys: backends.map((b) => b.key) }],
    backends,
    nics: {},
    subnets: {},
    virtualNetworks: {},
    nsgs: {},
    routeTables: {},
    vms: {},
    asgs: {},
    problems: [],
  };
}

export interface FakeWorld {
  deps: ActivityDeps;
  audit: WorkflowAuditEvent[];
  calls: Record<string, number>;
  /** Highest number of checkBackend calls in flight at once. */
  maxConcurrentChecks: () => number;
  applied: () => boolean;
}

export interface FakeOptions {
  backends: number;
  /** Indexes of backends whose probe is down. */
  down: number[];
  /** Indexes whose checkBackend throws. */
  broken?: number[];
  fixKind?: FixKind;
  policy?: Partial<WorkflowPolicy>;
}

/** Fake deps: down backends are blocked by one NSG rule; applying the fix brings every checked one up. */
export function fakeWorld(options: FakeOptions): FakeWorld {
  const topology = topologyWith(options.backends);
  const down = new Set(options.down.map(backendKey));
  const broken = new Set((options.broken ?? []).map(backendKey));
  const audit: WorkflowAuditEvent[] = [];
  const calls: Record<string, number> = {};
  let inFlight = 0;
  let maxInFlight = 0;
  let fixed = false;
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const policy: WorkflowPolicy = {
    approvalRequiredFor: ['start-vm', 'guest-firewall-allow'],
    approvalTimeoutMinutes: 60,
    probeWaitMarginSeconds: 30,
    fanoutBatchSize: 20,
    runDeadlineSeconds: 1800,
    activityDeadlineSeconds: 600,
    ...options.policy,
  };
  const deps: ActivityDeps = {
    policy: () => policy,
    discover: (id) => {
      count('discover');
      const ruleId = topology.rules[0]?.id ?? '';
      return Promise.resolve({
        topology: { ...topology, loadBalancer: { ...topology.loadBalancer, id } },
        health: [
          {
            ruleId,
            up: topology.backends.length - down.size,
            down: down.size,
            backends: topology.backends.map((b) => ({
              ruleId,
              source: 'rule-health' as const,
              ipConfigurationId: b.key,
              ipAddress: b.ipAddress,
              state: down.has(b.key) ? ('Down' as const) : ('Up' as const),
            })),
          },
        ],
      });
    },
    checkBackend: async (input) => {
      count('checkBackend');
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (broken.has(input.backend.key))
        throw new Error(`Run Command on ${input.backend.ipAddress} failed: VM agent not ready`);
      return { backendKey: input.backend.key };
    },
    diagnose: (input) => {
      count('diagnose');
      const results = new Map(input.checks.map((c) => [c.backendKey, c.result]));
      return {
        causes: [],
        backends: input.topology.backends.map((b) => {
          const result = results.get(b.key);
          const causes = !result
            ? []
            : result.ok
              ? [{ id: 'nsg-blocks-probe' as const, summary: 'rule deny-all blocks the probe' }]
              : [{ id: 'unknown' as const, summary: `checks failed: ${result.error.message}` }];
          // As the real diagnose does for a stopped run (src/app/diagnosis.ts): a down backend whose
          // check never ran is said not checked.
          const notChecked = input.runStopped === true && !result && down.has(b.key);
          return {
            key: b.key,
            ipAddress: b.ipAddress,
            probeState: down.has(b.key) ? ('down' as const) : ('up' as const),
            causes,
            ...(notChecked ? { notes: [{ id: 'not-checked', summary: 'its checks did not run' }] } : {}),
          };
        }),
      };
    },
    planFixes: (input) => {
      count('planFixes');
      const blocked = input.diagnosis.backends.filter((b) =>
        b.causes.some((c) => c.id === 'nsg-blocks-probe'),
      );
      if (blocked.length === 0) return [];
      return [
        {
          kind: options.fixKind ?? 'nsg-allow-probe',
          target: NSG_ID,
          status: 'planned' as const,
          detail: { ruleName: 'allow-azure-lb-probe', priority: 3990 },
          backendKeys: blocked.map((b) => b.key),
        },
      ];
    },
    applyFixes: (input) => {
      count('applyFixes');
      fixed = true;
      return Promise.resolve(
        // As the real apply does, each fix names its backends in its detail.
        input.fixes.map(({ kind, target, detail, backendKeys }) => ({
          kind,
          target,
          detail: { ...detail, backendKeys },
          status: 'applied' as const,
        })),
      );
    },
    validate: (input) => {
      count('validate');
      const stillDown = input.backendKeys.filter((k) => !fixed || broken.has(k));
      return Promise.resolve({ health: [], stillDown });
    },
    rollbackFixes: (input) => {
      count('rollbackFixes');
      return Promise.resolve(
        input.fixes.map((f) => (f.status === 'applied' ? { ...f, status: 'rolled-back' as const } : f)),
      );
    },
    escalate: (input) => {
      count('escalate');
      return Promise.resolve({
        supportTicket: { title: `${input.stillDown.length} backends down` },
        submitted: false,
      });
    },
    audit: (event) => {
      audit.push(event);
    },
  };
  return { deps, audit, calls, maxConcurrentChecks: () => maxInFlight, applied: () => fixed };
}

/**
 * A local durable host running the real orchestrator over the fake world's activities, with large
 * values in `store` (a fresh in-memory store when omitted).
 */
export function fakeHost(
  options: FakeOptions,
  clock: Date = new Date('2026-11-25T10:00:00.000Z'),
  store?: RunStore,
) {
  const world = fakeWorld(options);
  const runStore = store ?? new MemoryRunStore();
  const host = new LocalDurableHost({
    orchestrators: { [ORCHESTRATOR_NAME]: probeDoctorOrchestrator },
    activities: createActivities(world.deps, runStore),
    clock: () => clock,
  });
  return { world, host, store: runStore };
}

/** The report a completed run's output names in `store` (the history keeps only its ref and a summary). */
export async function reportIn(store: RunStore, status: { output?: unknown }): Promise<Report> {
  return store.get<Report>((status.output as RunOutcome).reportRef);
}
