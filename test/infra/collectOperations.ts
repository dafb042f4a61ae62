/**
 * Derives the ARM operations probe-doctor performs from REAL runs: the whole orchestration
 * (`runLocally`: discover, health, checks with Run Command, diagnose, plan, apply, validate,
 * rollback, escalate) through the real SDK clients over HTTPS against the sandbox, once per run kind
 * per load balancer of every shipped scenario, each in a fresh sandbox. The operations come from the
 * sandbox's request log; nothing here calls a port by hand, so an operation the code stops (or
 * starts) performing changes what is derived.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { ensureError } from '../../src/errors';
import { resetTicketClassificationCache } from '../../src/escalate/classification';
import { parseScenario, type Scenario } from '../../src/sandbox/scenario';
import { startSandbox, type RequestLogEntry } from '../../src/sandbox/server';

export const SCENARIO_DIR = join(__dirname, '..', '..', 'scenarios');

/**
 * The run kinds, each with the workflow mode and the settings it runs under:
 * - observe: the defaults (nothing written; the ticket is built, not submitted);
 * - fix: fix mode with the defaults (the NSG allow rule is automatic; opt-in fixes are not applied);
 * - optIn: fix mode with both opt-in fixes on and no approval gate, so they are applied;
 * - escalation: fix mode with ticket submission on (which needs the contact settings).
 *
 * `PROBE_DOCTOR_APPROVAL_REQUIRED_FOR` is `none`, not empty: src/config.ts reads an empty value as
 * "unset" and falls back to the default (`start-vm,guest-firewall-allow`), which keeps the gate.
 */
export const RUN_KINDS = {
  observe: { mode: 'observe', env: {} },
  fix: { mode: 'fix', env: {} },
  optIn: {
    mode: 'fix',
    env: {
      PROBE_DOCTOR_OPT_IN_FIXES: 'start-vm,guest-firewall-allow',
      PROBE_DOCTOR_APPROVAL_REQUIRED_FOR: 'none',
    },
  },
  escalation: {
    // Fix mode: observe mode never submits a ticket (it only builds one).
    mode: 'fix',
    env: {
      PROBE_DOCTOR_ESCALATION_SUBMIT: 'true',
      PROBE_DOCTOR_ESCALATION_CONTACT_FIRST_NAME: 'Dana',
      PROBE_DOCTOR_ESCALATION_CONTACT_LAST_NAME: 'Operator',
      PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL: 'dana.operator@example.com',
      PROBE_DOCTOR_ESCALATION_CONTACT_COUNTRY: 'USA',
      PROBE_DOCTOR_ESCALATION_CONTACT_TIMEZONE: 'Pacific Standard Time',
      PROBE_DOCTOR_ESCALATION_CONTACT_LANGUAGE: 'en-us',
    },
  },
} as const satisfies Record<string, { mode: 'observe' | 'fix'; env: Record<string, string> }>;
export type RunKind = keyof typeof RUN_KINDS;
export const RUN_KIND_NAMES = Object.keys(RUN_KINDS) as RunKind[];

/**
 * The phases the role grants, each what one run kind adds to another: diagnose = observe;
 * fix = fix − observe; optIn = optIn − fix; escalation = escalation − fix − observe.
 */
export const PHASES = ['diagnose', 'fix', 'optIn', 'escalation'] as const;
export type Phase = (typeof PHASES)[number];

/** Which run kind each phase is derived from, and which run kinds it subtracts. */
export const PHASE_DERIVATION: Readonly<Record<Phase, { from: RunKind; minus: readonly RunKind[] }>> = {
  diagnose: { from: 'observe', minus: [] },
  fix: { from: 'fix', minus: ['observe'] },
  optIn: { from: 'optIn', minus: ['fix', 'observe'] },
  escalation: { from: 'escalation', minus: ['fix', 'observe'] },
};

/** One run of the orchestration against a fresh sandbox. */
export interface RunOperations {
  scenario: string;
  loadBalancerId: string;
  kind: RunKind;
  /** The report's verdict, or undefined when the run failed. */
  verdict?: string;
  /** Fix kinds the run applied (status `applied`), for the test's coverage checks. */
  applied: string[];
  /** Whether a support ticket reached the sandbox. */
  ticketSubmitted: boolean;
  /** Operations of requests that got past authorization (see {@link authorized}). */
  operations: Set<string>;
  /** Why the run failed, when it did. */
  failure?: string;
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
 * The region's Network Watcher, as Azure creates it in NetworkWatcherRG: scenarios do not export it
 * (it lives outside the load balancer's resource group), and the code looks it up before IP flow
 * verify and connectivity check. Without it those operations would never be reached.
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

/** The scenario as the runs use it: no faults, and a Network Watcher. */
export function loadRunnableScenario(file: string): Scenario {
  const raw = JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8')) as Record<string, unknown>;
  // Faults change how often a request is sent, never which operations: leave them out to stay fast.
  const calm = { ...raw };
  delete calm.faults;
  return withNetworkWatcher(parseScenario(calm, file));
}

/** Runs the whole orchestration once, of one kind, for one load balancer, in a fresh sandbox. */
export async function runOnce(
  file: string,
  scenario: Scenario,
  loadBalancerId: string,
  kind: RunKind,
): Promise<RunOperations> {
  // The classification is cached per process; a run that did not look it up would not show the reads.
  resetTicketClassificationCache();
  // Answer long-running operations on the first poll: the protocol is the same, the runs are faster.
  const sandbox = await startSandbox({ scenario, behaviour: { actionPolls: 0, writePolls: 0 } });
  const result: RunOperations = {
    scenario: file,
    loadBalancerId,
    kind,
    applied: [],
    ticketSubmitted: false,
    operations: new Set(),
  };
  try {
    const { report } = await runLocally({
      input: { loadBalancerId, mode: RUN_KINDS[kind].mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({ ...RUN_KINDS[kind].env }),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      // Fix runs must be audited (no audit, no change); a memory sink confirms every record.
      auditSink: new MemoryAuditSink(),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    result.verdict = report.verdict;
    result.applied = report.fixes.filter((f) => f.status === 'applied').map((f) => f.kind);
  } catch (err) {
    result.failure = ensureError(err).message;
  } finally {
    await sandbox.stop();
  }
  result.ticketSubmitted = sandbox.supportTickets().length > 0;
  for (const entry of sandbox.requestLog) {
    if (!authorized(entry)) continue;
    if (entry.operation) result.operations.add(entry.operation);
    // What ARM checked on the resources the request named (a rule's application security groups).
    for (const linked of entry.linkedOperations ?? []) result.operations.add(linked);
  }
  return result;
}

/**
 * Every run kind for every load balancer of every shipped scenario. Sequential on purpose: the
 * classification cache is process-wide, so concurrent runs would hide each other's lookups.
 */
export async function collectAllRuns(
  files: readonly string[] = shippedScenarioFiles(),
): Promise<RunOperations[]> {
  const runs: RunOperations[] = [];
  for (const file of files) {
    const scenario = loadRunnableScenario(file);
    const lbIds = scenario.resources.filter((r) => LOAD_BALANCER_TYPE.test(r.type)).map((r) => r.id);
    for (const lbId of lbIds) {
      for (const kind of RUN_KIND_NAMES) runs.push(await runOnce(file, scenario, lbId, kind));
    }
  }
  return runs;
}

/**
 * The operations of each phase, per {@link PHASE_DERIVATION}, over all runs: a phase's run kind's
 * operations (all scenarios together) minus those of the run kinds it builds on. Unions first, then
 * differences, because the role is a union of grants: an operation any observe run performs is a
 * diagnose action, whichever scenario the fix run that also performed it came from.
 */
export function derivePhases(
  runs: readonly RunOperations[],
  name: (operation: string) => string = (op) => op,
): Record<Phase, string[]> {
  const byKind = (kind: RunKind) =>
    new Set(
      runs
        .filter((r) => r.kind === kind)
        .flatMap((r) => [...r.operations].map((op) => name(op).toLowerCase())),
    );
  const unions = Object.fromEntries(RUN_KIND_NAMES.map((k) => [k, byKind(k)])) as Record<
    RunKind,
    Set<string>
  >;
  return Object.fromEntries(
    PHASES.map((phase) => {
      const { from, minus } = PHASE_DERIVATION[phase];
      const ops = [...unions[from]].filter((op) => !minus.some((m) => unions[m].has(op)));
      return [phase, ops.sort()];
    }),
  ) as Record<Phase, string[]>;
}
