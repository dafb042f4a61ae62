/**
 * probe-doctor command line. Each command lives in its own module under ./commands and registers
 * itself on the program; this file only wires them and maps errors to exit codes
 * (0 healthy or resolved, 1 escalated or needs approval, 2 bad input or an error that stopped the run).
 */
import type { TokenCredential } from '@azure/core-auth';
import { Command, CommanderError } from 'commander';
import { isInvalidInputError, isProbeDoctorError } from '../errors';
import { packageVersion } from '../version';
import type { RegisterCommand } from './commands';
import { addHelpTexts } from './helpText';

export const EXIT_OK = 0;
export const EXIT_ATTENTION = 1;
export const EXIT_ERROR = 2;
/** An operator interrupted the run (Ctrl-C): 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Where command output goes; tests pass their own to capture it. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** A command's action sets this to the exit code it wants. */
export interface CommandContext {
  io: CliIO;
  exitCode: number;
  /**
   * Builds the credential for live Azure instead of DefaultAzureCredential. Tests pass one that fails
   * as the chain does offline, so no test builds the default chain or reaches past 127.0.0.1.
   */
  liveCredential?: () => TokenCredential;
}

/** What a caller of {@link main} may replace (tests). */
export type CliDeps = Pick<CommandContext, 'liveCredential'>;

/** The program with every command registered by `registerCommands` (from ./commands). */
export function buildProgram(ctx: CommandContext, registerCommands: RegisterCommand): Command {
  const program = new Command('probe-doctor')
    .description(
      'Finds why Azure Load Balancer health probes fail, fixes what is safe to fix, proves the fix, escalates the rest.',
    )
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: ctx.io.out, writeErr: ctx.io.err })
    .showHelpAfterError('(run probe-doctor --help for usage)');
  registerCommands(program, ctx);
  addHelpTexts(program);
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIO = defaultIO,
  deps: CliDeps = {},
): Promise<number> {
  const args = argv.slice(2);
  // `--version` answers from package.json alone: the commands load the Azure SDKs, which take seconds.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    io.out(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const { registerCommands } = await import('./commands');
  const ctx: CommandContext = { io, exitCode: EXIT_OK, ...deps };
  const program = buildProgram(ctx, registerCommands);
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    if (isInvalidInputError(err) || isProbeDoctorError(err)) {
      // One line: the message of an error that stopped the run already names the next step.
      const message = isInvalidInputError(err) ? err.message : await actionableLine(err);
      io.err(`probe-doctor: ${message.split('\n')[0] ?? message}\n`);
      return EXIT_ERROR;
    }
    io.err(
      `probe-doctor: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_ERROR;
  }
}

/**
 * An Azure call that failed for want of a credential, a role or the resource (sweep's inventory,
 * check-change's live state) said the way a run that stopped says it: one line with the next step
 * (callError.ts `describeFailure`). Loaded only on failure, so `--version` stays free of the SDKs.
 */
async function actionableLine(err: Error): Promise<string> {
  const { describeFailure } = await import('../azure/callError');
  const described = describeFailure(err);
  return ['credential', 'authorization', 'not-found', 'untrusted-certificate'].includes(described.kind)
    ? described.message
    : err.message;
}
