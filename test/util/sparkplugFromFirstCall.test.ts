/**
 * V8 compiles with Sparkplug from each function's first call where a process lives long enough to
 * gain from it: the Functions bundle and the scale benchmark's case process (which stands for it) set
 * `--always-sparkplug` by default, the CLI only with PROBE_DOCTOR_ALWAYS_SPARKPLUG=true, and `false`
 * turns the default off (src/util/sparkplugFromFirstCall.ts). Each sets it once its code is loaded
 * and before its work.
 *
 * Each entry point runs in a fresh node process with `--allow-natives-syntax`, where V8 tells whether
 * a function runs as Sparkplug code (OptimizationStatus bit kBaseline). "Before the work" is checked on
 * a function the entry point calls once to do it (the CLI's `main`, the case's `runScaleCase`): called
 * before the flag was set, it would stay in the interpreter. For the bundle, whose work is the
 * invocations the host makes later, the registrations are counted when the flag is set: all of them.
 * "Once its code is loaded" is checked at the CLI and the case by asking, when the flag is set, whether
 * the probed function's module is already loaded: the code that only runs while loading is not
 * compiled with it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ALL_FUNCTIONS_ENV, BUNDLE_FILE, REPO_ROOT, loadInFreshProcess } from '../../bench/coldStart';
import { ALWAYS_SPARKPLUG_SETTING, alwaysSparkplugWanted } from '../../src/util/sparkplugFromFirstCall';

const run = promisify(execFile);

/**
 * A preload that prints, as the process exits, whether a function first called then is Sparkplug
 * code, and whether the function `SPARKPLUG_PROBE` names (`<dist file>#<export>`) is: one the entry
 * point called while it ran.
 */
const REPORT_AT_EXIT = `
// Whether the module SPARKPLUG_LOADED_FIRST names was loaded when V8's flags were first set.
let loadedAtFlags = 'unset';
const v8 = require('node:v8');
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = function (flags) {
  if (loadedAtFlags === 'unset') {
    loadedAtFlags = String(Boolean(process.env.SPARKPLUG_LOADED_FIRST && require.cache[process.env.SPARKPLUG_LOADED_FIRST]));
  }
  return setFlags.call(this, flags);
};
process.on('exit', () => {
  const statusOf = new Function('f', 'return %GetOptimizationStatus(f)');
  const isSparkplug = (f) => (statusOf(f) & (1 << 15)) !== 0;
  const calledOnce = function () { return 1; };
  calledOnce();
  let probed = 'none';
  if (process.env.SPARKPLUG_PROBE) {
    const [file, name] = process.env.SPARKPLUG_PROBE.split('#');
    const loaded = require.cache[file];
    probed = loaded && typeof loaded.exports[name] === 'function' ? String(isSparkplug(loaded.exports[name])) : 'not-loaded';
  }
  process.stdout.write('\\nSPARKPLUG_AT_EXIT=' + String(isSparkplug(calledOnce)) + ' PROBED=' + probed + ' LOADED_AT_FLAGS=' + loadedAtFlags + '\\n');
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

interface Reported {
  code: number;
  stdout: string;
  stderr: string;
  /** A function first called at exit is Sparkplug code (the flag is set in the process). */
  atExit: boolean | undefined;
  /** The probed function, called by the entry point's own code, is Sparkplug code. */
  probed: string | undefined;
  /** Whether the probed function's module was loaded when the flag was set (`unset`: never set). */
  loadedAtFlags: string | undefined;
}

/** Runs a node program with the preload; its exit code, output, and what the preload saw. */
async function runWithReport(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  probe?: { file: string; name: string },
): Promise<Reported> {
  const options = {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...env,
      ...(probe
        ? { SPARKPLUG_PROBE: `${probe.file}#${probe.name}`, SPARKPLUG_LOADED_FIRST: probe.file }
        : {}),
    },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  };
  const argv = ['--allow-natives-syntax', '-r', preload, ...args];
  const done = await run(process.execPath, argv, options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
  const seen = /SPARKPLUG_AT_EXIT=(true|false) PROBED=(\S+) LOADED_AT_FLAGS=(\S+)/.exec(done.stdout);
  return {
    ...done,
    atExit: seen ? seen[1] === 'true' : undefined,
    probed: seen?.[2],
    loadedAtFlags: seen?.[3],
  };
}

const dist = (...parts: string[]) => join(REPO_ROOT, 'dist', ...parts);

describe('PROBE_DOCTOR_ALWAYS_SPARKPLUG at the entry points', () => {
  it('true or false (any case, spaces around it) override the default; others leave it (test/config.test.ts: refused)', () => {
    for (const byDefault of [true, false]) {
      expect(alwaysSparkplugWanted({}, byDefault)).toBe(byDefault);
      expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: '' }, byDefault)).toBe(byDefault);
      expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: 'maybe' }, byDefault)).toBe(byDefault);
      expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: ' TRUE ' }, byDefault)).toBe(true);
      expect(alwaysSparkplugWanted({ [ALWAYS_SPARKPLUG_SETTING]: 'False' }, byDefault)).toBe(false);
    }
  });
});

describe('the entry points compile with Sparkplug from the first call, set before their work', () => {
  const cli = join(REPO_ROOT, 'bin', 'probe-doctor.js');
  const cliMain = { file: dist('src', 'cli', 'main.js'), name: 'main' };

  it('control: a plain node process does not', async () => {
    const plain = await runWithReport(['-e', '0']);
    expect(plain).toMatchObject({ code: 0, atExit: false });
  });

  it('the CLI launcher: off by default (one run per process); with true, set before main runs', async () => {
    const byDefault = await runWithReport([cli, '--version'], {}, cliMain);
    expect(byDefault).toMatchObject({ code: 0, atExit: false, probed: 'false' });
    expect(byDefault.stdout).toMatch(/^\d+\.\d+\.\d+/);

    const on = await runWithReport([cli, '--version'], { [ALWAYS_SPARKPLUG_SETTING]: 'true' }, cliMain);
    // Set once the CLI's module had loaded, and before its main ran.
    expect(on).toMatchObject({ code: 0, atExit: true, probed: 'true', loadedAtFlags: 'true' });
  });

  it('the CLI launcher with a malformed value still starts: the value is refused where settings are read', async () => {
    const version = await runWithReport([cli, '--version'], { [ALWAYS_SPARKPLUG_SETTING]: 'maybe' });
    expect(version).toMatchObject({ code: 0, atExit: false });
  });

  it('the Functions bundle: set once every function has registered, and not with false', async () => {
    const on = await loadInFreshProcess([BUNDLE_FILE], ALL_FUNCTIONS_ENV, ['--allow-natives-syntax']);
    expect(on.registrations.length).toBeGreaterThan(0);
    expect(on.registrationsBeforeFlags).toBe(on.registrations.length);
    expect(on.sparkplugAfterLoad).toBe(true);

    const off = await loadInFreshProcess(
      [BUNDLE_FILE],
      { ...ALL_FUNCTIONS_ENV, [ALWAYS_SPARKPLUG_SETTING]: 'false' },
      ['--allow-natives-syntax'],
    );
    expect(off.registrations).toEqual(on.registrations);
    expect(off.registrationsBeforeFlags).toBeUndefined();
    expect(off.sparkplugAfterLoad).toBe(false);
  });

  it("the scale benchmark's case process: runScaleCase runs as Sparkplug code, and its line says so", async () => {
    const input = { backends: 1, failing: 1, mode: 'observe', scale: 0, warmup: false };
    const result = await runWithReport(
      [dist('bench', 'scaleCase.js'), JSON.stringify(input)],
      {},
      {
        file: dist('bench', 'scaleCaseRun.js'),
        name: 'runScaleCase',
      },
    );
    // Set once the run's module had loaded, and before the run.
    expect(result).toMatchObject({ code: 0, atExit: true, probed: 'true', loadedAtFlags: 'true' });
    const line = result.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}';
    expect(JSON.parse(line)).toMatchObject({ backends: 1, alwaysSparkplug: true });
  }, 60_000);
});
