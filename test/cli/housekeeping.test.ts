/**
 * What users trip on: the sample settings start the app, the default audit file stays out of git and
 * the deployment package, `--version` loads no SDK, every `--help` has examples, exit codes and
 * environment variables, and `diagnose --scenario FILE` works without `--load-balancer`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { DEFAULT_FIX_AUDIT_LOG } from '../../src/cli/commands/diagnose';
import { loadConfig } from '../../src/config';

const ROOT = join(__dirname, '../..');

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'probe-doctor', ...args], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
  });
  return { code, out, err };
}

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

  it.each(['diagnose', 'audit', 'sandbox'])(
    '%s --help has examples, exit codes and environment variables',
    async (command) => {
      // Act
      const { code, out } = await cli(command, '--help');

      // Assess
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`\\nExamples:\\n  node bin/probe-doctor\\.js ${command} `));
      expect(out).toContain('Exit codes:\n  0  healthy or resolved\n  1  escalated or awaiting approval');
      expect(out).toContain('\nEnvironment:\n');
    },
  );

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
      /holds 2 load balancers \(lbi-(web|api), lbi-(web|api)\): name one with --load-balancer\n$/,
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
