/**
 * The audit trail's schema: one custom event per step of a run. Users read these in Application
 * Insights (customEvents, with every field below in customDimensions) and in JSON lines files, so the
 * names and values here are a product contract, like the report (docs/audit.md lists them).
 *
 * Every value is a string because customDimensions values are strings; structured values (the rule
 * before and after a change, a cause's evidence) travel as JSON text and are checked to parse.
 */
import { z } from 'zod';
import { CAUSE_IDS, DOWN_BY_DESIGN_SHAPES, type CauseId } from '../model/report';
import { InvalidAuditEventError } from './errors';

/** Version of this schema, carried on every event so queries can tell shapes apart later. */
export const AUDIT_SCHEMA_VERSION = '1';

/** Prefix of every event name: `customEvents | where name startswith "ProbeDoctor."`. */
export const EVENT_PREFIX = 'ProbeDoctor.';

export const AUDIT_EVENT_NAMES = [
  'ProbeDoctor.RunStarted',
  'ProbeDoctor.BackendChecked',
  'ProbeDoctor.BackendsHealthy',
  'ProbeDoctor.CauseFound',
  'ProbeDoctor.FixPlanned',
  'ProbeDoctor.FixApplied',
  'ProbeDoctor.FixRolledBack',
  'ProbeDoctor.ValidationResult',
  'ProbeDoctor.Escalated',
  'ProbeDoctor.RunFinished',
  'ProbeDoctor.AlertRejected',
  'ProbeDoctor.ApprovalReceived',
  'ProbeDoctor.RunCommandAccepted',
  'ProbeDoctor.SweepCompleted',
] as const;

export type AuditEventName = (typeof AUDIT_EVENT_NAMES)[number];

const text = z.string().min(1, { message: 'must not be empty' });
const resourceId = z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i, {
  message: 'must be an ARM resource id (/subscriptions/.../resourceGroups/.../providers/...)',
});
const subscriptionId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'must be a GUID' });
/** JSON text: customDimensions cannot nest, so objects are serialised, and must parse back. */
const jsonText = z.string().refine(
  (s) => {
    try {
      JSON.parse(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be JSON text' },
);
/** Comma-separated cause ids (empty when none): `split(customDimensions.causeIds, ",")` in KQL. */
const causeIdList = z
  .string()
  .refine((s) => s === '' || s.split(',').every((id) => CAUSE_IDS.includes(id as never)), {
    message: `must be a comma-separated list of cause ids (${CAUSE_IDS.join(', ')})`,
  });
const causeId = z.enum(CAUSE_IDS as unknown as [CauseId, ...CauseId[]], {
  message: `must be one of ${CAUSE_IDS.join(', ')}`,
});
const fixKind = z.enum(['nsg-allow-probe', 'start-vm', 'guest-firewall-allow', 'recommendation'], {
  message: 'must be one of nsg-allow-probe, start-vm, guest-firewall-allow, recommendation',
});
const mode = z.enum(['observe', 'fix'], { message: 'must be observe or fix' });
const outcome = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `must be one of ${values.join(', ')}` });

/** Dimensions on every event of a run. */
const runDimensions = {
  schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
  /** Unique per event: lets a reader drop duplicates and lets a confirmed write find its answer. */
  eventId: text,
  /** ISO 8601 time the activity emitted the event (App Insights also stamps `timestamp`). */
  time: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
  /**
   * The run's id: one per execution (`yyyymmddThhmmssfffZ-<instance id>`), while the orchestration
   * instance id is one per load balancer. An alert rejected before any run uses the trigger's invocation id.
   */
  runId: text,
  alertId: text.optional(),
  loadBalancerId: resourceId,
  subscriptionId,
  mode,
};

/** Fields of an event that changes (or would change) a resource: the rule or state before and after. */
const changeDimensions = {
  fixKind,
  /** The resource changed: an NSG, a VM. */
  target: resourceId,
  causeId: causeId.optional(),
  backend: text.optional(),
  before: jsonText,
  after: jsonText,
  reason: text.optional(),
};

export const RunStartedSchema = z.object({
  name: z.literal('ProbeDoctor.RunStarted'),
  ...runDimensions,
  /** What started the run. */
  trigger: z.enum(['alert', 'http', 'cli', 'sweep'], { message: 'must be alert, http, cli or sweep' }),
  outcome: outcome(['started', 'joined'] as const),
});

/**
 * A Run Command Azure took from probe-doctor: `RunShellScript` or `RunPowerShellScript`, and the SHA-256
 * (hex) of its script as sent (the `script` lines joined with `\n`), so a reviewer can hash a version's
 * script and match it. Optional: absent where no command ran.
 */
const ranCommand = {
  runCommand: z
    .enum(['RunShellScript', 'RunPowerShellScript'], {
      message: 'must be RunShellScript or RunPowerShellScript',
    })
    .optional(),
  scriptSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { message: 'must be 64 hex digits' })
    .optional(),
};

export const BackendCheckedSchema = z.object({
  name: z.literal('ProbeDoctor.BackendChecked'),
  ...runDimensions,
  /** The NIC IP configuration id (or the pool address id for IP-based members). */
  backend: text,
  ipAddress: text.optional(),
  vmId: text.optional(),
  probeState: z.enum(['up', 'down', 'unknown', 'expected-down'], {
    message: 'must be up, down, unknown or expected-down',
  }),
  healthReason: text.optional(),
  causeIds: causeIdList,
  outcome: outcome(['healthy', 'causes-found', 'check-failed', 'expected-down'] as const),
  reason: text.optional(),
  /**
   * The Run Command this check had Azure take on `vmId` (its POST accepted), whatever the script then
   * did ({@link ranCommand}). Absent when Azure refused it or none was sent.
   */
  ...ranCommand,
  /**
   * With `expected-down`: which shape of down by design it is (`reason` says it in words), so a query
   * can tell them apart without reading prose (infra/queries/expected-down.kql).
   */
  downByDesign: z
    .enum(DOWN_BY_DESIGN_SHAPES, { message: `must be one of ${DOWN_BY_DESIGN_SHAPES.join(', ')}` })
    .optional(),
});

/** How many backends a healthy-backends event lists by name: customDimensions values are capped (8 KB). */
export const HEALTHY_BACKENDS_LISTED = 20;

/**
 * Every backend that answers its probe and has no cause, in one event per run (a pool of a thousand
 * healthy backends is one event, not a thousand): how many, the first {@link HEALTHY_BACKENDS_LISTED}
 * by name, and the health reasons counted. The report in the run store lists each one.
 */
export const BackendsHealthySchema = z.object({
  name: z.literal('ProbeDoctor.BackendsHealthy'),
  ...runDimensions,
  count: z.string().regex(/^\d+$/, { message: 'must be a whole number' }),
  /** JSON text: `[{ "backend", "ipAddress"? }]`, the first of them in pool order. */
  backends: jsonText,
  /** How many are counted but not listed in `backends`. */
  omitted: z.string().regex(/^\d+$/, { message: 'must be a whole number' }),
  /** JSON text: `{ "<health reason>": <how many> }`. */
  healthReasons: jsonText,
  outcome: outcome(['healthy'] as const),
});

export const CauseFoundSchema = z.object({
  name: z.literal('ProbeDoctor.CauseFound'),
  ...runDimensions,
  /** Absent for a load-balancer cause (an empty pool, a probe that cannot work). */
  backend: text.optional(),
  causeId,
  summary: text,
  evidence: jsonText.optional(),
  outcome: outcome(['found'] as const),
});

export const FixPlannedSchema = z.object({
  name: z.literal('ProbeDoctor.FixPlanned'),
  ...runDimensions,
  ...changeDimensions,
  outcome: outcome(['planned', 'awaiting-approval', 'skipped'] as const),
});

export const FixAppliedSchema = z.object({
  name: z.literal('ProbeDoctor.FixApplied'),
  ...runDimensions,
  ...changeDimensions,
  /**
   * `started` is written (and confirmed) BEFORE the change, with the state before and the state
   * intended: if it cannot be written, the change is not made. `applied` follows the change, with
   * the state re-read after it; `already-in-place` when an idempotent retry found the change made.
   */
  outcome: outcome(['started', 'applied', 'already-in-place', 'failed'] as const),
});

export const FixRolledBackSchema = z.object({
  name: z.literal('ProbeDoctor.FixRolledBack'),
  ...runDimensions,
  ...changeDimensions,
  reason: text,
  /** `started` before the delete (confirmed, or nothing is deleted), `rolled-back` after it. */
  outcome: outcome(['started', 'rolled-back', 'failed'] as const),
});

export const ValidationResultSchema = z.object({
  name: z.literal('ProbeDoctor.ValidationResult'),
  ...runDimensions,
  backend: text,
  /** How the backend was checked after the fixes. */
  /** Basic load balancers have no per-rule health: `checks-rerun` is the cause checks run again. */
  method: z.enum(['peer-tcp-ping', 'health-reread', 'checks-rerun'], {
    message: 'must be peer-tcp-ping, health-reread or checks-rerun',
  }),
  detail: text.optional(),
  /** `peer-tcp-ping`: the Run Command that ran the test on the peer ({@link ranCommand}). */
  ...ranCommand,
  outcome: outcome(['up', 'down', 'unknown'] as const),
});

export const EscalatedSchema = z.object({
  name: z.literal('ProbeDoctor.Escalated'),
  ...runDimensions,
  causeIds: causeIdList,
  reason: text,
  ticketId: text.optional(),
  outcome: outcome(['ticket-built', 'ticket-submitted', 'submit-failed'] as const),
});

const count = z.string().regex(/^\d+$/, { message: 'must be a whole number' });

export const RunFinishedSchema = z.object({
  name: z.literal('ProbeDoctor.RunFinished'),
  ...runDimensions,
  causeIds: causeIdList,
  /**
   * Counts as strings (customDimensions): fixes applied, backends still down (a backend down by design
   * is not down), backends down by design (absent in trails written before it).
   */
  fixesApplied: z.string().regex(/^\d+$/, { message: 'must be a whole number' }),
  backendsDown: z.string().regex(/^\d+$/, { message: 'must be a whole number' }),
  backendsExpectedDown: z.string().regex(/^\d+$/, { message: 'must be a whole number' }).optional(),
  /** The report's verdict, or `failed` when an error stopped the run. */
  outcome: outcome([
    'healthy',
    'resolved',
    'action-required',
    'awaiting-approval',
    'escalated',
    'failed',
  ] as const),
  /** Who must act on the run's findings (the report's whoMustAct). */
  whoMustAct: z
    .enum(['nobody', 'customer', 'microsoft'], { message: 'must be nobody, customer or microsoft' })
    .optional(),
  reason: text.optional(),
  /**
   * JSON text: `["<step>", ...]`, the report's next steps in order, as many whole as fit a dimension
   * (src/audit/dimension.ts); `nextStepsOmitted` counts the rest. Absent when the report has none, and
   * in trails written before them.
   */
  nextSteps: jsonText.optional(),
  nextStepsOmitted: count.optional(),
  /**
   * JSON text: `[{ "resourceId"?, "kind", "statusCode"?, "message" }]`, what the run could not read or
   * check (the report's `problems`), as many whole as fit; `problemsOmitted` counts the rest.
   */
  problems: jsonText.optional(),
  problemsOmitted: count.optional(),
});

/**
 * An alert that started no run: out of the allowed scopes, malformed, or a `Resolved` notification
 * (Azure Monitor sends one when the alert clears; there is nothing to fix, so it is recorded and
 * ignored). The load balancer may be unknown when the alert is malformed. Also a manual start asking
 * for fix mode while PROBE_DOCTOR_MODE=observe (`fix-mode-off`).
 */
export const AlertRejectedSchema = z.object({
  name: z.literal('ProbeDoctor.AlertRejected'),
  ...runDimensions,
  loadBalancerId: resourceId.optional(),
  subscriptionId: subscriptionId.optional(),
  /** The alert rule's name or id, when the payload had one. */
  alertRule: text.optional(),
  reason: text,
  outcome: outcome(['out-of-scope', 'malformed', 'resolved-ignored', 'fix-mode-off'] as const),
});

/**
 * A person's answer to a run waiting for approval, as the approval endpoint received it. `by` is the
 * authenticated principal when the platform's authentication put one on the request (`verified`
 * true); otherwise the name the body claims, which anyone holding the function key can write.
 */
export const ApprovalReceivedSchema = z.object({
  name: z.literal('ProbeDoctor.ApprovalReceived'),
  ...runDimensions,
  by: text,
  verified: z.enum(['true', 'false'], { message: 'must be true or false' }),
  outcome: outcome(['approve', 'reject'] as const),
});

/**
 * A Run Command Azure took from probe-doctor on `vmId` (its POST accepted: the script runs in the
 * guest), written the moment Azure takes it, whatever then becomes of the script or the run. `purpose`:
 * a backend's guest check (`guest-check`, also a Basic load balancer's re-check), an opt-in guest
 * firewall fix (`guest-fix`), or the validation's TCP test from a healthy peer (`peer-test`).
 */
export const RunCommandAcceptedSchema = z.object({
  name: z.literal('ProbeDoctor.RunCommandAccepted'),
  ...runDimensions,
  vmId: resourceId,
  purpose: z.enum(['guest-check', 'guest-fix', 'peer-test'], {
    message: 'must be guest-check, guest-fix or peer-test',
  }),
  runCommand: ranCommand.runCommand.unwrap(),
  scriptSha256: ranCommand.scriptSha256.unwrap(),
  outcome: outcome(['accepted'] as const),
});

/**
 * One fleet sweep, at its end (src/sweep/): the scopes, the totals, and a ref per load balancer in
 * `loadBalancers` (JSON text: `[{ "id", "state", "down"?, "backends"?, "instanceId"?, "remediation"? }]`).
 * Application Insights keeps at most 8,192 bytes (UTF-8) of a dimension, so when every ref does not fit,
 * the refs of load balancers that need attention come first and `refsOmitted` counts the healthy ones
 * left out (the sweep report itself always lists every load balancer). `runId` is the sweep's id.
 */
export const SweepCompletedSchema = z.object({
  name: z.literal('ProbeDoctor.SweepCompleted'),
  schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
  eventId: text,
  time: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
  runId: text,
  mode,
  /** Comma-separated: `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<name>`. */
  scopes: text,
  loadBalancersInScope: count,
  healthy: count,
  down: count,
  expectedDown: count,
  notProbed: count,
  /** Load balancers whose probed rules have empty backend pools (absent in trails written before it). */
  noBackends: count.optional(),
  cannotRead: count,
  remediationsStarted: count,
  remediationsJoined: count,
  remediationsFailed: count,
  loadBalancers: jsonText,
  refsOmitted: count,
  /**
   * Scopes the sweep could not look into (JSON: `[{ scope, problem, reason }]`, problem `not-found`,
   * `no-access`, `cannot-list` or `unchecked`); absent in trails written before it.
   */
  scopeProblems: jsonText.optional(),
  /**
   * `attention` when any load balancer is down, has no backends to probe, or could not be read, a
   * remediation failed to start, or a scope could not be looked into.
   */
  outcome: outcome(['all-healthy', 'attention'] as const),
});

/** Every audit event; `name` tells them apart. */
export const AuditEventSchema = z.discriminatedUnion('name', [
  RunStartedSchema,
  BackendCheckedSchema,
  BackendsHealthySchema,
  CauseFoundSchema,
  FixPlannedSchema,
  FixAppliedSchema,
  FixRolledBackSchema,
  ValidationResultSchema,
  EscalatedSchema,
  RunFinishedSchema,
  AlertRejectedSchema,
  ApprovalReceivedSchema,
  RunCommandAcceptedSchema,
  SweepCompletedSchema,
]);

export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type RunStartedEvent = z.infer<typeof RunStartedSchema>;
export type BackendCheckedEvent = z.infer<typeof BackendCheckedSchema>;
export type BackendsHealthyEvent = z.infer<typeof BackendsHealthySchema>;
export type CauseFoundEvent = z.infer<typeof CauseFoundSchema>;
export type FixPlannedEvent = z.infer<typeof FixPlannedSchema>;
export type FixAppliedEvent = z.infer<typeof FixAppliedSchema>;
export type FixRolledBackEvent = z.infer<typeof FixRolledBackSchema>;
export type ValidationResultEvent = z.infer<typeof ValidationResultSchema>;
export type EscalatedEvent = z.infer<typeof EscalatedSchema>;
export type RunFinishedEvent = z.infer<typeof RunFinishedSchema>;
export type AlertRejectedEvent = z.infer<typeof AlertRejectedSchema>;
export type ApprovalReceivedEvent = z.infer<typeof ApprovalReceivedSchema>;
/** What a Run Command Azure took was for (RunCommandAccepted's `purpose`). */
export type RunCommandPurpose = z.infer<typeof RunCommandAcceptedSchema>['purpose'];
export type SweepCompletedEvent = z.infer<typeof SweepCompletedSchema>;

/** The event of a given name. */
export type AuditEventOf<N extends AuditEventName> = Extract<AuditEvent, { name: N }>;

/** Events that carry a change's `before` and `after`. */
export type ChangeEvent = FixPlannedEvent | FixAppliedEvent | FixRolledBackEvent;

/** Renders a zod path as `before` or `evidence.x[0]`. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );
}

/** zod's wording for a missing field or a wrong type, said the way the other messages here are. */
function describe(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'is invalid';
  if (issue.code === 'invalid_type') {
    return /received undefined$/.test(issue.message) ? 'is required' : `must be of type ${issue.expected}`;
  }
  return issue.message;
}

/**
 * The events {@link parseAuditEvent} returned. Each is frozen (every field is a string or a number, so
 * freezing the event freezes all of it): unchanged since it was validated, it needs no second look.
 */
const validated = new WeakSet<object>();

/**
 * Validates an event and returns it typed and frozen, or throws InvalidAuditEventError naming the first
 * bad field. Sinks call this before writing: a malformed event never reaches App Insights or a file.
 * An event this function returned is returned again as it is: the auditor validates what it builds,
 * and the sinks it passes through (fan-out, JSON lines, App Insights) then cost nothing more, where
 * each used to parse it again (a BackendsHealthy event carries the JSON of every healthy backend).
 */
export function parseAuditEvent(value: unknown): AuditEvent {
  if (typeof value === 'object' && value !== null && validated.has(value)) return value as AuditEvent;
  // Without zod's JIT: it compiles a parser for each event type the first time that type is parsed
  // (~1-1.5 ms each, paid again by every fresh Functions instance), to save a few microseconds on
  // each later parse; a run emits a few dozen events, so the compiling never pays back.
  const parsed = AuditEventSchema.safeParse(value, { jitless: true });
  if (parsed.success) {
    const event = Object.freeze(parsed.data);
    validated.add(event);
    return event;
  }
  const issue = parsed.error.issues[0];
  const field = issue ? pathText(issue.path) : undefined;
  const name =
    typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
      ? (value as { name: string }).name
      : undefined;
  const what = name && (AUDIT_EVENT_NAMES as readonly string[]).includes(name) ? name : 'audit event';
  const message =
    field === 'name'
      ? `Invalid audit event: name must be one of ${AUDIT_EVENT_NAMES.join(', ')} (got ${JSON.stringify(name ?? null)}).`
      : `Invalid ${what}: ${field || '(event)'} ${describe(issue)}.`;
  throw new InvalidAuditEventError(message, field, { cause: parsed.error });
}

/**
 * The customDimensions an event becomes: every field except `name` (the event's name in App Insights),
 * in a stable order, undefined fields left out.
 */
export function toDimensions(event: AuditEvent): Record<string, string> {
  const dimensions: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key !== 'name' && typeof value === 'string') dimensions[key] = value;
  }
  return dimensions;
}
