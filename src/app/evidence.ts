/**
 * Gathers the evidence for one backend that fails its probe (the `checkBackend` activity): VM health,
 * one Run Command in the guest, and the NIC's effective NSGs and routes. Each check fails on its own:
 * a 403 on effective routes must not hide what the guest said.
 */
import type { RunCommandResult } from '@azure/arm-compute';
import type { AzureReader } from '../azure/reader';
import { ensureError, isAzureCallError, isUnsafeScriptValueError } from '../errors';
import { parseGuestOutput, parseRunCommandResult } from '../guest/parse';
import { outputForProbe } from '../guest/probeOutput';
import { buildGuestScript, scriptSha256, type ScriptProbe } from '../guest/scripts';
import type { GuestEvidence, VmHealthEvidence } from '../model/evidence';
import type { ProbeInfo } from '../model/topology';
import type { BackendEvidence, CheckBackendInput, GuestCommandRecord } from '../workflow/contracts';
import type { RunContext } from '../model/run';
import { KeyedLock } from '../util/keyedLock';
import { idKey } from '../model/ids';
import { nextMacrotask } from '../util/nextMacrotask';

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
 * Runs whose guest checks started ahead are kept. A run's are forgotten whole, oldest run first, once
 * this many newer runs started theirs: a run whose checks never came (it failed, another process took
 * them) does not stay, and a run in flight keeps every command of its first batch (up to the fan-out
 * batch size, 200 at most) however many other runs the host answers at once (a sweep runs up to 64).
 */
const MAX_RUNS_AHEAD = 128;

/**
 * A Run Command sent: Azure's answer, settled, whether Azure took it (see `runGuestScript`), and what the
 * audit trail says of it once taken.
 */
interface SentCommand {
  answer: Promise<Settled<RunCommandResult>>;
  accepted: Promise<boolean>;
  record: GuestCommandRecord;
}

/**
 * A guest check under way: its evidence per probe (or why none), whether its command was taken, and
 * the command's record (none when a value was refused before any script was built).
 */
interface GuestCheckStarted {
  evidence: Promise<Settled<{ probeId: string; guest: GuestEvidence }[]>>;
  accepted: Promise<boolean>;
  record?: GuestCommandRecord;
}

/** Builds the `checkBackend` dependency over an {@link AzureReader}. */
export function createEvidenceGatherer(
  reader: AzureReader,
  options: EvidenceOptions = DEFAULT_EVIDENCE_OPTIONS,
  /** Told, once per command, the moment Azure takes a guest check's Run Command (the audit trail). */
  onCommandAccepted?: (run: RunContext, command: GuestCommandRecord) => void | Promise<void>,
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

  /**
   * Commands started ahead, by run, then by VM and exact script. What is kept is the command's own
   * answer: the check that adopts it reads that answer with its own probes (their ids), so the
   * evidence is labelled as the adopting check would label its own.
   */
  const startedAhead = new Map<string, Map<string, SentCommand>>();
  const aheadKey = (plan: GuestScriptPlan): string => JSON.stringify([idKey(plan.vmId), plan.script]);

  /**
   * Sets the evidence's `guestCommand` (contracts.ts GuestCommandRecord) once Azure has taken the
   * command (never for one it refused), unless the check has returned by then (`done()`): a command
   * the check does not wait for (the VM stopped since discovery) is recorded only if Azure had taken it
   * by the check's end.
   */
  const recordCommand = async (
    evidence: BackendEvidence,
    started: GuestCheckStarted,
    done: () => boolean,
  ): Promise<void> => {
    if (!started.record || !(await started.accepted) || done()) return;
    evidence.guestCommand = started.record;
  };

  /**
   * Runs the planned script, one Run Command at a time per VM: Azure's answer, settled, and whether
   * Azure took the command (its POST accepted: the script ran, or runs, in the guest) or refused every
   * attempt (409 while another script ran, 403, ...: nothing ran).
   */
  function runGuestScript(plan: GuestScriptPlan, run: RunContext, ahead: boolean): SentCommand {
    const { vmId, script } = plan;
    const record: GuestCommandRecord = {
      vmId,
      commandId: script.commandId,
      scriptSha256: scriptSha256(script),
      startedAhead: ahead,
    };
    let accept: (taken: boolean) => void = () => undefined;
    const accepted = new Promise<boolean>((resolve) => (accept = resolve));
    let told = false;
    const taken = async (): Promise<void> => {
      accept(true);
      if (told) return;
      told = true;
      await onCommandAccepted?.(run, record);
    };
    const answer = vmLock.run(idKey(vmId), async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await reader.runCommand(vmId, script, { onAccepted: taken });
        } catch (err) {
          if (!isRunCommandBusy(err) || attempt >= options.runCommandAttempts) throw err;
          await sleep(options.runCommandRetryDelayMs);
        }
      }
    });
    // The first word stands: a command that failed after Azure took it did run.
    answer.then(
      () => accept(true),
      () => accept(false),
    );
    return { answer: settle(answer), accepted, record };
  }

  /**
   * Each probe's evidence from the command's answer, labelled with the plan's probes.
   * @throws Error when the answer is not a Run Command result (parseRunCommandResult).
   */
  function guestEvidenceOf(
    plan: GuestScriptPlan,
    body: RunCommandResult,
  ): { probeId: string; guest: GuestEvidence }[] {
    const { os, address, distinct, probeIndexes } = plan;
    const { stdout } = parseRunCommandResult(body);
    const parsed = distinct.map((probe, i) =>
      parseGuestOutput(os, outputForProbe(stdout, i + 1), probe, address),
    );
    return probeIndexes.map(({ probe, index }) => ({
      probeId: probe.id,
      guest: parsed[index] as GuestEvidence,
    }));
  }

  /** The evidence of `plan` from a command's settled answer (its own, or one started ahead). */
  const evidenceFrom = (
    plan: GuestScriptPlan,
    answer: Promise<Settled<RunCommandResult>>,
  ): Promise<Settled<{ probeId: string; guest: GuestEvidence }[]>> =>
    answer.then((outcome) =>
      outcome.ok ? settle(Promise.resolve().then(() => guestEvidenceOf(plan, outcome.value))) : outcome,
    );

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
    outcome: () => GuestCheckStarted;
  } {
    let plan: GuestScriptPlan;
    try {
      plan = planGuestScript(vmId, os, input);
    } catch (error) {
      // Refused before any script was built: nothing was sent.
      return {
        outcome: () => ({
          evidence: Promise.resolve({ ok: false, error }),
          accepted: Promise.resolve(false),
        }),
      };
    }
    return {
      plan,
      outcome: () => {
        const sent = runGuestScript(plan, input.run, false);
        return { evidence: evidenceFrom(plan, sent.answer), accepted: sent.accepted, record: sent.record };
      },
    };
  }

  const startGuestCheck = (input: CheckBackendInput): boolean => {
    const { vmId } = input.backend;
    if (!vmId || !input.os || !input.vmReady) return false;
    const { plan } = guestCheckOf(vmId, input.os, input);
    if (!plan) return false;
    const { runId } = input.run;
    let run = startedAhead.get(runId);
    if (!run) {
      run = new Map();
      startedAhead.set(runId, run);
      for (const oldest of startedAhead.keys()) {
        if (startedAhead.size <= MAX_RUNS_AHEAD) break;
        startedAhead.delete(oldest);
      }
    }
    const key = aheadKey(plan);
    if (run.has(key)) return false;
    run.set(key, runGuestScript(plan, input.run, true));
    return true;
  };

  /** The guest check started ahead for this very VM and script in this run, taken (adopted once). */
  function takeStartedAhead(input: CheckBackendInput, plan: GuestScriptPlan | undefined) {
    const run = plan ? startedAhead.get(input.run.runId) : undefined;
    if (!plan || !run) return undefined;
    const key = aheadKey(plan);
    const started = run.get(key);
    run.delete(key);
    if (run.size === 0) startedAhead.delete(input.run.runId);
    return (
      started && {
        evidence: evidenceFrom(plan, started.answer),
        accepted: started.accepted,
        record: started.record,
      }
    );
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
    const started = guestCheck ? (adopted ?? guestCheck.outcome()) : undefined;
    const early = started?.evidence;
    // What ran in the guest, for the audit trail: a command Azure took, known once it answers the POST.
    let returned = false;
    const done = () => returned;
    const recorded = started && recordCommand(evidence, started, done);
    const commands: Promise<void>[] = [];
    if (early && !adopted) {
      // One turn of the event loop before the reads: the checks of a batch start together, and each
      // request costs this thread its pipeline and often a new connection, so without it their health
      // reads would go out between their commands and delay the last command by the others' reads.
      await nextMacrotask();
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
      if (recorded) commands.push(recorded);
    } else if (vmId && !notCheckable && input.os) {
      const sent = guestCheckOf(vmId, input.os, input).outcome();
      commands.push(recordCommand(evidence, sent, done));
      checks.push(sent.evidence.then((outcome) => recordGuest(evidence, failures, outcome)));
    } else if (vmId && notCheckable) {
      failures.guest = notCheckable;
    }
    // ARM answers effective NSGs and routes only for a NIC of a running VM. When the VM's state could
    // not be read (a role without compute reads may still have these network actions), they are asked
    // all the same: an answer is the NSG verdict's best evidence, a refusal is recorded as any other.
    if (nicId && (running || (vmId !== undefined && vm === undefined))) {
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
    await Promise.all([...checks, ...commands]);
    if (Object.keys(failures).length > 0) {
      evidence.failures = failures;
      evidence.problems = Object.entries(failures).map(([check, message]) => `${check}: ${message}`);
    }
    returned = true;
    return evidence;
  };
  return Object.assign(check, { startGuestCheck });
}
