/**
 * How long Azure takes, per kind of request, in sandbox time (clock.ts): the round trip of every ARM
 * request, and how long each long-running operation runs before its result is there. The standalone
 * sandbox waits these for real (wall clock); an in-process sandbox waits them on its
 * {@link SkippableClock}, which a local durable host may move forward. A scale factor compresses
 * them all: 1 is Azure's pace, 0.01 is a hundred times faster (the benchmark's default), 0 answers
 * at once (the in-process default, so tests stay fast).
 *
 * Azure's figures and where they come from (`AZURE_DURATIONS_MS`):
 * - Run Command, 20 s: "The minimum time to run a script is about 20 seconds" and "Only one script
 *   can run at a time" (Run Command restrictions, MicrosoftDocs/azure-docs
 *   articles/virtual-machines/linux/run-command.md and windows/run-command.md). While one runs, a
 *   second gets 409 `Conflict` "Run command extension execution is in progress. Please wait for
 *   completion before invoking a run command." (as reported verbatim in Azure/azure-cli#32305 and
 *   MicrosoftDocs/azure-docs#43356).
 * - `Retry-After`: "The number of seconds to wait before checking the status of the asynchronous
 *   operation" (Track asynchronous Azure operations, azure-resource-manager/management/
 *   async-operations.md). The sandbox sends the whole seconds left (lro.ts).
 * - Probe re-evaluation: the probe's own `intervalInSeconds x probeThreshold`
 *   (load-balancer-custom-probe-overview.md; probeTime.ts), scaled by `probeScale`.
 * - ARM request 150 ms, rule health 2 s, security rule PUT/DELETE 7.5 s: no published figure; these
 *   are the figures issue #14 measures against (typical observed values), kept here so the
 *   benchmark's bound and the sandbox use the same ones. Effective NSGs/routes, Network Watcher,
 *   VM start, support ticket creation and a scale set's capacity change: no published figure either;
 *   estimates, stated as such.
 */
import { InvalidInputError } from '../errors';

/** The kinds of work the sandbox times. */
export const DURATION_KINDS = [
  /** Every ARM request's round trip (the benchmark's "ARM GET"); polls and action starts too. */
  'armRequest',
  /** `POST .../loadBalancingRules/{rule}/health`, start to result. */
  'ruleHealth',
  /** `POST {vm}/runCommand`, start to result; the VM runs no other script meanwhile. */
  'runCommand',
  /** Security rule PUT or DELETE, start to Succeeded; the NSG takes no other write meanwhile. */
  'securityRuleWrite',
  /** `POST {nic}/effectiveNetworkSecurityGroups` and `/effectiveRouteTable`. */
  'effectiveNetwork',
  /** Network Watcher `ipFlowVerify` and `connectivityCheck`. */
  'networkWatcher',
  /** `POST {vm}/start`, start to running. */
  'vmStart',
  /** Support ticket creation. */
  'supportTicket',
  /** A scale set capacity change (PATCH/PUT of `sku.capacity`), start to the new instances running. */
  'scaleSetUpdate',
] as const;

export type DurationKind = (typeof DURATION_KINDS)[number];

/** Azure's figures in milliseconds, before scaling (sources in the file comment). */
export const AZURE_DURATIONS_MS: Readonly<Record<DurationKind, number>> = {
  armRequest: 150,
  ruleHealth: 2_000,
  runCommand: 20_000,
  securityRuleWrite: 7_500,
  effectiveNetwork: 2_000, // estimate
  networkWatcher: 5_000, // estimate
  vmStart: 30_000, // estimate
  supportTicket: 2_000, // estimate
  scaleSetUpdate: 60_000, // estimate
};

/** The scale the benchmark runs at unless told otherwise (issue #14: Azure's figures / 100). */
export const BENCH_SCALE = 0.01;

/** What a sandbox start or a scenario's `time` block may set; anything left out takes a default. */
export interface TimeSettings {
  /** Multiplies every duration: 1 Azure's pace, 0.01 a hundred times faster, 0 instant. */
  scale?: number;
  /** Multiplies the probe's `intervalInSeconds x probeThreshold`. Default: `scale` when it is set. */
  probeScale?: number;
  /** Azure-scale figures (ms) that replace {@link AZURE_DURATIONS_MS} per kind, before scaling. */
  durationsMs?: Partial<Record<DurationKind, number>>;
}

/** A resolved time model: what the sandbox waits, per kind, in sandbox milliseconds. */
export interface TimeModel {
  readonly scale: number;
  readonly probeScale: number;
  /** Azure-scale figures in use (ms), before scaling. */
  readonly azureMs: Readonly<Record<DurationKind, number>>;
}

/**
 * The in-process default: requests and operations answer at once (operations finish on the poll
 * count of the sandbox's behaviour, as before), probes re-test at their real interval x threshold
 * (a local durable host skips that wait by moving the sandbox's clock).
 */
export const IN_PROCESS_DEFAULT: TimeSettings = { scale: 0, probeScale: 1 };

/** The standalone sandbox's default: Azure's pace on the wall clock. */
export const STANDALONE_DEFAULT: TimeSettings = { scale: 1 };

function checkFactor(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidInputError(`${what} must be a number from 0 to 100, got ${String(value)}`, what);
  }
  return value;
}

/**
 * Resolves settings in order of precedence (first wins per field): e.g. the sandbox start's, then
 * the scenario's, then the default. A layer that sets `scale` but not `probeScale` scales the probe
 * too, unless an earlier layer set `probeScale`. Throws {@link InvalidInputError} for a factor
 * outside 0..100 or a negative duration.
 */
export function resolveTimeModel(...layers: (TimeSettings | undefined)[]): TimeModel {
  let scale: number | undefined;
  let probeScale: number | undefined;
  const azureMs: Record<DurationKind, number> = { ...AZURE_DURATIONS_MS };
  const durationSet = new Set<DurationKind>();
  for (const layer of layers) {
    if (!layer) continue;
    let setsScale = false;
    if (scale === undefined && layer.scale !== undefined) {
      scale = checkFactor(layer.scale, 'time scale');
      setsScale = true;
    }
    if (probeScale === undefined && layer.probeScale !== undefined) {
      probeScale = checkFactor(layer.probeScale, 'time probeScale');
    } else if (probeScale === undefined && setsScale) {
      // A layer that sets the scale and not the probe's scales the probe too.
      probeScale = scale;
    }
    for (const [kind, ms] of Object.entries(layer.durationsMs ?? {}) as [DurationKind, number][]) {
      if (durationSet.has(kind) || ms === undefined) continue;
      if (!Number.isFinite(ms) || ms < 0) {
        throw new InvalidInputError(`time durationsMs.${kind} must be >= 0 ms, got ${String(ms)}`, kind);
      }
      azureMs[kind] = ms;
      durationSet.add(kind);
    }
  }
  return { scale: scale ?? 1, probeScale: probeScale ?? scale ?? 1, azureMs };
}

/** How long `kind` takes in sandbox milliseconds under `model`. */
export function durationMs(model: TimeModel, kind: DurationKind): number {
  return model.azureMs[kind] * model.scale;
}

/** How long a probe takes to re-test: `intervalInSeconds x threshold`, scaled, in sandbox ms. */
export function probeReevaluationMs(model: TimeModel, intervalSeconds: number, threshold: number): number {
  return intervalSeconds * 1000 * threshold * model.probeScale;
}
