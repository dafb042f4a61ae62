/**
 * `probe-doctor audit --file run.jsonl [--run <id>] [--format markdown]`: prints a run's timeline
 * from a JSON lines audit trail (PROBE_DOCTOR_AUDIT_LOG_FILE), or with `--format` the run's report
 * rebuilt from the trail, so a run can be reviewed without Azure.
 */
import { readFile } from 'node:fs/promises';
import { messageOf } from '../../audit/errors';
import { formatTimeline, parseAuditLines, runIdsOf } from '../../audit/timeline';
import { InvalidInputError } from '../../errors';
import { reportFromAudit } from '../../report/fromAudit';
import { parseReportFormat, renderReport } from '../../report/index';
import type { CliIO } from '../main';
import type { RegisterCommand } from './index';
import { instanceIdOfRun } from '../../workflow/runId';

export interface AuditCommandOptions {
  /** Default: PROBE_DOCTOR_AUDIT_LOG_FILE, the trail the app writes (see {@link auditFileOf}). */
  file?: string;
  run?: string;
  /** A report format (text, json, markdown, html) instead of the timeline. */
  format?: string;
}

/**
 * The trail to read: `--file`, else PROBE_DOCTOR_AUDIT_LOG_FILE (the file the Functions app writes its
 * trail to, docs/configuration.md), so a reviewer where that setting is set need not name it again.
 *
 * @throws InvalidInputError when neither names a file.
 */
export function auditFileOf(file: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = file ?? env.PROBE_DOCTOR_AUDIT_LOG_FILE?.trim();
  if (!chosen) {
    throw new InvalidInputError(
      'Name the audit file with --file <file> (or set PROBE_DOCTOR_AUDIT_LOG_FILE, the file the app writes).',
      '--file',
    );
  }
  return chosen;
}

/** Reads the file and writes the timeline of `--run`, or of every run in the file, to `io.out`. */
export async function runAudit(
  options: AuditCommandOptions,
  io: CliIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const file = auditFileOf(options.file, env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : messageOf(err);
    throw new InvalidInputError(`Cannot read audit file ${file}: ${reason}.`, '--file', {
      cause: err,
    });
  }
  const events = parseAuditLines(text, file, (where) =>
    io.err(`probe-doctor: ${where}: left out, a line cut short (its write did not finish)\n`),
  );
  const runs = runIdsOf(events);
  if (runs.length === 0) throw new InvalidInputError(`Audit file ${file} holds no events.`, '--file');
  // --run takes a run id, or an orchestration instance id (what `sweep` and the HTTP trigger print):
  // every run of that instance, one per incident on the load balancer.
  const selected =
    options.run === undefined
      ? runs
      : runs.filter((id) => id === options.run || instanceIdOfRun(id) === options.run);
  if (selected.length === 0) {
    throw new InvalidInputError(
      `No events for run ${String(options.run)} in ${file} (runs in the file: ${runs.join(', ')}).`,
      '--run',
    );
  }
  if (options.format !== undefined) {
    const format = parseReportFormat(options.format);
    if (selected.length !== 1) {
      throw new InvalidInputError(
        `--format renders one run's report: name it with --run (${options.run === undefined ? 'runs in the file' : `runs of ${options.run}`}: ${selected.join(', ')}).`,
        '--run',
      );
    }
    const ofRun = events.filter((e) => e.runId === selected[0]);
    // A sweep's own events (its id is in the file's runs too) name no load balancer: it has no report
    // of its own, the runs it started have theirs.
    if (!ofRun.some((e) => 'loadBalancerId' in e && e.loadBalancerId)) {
      const sweep = ofRun.some((e) => e.name === 'ProbeDoctor.SweepCompleted');
      throw new InvalidInputError(
        sweep
          ? `${String(selected[0])} is a sweep, which has no report of its own: name one of the runs in the file with --run (${runs.filter((id) => id !== selected[0]).join(', ') || 'none'}); without --format the sweep's timeline is printed.`
          : `Run ${String(selected[0])} in ${file} has no event that names its load balancer, so it has no report to render; its timeline is without --format.`,
        '--run',
      );
    }
    const { report, context } = reportFromAudit(ofRun, file);
    io.out(renderReport(format, report, context));
    return;
  }
  io.out(selected.map((id) => formatTimeline(events.filter((e) => e.runId === id))).join('\n'));
}

export const registerAuditCommand: RegisterCommand = (program, ctx) => {
  program
    .command('audit')
    .description(
      "Print a run's timeline (steps, causes, changes with before/after) from a JSON lines audit file",
    )
    .option('--file <file>', 'JSON lines audit file; default: PROBE_DOCTOR_AUDIT_LOG_FILE, if set')
    .option(
      '--run <id>',
      'run id (<start>-<instance id>), or an instance id (pd-...) for every run of it; default: every run in the file',
    )
    .option(
      '--format <format>',
      "render the run's report instead of the timeline: text, json, markdown or html (needs --run when the file holds several runs)",
    )
    .action(async (options: AuditCommandOptions) => {
      await runAudit(options, ctx.io);
    });
};
