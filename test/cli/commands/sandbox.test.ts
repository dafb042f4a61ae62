import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { Command } from 'commander';
import { registerSandboxCommand, runSandbox } from '../../../src/cli/commands/sandbox';
import { staticCredential } from '../../helpers/sandboxClients';
import { miniScenarioDocument, RG, SUB } from '../../sandbox/miniScenario';

describe('probe-doctor sandbox', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-cli-test-'));
    file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify(miniScenarioDocument()));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the endpoint and CA file, serves clients until stopped, then removes the CA file', async () => {
    // Prepare
    const out: string[] = [];
    let caFile = '';
    let lbName: string | undefined;
    // Act
    await runSandbox(
      { scenario: file },
      { out: (t) => out.push(t), err: (t) => out.push(t) },
      async (sandbox, ca) => {
        caFile = ca;
        const client = new NetworkManagementClient(staticCredential, SUB, {
          endpoint: sandbox.endpoint,
          tlsOptions: { ca: await readFile(ca, 'utf8') },
        });
        lbName = (await client.loadBalancers.get(RG, 'lb-web')).name;
      },
    );
    // Assess
    const text = out.join('');
    expect(text).toMatch(
      /^probe-doctor sandbox listening on https:\/\/127\.0\.0\.1:\d+\nCA certificate: .*sandbox-ca\.pem\n/,
    );
    expect(text).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
    expect(text).toContain('probe-doctor sandbox stopped after 1 request(s)');
    expect(lbName).toBe('lb-web');
    expect(existsSync(caFile)).toBe(false);
  });

  // Through a bare program: src/cli/main.ts reads package.json by a dist-relative path that does not
  // resolve under ts-jest.
  const run = (args: string[]): Promise<unknown> => {
    const program = new Command('probe-doctor').exitOverride();
    registerSandboxCommand(program, { io: { out: () => undefined, err: () => undefined }, exitCode: 0 });
    return program.parseAsync(['node', 'probe-doctor', 'sandbox', ...args]);
  };

  it.each([
    [['--port', 'x'], "--port must be an integer from 0 to 65535, got 'x'"],
    [['--port', '70000'], "--port must be an integer from 0 to 65535, got '70000'"],
    [['--time-scale', 'fast'], "--time-scale must be a number from 0 to 100, got 'fast'"],
    [['--time-scale', '-1'], "--time-scale must be a number from 0 to 100, got '-1'"],
  ])('refuses a bad port or time scale %j', async (args, message) => {
    // Act / Assess
    await expect(run(['--scenario', file, ...args])).rejects.toThrow(message);
  });

  it('runs at Azure pace by default, and at --time-scale when given', async () => {
    // Prepare
    const seen: number[] = [];
    const record = (sandbox: { time: { scale: number } }) => {
      seen.push(sandbox.time.scale);
      return Promise.resolve();
    };
    const io = { out: () => undefined, err: () => undefined };
    // Act
    await runSandbox({ scenario: file }, io, record);
    await runSandbox({ scenario: file, timeScale: '0.01' }, io, record);
    // Assess
    expect(seen).toEqual([1, 0.01]);
  });

  it('names an unreadable scenario file', async () => {
    // Prepare
    const missing = join(dir, 'missing.json');
    // Act / Assess
    await expect(run(['--scenario', missing])).rejects.toThrow(
      `cannot read scenario file ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    );
  });
});
