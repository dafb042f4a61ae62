/**
 * V8 compiles with Sparkplug from each function's first call in every process probe-doctor starts:
 * the CLI launcher, the demo and the Functions bundle set `--always-sparkplug` before their code runs
 * (src/util/sparkplugFromFirstCall.ts), and PROBE_DOCTOR_ALWAYS_SPARKPLUG=off leaves V8's defaults.
 *
 * Each entry point runs in a fresh node process with `--allow-natives-syntax`, where V8 tells whether
 * a function first called after the entry point started runs as Sparkplug code (OptimizationStatus bit
 * kBaseline). Without the flag, a function called once stays in the interpreter.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ALL_FUNCTIONS_ENV, BUNDLE_FILE, REPO_ROOT, loadInFreshProcess } from '../../bench/coldStart';
import { ALWAYS_SPARKPLUG_SETTING, alwaysSparkplugWanted } from '../../src/util/sparkplugFromFirstCall';

const run = promisify(execFile);

/** A preload that prints, as the process exits, whether a function first called then is Sparkplug code. */
const REPORT_AT_EXIT = `
process.on('exit', () => {
  const statusOf = new Function('f', 'return %GetOptimizationStatus(f)');
  const calledOnce = function () { return 1; };
  calledOnce();
  process.stdout.write('\\nSPARKPLUG_AT_EXIT=' + String((statusOf(calledOnce) & (1 << 15)) !== 0) + '\\n');
});
`;

let dir: string;
let preload: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pd-sparkplug-'));
  preload = join(dir, 'reportAtExit.cjs');
  await writeFile(preload, REPORT_AT_EXIT);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a node program with the preload; its exit code, output, and what the preload saw. */
async function runWithReport(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string; sparkplug: boolean | undefined }> {
  const options = { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 };
  const argv = ['--allow-natives-syntax', '-r', preload, ...args];
  const done = await run(process.execPath, argv, options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
  const seen = /SPARKPLUG_AT_EXIT=(true|false)/.exec(done.stdout)?.[1];
  return { ...done, sparkplug: seen === undefined ? undefined : seen === 'true' };
}

describe('PROBE_DOCTOR_ALWAYS_SPARKPLUG', () => {
  it('is on when unset or empty, and takes on/off, true/false, 1/0 in any case', () => {
    expect(alwaysSparkplugWanted({})).toBe(true);
    expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: '' })).toBe(true);
    for (const on of ['on', 'ON', 'true', '1', ' on ']) {
      expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: on })).toBe(true);
    }
    for (const off of ['off', 'Off', 'false', '0', 'FALSE ']) {
      expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: off })).toBe(false);
    }
  });

  it('refuses any other value with one error naming the setting, the values it takes and what it got', () => {
    expect(() => alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: 'maybe' })).toThrow(
      'Setting PROBE_DOCTOR_ALWAYS_SPARKPLUG is invalid: expected on or off (got "maybe").',
    );
  });
});

describe('the entry points compile with Sparkplug from the first call', () => {
  const cli = join(REPO_ROOT, 'bin', 'probe-doctor.js');

  it('control: a node process of its own does not', async () => {
    const plain = await runWithReport(['-e', '0']);
    expect(plain).toMatchObject({ code: 0, sparkplug: false });
  });

  it('the CLI launcher sets it before the CLI runs, and leaves it off when told', async () => {
    const on = await runWithReport([cli, '--version']);
    expect(on).toMatchObject({ code: 0, sparkplug: true });
    expect(on.stdout).toMatch(/^\d+\.\d+\.\d+/);

    const off = await runWithReport([cli, '--version'], { [ALWAYS_SPARKPLUG_SETTING]: 'off' });
    expect(off).toMatchObject({ code: 0, sparkplug: false });
  });

  it('the CLI launcher stops on a bad value with the one error, exit 2, before the CLI runs', async () => {
    const bad = await runWithReport([cli, '--version'], { [ALWAYS_SPARKPLUG_SETTING]: 'maybe' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'Setting PROBE_DOCTOR_ALWAYS_SPARKPLUG is invalid: expected on or off (got "maybe").',
    );
    expect(bad.stdout).not.toMatch(/^\d+\.\d+\.\d+/m);
  });

  it('the demo sets it (a bad value fails the demo with the error, before any run)', async () => {
    const demo = join(REPO_ROOT, 'dist', 'src', 'cli', 'demo.js');
    const bad = await runWithReport([demo], { [ALWAYS_SPARKPLUG_SETTING]: 'maybe' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Setting PROBE_DOCTOR_ALWAYS_SPARKPLUG is invalid');
    expect(bad.stdout).not.toContain('verdict');
  });

  it('the Functions bundle sets it as it loads, and leaves it off when told', async () => {
    const on = await loadInFreshProcess([BUNDLE_FILE], ALL_FUNCTIONS_ENV, ['--allow-natives-syntax']);
    expect(on.registrations.length).toBeGreaterThan(0);
    expect(on.sparkplugAfterLoad).toBe(true);

    const off = await loadInFreshProcess(
      [BUNDLE_FILE],
      { ...ALL_FUNCTIONS_ENV, [ALWAYS_SPARKPLUG_SETTING]: 'off' },
      ['--allow-natives-syntax'],
    );
    expect(off.registrations).toEqual(on.registrations);
    expect(off.sparkplugAfterLoad).toBe(false);
  });

  it('the Functions bundle does not load with a bad value: the error names the setting', async () => {
    await expect(
      loadInFreshProcess([BUNDLE_FILE], { ...ALL_FUNCTIONS_ENV, [ALWAYS_SPARKPLUG_SETTING]: 'maybe' }),
    ).rejects.toThrow('Setting PROBE_DOCTOR_ALWAYS_SPARKPLUG is invalid: expected on or off (got "maybe").');
  });
});
