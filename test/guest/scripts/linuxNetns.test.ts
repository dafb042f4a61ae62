/**
 * The Linux guest-check and peer-test scripts run for real, inside network namespaces this test
 * creates: a "guest" namespace (the backend VM) and a "peer" namespace, joined by one veth pair and
 * nothing else, so no packet can leave them; only the addresses below, inside them, are used. A real
 * HTTP server listens in the guest; real iptables, nftables and ufw rules are installed there; the
 * scripts run the real ss, curl, ip route, iptables-save, nft and ufw, and the product's parsers read
 * that live output.
 *
 * Needs root, iproute2, iptables, nftables, ufw and curl (.ci/install-tools installs them); skips with
 * a message otherwise, and fails under CI. ufw keeps its state in /etc/ufw: `ip netns exec` bind-mounts
 * /etc/netns/<name>/ufw over it, so the guest's ufw never touches the machine's. Namespaces are deleted
 * and the server killed by pid afterwards.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseGuestOutput, parsePeerTest } from '../../../src/guest/parse';
import { buildGuestScript, buildPeerTestScript, type ScriptProbe } from '../../../src/guest/scripts';
import { loadScenarioFile, type GuestFirewallEntry } from '../../../src/sandbox/scenario';
import { describeWithTool, netnsUnavailable } from '../../helpers/realTools';

const run = promisify(execFile);
const ID = `${process.pid % 100000}`;
const GUEST = `pd-guest-${ID}`;
const PEER = `pd-peer-${ID}`;
const GUEST_IP = '10.251.0.4';
const PEER_IP = '10.251.0.5';
const GATEWAY = '10.251.0.1';
const PORT = 8080;
const CLOSED_PORT = 8081;

/** A scenario's guest firewall entry as the iptables rule a hardening script would add. */
function iptablesArgs(e: GuestFirewallEntry): string[] {
  return [
    '-A',
    'INPUT',
    ...(e.protocol === 'any' ? [] : ['-p', e.protocol]),
    ...(e.source ? ['-s', e.source] : []),
    ...(e.port !== undefined ? ['--dport', String(e.port)] : []),
    '-j',
    e.action === 'allow' ? 'ACCEPT' : e.action === 'deny' ? 'DROP' : 'REJECT',
  ];
}

/**
 * The guest's HTTP server: 200 on /healthz, 500 on /broken, on /kube-proxy what kube-proxy's health
 * check node port answers on a node without a local endpoint (503, its JSON over two lines, as
 * service_health.go writes it before trimming), 404 elsewhere; logs each path.
 */
const SERVER = `
const http = require('node:http');
const answer = (req, res) => {
  process.stdout.write('path ' + req.url + '\\n');
  if (req.url === '/kube-proxy') {
    res.statusCode = 503;
    res.setHeader('Content-Type', 'application/json');
    return res.end('{"service": {"namespace": "shop", "name": "storefront"},\\n "localEndpoints": 0, "serviceProxyHealthy": true}\\n');
  }
  res.statusCode = req.url === '/healthz' ? 200 : req.url === '/broken' ? 500 : 404;
  res.end('answer');
};
const server = http.createServer(answer);
const server2 = http.createServer(answer);
server.listen(${PORT}, '0.0.0.0', () => server2.listen(80, '0.0.0.0', () => process.stdout.write('listening\\n')));
`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
/** Runs a command in a namespace; resolves with stdout+stderr whatever the exit code. */
async function inNs(ns: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', ns, ...args], { timeout: 60_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${args.join(' ')} in ${ns} failed: ${e.message} ${e.stdout ?? ''} ${e.stderr ?? ''}`);
  }
}

describeWithTool('Linux guest scripts in network namespaces', netnsUnavailable(), () => {
  let server: ChildProcess;
  let serverLog = '';
  let dir: string;

  /** Runs `lines` as a script file with bash in `ns`; returns its stdout. */
  async function runScript(ns: string, lines: string[]): Promise<string> {
    const file = join(dir, `script-${Math.random().toString(16).slice(2)}.sh`);
    await writeFile(file, lines.join('\n') + '\n', { mode: 0o700 });
    const { stdout } = await run('ip', ['netns', 'exec', ns, 'bash', file], { cwd: dir, timeout: 60_000 });
    return stdout;
  }

  const check = async (probe: ScriptProbe) => {
    const stdout = await runScript(GUEST, buildGuestScript('linux', probe, GUEST_IP).script);
    return { stdout, evidence: parseGuestOutput('linux', stdout, probe, GUEST_IP) };
  };

  /** Removes every firewall rule from the guest: ufw off with a fresh /etc/ufw, iptables and nftables empty. */
  async function resetFirewall() {
    await inNs(GUEST, ['ufw', '--force', 'disable']);
    await rm(`/etc/netns/${GUEST}/ufw`, { recursive: true, force: true });
    await cp('/etc/ufw', `/etc/netns/${GUEST}/ufw`, { recursive: true });
    await inNs(GUEST, ['iptables', '-F']);
    await inNs(GUEST, ['iptables', '-X']);
    await inNs(GUEST, ['nft', 'flush', 'ruleset']);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-doctor-netns-'));
    ip('netns', 'add', GUEST);
    ip('netns', 'add', PEER);
    ip('link', 'add', `pdg${ID}`, 'type', 'veth', 'peer', 'name', `pdp${ID}`);
    ip('link', 'set', `pdg${ID}`, 'netns', GUEST);
    ip('link', 'set', `pdp${ID}`, 'netns', PEER);
    for (const [ns, dev, addr] of [
      [GUEST, `pdg${ID}`, GUEST_IP],
      [PEER, `pdp${ID}`, PEER_IP],
    ] as const) {
      ip('-n', ns, 'link', 'set', dev, 'name', 'eth0');
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    // A default route inside the guest, through a gateway address no namespace holds: `ip route get
    // 168.63.129.16` answers as on an Azure VM, and nothing can be sent anywhere.
    ip('-n', GUEST, 'route', 'add', 'default', 'via', GATEWAY, 'dev', 'eth0');
    // The guest's own /etc/ufw (ip netns exec bind-mounts /etc/netns/<ns>/ufw over /etc/ufw).
    await mkdir(`/etc/netns/${GUEST}`, { recursive: true });
    await cp('/etc/ufw', `/etc/netns/${GUEST}/ufw`, { recursive: true });

    server = spawn('ip', ['netns', 'exec', GUEST, process.execPath, '-e', SERVER], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${serverLog}`)), 30_000);
      server.stdout?.on('data', (chunk: Buffer) => {
        serverLog += chunk.toString();
        if (serverLog.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.on('exit', (code) => reject(new Error(`server exited ${String(code)}: ${serverLog}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      process.kill(server.pid, 'SIGTERM');
      await exited;
    }
    for (const ns of [GUEST, PEER]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not created
      }
    }
    await rm(`/etc/netns/${GUEST}`, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  afterEach(async () => {
    await resetFirewall();
  }, 60_000);

  it('reads the live listener, HTTP answer, addresses and route of an open guest', async () => {
    // Act
    const { evidence } = await check({ protocol: 'Http', port: PORT, requestPath: '/healthz' });
    // Assess
    expect(evidence.listeningSource).toBe('ss');
    expect(evidence.listening).toContainEqual(expect.objectContaining({ address: '0.0.0.0', port: PORT }));
    expect(evidence.http).toMatchObject({ status: 200 });
    expect(evidence.interfaces).toContainEqual({ name: 'eth0', addresses: [GUEST_IP] });
    expect(evidence.routes?.[0]).toMatchObject({ gateway: GATEWAY, device: 'eth0' });
    expect(evidence.firewall.filter((f) => f.decision === 'deny')).toEqual([]);
  }, 120_000);

  it('reads a 500 and, on a closed port, nothing listening and a refused connection', async () => {
    // Act
    const broken = await check({ protocol: 'Http', port: PORT, requestPath: '/broken' });
    const closed = await check({ protocol: 'Http', port: CLOSED_PORT, requestPath: '/healthz' });
    // Assess
    expect(broken.evidence.http).toMatchObject({ status: 500 });
    expect(closed.evidence.listening.filter((l) => l.port === CLOSED_PORT)).toEqual([]);
    expect(closed.evidence.http?.status).toBeUndefined();
    expect(closed.evidence.http?.error).toMatch(/refused/i);
  }, 120_000);

  it("keeps the answer's body: kube-proxy's 503 counting no local endpoint, as one line", async () => {
    // Prepare: a TMPDIR of its own, to see the answer's file go.
    const tmp = await mkdtemp(join(dir, 'tmp-'));
    const probe = { protocol: 'Http' as const, port: PORT, requestPath: '/kube-proxy' };
    const file = join(dir, 'kube-proxy-check.sh');
    await writeFile(file, buildGuestScript('linux', probe, GUEST_IP).script.join('\n') + '\n', {
      mode: 0o700,
    });
    // Act
    const { stdout } = await run('ip', ['netns', 'exec', GUEST, 'env', `TMPDIR=${tmp}`, 'bash', file], {
      cwd: dir,
      timeout: 60_000,
    });
    const evidence = parseGuestOutput('linux', stdout, probe, GUEST_IP);
    // Assess
    expect(evidence.http).toEqual({
      url: `http://${GUEST_IP}:${PORT}/kube-proxy`,
      status: 503,
      body: '{"service": {"namespace": "shop", "name": "storefront"},  "localEndpoints": 0, "serviceProxyHealthy": true}',
    });
    // The answer's file is gone once read.
    expect(await readdir(tmp)).toEqual([]);
  }, 120_000);

  it('finds an iptables rule that drops the probe source on the probe port', async () => {
    // Prepare
    await inNs(GUEST, [
      'iptables',
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '-s',
      '168.63.129.16',
      '--dport',
      String(PORT),
      '-j',
      'DROP',
    ]);
    // Act
    const { evidence } = await check({ protocol: 'Tcp', port: PORT });
    // Assess
    expect(evidence.firewall).toContainEqual(expect.objectContaining({ tool: 'iptables', decision: 'deny' }));
    expect(evidence.firewall.find((f) => f.tool === 'iptables')?.rule).toContain('168.63.129.16');
  }, 120_000);

  it('finds an nftables rule that drops the probe port', async () => {
    // Prepare
    await inNs(GUEST, ['nft', 'add', 'table', 'inet', 'pdtest']);
    await inNs(GUEST, [
      'nft',
      'add chain inet pdtest input { type filter hook input priority 0 ; policy accept ; }',
    ]);
    await inNs(GUEST, [
      'nft',
      'add',
      'rule',
      'inet',
      'pdtest',
      'input',
      'tcp',
      'dport',
      String(PORT),
      'drop',
    ]);
    // Act
    const { evidence } = await check({ protocol: 'Tcp', port: PORT });
    // Assess
    expect(evidence.firewall).toContainEqual(expect.objectContaining({ tool: 'nftables', decision: 'deny' }));
  }, 120_000);

  it('reads ufw denying by default, then allowing the port once a rule allows it', async () => {
    // Prepare
    await inNs(GUEST, ['ufw', 'default', 'deny', 'incoming']);
    await inNs(GUEST, ['ufw', '--force', 'enable']);
    // Act
    const denied = await check({ protocol: 'Tcp', port: PORT });
    await inNs(GUEST, ['ufw', 'allow', `${PORT}/tcp`]);
    const allowed = await check({ protocol: 'Tcp', port: PORT });
    // Assess
    expect(denied.evidence.firewall).toContainEqual(
      expect.objectContaining({ tool: 'ufw', active: true, decision: 'deny' }),
    );
    expect(allowed.evidence.firewall).toContainEqual(
      expect.objectContaining({ tool: 'ufw', active: true, decision: 'allow' }),
    );
  }, 180_000);

  it.each([
    ['web-1', 'deny'],
    ['web-0', 'no firewall'],
  ])(
    'installs the guest firewall of scenarios/guest-firewall-drop.json %s and reads it back',
    async (vm, expected) => {
      // Prepare: the scenario's guest, its firewall installed as iptables rules, probed as the scenario probes.
      const scenario = await loadScenarioFile(
        join(__dirname, '..', '..', '..', 'scenarios', 'guest-firewall-drop.json'),
      );
      const [, guest] = Object.entries(scenario.guests).find(([id]) => id.endsWith(`/${vm}`)) ?? [];
      if (!guest) throw new Error(`no guest ${vm}`);
      for (const entry of guest.firewall) await inNs(GUEST, ['iptables', ...iptablesArgs(entry)]);
      const http = guest.http[0];
      if (!http) throw new Error(`guest ${vm} has no http endpoint`);
      // Act
      const { evidence } = await check({ protocol: 'Http', port: http.port, requestPath: http.path });
      // Assess
      const iptables = evidence.firewall.find((f) => f.tool === 'iptables');
      if (expected === 'deny') {
        expect(iptables).toMatchObject({ decision: 'deny' });
        expect(iptables?.rule).toContain('168.63.129.16');
      } else {
        expect(evidence.firewall.filter((f) => f.decision === 'deny')).toEqual([]);
      }
      expect(evidence.http).toMatchObject({ status: http.status });
      expect(evidence.listening).toContainEqual(expect.objectContaining({ port: http.port }));
    },
    120_000,
  );

  it('keeps a path with shell metacharacters inert: curl requests it as written, nothing runs', async () => {
    // Prepare
    const requestPath = "/$(touch$IFS./PWNED)';touch$IFS./PWNED;'";
    // Act
    const { evidence } = await check({ protocol: 'Http', port: PORT, requestPath });
    // Assess
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    expect(serverLog.split('\n').map((l) => l.replace(/^path /, ''))).toContain(requestPath);
    expect(evidence.http).toMatchObject({ status: 404 });
  }, 120_000);

  it('peer test: one script tests every target at once, each with its own answer, in one timeout', async () => {
    // Prepare: the server listens on PORT and 80; nothing on CLOSED_PORT; the guest drops 80.
    await inNs(GUEST, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '80', '-j', 'DROP']);
    const targets = [PORT, CLOSED_PORT, 80].map((port) => ({ address: GUEST_IP, port }));
    const single = [{ address: GUEST_IP, port: PORT }];

    // Act
    const started = Date.now();
    const all = parsePeerTest(
      'linux',
      await runScript(PEER, buildPeerTestScript('linux', targets).script),
      targets,
    );
    const tookMs = Date.now() - started;
    const one = parsePeerTest(
      'linux',
      await runScript(PEER, buildPeerTestScript('linux', single).script),
      single,
    );

    // Assess
    expect(all.map((r) => [r.reachable, r.tool, r.detail])).toEqual([
      [true, 'bash-dev-tcp', 'open'],
      [false, 'bash-dev-tcp', 'Connection refused'],
      [false, 'bash-dev-tcp', 'timed out'],
    ]);
    expect(all[2]?.latencyMs).toBeGreaterThanOrEqual(4000);
    // Tested at once: one 5 s timeout for the whole script, not one per target.
    expect(tookMs).toBeLessThan(9_000);
    expect(one).toEqual([expect.objectContaining({ reachable: true, tool: 'bash-dev-tcp', detail: 'open' })]);
  }, 120_000);
});
