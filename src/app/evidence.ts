/**
 * Gathers the evidence for one backend that fails its probe (the `checkBackend` activity): VM health,
 * one Run Command in the guest, and the NIC's effective NSGs and routes. Each check fails on its own:
 * a 403 on effective routes must not hide what the guest said.
 */
import type { AzureReader } from '../azure/reader';
import { ensureError, isAzureCallError, isUnsafeScriptValueError } from '../errors';
import { parseGuestOutput, parseRunCommandResult } from '../guest/parse';
import { outputForProbe } from '../guest/probeOutput';
import { buildGuestScript, type ScriptProbe } from '../guest/scripts';
import type { GuestEvidence, VmHealthEvidence } from '../model/evidence';
import type { ProbeInfo } from '../model/topology';
import type { BackendEvidence, CheckBackendInput } from '../workflow/contracts';
import { KeyedLock } from '../util/keyedLock';
import { idKey } from '../model/ids';

export interface EvidenceOptions {
  /** Attempts at a Run Command that answers 409 "execution is in progress" (one per VM at a time). */
  runCommandAttempts: number;
  /** Wait between those attempts. */
  runCommandRetryDelayMs: number;
  /** Injected so tests and the sandbox do not wait real time. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_EVIDENCE_OPTIONS: EvidenceOptions = {
  runCommandAttempts: 4,
  // A Run Command takes at least ~20 s; waiting about that long gives the other one time to end.
  runCommandRetryDelayMs: 20_000,
};

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise's outcome, never rejected (so a check started early has its failure handled at once). */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
}

/** Why no Run Command may run on the VM, from its health; undefined when one may. */
function guestNotCheckable(
  vm: VmHealthEvidence | undefined,
  os: 'linux' | 'windows' | undefined,
): string | undefined {
  if (vm?.powerState !== 'running')
    return `not checked: the VM is ${vm?.powerState ?? 'in an unknown state'}`;
  if (vm.agentStatus !== 'ready') return 'not checked: Run Command needs the guest agent, which is not ready';
  if (!os) return 'not checked: the VM OS is unknown';
  return undefined;
}

/** True for Run Command's 409 "Run command extension execution is in progress". */
function isRunCommandBusy(err: unknown): boolean {
  return isAzureCallError(err) && err.statusCode === 409;
}

const scriptProbeOf = (probe: ProbeInfo): ScriptProbe => ({
  protocol: probe.protocol,
  port: probe.port,
  ...(probe.protocol !== 'Tcp' ? { requestPath: probe.requestPath ?? '/' } : {}),
});

/**
 * The `checkBackend` dependency, and the start of a check's Run Command ahead of the check itself.
 *
 * `startGuestCheck` is what discovery calls the moment it has read a failing backend's VM running
 * with its agent ready (src/workflow/activities.ts): the Run Command, a check's long pole (about 20 s
 * at least on Azure), then runs while discovery reads the rest of the network and the orchestrator
 * schedules the checks. The check of the same backend in the same run adopts it when it would run the
 * very same script on the same VM; otherwise (another script, another process, a command that was
 * never started) it runs its own, as before. Returns whether a command was started.
 */
export type EvidenceGatherer = ((input: CheckBackendInput) => Promise<BackendEvidence>) & {
  startGuestCheck(input: CheckBackendInput): boolean;
};

/**
 * Guest checks started ahead of their check, by run, VM and script. Bounded: one whose check never
 * came (its run failed, another process took the check) is forgotten once this many newer ones were
 * started, so the map never grows with the runs a host answers.
 */
const MAX_STARTED_AHEAD = 256;

/** Builds the `checkBackend` dependency over an {@link AzureReader}. */
export function createEvidenceGatherer(
  reader: AzureReader,
  options: EvidenceOptions = DEFAULT_EVIDENCE_OPTIONS,
): EvidenceGatherer {
  // Azure runs one Run Command at a time per VM (a second gets 409), and a VM with two NICs in a pool
  // is two backends checked in the same batch: serialising them here avoids the 409 rather than
  // waiting it out. Across processes the 409 retry below is what remains.
  const vmLock = new KeyedLock();
  const sleep = options.sleep ?? realSleep;

  /**
   * One Run Command for every distinct probe (protocol, port, path) of the backend: each probe gets
   * the evidence of its own port and local GET, so a second rule's probe is checked, not left unknown.
   */
  interface GuestScriptPlan {
    vmId: string;
    os: 'linux' | 'windows';
    address: string;
    script: ReturnType<typeof buildGuestScript>;
    distinct: ScriptProbe[];
    probeIndexes: { probe: ProbeInfo; index: number }[];
  }

  /**
   * The one script for every distinct probe (protocol, port, path) of the backend.
   *
   * @throws Error when no probe covers the backend or it has no address to test.
   * @throws UnsafeScriptValueError when a value cannot be quoted safely (buildGuestScript).
   */
  function planGuestScript(vmId: string, os: 'linux' | 'windows', input: CheckBackendInput): GuestScriptPlan {
    const address = input.backend.ipAddress;
    if (input.probes.length === 0) throw new Error('no probe covers this backend');
    if (!address) throw new Error('the backend has no private IP address to test');
    const distinct: ScriptProbe[] = [];
    const indexOf = (probe: ProbeInfo): number => {
      const script = scriptProbeOf(probe);
      const at = distinct.findIndex(
        (d) =>
          d.protocol === script.protocol && d.port === script.port && d.requestPath === script.requestPath,
      );
      if (at >= 0) return at;
      distinct.push(script);
      return distinct.length - 1;
    };
    const probeIndexes = input.probes.map((probe) => ({ probe, index: indexOf(probe) }));
    const [first, ...others] = distinct as [ScriptProbe, ...ScriptProbe[]];
    // Validates and quotes every value: a probe path is attacker-controlled text.
    const script = buildGuestScript(os, first, address, others);
    return { vmId, os, address, script, distinct, probeIndexes };
  }

  /** Where a guest check started ahead is kept: the run, the VM and the exact script. */
  const startedAheadKey = (runId: string, plan: GuestScriptPlan): string =>
    JSON.stringify([runId, idKey(plan.vmId), plan.script]);
  const startedAhead = new Map<string, Promise<Settled<{ probeId: string; guest: GuestEvidence }[]>>>();

  /** Runs the planned script (one Run Command at a time per VM) and reads each probe's evidence. */
  function runGuestScript(plan: GuestScriptPlan): Promise<{ probeId: string; guest: GuestEvidence }[]> {
    const { vmId, os, address, script, distinct, probeIndexes } = plan;
    return vmLock.run(idKey(vmId), async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const body = await reader.runCommand(vmId, script);
          const { stdout } = parseRunCommandResult(body);
          const parsed = distinct.map((probe, i) =>
            parseGuestOutput(os, outputForProbe(stdout, i + 1), probe, address),
          );
          return probeIndexes.map(({ probe, index }) => ({
            probeId: probe.id,
            guest: parsed[index] as GuestEvidence,
          }));
        } catch (err) {
          if (!isRunCommandBusy(err) || attempt >= options.runCommandAttempts) throw err;
          await sleep(options.runCommandRetryDelayMs);
        }
      }
    });
  }

  /** What the guest check found: the evidence per probe, or why it has none. */
  function recordGuest(
    evidence: BackendEvidence,
    failures: NonNullable<BackendEvidence['failures']>,
    outcome: Settled<{ probeId: string; guest: GuestEvidence }[]>,
  ): void {
    if (outcome.ok) {
      const [first] = outcome.value;
      if (first) {
        evidence.guest = first.guest;
        evidence.guestProbeId = first.probeId;
      }
      if (outcome.value.length > 1) evidence.guestByProbe = outcome.value;
      return;
    }
    const err = outcome.error;
    // A value refused before any script was built: no Run Command ran, and the note says so.
    failures.guest = isUnsafeScriptValueError(err)
      ? `not checked: probe-doctor ran no Run Command because ${err.message}`
      : ensureError(err).message;
  }

  /** The guest check as it would run now: planned, or refused before any command (settled either way). */
  function guestCheckOf(
    vmId: string,
    os: 'linux' | 'windows',
    input: CheckBackendInput,
  ): {
    plan?: GuestScriptPlan;
    outcome: () => Promise<Settled<{ probeId: string; guest: GuestEvidence }[]>>;
  } {
    let plan: GuestScriptPlan;
    try {
      plan = planGuestScript(vmId, os, input);
    } catch (error) {
      return { outcome: () => Promise.resolve({ ok: false, error }) };
    }
    return { plan, outcome: () => settle(runGuestScript(plan)) };
  }

  const startGuestCheck = (input: CheckBackendInput): boolean => {
    const { vmId } = input.backend;
    if (!vmId || !input.os || !input.vmReady) return false;
    const { plan, outcome } = guestCheckOf(vmId, input.os, input);
    if (!plan) return false;
    const key = startedAheadKey(input.run.runId, plan);
    if (startedAhead.has(key)) return false;
    startedAhead.set(key, outcome());
    for (const oldest of startedAhead.keys()) {
      if (startedAhead.size <= MAX_STARTED_AHEAD) break;
      startedAhead.delete(oldest);
    }
    return true;
  };

  /** The guest check started ahead for this very script, taken (a check adopts it once). */
  function takeStartedAhead(input: CheckBackendInput, plan: GuestScriptPlan | undefined) {
    if (!plan) return undefined;
    const key = startedAheadKey(input.run.runId, plan);
    const started = startedAhead.get(key);
    startedAhead.delete(key);
    return started;
  }

  const check = async (input: CheckBackendInput): Promise<BackendEvidence> => {
    const evidence: BackendEvidence = { backendKey: input.backend.key };
    const failures: NonNullable<BackendEvidence['failures']> = {};
    const { vmId, nicId } = input.backend;

    // The Run Command is a check's long pole (about 20 s at least on Azure, against about a second for
    // each read below). When discovery has just seen the VM running with its agent ready, it starts
    // first (or already did, during discovery) and the VM's fresh health is read meanwhile.
    const guestCheck = vmId && input.os && input.vmReady ? guestCheckOf(vmId, input.os, input) : undefined;
    const adopted = guestCheck && takeStartedAhead(input, guestCheck.plan);
    const early = guestCheck ? (adopted ?? guestCheck.outcome()) : undefined;
    if (early && !adopted) {
      // One turn of the event loop before the reads: the checks of a batch start together, and each
      // request costs this thread its pipeline and often a new connection, so without it their health
      // reads would go out between their commands and delay the last command by the others' reads.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }

    let vm: VmHealthEvidence | undefined;
    if (vmId) {
      try {
        vm = await reader.getVmHealth(vmId);
        evidence.vm = vm;
      } catch (err) {
        failures.vm = ensureError(err).message;
      }
    }
    const running = vm?.powerState === 'running';
    const notCheckable = guestNotCheckable(vm, input.os);

    const checks: Promise<void>[] = [];
    if (early && notCheckable) {
      // The VM stopped, its agent went away, or its health could not be read since discovery: the
      // finding is the one a check that never started gives, and the command sent early is not waited
      // for (it may wait on an agent that does not answer until Azure's own timeout ends it).
      failures.guest = `${notCheckable} (the Run Command sent when discovery saw the VM ready is not waited for)`;
    } else if (early) {
      checks.push(early.then((outcome) => recordGuest(evidence, failures, outcome)));
    } else if (vmId && !notCheckable && input.os) {
      checks.push(
        guestCheckOf(vmId, input.os, input)
          .outcome()
          .then((outcome) => recordGuest(evidence, failures, outcome)),
      );
    } else if (vmId && notCheckable) {
      failures.guest = notCheckable;
    }
    // ARM answers effective NSGs and routes only for a NIC of a running VM.
    if (nicId && running) {
      checks.push(
        reader.getEffectiveNsgs(nicId).then(
          (nsgs) => void (evidence.effectiveNsgs = nsgs),
          (err) => void (failures.effectiveNsgs = ensureError(err).message),
        ),
        reader.getEffectiveRoutes(nicId).then(
          (routes) => void (evidence.effectiveRoutes = routes),
          (err) => void (failures.effectiveRoutes = ensureError(err).message),
        ),
      );
    }
    await Promise.all(checks);
    if (Object.keys(failures).length > 0) {
      evidence.failures = failures;
      evidence.problems = Object.entries(failures).map(([check, message]) => `${check}: ${message}`);
    }
    return evidence;
  };
  return Object.assign(check, { startGuestCheck });
}
