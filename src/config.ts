/**
 * probe-doctor's settings: one typed object read once from the environment (PROBE_DOCTOR_*).
 * A missing or malformed setting fails fast with a ConfigurationError that names it.
 */
import { z } from 'zod';
import { ConfigurationError, InvalidInputError } from './errors';
import type { FixKind } from './model/report';

export const SETTING_PREFIX = 'PROBE_DOCTOR_';

/** Fix kinds a setting may list (a recommendation is never applied, so it is not one). */
export const FIX_KINDS = ['nsg-allow-probe', 'start-vm', 'guest-firewall-allow'] as const;
export type ApplicableFixKind = (typeof FIX_KINDS)[number] & FixKind;
/** Fixes that change a VM rather than a network rule, and so must be opted into. */
export const OPT_IN_FIX_KINDS = ['start-vm', 'guest-firewall-allow'] as const;

/** An allowed scope: a whole subscription, or one resource group in it. */
export interface AllowedScope {
  subscriptionId: string;
  resourceGroup?: string;
}

export interface EscalationContact {
  firstName?: string;
  lastName?: string;
  email?: string;
  country?: string;
  timeZone?: string;
  language?: string;
}

export interface ProbeDoctorConfig {
  mode: 'observe' | 'fix';
  allowedScopes: AllowedScope[];
  approvalRequiredFor: ApplicableFixKind[];
  approvalTimeoutMinutes: number;
  rollbackOnFailure: boolean;
  optInFixes: ApplicableFixKind[];
  /**
   * Seconds added to the probe's own re-test time (interval x threshold) before validating. 0 by
   * default: the platform's probe needs exactly that time to flip (probe-facts.md); raise it only if
   * validation in your environment sees the change late.
   */
  probeWaitMarginSeconds: number;
  fanoutBatchSize: number;
  /**
   * The most a run may take, in seconds, not counting the wait for a person's approval. A run that
   * reaches it stops, reports what it knows and closes with RunFinished (outcome `failed`).
   */
  runDeadlineSeconds: number;
  /** The most one activity (with its retries) may take, in seconds, before the run stops waiting for it. */
  activityDeadlineSeconds: number;
  escalationSubmit: boolean;
  escalationContact: EscalationContact;
  /**
   * PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT: the ticket's `advancedDiagnosticConsent`, the
   * customer's consent to Microsoft collecting advanced diagnostic information; default `No`.
   */
  escalationDiagnosticConsent: 'Yes' | 'No';
  applicationInsightsConnectionString?: string;
  auditLogFile?: string;
  /**
   * The Functions host's own blob endpoint (identity-based AzureWebJobsStorage): where large per-run
   * values are kept out of the durable history. Unset (local runs): values travel inline.
   */
  runStoreBlobServiceUri?: string;
  /**
   * NCRONTAB schedule of the fleet sweep timer (`{second} {minute} {hour} {day} {month} {day-of-week}`);
   * undefined (the default) leaves the timer unregistered.
   */
  sweepSchedule?: string;
  /** Load balancers the sweep reads at once. */
  sweepConcurrency: number;
  /**
   * PROBE_DOCTOR_ALWAYS_SPARKPLUG when set: whether the process compiles with Sparkplug from each
   * function's first call. Undefined: the entry point's default (on in the Functions app, off at the
   * CLI). The entry points act on it before this is read (src/util/sparkplugFromFirstCall.ts); it is
   * read here so that a malformed value is refused like any other setting's.
   */
  alwaysSparkplug?: boolean;
}

export interface LoadConfigOptions {
  /** The Functions app needs a scope allowlist; the CLI does not (a person names the LB). */
  requireAllowedScopes?: boolean;
}

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RG_SCOPE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/?$/i;
const SUB_SCOPE = /^\/subscriptions\/([^/]+)\/?$/i;

/** Parses one scope: `<subscription id>`, `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<rg>`. */
export function parseScope(text: string): AllowedScope | undefined {
  const rg = RG_SCOPE.exec(text);
  if (rg?.[1] && rg[2] && GUID.test(rg[1]))
    return { subscriptionId: rg[1].toLowerCase(), resourceGroup: rg[2] };
  const sub = SUB_SCOPE.exec(text)?.[1] ?? text;
  return GUID.test(sub) ? { subscriptionId: sub.toLowerCase() } : undefined;
}

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => v === 'true' || v === 'false', { message: 'expected true or false' })
  .transform((v) => v === 'true');

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `expected a whole number from ${min} to ${max}` });

const kindList = (allowed: readonly ApplicableFixKind[]) =>
  z.string().transform((raw, ctx) => {
    const kinds = raw.trim().toLowerCase() === 'none' ? [] : list(raw);
    const bad = kinds.filter((k) => !allowed.includes(k as ApplicableFixKind));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown fix kind "${bad.join('", "')}"; allowed: ${allowed.join(', ')}`,
      });
      return z.NEVER;
    }
    return [...new Set(kinds)] as ApplicableFixKind[];
  });

const scopes = z.string().transform((raw, ctx) => {
  const parsed: AllowedScope[] = [];
  for (const item of list(raw)) {
    const scope = parseScope(item);
    if (!scope) {
      ctx.addIssue({
        code: 'custom',
        message: `"${item}" is neither a subscription id nor /subscriptions/<id>/resourceGroups/<name>`,
      });
      return z.NEVER;
    }
    parsed.push(scope);
  }
  return parsed;
});

/** Each setting: its name without the prefix, its parser, its default (as the environment would spell it). */
const SETTINGS = {
  MODE: { schema: z.enum(['observe', 'fix'], { message: 'expected observe or fix' }), default: 'observe' },
  ALLOWED_SCOPES: { schema: scopes, default: '' },
  APPROVAL_REQUIRED_FOR: { schema: kindList(FIX_KINDS), default: 'start-vm,guest-firewall-allow' },
  APPROVAL_TIMEOUT_MINUTES: { schema: integer(1, 10080), default: '60' },
  ROLLBACK_ON_FAILURE: { schema: boolean, default: 'true' },
  OPT_IN_FIXES: { schema: kindList(OPT_IN_FIX_KINDS), default: 'none' },
  PROBE_WAIT_MARGIN_SECONDS: { schema: integer(0, 3600), default: '0' },
  FANOUT_BATCH_SIZE: { schema: integer(1, 200), default: '20' },
  RUN_DEADLINE_SECONDS: { schema: integer(10, 86400), default: '1800' },
  ACTIVITY_DEADLINE_SECONDS: { schema: integer(1, 7200), default: '600' },
  ESCALATION_SUBMIT: { schema: boolean, default: 'false' },
  // The customer's own answer: whether Microsoft may collect advanced diagnostic information from the
  // resources of the ticket. Never given on their behalf: `No` unless they say `Yes`.
  ESCALATION_DIAGNOSTIC_CONSENT: {
    schema: z.enum(['Yes', 'No'], { message: 'expected Yes or No' }),
    default: 'No',
  },
  // Empty: off. Six NCRONTAB fields, as the Functions timer trigger takes them.
  SWEEP_SCHEDULE: {
    schema: z
      .string()
      .trim()
      .refine((v) => v === '' || /^\S+( \S+){5}$/.test(v), {
        message:
          'expected six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}) or empty',
      }),
    default: '',
  },
  SWEEP_CONCURRENCY: { schema: integer(1, 64), default: '8' },
  // Only a value that is set is read (its default here is never used): unset, each entry point keeps its
  // own default, on in the Functions app and off at the CLI (src/util/sparkplugFromFirstCall.ts).
  ALWAYS_SPARKPLUG: { schema: boolean, default: 'true' },
} as const;

type SettingName = keyof typeof SETTINGS;

function read<K extends SettingName>(env: Env, name: K): z.output<(typeof SETTINGS)[K]['schema']> {
  const full = SETTING_PREFIX + name;
  const raw = env[full];
  const value = raw === undefined || raw.trim() === '' ? SETTINGS[name].default : raw;
  const parsed = SETTINGS[name].schema.safeParse(value);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? 'invalid value';
    throw new ConfigurationError(full, `Setting ${full} is invalid: ${reason} (got "${raw ?? ''}").`);
  }
  return parsed.data as z.output<(typeof SETTINGS)[K]['schema']>;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * Reads and validates every setting. Throws ConfigurationError naming the first bad setting.
 * Pure over `env`, so tests pass a plain object; {@link getConfig} reads `process.env` once.
 */
export function loadConfig(env: Env, options: LoadConfigOptions = {}): ProbeDoctorConfig {
  const allowedScopes = read(env, 'ALLOWED_SCOPES');
  if (options.requireAllowedScopes && allowedScopes.length === 0) {
    const full = `${SETTING_PREFIX}ALLOWED_SCOPES`;
    throw new ConfigurationError(
      full,
      `Setting ${full} is required: list the subscription ids or /subscriptions/<id>/resourceGroups/<name> scopes probe-doctor may act on.`,
    );
  }
  const email = optional(env, `${SETTING_PREFIX}ESCALATION_CONTACT_EMAIL`);
  if (email !== undefined && !z.email().safeParse(email).success) {
    const full = `${SETTING_PREFIX}ESCALATION_CONTACT_EMAIL`;
    throw new ConfigurationError(
      full,
      `Setting ${full} is invalid: expected an email address (got "${email}").`,
    );
  }
  const contact: EscalationContact = {};
  const contactFields: [keyof EscalationContact, string][] = [
    ['firstName', 'FIRST_NAME'],
    ['lastName', 'LAST_NAME'],
    ['email', 'EMAIL'],
    ['country', 'COUNTRY'],
    ['timeZone', 'TIMEZONE'],
    ['language', 'LANGUAGE'],
  ];
  for (const [field, suffix] of contactFields) {
    const value = optional(env, `${SETTING_PREFIX}ESCALATION_CONTACT_${suffix}`);
    if (value !== undefined) contact[field] = value;
  }
  const escalationSubmit = read(env, 'ESCALATION_SUBMIT');
  if (escalationSubmit) {
    const missing = contactFields.find(([field]) => contact[field] === undefined);
    if (missing) {
      const full = `${SETTING_PREFIX}ESCALATION_CONTACT_${missing[1]}`;
      throw new ConfigurationError(
        full,
        `Setting ${full} is required when ${SETTING_PREFIX}ESCALATION_SUBMIT is true (a support ticket needs a contact).`,
      );
    }
  }
  const appInsights = optional(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
  const auditLogFile = optional(env, `${SETTING_PREFIX}AUDIT_LOG_FILE`);
  const runStoreBlobServiceUri = optional(env, 'AzureWebJobsStorage__blobServiceUri');
  const sweepSchedule = read(env, 'SWEEP_SCHEDULE');
  return {
    mode: read(env, 'MODE'),
    allowedScopes,
    approvalRequiredFor: read(env, 'APPROVAL_REQUIRED_FOR'),
    approvalTimeoutMinutes: read(env, 'APPROVAL_TIMEOUT_MINUTES'),
    rollbackOnFailure: read(env, 'ROLLBACK_ON_FAILURE'),
    optInFixes: read(env, 'OPT_IN_FIXES'),
    probeWaitMarginSeconds: read(env, 'PROBE_WAIT_MARGIN_SECONDS'),
    fanoutBatchSize: read(env, 'FANOUT_BATCH_SIZE'),
    runDeadlineSeconds: read(env, 'RUN_DEADLINE_SECONDS'),
    activityDeadlineSeconds: read(env, 'ACTIVITY_DEADLINE_SECONDS'),
    escalationSubmit,
    escalationContact: contact,
    escalationDiagnosticConsent: read(env, 'ESCALATION_DIAGNOSTIC_CONSENT'),
    ...(appInsights ? { applicationInsightsConnectionString: appInsights } : {}),
    ...(auditLogFile ? { auditLogFile } : {}),
    ...(runStoreBlobServiceUri ? { runStoreBlobServiceUri } : {}),
    ...(sweepSchedule ? { sweepSchedule } : {}),
    sweepConcurrency: read(env, 'SWEEP_CONCURRENCY'),
    ...(optional(env, `${SETTING_PREFIX}ALWAYS_SPARKPLUG`) !== undefined
      ? { alwaysSparkplug: read(env, 'ALWAYS_SPARKPLUG') }
      : {}),
  };
}

/**
 * The sweep timer's schedule alone, for the timer's registration at module load (the rest of the
 * configuration is read on first invocation). Throws ConfigurationError when it is malformed.
 */
export function sweepScheduleSetting(env: Env): string | undefined {
  return read(env, 'SWEEP_SCHEDULE') || undefined;
}

let cached: ProbeDoctorConfig | undefined;

/** The process's configuration, read from `process.env` on first use and kept. */
export function getConfig(options: LoadConfigOptions = {}): ProbeDoctorConfig {
  cached ??= loadConfig(process.env, options);
  return cached;
}

/** Forgets the cached configuration (tests, and a CLI that changes the environment). */
export function resetConfig(): void {
  cached = undefined;
}

/**
 * The stop-writes switch at the CLI: `PROBE_DOCTOR_MODE=observe` set on purpose (docs/runbook.md) is
 * a ceiling `--fix` cannot raise. Unset, the command's own `--fix` decides (the setting's default,
 * observe, is the mode of the Function app's triggers). Throws the one error naming the setting.
 */
export function refuseFixUnderObserveSetting(fix: boolean, env: NodeJS.ProcessEnv): void {
  if (fix && env.PROBE_DOCTOR_MODE?.trim() === 'observe') {
    throw new InvalidInputError(
      '--fix is refused: PROBE_DOCTOR_MODE=observe is set in this environment (the switch that stops writes); unset it or set it to fix to let this run write',
      '--fix',
    );
  }
}
