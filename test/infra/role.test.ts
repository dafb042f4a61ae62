/**
 * Least privilege: the custom role (infra/app/role-actions.json) grants exactly the ARM operations
 * probe-doctor performs, phase by phase, as derived from the sandbox's request log of whole runs
 * (test/infra/collectOperations.ts) over every shipped scenario, through the real SDK clients.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectAllRuns,
  derivePhases,
  PHASES,
  RUN_KIND_NAMES,
  shippedScenarioFiles,
  type Phase,
  type RunOperations,
} from './collectOperations';

const ROLE_ACTIONS_FILE = join(__dirname, '..', '..', 'infra', 'app', 'role-actions.json');

type RoleActions = Record<Phase, string[]>;

function roleActions(): RoleActions {
  return JSON.parse(readFileSync(ROLE_ACTIONS_FILE, 'utf8')) as RoleActions;
}

/**
 * Granted although no shipped scenario's run performs them: the code does, on paths the scenarios do
 * not take. Each must stay underived: once a run performs it, the test below fails and the entry goes.
 */
const GRANTED_BY_DESIGN: readonly { phase: Phase; action: string; why: string }[] = [
  {
    phase: 'diagnose',
    action: 'Microsoft.Network/routeTables/read',
    why: "discovery reads the route table of a failing backend's subnet (src/azure/discovery/backend.ts); the one shipped scenario with a route table (udr-to-appliance-healthy) has every backend up, and health first reads no healthy backend in depth",
  },
  {
    phase: 'diagnose',
    action: 'Microsoft.Insights/metrics/read',
    why: 'the DipAvailability metric is read when the rule health API cannot answer (a rule without a probe, Basic SKU) or fails (src/app/health.ts); every shipped scenario answers through the health API',
  },
  {
    phase: 'fix',
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/delete',
    why: 'rollback deletes the allow rule when validation shows it did not help (src/remediate/nsgApply.ts); in every shipped scenario the NSG fix either resolves the probe or is not planned',
  },
  {
    phase: 'optIn',
    action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/start/action',
    why: 'start-vm starts a stopped scale set instance too (src/azure/writer.ts); no shipped scenario has a stopped scale set instance',
  },
];

const lower = (s: string) => s.toLowerCase();
/** RBAC compares actions case-insensitively; the lists compare the same way. */
const sortedLower = (xs: Iterable<string>) => [...new Set([...xs].map(lower))].sort();

describe('the custom role', () => {
  let runs: RunOperations[];
  let derived: Record<Phase, string[]>;

  // Generous: about 100 whole runs; seconds alone, minutes on a loaded 2-core machine.
  beforeAll(async () => {
    // Prepare + Act: every run kind over every load balancer of every shipped scenario.
    runs = await collectAllRuns();
    derived = derivePhases(runs);
  }, 240_000);

  it('ran every run kind on every shipped scenario, and no run failed', () => {
    // Assess
    expect([...new Set(runs.map((r) => r.scenario))]).toEqual(shippedScenarioFiles());
    expect(runs.length).toBeGreaterThanOrEqual(19 * RUN_KIND_NAMES.length);
    expect(runs.filter((r) => r.failure).map((r) => `${r.scenario} ${r.kind}: ${r.failure}`)).toEqual([]);
  });

  it.each([
    ['fix', (r: RunOperations) => r.applied.includes('nsg-allow-probe')],
    ['optIn', (r: RunOperations) => r.applied.includes('start-vm')],
    ['escalation', (r: RunOperations) => r.ticketSubmitted],
  ] as const)('reaches what the %s runs exist for', (kind, reached) => {
    // Assess: else the phase would be derived from runs that never did its work.
    expect(runs.filter((r) => r.kind === kind && reached(r)).length).toBeGreaterThan(0);
  });

  it('writes nothing and submits nothing in observe runs', () => {
    // Assess
    const observe = runs.filter((r) => r.kind === 'observe');
    expect(observe.filter((r) => r.applied.length > 0 || r.ticketSubmitted).map((r) => r.scenario)).toEqual(
      [],
    );
  });

  it.each(PHASES)('grants exactly the %s operations the code performs', (phase) => {
    // Prepare
    const byDesign = GRANTED_BY_DESIGN.filter((d) => d.phase === phase).map((d) => lower(d.action));
    const granted = sortedLower(roleActions()[phase]).filter((a) => !byDesign.includes(a));
    // Assess: both ways at once, so a failure shows what is missing and what is extra.
    expect({ phase, actions: granted }).toEqual({ phase, actions: derived[phase] });
  });

  it('lists exactly the phases it derives', () => {
    // Assess
    const phases = Object.keys(roleActions()).filter((k) => !k.startsWith('$'));
    expect(phases.sort()).toEqual([...PHASES].sort());
  });

  it.each(GRANTED_BY_DESIGN)('still needs the by-design grant $action ($phase)', ({ phase, action }) => {
    // Assess: in the role, and not derived in any phase (else it belongs with the derived ones).
    expect(sortedLower(roleActions()[phase])).toContain(lower(action));
    const everDerived = PHASES.some((p) => derived[p].includes(lower(action)));
    expect({ action, everDerived }).toEqual({ action, everDerived: false });
  });

  it('names every action in the shape of an ARM operation', () => {
    // Prepare
    const all = Object.entries(roleActions()).flatMap(([k, v]) => (k.startsWith('$') ? [] : v));
    // Assess
    const malformed = all.filter(
      (a) => !/^Microsoft\.[A-Za-z]+(\/[A-Za-z]+)+\/(read|write|delete|action)$/.test(a),
    );
    expect(malformed).toEqual([]);
  });
});

describe('derivePhases', () => {
  const run = (kind: RunOperations['kind'], ...ops: string[]): RunOperations => ({
    scenario: 's.json',
    loadBalancerId: '/lb',
    kind,
    applied: [],
    ticketSubmitted: false,
    operations: new Set(ops),
  });

  it('subtracts, per phase, the operations of the run kinds it builds on, over all runs', () => {
    // Prepare: `a` is read by an observe run of one scenario and a fix run of another.
    const runs = [
      run('observe', 'A/x/read'),
      run('fix', 'A/x/read', 'A/y/write'),
      run('optIn', 'A/y/write', 'A/z/action'),
      run('escalation', 'A/x/read', 'S/t/write'),
    ];
    // Act
    const phases = derivePhases(runs);
    // Assess
    expect(phases).toEqual({
      diagnose: ['a/x/read'],
      fix: ['a/y/write'],
      optIn: ['a/z/action'],
      escalation: ['s/t/write'],
    });
  });

  it('renames before it subtracts', () => {
    // Prepare
    const runs = [run('observe', 'P/old/read'), run('fix', 'P/new/read')];
    // Act
    const phases = derivePhases(runs, (op) => (op === 'P/old/read' ? 'P/new/read' : op));
    // Assess
    expect(phases.diagnose).toEqual(['p/new/read']);
    expect(phases.fix).toEqual([]);
  });
});
