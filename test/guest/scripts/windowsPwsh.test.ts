/**
 * The Windows guest-check and peer-test scripts run by real PowerShell (7.6, a .NET global tool that
 * .ci/install-tools installs), with the Windows-only cmdlets replaced by the shims of windowsShims.ps1
 * (real listeners, a real TCP connect, PowerShell's own Invoke-WebRequest against a server on
 * 127.0.0.1; firewall objects from the scenario). The product's parsers read what PowerShell printed.
 * The injection cases run the quoting through PowerShell's real parser.
 *
 * Run Command runs Windows PowerShell 5.1; PowerShell 7 is the same language and parser, so these
 * prove the script parses, quotes and formats as intended. Where 5.1 and 7 differ (certificate
 * validation for Invoke-WebRequest), the test says so and stays with HTTP.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseGuestOutput, parsePeerTest } from '../../../src/guest/parse';
import { buildGuestScript, buildPeerTestScript, powershellQuote } from '../../../src/guest/scripts';
import type { ScriptProbe } from '../../../src/guest/scripts';
import { describeWithTool, pwshPath } from '../../helpers/realTools';

const run = promisify(execFile);
const PWSH = pwshPath();
const SHIMS = join(__dirname, 'windowsShims.ps1');

/** What the shims return for the firewall, addresses and route (see windowsShims.ps1). */
interface ShimData {
  activeProfile: string;
  profiles: { name: string; enabled: string; defaultInboundAction: string }[];
  rules: {
    instanceId: string;
    displayName: string;
    enabled: 'True' | 'False';
    direction: 'Inbound' | 'Outbound';
    action: 'Allow' | 'Block';
    profile: string;
    protocol: string;
    localPort: string[];
    remoteAddress: string[];
  }[];
  addresses: { address: string; prefixLength: number; interfaceAlias: string }[];
  route?: { source: string; nextHop: string; interfaceAlias: string };
}

const PROFILES_ALLOW: ShimData['profiles'] = ['Domain', 'Private', 'Public'].map((name) => ({
  name,
  enabled: 'True',
  defaultInboundAction: 'NotConfigured',
}));

const shimData = (over: Partial<ShimData> = {}): ShimData => ({
  activeProfile: 'Public',
  profiles: PROFILES_ALLOW,
  rules: [],
  addresses: [{ address: '127.0.0.1', prefixLength: 8, interfaceAlias: 'Loopback Pseudo-Interface 1' }],
  route: { source: '127.0.0.1', nextHop: '10.0.0.1', interfaceAlias: 'Ethernet' },
  ...over,
});

const rule = (over: Partial<ShimData['rules'][number]>): ShimData['rules'][number] => ({
  instanceId: `{${Math.random().toString(16).slice(2, 10)}-0000-0000-0000-000000000000}`,
  displayName: 'probe rule',
  enabled: 'True',
  direction: 'Inbound',
  action: 'Allow',
  profile: 'Any',
  protocol: 'TCP',
  localPort: ['Any'],
  remoteAddress: ['Any'],
  ...over,
});

let dir: string;

/** One script of the batch: its lines and what its shims return. */
interface Case {
  lines: string[];
  data: ShimData;
}

/**
 * Runs every case in ONE pwsh process (PowerShell takes seconds to start), each in its own script
 * block with the shims dot-sourced inside it, and returns each case's output.
 */
async function runPwshBatch(cases: Case[]): Promise<string[]> {
  const driver = [];
  for (const [i, c] of cases.entries()) {
    const dataFile = join(dir, `case-${i}.json`);
    await writeFile(dataFile, JSON.stringify(c.data));
    driver.push(
      `$env:PD_SHIM_DATA = ${powershellQuote(dataFile)}`,
      `'${marker(i)}'`,
      '& {',
      `. ${powershellQuote(SHIMS)}`,
      ...c.lines,
      '} | Out-String -Width 200',
    );
  }
  driver.push(`'${marker(cases.length)}'`);
  const script = join(dir, 'batch.ps1');
  await writeFile(script, driver.join('\n'));
  const { stdout } = await run(PWSH as string, ['-NoProfile', '-NonInteractive', '-File', script], {
    cwd: dir,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return cases.map((_, i) => {
    const from = stdout.indexOf(marker(i));
    const to = stdout.indexOf(marker(i + 1));
    if (from < 0 || to < 0) throw new Error(`case ${i} left no output: ${stdout}`);
    return stdout.slice(from + marker(i).length + 1, to);
  });
}

const marker = (i: number) => `#### probe-doctor case ${i} ####`;

const INJECTIONS: [string, string][] = [
  ['a quote that would end the string, then a command', "/'+(New-Item('PWNED'))+'"],
  ['a subexpression', "/$(New-Item('PWNED'))"],
  ['a variable', '/$PD_PORT$env:PATH'],
  ['a statement separator', "/a';New-Item('PWNED');'"],
];

/** Typographic quotes count as quotes in PowerShell; backticks, $ and newlines must stay text. */
const QUOTED = [
  "a'b",
  'a\u2018b\u2019c\u201Ad\u201Be',
  '$(Get-Date)',
  '`n`t',
  'x\ny',
  "''",
  "\u2019;New-Item('PWNED');\u2019",
];

describeWithTool('Windows guest scripts under real PowerShell', PWSH ? undefined : 'no pwsh', () => {
  let server: Server;
  let port: number;
  const requests: string[] = [];
  /** A port nothing listens on: bound once, then closed. */
  let closedPort: number;
  const outputs = new Map<string, string>();

  const guestCase = (probe: ScriptProbe, data: ShimData = shimData()): Case => ({
    lines: buildGuestScript('windows', probe, '127.0.0.1').script,
    data,
  });
  /** The test server's port, then a closed one. */
  const peerTargets = () => [
    { address: '127.0.0.1', port },
    { address: '127.0.0.1', port: closedPort },
  ];
  const evidenceOf = (name: string, probe: ScriptProbe) =>
    parseGuestOutput('windows', outputs.get(name) ?? '', probe, '127.0.0.1');

  const probes = {
    healthy: (): ScriptProbe => ({ protocol: 'Http', port, requestPath: '/healthz' }),
    broken: (): ScriptProbe => ({ protocol: 'Http', port, requestPath: '/broken' }),
    tcp: (): ScriptProbe => ({ protocol: 'Tcp', port }),
    closed: (): ScriptProbe => ({ protocol: 'Http', port: closedPort, requestPath: '/healthz' }),
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-doctor-pwsh-'));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.statusCode = req.url === '/healthz' ? 200 : req.url === '/broken' ? 500 : 404;
      res.end('answer');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const cases: Record<string, Case> = {
      healthy: guestCase(probes.healthy()),
      broken: guestCase(
        probes.broken(),
        shimData({
          rules: [
            rule({ displayName: 'Web (HTTP-In)', localPort: ['80', `${port - 1}-${port + 1}`] }),
            rule({ displayName: 'Other port', localPort: ['1'], action: 'Block' }),
            rule({ displayName: 'Disabled block', enabled: 'False', action: 'Block' }),
          ],
        }),
      ),
      blocked: guestCase(
        probes.tcp(),
        shimData({
          rules: [
            rule({ displayName: 'Allow all TCP', localPort: ['Any'] }),
            rule({
              displayName: 'Block probe port',
              action: 'Block',
              localPort: [String(port)],
              profile: 'Public',
            }),
          ],
        }),
      ),
      closed: guestCase(probes.closed()),
      quoted: {
        lines: QUOTED.map((v) => `[Console]::Out.Write((${powershellQuote(v)}) + [char]0)`),
        data: shimData(),
      },
      peerBoth: { lines: buildPeerTestScript('windows', peerTargets()).script, data: shimData() },
      peerOne: {
        lines: buildPeerTestScript('windows', peerTargets().slice(0, 1)).script,
        data: shimData(),
      },
    };
    for (const [name, path] of INJECTIONS) {
      cases[name] = guestCase({ protocol: 'Http', port, requestPath: path });
    }
    const names = Object.keys(cases);
    const results = await runPwshBatch(names.map((n) => cases[n] as Case));
    names.forEach((n, i) => outputs.set(n, results[i] ?? ''));
  }, 300_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("reports the listener, the HTTP answer, and the profiles' default block when no rule allows", () => {
    // Act
    const evidence = evidenceOf('healthy', probes.healthy());
    // Assess
    expect(evidence.warnings).toEqual([]);
    expect(evidence.listeningSource).toBe('Get-NetTCPConnection');
    expect(evidence.listening).toContainEqual(expect.objectContaining({ address: '127.0.0.1', port }));
    expect(evidence.http).toMatchObject({ status: 200 });
    expect(evidence.firewall).toEqual([
      expect.objectContaining({ tool: 'windows-firewall', active: true, decision: 'deny' }),
    ]);
    expect(evidence.routes?.[0]).toMatchObject({ device: 'Ethernet' });
    expect(outputs.get('healthy')).toMatch(/=== done ===/);
  });

  it('reads a 500 from the probe path and an allow rule that covers the port in a range', () => {
    // Act
    const evidence = evidenceOf('broken', probes.broken());
    // Assess
    expect(evidence.http).toMatchObject({ status: 500 });
    expect(evidence.firewall[0]).toMatchObject({ decision: 'allow', active: true });
    expect(evidence.firewall[0]?.rule).toContain('Web (HTTP-In)');
  });

  it('finds the block rule that covers the probe port, even beside an allow', () => {
    // Act
    const evidence = evidenceOf('blocked', probes.tcp());
    // Assess
    expect(evidence.firewall[0]).toMatchObject({ decision: 'deny' });
    expect(evidence.firewall[0]?.rule).toContain('Block probe port');
  });

  it('reports nothing listening and no HTTP status on a closed port', () => {
    // Act
    const evidence = evidenceOf('closed', probes.closed());
    // Assess
    expect(evidence.listening.filter((l) => l.port === closedPort)).toEqual([]);
    expect(evidence.http?.status).toBeUndefined();
    expect(evidence.http?.error).toEqual(expect.any(String));
  });

  it.each(INJECTIONS)(
    'keeps %s inert: PowerShell requests the path as written and runs nothing',
    (name, path) => {
      // Act
      const evidence = evidenceOf(name, { protocol: 'Http', port, requestPath: path });
      // Assess
      expect(existsSync(join(dir, 'PWNED'))).toBe(false);
      expect(requests.map((r) => decodeURIComponent(r))).toContain(path);
      expect(evidence.http).toMatchObject({ status: 404 });
    },
  );

  it('quotes any text so that PowerShell reads it back unchanged', () => {
    // Assess
    expect((outputs.get('quoted') ?? '').split('\0').slice(0, -1)).toEqual(QUOTED);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });

  it('peer test: TcpClient connects to every target at once, one line each', () => {
    // Act
    const both = parsePeerTest('windows', outputs.get('peerBoth') ?? '', peerTargets());
    const one = parsePeerTest('windows', outputs.get('peerOne') ?? '', peerTargets().slice(0, 1));
    // Assess
    expect(both.map((r) => [r.reachable, r.tool])).toEqual([
      [true, 'TcpClient'],
      [false, 'TcpClient'],
    ]);
    expect(both[1]?.detail).toEqual(expect.any(String));
    expect(both[1]?.detail).not.toBe('timed out');
    expect(both[0]?.latencyMs).toEqual(expect.any(Number));
    expect(one).toEqual([
      expect.objectContaining({ reachable: true, tool: 'TcpClient', detail: 'connected' }),
    ]);
  });
});
