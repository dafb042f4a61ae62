/**
 * What users trip on: the sample settings start the app, the default audit file stays out of git and
 * the deployment package, `--version` loads no SDK, every `--help` has examples, exit codes and
 * environment variables, and `diagnose --scenario FILE` works without `--load-balancer`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FIX_AUDIT_LOG } from '../../src/cli/commands/diagnose';
import { loadConfig } from '../../src/config';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '../..');

const cli = (...args: string[]) => runCli(args);

describe('housekeeping', () => {
  it('local.settings.json.sample holds every setting the Functions app requires', () => {
    // Prepare
    const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.json.sample'), 'utf8')) as {
      Values: Record<string, string>;
    };

    // Act
    const config = loadConfig(sample.Values, { requireAllowedScopes: true });

    // Assess
    expect(config.allowedScopes.length).toBeGreaterThan(0);
    expect(sample.Values).toMatchObject({
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: expect.any(String),
    });
  });

  it('the default audit file is ignored by git and left out of the deployment package', () => {
    // Act
    const ignored = spawnSync('git', ['check-ignore', '-q', DEFAULT_FIX_AUDIT_LOG], { cwd: ROOT }).status;
    const funcignore = readFileSync(join(ROOT, '.funcignore'), 'utf8').split('\n');

    // Assess
    expect(ignored).toBe(0);
    expect(funcignore).toContain(DEFAULT_FIX_AUDIT_LOG);
  });

  it('--version answers without loading the Azure SDKs or the durable library', () => {
    // Act: the built CLI, in a fresh process, as bin/probe-doctor.js runs it.
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `require('./dist/src/cli/main.js').main(['node','probe-doctor','--version'],{out:(t)=>process.stdout.write(t),err:()=>{}}).then(()=>{
          const heavy=Object.keys(require.cache).filter((k)=>/@azure|durable-functions|applicationinsights|opentelemetry/.test(k));
          process.stdout.write('heavy=' + heavy.length + '\\n');
        })`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );

    // Assess
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(out).toBe(`${version}\nheavy=0\n`);
  });

  // Each command's own exit codes: a line only that command's help carries (sweep and check-change
  // once printed diagnose's).
  const OWN_EXIT_CODE: Record<string, string> = {
    diagnose: '  1  a person must act: action-required, awaiting-approval or escalated',
    audit: '  2  the file cannot be read, holds no events, or has no run with that id',
    sandbox: '  0  stopped with Ctrl-C (SIGINT) or SIGTERM',
    sweep: '  1  a backend is down, a load balancer cannot be read, or a remediation could not be started',
    'check-change': '  1  a probe would break, or part of the change cannot be decided before apply',
  };

  it('every command has its own help case here', async () => {
    // Act
    const { out } = await cli('--help');
    const listed = [...out.matchAll(/^ {2}([a-z-]+) \[?options/gm)].map((m) => m[1]);

    // Assess
    expect(listed.sort()).toEqual(Object.keys(OWN_EXIT_CODE).sort());
  });

  it.each(Object.keys(OWN_EXIT_CODE))(
    '%s --help has its own examples, exit codes and environment variables',
    async (command) => {
      // Act
      const { code, out } = await cli(command, '--help');

      // Assess
      expect(code).toBe(0);
      const examples = /\nExamples:\n((?: {2}.*\n)+)/.exec(out)?.[1] ?? '';
      expect(examples.split('\n').filter(Boolean).length).toBeGreaterThan(0);
      for (const line of examples.split('\n').filter(Boolean)) {
        expect(line).toMatch(new RegExp(`^  node bin/probe-doctor\\.js ${command} (?!--help$)`));
      }
      const exitCodes = /\nExit codes:\n((?: {2}.*\n)+)/.exec(out)?.[1] ?? '';
      expect(exitCodes).toContain(OWN_EXIT_CODE[command]);
      for (const [other, line] of Object.entries(OWN_EXIT_CODE)) {
        if (other !== command) expect(exitCodes).not.toContain(line);
      }
      expect(out).toMatch(/\nEnvironment:\n {2}\S/);
    },
  );

  it('the sweep example from its --help runs as written', async () => {
    // Prepare
    const { out: help } = await cli('sweep', '--help');
    const example = /^ {2}node bin\/probe-doctor\.js (sweep .*--scenario .*)$/m.exec(help)?.[1] ?? '';
    const previous = process.cwd();
    process.chdir(ROOT);

    // Act
    const run = await cli(...example.split(' ')).finally(() => process.chdir(previous));

    // Assess
    expect(run.err).not.toMatch(/probe-doctor: (?!sandbox|audit)/);
    expect(run.out).toMatch(/^Sweep sweep-.*: 2 load balancer\(s\)$/m);
    expect(run.code).toBe(1); // both load balancers of that scenario have backends down
  }, 60_000);

  it('the top-level --help points at the commands with examples and exit codes', async () => {
    // Act
    const { code, out } = await cli('--help');

    // Assess
    expect(code).toBe(0);
    expect(out).toContain(
      'node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json',
    );
    expect(out).toContain('Exit codes:');
  });

  it("diagnose --scenario FILE takes the scenario's only load balancer", async () => {
    // Act
    const { code, out } = await cli('diagnose', '--scenario', join(ROOT, 'scenarios/healthy.json'));

    // Assess
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^HEALTHY: lb-web-prod;/);
  });

  it('diagnose --scenario FILE with two load balancers asks which one', async () => {
    // Act
    const { code, out, err } = await cli(
      'diagnose',
      '--scenario',
      join(ROOT, 'scenarios/shared-nsg-two-lbs.json'),
    );

    // Assess
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      /holds 2 load balancers: name one by its id with --load-balancer \(\/subscriptions\/[^ ]+\/loadBalancers\/lbi-(web|api) or \/subscriptions\/[^ ]+\/loadBalancers\/lbi-(web|api)\)\n$/,
    );
  });

  it('diagnose without --load-balancer or --scenario names what is missing', async () => {
    // Act
    const { code, err } = await cli('diagnose');

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(
      'probe-doctor: --load-balancer is required (it may be left out only with a --scenario that holds one load balancer)\n',
    );
  });
});
