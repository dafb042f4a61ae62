/**
 * `probe-doctor sandbox --scenario FILE [--port N]`: runs the local ARM emulator on its own, so any
 * client (this CLI, a script, the Functions host) can be pointed at it. Runs until SIGINT/SIGTERM.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../errors';
import { loadScenarioFile } from '../../sandbox/scenario';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { wallClock } from '../../sandbox/clock';
import { STANDALONE_DEFAULT } from '../../sandbox/timeModel';
import type { CliIO } from '../main';
import type { RegisterCommand } from './index';

export interface SandboxCommandOptions {
  scenario: string;
  port?: string;
  /** Multiplies Azure's latencies and durations (timeModel.ts); default 1, or the scenario's. */
  timeScale?: string;
}

/** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
export function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

function parseTimeScale(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const scale = Number(value);
  if (value.trim() === '' || !Number.isFinite(scale) || scale < 0 || scale > 100) {
    throw new InvalidInputError(
      `--time-scale must be a number from 0 to 100, got '${value}'`,
      '--time-scale',
    );
  }
  return scale;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidInputError(`--port must be an integer from 0 to 65535, got '${value}'`, '--port');
  }
  return port;
}

/** How to point clients at a running sandbox. */
export function usageText(
  sandbox: Pick<Sandbox, 'endpoint'>,
  caFile: string,
  subscriptionId: string,
): string {
  return [
    `probe-doctor sandbox listening on ${sandbox.endpoint}`,
    `CA certificate: ${caFile}`,
    '',
    'Point Azure SDK clients at it:',
    `  new NetworkManagementClient(credential, '${subscriptionId}', { endpoint: '${sandbox.endpoint}', tlsOptions: { ca: <contents of the CA file> } })`,
    `  or start Node with NODE_EXTRA_CA_CERTS=${caFile} and pass { endpoint: '${sandbox.endpoint}' }`,
    '  Any bearer token is accepted; never use DefaultAzureCredential against the sandbox.',
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/**
 * Loads the scenario, starts the sandbox, prints where it is, waits for `waitForStop`, stops it and
 * removes the CA file.
 */
export async function runSandbox(
  options: SandboxCommandOptions,
  io: CliIO,
  waitForStop: (sandbox: Sandbox, caFile: string) => Promise<unknown> = untilSignalled,
): Promise<void> {
  const port = parsePort(options.port);
  const timeScale = parseTimeScale(options.timeScale);
  const scenario = await loadScenarioFile(options.scenario);
  // A client elsewhere sees time pass as it does: requests, operations and probes take Azure's time
  // on the wall clock (timeModel.ts, probeTime.ts), unless --time-scale or the scenario says otherwise.
  const sandbox = await startSandbox({
    scenario,
    port,
    clock: wallClock,
    defaultTime: STANDALONE_DEFAULT,
    ...(timeScale !== undefined ? { time: { scale: timeScale } } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), 'probe-doctor-sandbox-'));
  const caFile = join(dir, 'sandbox-ca.pem');
  try {
    await writeFile(caFile, sandbox.ca, { mode: 0o644 });
    const subscriptionId =
      /^\/subscriptions\/([^/]+)/i.exec(scenario.resources[0]?.id ?? '')?.[1] ?? '<subscription id>';
    io.out(usageText(sandbox, caFile, subscriptionId));
    await waitForStop(sandbox, caFile);
    io.out(`probe-doctor sandbox stopped after ${sandbox.requestLog.length} request(s)\n`);
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const registerSandboxCommand: RegisterCommand = (program, ctx) => {
  program
    .command('sandbox')
    .description('Run the local ARM emulator (HTTPS on 127.0.0.1) for a scenario file until Ctrl+C')
    .requiredOption('--scenario <file>', 'scenario JSON file')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option(
      '--time-scale <factor>',
      "multiplies Azure's latencies and durations: 1 Azure's pace (default), 0.01 a hundred times faster, 0 instant",
    )
    .action(async (options: SandboxCommandOptions) => {
      await runSandbox(options, ctx.io);
    });
};
