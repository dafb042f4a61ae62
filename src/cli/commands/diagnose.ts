/**
 * `probe-doctor diagnose --load-balancer <id> [--scenario FILE] [--fix] [--format F] [--out FILE]`: runs the whole
 * orchestration for one load balancer on the local durable host. With `--scenario` the sandbox is
 * started in-process and nothing leaves this machine (its clock moves with the host's timers);
 * without it, live ARM: Azure (`--cloud`), or any ARM endpoint (`--arm-endpoint`, `--ca-file`), where
 * every wait is real and Ctrl-C interrupts the run cleanly.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { TokenCredential } from '@azure/core-auth';
import { parseLoadBalancerId } from '../../azure/resourceId';
import { runLocally } from '../../app/localRun';
import { createRemediation } from '../../app/remediation';
import { loadConfig, refuseFixUnderObserveSetting } from '../../config';
import { AZURE_CLOUDS, isAzureCloudName, staticTokenCredential, type AzureTarget } from '../../azure/clients';
import { SIGN_IN_FAILURE } from '../../azure/callError';
import { idKey } from '../../model/ids';
import { SkippableClock } from '../../sandbox/clock';
import { InvalidInputError } from '../../errors';
import { projectRoot } from '../../version';
import type { Report } from '../../model/report';
import { JsonLinesAuditSink } from '../../audit/jsonLinesSink';
import { loadScenarioFile, type Scenario } from '../../sandbox/scenario';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import type { WorkflowAuditEvent } from '../../workflow/activities';
import {
  EXIT_ATTENTION,
  EXIT_ERROR,
  EXIT_INTERRUPTED,
  EXIT_OK,
  type CliIO,
  type CommandContext,
} from '../main';
import { parseReportFormat, renderReport, type RenderContext, type ReportFormat } from '../../report/index';
import { constants } from 'node:fs';
import { access, lstat, open, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RegisterCommand } from './index';
import { shellWord } from '../../util/shellWord';

export interface DiagnoseOptions {
  /** Optional with a --scenario that holds exactly one load balancer. */
  loadBalancer?: string;
  scenario?: string;
  fix?: boolean;
  approve?: boolean;
  json?: boolean;
  auditLog?: string;
  /** AzureCloud (default), AzureChinaCloud or AzureUSGovernment. */
  cloud?: string;
  /** An ARM endpoint of its own (Azure Stack Hub, a private endpoint, a standalone sandbox). */
  armEndpoint?: string;
  /** PEM file of the CA that signed the endpoint's certificate. */
  caFile?: string;
  /** Name of an environment variable holding a bearer token for the endpoint (no credential chain). */
  accessTokenEnv?: string;
  // --- report output (--format, --out) ---
  format?: string;
  out?: string;
}

/** Stops an interrupted run: Ctrl-C (SIGINT) aborts it; tests pass their own signal. */
export interface DiagnoseControl {
  signal?: AbortSignal;
}

/** Where `--fix` writes its audit trail when `--audit-log` is not given: changes are never unrecorded. */
export const DEFAULT_FIX_AUDIT_LOG = 'probe-doctor-audit.jsonl';

/**
 * Exit code of a report: 0 healthy or resolved; 1 when someone must act (action-required,
 * awaiting-approval, escalated); 2 when a deadline or a failure stopped the run; 130 when an operator
 * interrupted it.
 */
export function exitCodeFor(report: Report): number {
  const problems = (report.problems ?? []).map((p) => p.kind);
  if (problems.includes('interrupted')) return EXIT_INTERRUPTED;
  if (problems.includes('deadline') || problems.includes('failed')) return EXIT_ERROR;
  return report.verdict === 'healthy' || report.verdict === 'resolved' ? EXIT_OK : EXIT_ATTENTION;
}

/** The live target from `--cloud`, `--arm-endpoint`, `--ca-file` and `--access-token-env`. */
export async function liveTarget(
  options: DiagnoseOptions,
  liveCredential?: () => TokenCredential,
): Promise<AzureTarget> {
  const cloud = options.cloud ?? 'AzureCloud';
  if (!isAzureCloudName(cloud)) {
    throw new InvalidInputError(
      `--cloud must be one of ${Object.keys(AZURE_CLOUDS).join(', ')}, got '${cloud}'`,
      '--cloud',
    );
  }
  let endpoint: string | undefined;
  if (options.armEndpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.armEndpoint);
    } catch {
      throw new InvalidInputError(`--arm-endpoint is not a URL: '${options.armEndpoint}'`, '--arm-endpoint');
    }
    // Bearer tokens only ever travel over TLS (the SDK refuses anything else).
    if (url.protocol !== 'https:') {
      throw new InvalidInputError(
        `--arm-endpoint must be an https:// URL, got '${options.armEndpoint}'`,
        '--arm-endpoint',
      );
    }
    endpoint = url.origin + url.pathname.replace(/\/+$/, '');
  }
  let ca: string | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = await readFile(options.caFile, 'utf8');
    } catch (err) {
      throw new InvalidInputError(`--ca-file cannot be read: ${(err as Error).message}`, '--ca-file');
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new InvalidInputError(`--ca-file ${options.caFile} holds no PEM certificate`, '--ca-file');
    }
  }
  // A token from --access-token-env, else the caller's credential (tests), else the default chain.
  let credential: TokenCredential | undefined = liveCredential?.();
  if (options.accessTokenEnv !== undefined) {
    const token = process.env[options.accessTokenEnv]?.trim();
    if (!token) {
      throw new InvalidInputError(
        `--access-token-env ${options.accessTokenEnv}: that environment variable is empty or not set`,
        '--access-token-env',
      );
    }
    credential = staticTokenCredential(token);
  }
  return {
    kind: 'live',
    cloud,
    ...(endpoint ? { endpoint } : {}),
    ...(ca ? { ca } : {}),
    ...(credential ? { credential } : {}),
  };
}

/**
 * Who approved at the terminal, for the audit trail: `--approve` and the local account that ran it (the
 * OS's word, not an Azure identity: the trail's `verified` stays false).
 */
export function cliApprover(): string {
  try {
    return `cli --approve (local user ${userInfo().username})`;
  } catch {
    // No passwd entry for the uid (some containers).
    return 'cli --approve';
  }
}

/** One progress line per activity, on stderr, so stdout stays the report alone. */
export function progressLine(event: WorkflowAuditEvent): string {
  const d = event.detail;
  const text = (v: unknown): string =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  const list = (key: string): unknown[] => (Array.isArray(d[key]) ? (d[key] as unknown[]) : []);
  /** `1 probe`, `2 probes`; a count the detail does not have is printed as it is. */
  const count = (n: unknown, one: string, many = `${one}s`): string => `${text(n)} ${n === 1 ? one : many}`;
  const what: Record<string, () => string> = {
    getPolicy: () => 'read policy',
    discoverTopology: () =>
      `discovered ${count(d.backends, 'backend')} (${text(d.failing)} failing by probe health), ${count(d.probes, 'probe')}` +
      // A problem is a read that failed or was refused (a resource, the rules' health, a metric).
      (d.problems ? ` (${count(d.problems, 'read')} refused or failed)` : ''),
    // The NIC name: a NIC IP configuration id ends .../networkInterfaces/{nic}/ipConfigurations/{name}.
    checkBackend: () => `checked backend ${text(d.backendKey).split('/').slice(-3, -2).join('')}`,
    diagnose: () => {
      const backends = list('backends') as { causes: string[] }[];
      const causes = [...(list('causes') as string[]), ...backends.flatMap((b) => b.causes)];
      const counts = [...new Set(causes)].map((id) => `${id} x${causes.filter((c) => c === id).length}`);
      return `diagnosed ${count(backends.length, 'backend')}: ${counts.join(', ') || 'no cause found'}`;
    },
    planFixes: () => {
      // A fix the plan already skips (an owner's NSG, a kind not opted in) is not one that will be made,
      // and a recommendation is for a person: it is never applied (selectFixes).
      const fixes = list('fixes') as { kind?: string; status?: string }[];
      const recommendations = fixes.filter((f) => f.kind === 'recommendation').length;
      const changes = fixes.filter((f) => f.kind !== 'recommendation');
      const planned = changes.filter((f) => (f.status ?? 'planned') === 'planned').length;
      const skipped = changes.length - planned;
      return (
        `planned ${count(planned, 'fix', 'fixes')}${skipped > 0 ? ` (${text(skipped)} skipped)` : ''}` +
        (recommendations > 0 ? `, ${count(recommendations, 'recommendation')} for a person` : '')
      );
    },
    applyFixes: () => {
      const statuses = (list('fixes') as { status: string }[]).map((f) => f.status);
      return `applied fixes: ${[...new Set(statuses)].map((st) => `${statuses.filter((x) => x === st).length} ${st}`).join(', ')}`;
    },
    validate: () => `validated: ${count(list('stillDown').length, 'backend')} still down`,
    rollbackFixes: () => `rolled back ${count(d.rolledBack, 'rule')}`,
    escalate: () => `support ticket payload built${d.submitted ? ' and submitted' : ''}`,
    finalizeReport: () => `verdict ${text(d.verdict)}`,
    closeRun: () => `run closed early (${text(d.stopped)}${d.phase ? ` while ${text(d.phase)}` : ''})`,
  };
  if (event.outcome === 'failed') {
    // A failed check is one backend's problem and the run goes on: say which. Any other failed
    // activity stops the run, whose error line (printed once, at the end) says why and what to do.
    const backend = event.activity === 'checkBackend' ? what.checkBackend?.().replace(/^checked /, '') : '';
    const detail = backend && typeof d.error === 'string' ? `${backend}: ${d.error}` : '';
    return `  [FAILED] ${FAILED_STEP[event.activity]}${detail ? ` (${detail})` : ''}\n`;
  }
  return `  [ok] ${what[event.activity]?.() ?? event.activity}\n`;
}

/** What each activity was doing, for a failure line (the activity's detail is absent then). */
const FAILED_STEP: Record<WorkflowAuditEvent['activity'], string> = {
  getPolicy: 'read policy',
  discoverTopology: 'discover the load balancer',
  checkBackend: 'check backend',
  diagnose: 'diagnose',
  planFixes: 'plan fixes',
  diagnoseAndPlan: 'diagnose and plan fixes',
  applyFixes: 'apply fixes',
  validate: 'validate',
  rollbackFixes: 'roll back',
  escalate: 'build the support ticket',
  finalizeReport: 'write the report',
  closeRun: 'close the run',
};

/** Runs `diagnose`; resolves to the exit code. `deps.liveCredential` replaces the default chain (tests). */
export async function runDiagnose(
  options: DiagnoseOptions,
  io: CliIO,
  deps: Pick<CommandContext, 'liveCredential'> & DiagnoseControl = {},
): Promise<number> {
  const scenario = options.scenario ? await loadScenarioFile(options.scenario) : undefined;
  const lb = parseLoadBalancerId(loadBalancerToDiagnose(options, scenario).trim());
  if (options.approve && !options.fix) {
    throw new InvalidInputError(
      '--approve only makes sense with --fix (observe mode changes nothing)',
      '--approve',
    );
  }
  refuseFixUnderObserveSetting(options.fix === true, process.env);
  if (
    options.scenario &&
    (options.cloud || options.armEndpoint || options.caFile || options.accessTokenEnv)
  ) {
    throw new InvalidInputError(
      '--scenario runs against the in-process sandbox: --cloud, --arm-endpoint, --ca-file and --access-token-env are for live endpoints',
      '--scenario',
    );
  }
  const output = reportOutput(options);
  await checkReportFile(output);
  const startedAt = Date.now();
  const config = loadConfig(process.env);
  const auditLog = options.auditLog ?? (options.fix ? DEFAULT_FIX_AUDIT_LOG : undefined);
  const auditSink = auditLog ? await JsonLinesAuditSink.toFile(auditLog) : undefined;
  if (auditLog)
    io.err(
      `probe-doctor: audit trail appended to ${auditLog} (review with: probe-doctor audit --file ${shellWord(auditLog)})\n`,
    );
  let sandbox: Sandbox | undefined;
  // Ctrl-C interrupts the run (a second one ends the process the usual way).
  const interrupt = new AbortController();
  const onSigint = (): void => {
    io.err('probe-doctor: interrupted; stopping (what was written stays; press Ctrl-C again to quit now)\n');
    interrupt.abort();
    process.off('SIGINT', onSigint);
  };
  if (!deps.signal) process.on('SIGINT', onSigint);
  const signal = deps.signal ?? interrupt.signal;
  // Ended when the run is: ARM calls a deadline abandoned stop with it (the process can exit).
  const calls = new AbortController();
  try {
    let target: AzureTarget;
    if (scenario) {
      // The in-process sandbox shares a clock this run may move: a durable timer skips ahead by
      // advancing it, and the sandbox's probes see the time pass (src/sandbox/clock.ts).
      const clock = new SkippableClock();
      sandbox = await startSandbox({ scenario, clock });
      target = { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock };
      io.err(`probe-doctor: sandbox for scenario '${scenario.name}' at ${sandbox.endpoint}\n`);
    } else {
      target = await liveTarget(options, deps.liveCredential);
      if (target.kind === 'live' && target.endpoint)
        io.err(`probe-doctor: ARM endpoint ${target.endpoint}\n`);
    }
    io.err(`probe-doctor: diagnosing ${lb.name} (${options.fix ? 'fix' : 'observe'} mode)\n`);
    const { report } = await runLocally({
      input: {
        loadBalancerId: lb.id,
        mode: options.fix ? 'fix' : 'observe',
        requestedBy: 'cli',
        // Without --approve nobody at this terminal is asked: fixes that need approval are held and
        // the verdict says `awaiting-approval` (run again with --approve).
        ...(options.approve ? {} : { approver: 'none' as const }),
      },
      target,
      signal,
      callsSignal: calls.signal,
      onWait: (line) => io.err(`probe-doctor: ${line}${sandbox ? ' (sandbox time, skipped)' : ''}\n`),
      config,
      // The sandbox answers at once; real Azure wants the SDK's pacing and real backoff.
      remediation: createRemediation(sandbox ? { pollIntervalMs: 10, sleep: fastSleep } : {}),
      ...(auditSink ? { auditSink } : {}),
      progress: (event) => io.err(progressLine(event)),
      ...(sandbox ? { evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 20 } } : {}),
      decideApproval: () => ({ decision: 'approve', by: cliApprover() }),
    });
    // A run an error stopped (no credential, 403, 404...) was closed with RunFinished; the person
    // at the terminal gets the one line that says what to do, not an empty report.
    const failure = report.problems?.find((p) => p.kind === 'failed');
    if (failure) {
      io.err(
        `probe-doctor: ${withScenarioLoadBalancers(withEndpointSignIn(failure.message, options), lb.id, scenario)}\n`,
      );
      return EXIT_ERROR;
    }
    await writeReport(
      report,
      output,
      {
        durationMs: Date.now() - startedAt,
        // The trail the run went on, the default one of --fix included.
        reproduce: reproduceCommand(
          { ...options, loadBalancer: lb.id, ...(auditLog ? { auditLog } : {}) },
          process.env,
        ),
      },
      io,
    );
    return exitCodeFor(report);
  } finally {
    calls.abort();
    process.off('SIGINT', onSigint);
    await sandbox?.stop();
    await auditSink?.close();
  }
}

// --- a scenario's only load balancer (docs/scenarios.md: `diagnose --scenario FILE`) ---

const LOAD_BALANCER_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+$/i;

/** The ids of the load balancers a scenario holds, in its order. */
function loadBalancerIdsOf(scenario: Scenario): string[] {
  return scenario.resources.map((r) => r.id).filter((id) => LOAD_BALANCER_ID.test(id));
}

/**
 * The load balancer to diagnose: `--load-balancer`, or the only one a `--scenario` holds.
 * @throws InvalidInputError when neither names exactly one.
 */
export function loadBalancerToDiagnose(
  options: Pick<DiagnoseOptions, 'loadBalancer' | 'scenario'>,
  scenario?: Scenario,
): string {
  if (options.loadBalancer !== undefined) return options.loadBalancer;
  if (!scenario || !options.scenario) {
    throw new InvalidInputError(
      '--load-balancer is required (it may be left out only with a --scenario that holds one load balancer)',
      '--load-balancer',
    );
  }
  const ids = loadBalancerIdsOf(scenario);
  if (ids.length === 1 && ids[0]) return ids[0];
  throw new InvalidInputError(
    ids.length === 0
      ? `scenario ${options.scenario} holds no load balancer`
      : // The whole ids: --load-balancer takes an id, not a name.
        `scenario ${options.scenario} holds ${ids.length} load balancers: name one by its id with --load-balancer (${ids.join(' or ')})`,
    '--load-balancer',
  );
}

// --- report output (--format, --out): how and where the report is written ---

/** Where the report goes and in which format; checked before the run starts. */
export interface ReportOutput {
  format: ReportFormat;
  file?: string;
}

/** The format a report file's extension names (`.html`, `.htm`, `.md`, `.json`), if any. */
function formatOfFile(file: string | undefined): ReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(file?.trim() ?? '')?.[1]?.toLowerCase();
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'md' || ext === 'markdown') return 'markdown';
  if (ext === 'json') return 'json';
  return undefined;
}

/**
 * `--json` is `--format json`; both together must agree. Without either, `--out`'s extension picks
 * the format (`report.html` is HTML), else text. @throws InvalidInputError.
 */
export function reportOutput(options: Pick<DiagnoseOptions, 'json' | 'format' | 'out'>): ReportOutput {
  const format =
    options.format !== undefined
      ? parseReportFormat(options.format)
      : options.json
        ? 'json'
        : (formatOfFile(options.out) ?? 'text');
  if (options.json && format !== 'json') {
    throw new InvalidInputError(
      `--json prints JSON; it cannot be combined with --format ${format}`,
      '--json',
    );
  }
  if (options.out !== undefined && options.out.trim() === '') {
    throw new InvalidInputError('--out needs a file name', '--out');
  }
  return { format, ...(options.out ? { file: options.out } : {}) };
}

/** Fails before the run when `--out` cannot be written (its folder is missing or read-only). */
export async function checkReportFile(output: ReportOutput): Promise<void> {
  if (!output.file) return;
  try {
    await access(dirname(resolve(output.file)), constants.W_OK);
  } catch (err) {
    throw new InvalidInputError(
      `Cannot write the report to ${output.file}: its folder does not exist or is not writable`,
      '--out',
      { cause: err },
    );
  }
  // A folder given as the file: refused now, before a --fix run writes anything, not after it.
  const existing = await stat(resolve(output.file)).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new InvalidInputError(
      `Cannot write the report to ${output.file}: it is a folder; give a file name (e.g. ${join(output.file, 'report.md')})`,
      '--out',
    );
  }
  // A writable folder is not a writable file (a read-only file in it, a file system that refuses new
  // files): a regular file is opened for writing now, without changing it; a name nothing holds yet is
  // created to know and taken away again. Anything else (a FIFO, a device, a symlink) is left to the
  // write itself: opening a FIFO now would hand its reader an end of file.
  const target = resolve(output.file);
  const entry = await lstat(target).catch(() => undefined);
  try {
    if (entry?.isFile()) await (await open(target, constants.O_WRONLY)).close();
    else if (!entry) {
      await (await open(target, 'wx')).close();
      await rm(target, { force: true });
    }
  } catch (err) {
    throw new InvalidInputError(
      `Cannot write the report to ${output.file}: ${errorCode(err)}; nothing was run`,
      '--out',
      { cause: err },
    );
  }
}

/** `EACCES (permission denied)`-style text of a file system error, for one line. */
function errorCode(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  return code
    ? `${code} (${(message ?? '').replace(/^[A-Z]+: /, '').split(',')[0] ?? code})`
    : String(message ?? err);
}

/**
 * A load balancer the scenario does not hold (its 404, as the sandbox answers ARM's): the line names
 * the ones it holds, since "check the id and the tenant" is advice for live Azure. Any other message
 * is returned as it is.
 */
export function withScenarioLoadBalancers(
  message: string,
  lbId: string,
  scenario: Scenario | undefined,
): string {
  const missing = message.split(' does not exist (404')[0];
  if (!scenario || missing === message || missing === undefined || idKey(missing) !== idKey(lbId))
    return message;
  const held = loadBalancerIdsOf(scenario);
  if (held.some((id) => idKey(id) === idKey(lbId))) return message;
  return `${message}. Scenario '${scenario.name}' holds ${held.length === 0 ? 'no load balancer' : held.join(', ')}`;
}

/**
 * A credential failure against `--arm-endpoint` without `--access-token-env`: `az login` alone signs
 * in to the cloud az is set to, not to this endpoint, so the line adds the two ways that reach it.
 * Any other message is returned as it is.
 */
export function withEndpointSignIn(
  message: string,
  options: Pick<DiagnoseOptions, 'armEndpoint' | 'accessTokenEnv'>,
): string {
  if (!options.armEndpoint || options.accessTokenEnv || !message.startsWith(SIGN_IN_FAILURE)) return message;
  // As the run used it (liveTarget): no user:password@, no query.
  let endpoint: string;
  try {
    const url = new URL(options.armEndpoint);
    endpoint = url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    return message;
  }
  return (
    `${message}. For --arm-endpoint ${endpoint}, az must be set to that cloud first ` +
    `(az cloud register --name <name> --endpoint-resource-manager ${endpoint}, then az cloud set --name <name> and az login), ` +
    "or pass a token for it with --access-token-env <VAR> (probe-doctor's own sandbox takes any bearer token)"
  );
}

/** Settings that change what a run does; a reproduction carries them (never contacts or secrets). */
const REPRODUCED_SETTING =
  /^PROBE_DOCTOR_(MODE|OPT_IN_FIXES|APPROVAL_REQUIRED_FOR|ROLLBACK_ON_FAILURE|PROBE_WAIT_MARGIN_SECONDS|FANOUT_BATCH_SIZE)$/;

/**
 * The command line that runs the same diagnosis again (shell-quoted), with the settings it ran under.
 * The launcher, the scenario and the audit trail are absolute paths (resolved against the current
 * directory they were given in), so the line works pasted into a shell in any directory and its trail
 * goes on in the same file. A cloud other than Azure's public one is named (without it the line would
 * read another cloud); an ARM endpoint, a CA file and a token's variable are not (never contacts or
 * secrets: the report travels to support).
 */
export function reproduceCommand(
  options: DiagnoseOptions,
  env: Record<string, string | undefined> = {},
): string {
  const settings = Object.entries(env)
    .filter(([k, v]) => REPRODUCED_SETTING.test(k) && v !== undefined && v.trim() !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${shellWord(v ?? '')}`);
  return [
    ...settings,
    `node ${shellWord(join(projectRoot(), 'bin', 'probe-doctor.js'))} diagnose`,
    ...(options.loadBalancer ? [`--load-balancer ${shellWord(options.loadBalancer.trim())}`] : []),
    ...(options.scenario ? [`--scenario ${shellWord(resolve(options.scenario))}`] : []),
    ...(options.cloud && options.cloud !== 'AzureCloud' ? [`--cloud ${shellWord(options.cloud)}`] : []),
    ...(options.auditLog ? [`--audit-log ${shellWord(resolve(options.auditLog))}`] : []),
    ...(options.fix ? ['--fix'] : []),
    ...(options.approve ? ['--approve'] : []),
  ].join(' ');
}

/** Renders the report and writes it to stdout, or to `--out` (then stderr says where). */
export async function writeReport(
  report: Report,
  output: ReportOutput,
  ctx: RenderContext,
  io: CliIO,
): Promise<void> {
  const text = renderReport(output.format, report, ctx);
  if (!output.file) {
    io.out(text);
    return;
  }
  try {
    await writeFile(output.file, text, 'utf8');
  } catch (err) {
    // The run is done (and may have changed things): its report must not be lost with the file.
    io.out(text);
    throw new InvalidInputError(
      `Cannot write the report to ${output.file} (${(err as Error).message}); it was printed on stdout instead`,
      '--out',
      { cause: err },
    );
  }
  io.err(`probe-doctor: ${output.format} report written to ${output.file}\n`);
}

/** Backoff in the sandbox: short, so fault scenarios finish in seconds, but still a real wait. */
const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

export const registerDiagnoseCommand: RegisterCommand = (program, ctx) => {
  program
    .command('diagnose')
    .description('find which backends fail the health probe and why (and, with --fix, fix what is safe)')
    .option(
      '--load-balancer <id>',
      'the load balancer resource id (optional with a --scenario that holds one)',
    )
    .option('--scenario <file>', 'run against the local ARM sandbox loaded from this scenario file')
    .option('--fix', 'apply the safe fixes (without it nothing is written and fixes are reported as planned)')
    .option(
      '--approve',
      'with --fix: approve the fixes the policy holds for approval (start a VM, guest firewall)',
    )
    .option(
      '--audit-log <file>',
      `append the audit trail as JSON lines (default with --fix: ${'probe-doctor-audit.jsonl'})`,
    )
    .option('--json', 'print the JSON report alone on stdout (same as --format json)')
    // --- report output ---
    .option('--format <format>', 'report format: text (default), json, markdown or html')
    .option(
      '--out <file>',
      'write the report to this file instead of stdout (without --format, a .html, .md or .json name picks the format)',
    )
    .option('--cloud <name>', 'live Azure cloud: AzureCloud (default), AzureChinaCloud, AzureUSGovernment')
    .option('--arm-endpoint <url>', 'an ARM endpoint of its own (Azure Stack Hub, a private endpoint)')
    .option(
      '--ca-file <pem>',
      "with --arm-endpoint: the CA certificate that signed the endpoint's certificate",
    )
    .option(
      '--access-token-env <name>',
      'use the bearer token in this environment variable instead of the default credential chain',
    )
    .action(async (options: DiagnoseOptions) => {
      ctx.exitCode = await runDiagnose(options, ctx.io, ctx);
    });
};
