/**
 * What activities call to audit a step. The orchestrator body replays, so it never emits: each
 * activity builds an auditor from the run's common dimensions (passed in its input) and emits from
 * there, once per execution.
 *
 * ```ts
 * const audit = createAuditor(sink, { runId, alertId, loadBalancerId, mode: 'fix' });
 * await audit.fixPlanned({ fixKind: 'nsg-allow-probe', target: nsgId, before: null, after: rule, outcome: 'planned' }, { confirm: true });
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { CauseId } from '../model/report';
import {
  AUDIT_SCHEMA_VERSION,
  parseAuditEvent,
  type AuditEvent,
  type AuditEventName,
  type AuditEventOf,
  type AlertRejectedEvent,
  HEALTHY_BACKENDS_LISTED,
} from './events';
import { jsonListWithin } from './dimension';
import { emitConfirmed, type AuditSink } from './sink';

/** Dimensions shared by every event of one run. */
export interface AuditCommon {
  /** The orchestration instance id. */
  runId: string;
  alertId?: string;
  loadBalancerId: string;
  mode: 'observe' | 'fix';
}

/** Clock and id source, injectable so tests get stable events. */
export interface AuditorDeps {
  now?: () => Date;
  newId?: () => string;
}

export interface EmitOptions {
  /**
   * Resolve only once the sink has confirmed delivery (see {@link emitConfirmed}). Use before making
   * a change: if this rejects, do not make it.
   */
  confirm?: boolean;
  /**
   * When the fact happened, if not now: the event's `time`, which the timeline and the KQL run
   * timeline order by. A run's RunStarted, written by its first activity, happened when the run was
   * started.
   */
  at?: Date;
}

type Filled =
  | 'name'
  | 'schemaVersion'
  | 'eventId'
  | 'time'
  | 'runId'
  | 'alertId'
  | 'loadBalancerId'
  | 'subscriptionId'
  | 'mode';

/** The fields a caller supplies for event N: the common ones are filled in by the auditor. */
type Fields<N extends AuditEventName> = Omit<AuditEventOf<N>, Filled>;

/** Structured values are passed as values and serialised here, so callers never hand-write JSON. */
type ChangeFields<N extends AuditEventName> = Omit<Fields<N>, 'before' | 'after'> & {
  before: unknown;
  after: unknown;
};
type WithCauseIds<T> = Omit<T, 'causeIds'> & { causeIds: readonly CauseId[] };

export interface Auditor {
  readonly common: AuditCommon;
  runStarted(fields: Fields<'ProbeDoctor.RunStarted'>, options?: EmitOptions): Promise<AuditEvent>;
  approvalReceived(
    fields: Omit<Fields<'ProbeDoctor.ApprovalReceived'>, 'verified'> & { verified: boolean },
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  backendChecked(
    fields: WithCauseIds<Fields<'ProbeDoctor.BackendChecked'>>,
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  /** A Run Command Azure took (see RunCommandAcceptedSchema). */
  runCommandAccepted(
    fields: Omit<Fields<'ProbeDoctor.RunCommandAccepted'>, 'outcome'>,
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  /**
   * One event for every healthy backend of the run (see BackendsHealthySchema). Each backend by its
   * key: the diagnosis's own entries can be passed as they are, not copied per backend.
   */
  backendsHealthy(
    fields: {
      backends: readonly { key: string; ipAddress?: string; healthReason?: string }[];
    },
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  causeFound(
    fields: Omit<Fields<'ProbeDoctor.CauseFound'>, 'evidence' | 'outcome'> & { evidence?: unknown },
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  fixPlanned(fields: ChangeFields<'ProbeDoctor.FixPlanned'>, options?: EmitOptions): Promise<AuditEvent>;
  fixApplied(fields: ChangeFields<'ProbeDoctor.FixApplied'>, options?: EmitOptions): Promise<AuditEvent>;
  fixRolledBack(
    fields: ChangeFields<'ProbeDoctor.FixRolledBack'>,
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  validationResult(
    fields: Fields<'ProbeDoctor.ValidationResult'>,
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  escalated(
    fields: WithCauseIds<Fields<'ProbeDoctor.Escalated'>>,
    options?: EmitOptions,
  ): Promise<AuditEvent>;
  runFinished(
    fields: Omit<
      WithCauseIds<Fields<'ProbeDoctor.RunFinished'>>,
      | 'fixesApplied'
      | 'backendsDown'
      | 'backendsExpectedDown'
      | 'nextSteps'
      | 'nextStepsOmitted'
      | 'problems'
      | 'problemsOmitted'
    > & {
      fixesApplied: number;
      backendsDown: number;
      backendsExpectedDown?: number;
      /** The report's next steps; written as many as fit one dimension (src/audit/dimension.ts). */
      nextSteps?: readonly string[];
      /** What the run could not read or check (the report's `problems`); as many as fit. */
      problems?: readonly unknown[];
    },
    options?: EmitOptions,
  ): Promise<AuditEvent>;
}

/** The subscription id in a resource id, lower-cased; undefined when the id has none. */
export function subscriptionOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1]?.toLowerCase();
}

const json = (value: unknown): string => JSON.stringify(value ?? null);

/** Drops undefined fields so optional dimensions are absent, not `"undefined"`. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Builds, validates and emits events with a run's common dimensions. */
export function createAuditor(sink: AuditSink, common: AuditCommon, deps: AuditorDeps = {}): Auditor {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;

  async function record(
    name: AuditEventName,
    fields: object,
    options: EmitOptions = {},
  ): Promise<AuditEvent> {
    const event = parseAuditEvent(
      defined({
        name,
        schemaVersion: AUDIT_SCHEMA_VERSION,
        eventId: newId(),
        time: (options.at ?? now()).toISOString(),
        runId: common.runId,
        alertId: common.alertId,
        loadBalancerId: common.loadBalancerId,
        subscriptionId: subscriptionOf(common.loadBalancerId),
        mode: common.mode,
        ...fields,
      }),
    );
    if (options.confirm) await emitConfirmed(sink, event);
    else await sink.emit(event);
    return event;
  }

  const change = (f: { before: unknown; after: unknown }) => ({
    ...f,
    before: json(f.before),
    after: json(f.after),
  });
  const causes = (f: { causeIds: readonly CauseId[] }) => ({ ...f, causeIds: f.causeIds.join(',') });

  return {
    common,
    runStarted: (f, o) => record('ProbeDoctor.RunStarted', f, o),
    approvalReceived: (f, o) =>
      record('ProbeDoctor.ApprovalReceived', { ...f, verified: String(f.verified) }, o),
    backendChecked: (f, o) => record('ProbeDoctor.BackendChecked', causes(f), o),
    runCommandAccepted: (f, o) => record('ProbeDoctor.RunCommandAccepted', { ...f, outcome: 'accepted' }, o),
    backendsHealthy: (f, o) => {
      const listed = f.backends.slice(0, HEALTHY_BACKENDS_LISTED);
      const reasons: Record<string, number> = {};
      // Indexed: see indexById (model/ids.ts) on for-of in code that runs once per run.
      for (let i = 0; i < f.backends.length; i++) {
        const reason = f.backends[i]?.healthReason || 'none';
        reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
      return record(
        'ProbeDoctor.BackendsHealthy',
        {
          count: String(f.backends.length),
          backends: json(listed.map((b) => defined({ backend: b.key, ipAddress: b.ipAddress || undefined }))),
          omitted: String(f.backends.length - listed.length),
          healthReasons: json(reasons),
          outcome: 'healthy',
        },
        o,
      );
    },
    causeFound: (f, o) =>
      record(
        'ProbeDoctor.CauseFound',
        { ...f, evidence: f.evidence === undefined ? undefined : json(f.evidence), outcome: 'found' },
        o,
      ),
    fixPlanned: (f, o) => record('ProbeDoctor.FixPlanned', change(f), o),
    fixApplied: (f, o) => record('ProbeDoctor.FixApplied', change(f), o),
    fixRolledBack: (f, o) => record('ProbeDoctor.FixRolledBack', change(f), o),
    validationResult: (f, o) => record('ProbeDoctor.ValidationResult', f, o),
    escalated: (f, o) => record('ProbeDoctor.Escalated', causes(f), o),
    runFinished: (f, o) =>
      record(
        'ProbeDoctor.RunFinished',
        {
          ...causes(f),
          fixesApplied: String(f.fixesApplied),
          backendsDown: String(f.backendsDown),
          ...(f.backendsExpectedDown !== undefined
            ? { backendsExpectedDown: String(f.backendsExpectedDown) }
            : {}),
          ...listWithin('nextSteps', f.nextSteps),
          ...listWithin('problems', f.problems),
        },
        o,
      ),
  };
}

/**
 * `items` as the JSON text dimension `name` and, when some did not fit, `<name>Omitted`; nothing for
 * an empty or absent list.
 */
function listWithin<N extends string>(
  name: N,
  items: readonly unknown[] | undefined,
): Partial<Record<N | `${N}Omitted`, string>> {
  if (!items || items.length === 0) return {};
  const { json: text, omitted } = jsonListWithin(items);
  return { [name]: text, ...(omitted > 0 ? { [`${name}Omitted`]: String(omitted) } : {}) } as Partial<
    Record<N | `${N}Omitted`, string>
  >;
}

/** What the alert trigger knows about an alert it will not act on. */
export interface RejectedAlert {
  /** The trigger's invocation id: a rejected alert starts no orchestration. */
  runId: string;
  alertId?: string;
  /** The alert's target, when the payload named one that parsed. */
  loadBalancerId?: string;
  alertRule?: string;
  mode: 'observe' | 'fix';
  reason: string;
  outcome: AlertRejectedEvent['outcome'];
}

/**
 * Audits an alert that starts no run. Called from the alert trigger (not an orchestrator, so it does
 * not replay).
 */
export async function auditAlertRejected(
  sink: AuditSink,
  alert: RejectedAlert,
  deps: AuditorDeps = {},
): Promise<AuditEvent> {
  const event = parseAuditEvent(
    defined({
      name: 'ProbeDoctor.AlertRejected',
      schemaVersion: AUDIT_SCHEMA_VERSION,
      eventId: (deps.newId ?? randomUUID)(),
      time: (deps.now ?? (() => new Date()))().toISOString(),
      ...alert,
      subscriptionId: alert.loadBalancerId ? subscriptionOf(alert.loadBalancerId) : undefined,
    }),
  );
  await sink.emit(event);
  return event;
}
