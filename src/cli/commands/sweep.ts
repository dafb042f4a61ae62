/**
 * `probe-doctor sweep --scope <ids...> [--scenario FILE] [--fix] [--concurrency N] [--json]`: lists
 * every load balancer in the scopes, reports each one's probe state, and starts (or joins) the
 * remediation of each one with a backend down, on the local durable host, waiting for those runs.
 * Exit 0 when nothing is down or unreadable, 1 otherwise, 2 on bad input, a scope that does not
 * exist, or one this identity cannot read (the report is still printed).
 */
import { randomUUID } from 'node:crypto';
import { createLocalHost } from '../../app/localRun';
import { createRemediation } from '../../app/remediation';
import { sweepFleet } from '../../app/sweep';
import { JsonLinesAuditSink } from '../../audit/jsonLinesSink';
import type { TokenCredential } from '@azure/core-auth';
import type { AzureTarget } from '../../azure/clients';
import { loadConfig, parseScope, refuseFixUnderObserveSetting, type AllowedScope } from '../../config';
import { InvalidInputError } from '../../errors';
import type { RunOutcome } from '../../workflow/contracts';
import { loadScenarioFile } from '../../sandbox/scenario';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { formatSweepProgressLine, formatSweepReport, formatSweepVerdictLine } from '../../sweep/format';
import { needsAttention, withRunVerdicts, type SweepReport } from '../../sweep/sweep';
import { LocalDurableClient } from '../../workflow/host/localClient';
import type { LocalDurableHost } from '../../workflow/host/localDurableHost';
import { APPROVAL_EVENT } from '../../workflow/names';
import { EXIT_ATTENTION, EXIT_ERROR, EXIT_OK, type CliIO } from '../main';
import { DEFAULT_FIX_AUDIT_LOG } from './diagnose';
import type { RegisterCommand } from './index';

export interface SweepCommandOptions {
  scope: string[];
  scenario?: string;
  fix?: boolean;
  concurrency?: string;
  json?: boolean;
  auditLog?: string;
}

/** Default number of load balancers read at once: well inside ARM's per-second refill (docs/sweep.md). */
export const DEFAULT_SWEEP_CONCURRENCY = 8;

/** Parses `--scope` values; one clear error naming the bad one. */
export function parseScopes(values: readonly string[]): AllowedScope[] {
  const parsed = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  if (parsed.length === 0)
    throw new InvalidInputError('--scope needs at least one subscription or resource group id', '--scope');
  return parsed.map((text) => {
    const scope = parseScope(text);
    if (!scope) {
      throw new InvalidInputError(
        `--scope "${text}" is neither a subscription id nor /subscriptions/<id>/resourceGroups/<name>`,
        '--scope',
      );
    }
    return scope;
  });
}

function parseConcurrency(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SWEEP_CONCURRENCY;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= 1 && n <= 64)) {
    throw new InvalidInputError(
      `--concurrency must be a whole number from 1 to 64 (got "${text}")`,
      '--concurrency',
    );
  }
  return n;
}

/**
 * Drives one local run to its end, as `runLocally` does: approvals are declined (a sweep has nobody
 * to ask), timers fast-forwarded. Resolves to the report's verdict, or `failed`.
 */
async function finishRun(host: LocalDurableHost, instanceId: string): Promise<string> {
  let status = await host.waitForIdle(instanceId);
  while (status.runtimeStatus === 'Pending' || status.runtimeStatus === 'Running') {
    if (status.waitingForEvents.includes(APPROVAL_EVENT)) {
      await host.raiseEvent(instanceId, APPROVAL_EVENT, {
        decision: 'reject',
        by: 'sweep (run diagnose --fix --approve on this load balancer to apply fixes that need approval)',
      });
      status = await host.waitForIdle(instanceId);
    } else {
      status = await host.fastForward(instanceId);
    }
  }
  return status.runtimeStatus === 'Completed' ? (status.output as RunOutcome).verdict : 'failed';
}

/** Runs `sweep`; resolves to the exit code. */
export async function runSweepCommand(
  options: SweepCommandOptions,
  io: CliIO,
  liveCredential?: () => TokenCredential,
): Promise<number> {
  const scopes = parseScopes(options.scope);
  const concurrency = parseConcurrency(options.concurrency);
  refuseFixUnderObserveSetting(options.fix === true, process.env);
  const config = loadConfig(process.env);
  const mode = options.fix ? 'fix' : 'observe';
  const auditLog = options.auditLog ?? (options.fix ? DEFAULT_FIX_AUDIT_LOG : undefined);
  const auditSink = auditLog ? await JsonLinesAuditSink.toFile(auditLog) : undefined;
  if (auditLog) io.err(`probe-doctor: audit trail appended to ${auditLog}\n`);
  let sandbox: Sandbox | undefined;
  try {
    let target: AzureTarget;
    if (options.scenario) {
      const scenario = await loadScenarioFile(options.scenario);
      sandbox = await startSandbox({ scenario });
      target = { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock };
      io.err(`probe-doctor: sandbox for scenario '${scenario.name}' at ${sandbox.endpoint}\n`);
    } else {
      // The caller's credential (tests), else the default chain.
      target = liveCredential ? { kind: 'live', credential: liveCredential() } : { kind: 'live' };
    }
    const host = createLocalHost({
      target,
      config,
      remediation: createRemediation(sandbox ? { pollIntervalMs: 10, sleep: fastSleep } : {}),
      ...(auditSink ? { auditSink } : {}),
      ...(sandbox ? { evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 20 } } : {}),
    });
    const swept: SweepReport = await sweepFleet({
      target,
      client: new LocalDurableClient(host),
      sweepId: `sweep-${randomUUID()}`,
      scopes,
      mode,
      concurrency,
      // The sandbox has no throttling to stay under; live Azure gets the default pace.
      ...(sandbox ? { loadBalancersPerSecond: 0 } : {}),
      ...(auditSink ? { auditSink } : {}),
      onEntry: (e) => io.err(formatSweepProgressLine(e)),
    });
    // The remediations run on this process's host: wait for them, so none is cut off at exit.
    for (const entry of swept.loadBalancers) {
      const run = entry.remediation;
      if (run?.instanceId && run.outcome !== 'failed') run.verdict = await finishRun(host, run.instanceId);
    }
    const report = withRunVerdicts(swept);
    // The lines that said `checking` get their final state, the one the report gives.
    for (const entry of report.loadBalancers) {
      if (entry.remediation?.verdict) io.err(formatSweepVerdictLine(entry));
    }
    io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatSweepReport(report));
    // A scope it could not look into is a wrong --scope or a missing role: the caller must change the
    // command or the identity, which is what 2 (bad input) asks of a script.
    if (report.scopeProblems.length > 0) return EXIT_ERROR;
    return needsAttention(report) ? EXIT_ATTENTION : EXIT_OK;
  } finally {
    await sandbox?.stop();
    await auditSink?.close();
  }
}

const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

export const registerSweepCommand: RegisterCommand = (program, ctx) => {
  program
    .command('sweep')
    .description(
      'list every load balancer in the scopes, report its probe state, and start or join the remediation of each one with a backend down',
    )
    .requiredOption(
      '--scope <ids...>',
      'subscription ids or /subscriptions/<id>/resourceGroups/<name> (several allowed)',
    )
    .option('--scenario <file>', 'sweep the local ARM sandbox loaded from this scenario file')
    .option('--fix', 'start remediations in fix mode (default: observe, nothing is written)')
    .option('--concurrency <n>', `load balancers read at once (default ${DEFAULT_SWEEP_CONCURRENCY})`)
    .option(
      '--audit-log <file>',
      `append the audit trail as JSON lines (default with --fix: ${DEFAULT_FIX_AUDIT_LOG})`,
    )
    .option('--json', 'print the JSON sweep report alone on stdout')
    .action(async (options: SweepCommandOptions) => {
      ctx.exitCode = await runSweepCommand(options, ctx.io, ctx.liveCredential);
    });
};
