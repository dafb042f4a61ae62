import {
  buildGuestScript,
  buildPeerTestScript,
  MAX_PEER_TARGETS,
  type ScriptProbe,
} from '../../../src/guest/scripts';
import { parseGuestOutput, parsePeerTest, parseRunCommandResult } from '../../../src/guest/parse';
import { fixture } from '../../guest/parse/fixtures';
import type { GuestState } from '../../../src/sandbox/scenario';
import { lastBytes, parseScriptVariables, runCommandResult } from '../../../src/sandbox/guest';
import { SandboxHttpError } from '../../../src/sandbox/httpError';
import { createSandboxState, type SandboxState } from '../../../src/sandbox/state';
import { ids, miniScenario } from '../miniScenario';

type GuestInput = Partial<Omit<GuestState, 'os'>> & { os: 'linux' | 'windows' };

function stateWith(guest: GuestInput): SandboxState {
  return createSandboxState(
    miniScenario((doc) => {
      (doc.guests as Record<string, unknown>)[ids.vm1] = guest;
    }),
  );
}

/** Render -> ARM body -> the real parsers, as probe-doctor would see it. */
function roundTrip(guest: GuestInput, probe: ScriptProbe) {
  const state = stateWith(guest);
  const { commandId, script } = buildGuestScript(guest.os, probe, '10.0.0.4');
  const body = runCommandResult(state, ids.vm1, { commandId, script });
  const { stdout } = parseRunCommandResult(body);
  return parseGuestOutput(guest.os, stdout, probe, '10.0.0.4');
}

const listening80 = [{ protocol: 'tcp' as const, address: '0.0.0.0', port: 80 }];
const probeDeny = { action: 'deny' as const, protocol: 'tcp' as const, port: 80, source: '168.63.129.16/32' };

describe('guest simulator round trip: render -> parseGuestOutput', () => {
  it.each([
    ['iptables', 'deny', '-A INPUT -s 168.63.129.16/32 -p tcp -m tcp --dport 80 -j DROP'],
    ['nftables', 'deny', 'ip saddr 168.63.129.16/32 tcp dport 80 drop'],
    ['ufw', 'deny', '80/tcp                     DENY IN     168.63.129.16/32'],
    [
      'firewalld',
      'deny',
      'rule family="ipv4" source address="168.63.129.16/32" port port="80" protocol="tcp" drop',
    ],
  ] as const)('a %s drop of the probe is seen as deny', (firewallTool, decision, rule) => {
    // Act
    const evidence = roundTrip(
      { os: 'linux', listening: listening80, firewall: [probeDeny], firewallTool },
      { protocol: 'Tcp', port: 80 },
    );

    // Assess
    const tool = firewallTool === 'nftables' ? 'nftables' : firewallTool;
    expect(evidence.firewall.find((f) => f.tool === tool)).toMatchObject({ decision, rule });
  });

  it.each(['iptables', 'nftables', 'ufw', 'firewalld'] as const)(
    '%s with no entries lets the probe in',
    (firewallTool) => {
      const evidence = roundTrip(
        { os: 'linux', listening: listening80, firewallTool },
        { protocol: 'Tcp', port: 80 },
      );
      expect(evidence.firewall.map((f) => f.decision)).toEqual(evidence.firewall.map(() => 'allow'));
      expect(evidence.firewall.length).toBeGreaterThan(0);
    },
  );

  it('reports the listeners from ss', () => {
    const evidence = roundTrip(
      {
        os: 'linux',
        listening: [
          { protocol: 'tcp', address: '127.0.0.1', port: 8080 },
          { protocol: 'tcp', address: '::', port: 22 },
        ],
      },
      { protocol: 'Tcp', port: 80 },
    );
    expect(evidence.listeningSource).toBe('ss');
    expect(evidence.listening).toEqual([
      { protocol: 'tcp', address: '127.0.0.1', port: 8080 },
      { protocol: 'tcp', address: '::', port: 22 },
    ]);
  });

  it.each([
    [
      '200 on the path',
      { listening: listening80, http: [{ port: 80, path: '/health', status: 200 }] },
      { status: 200 },
    ],
    [
      '500 on the path',
      { listening: listening80, http: [{ port: 80, path: '/health', status: 500 }] },
      { status: 500 },
    ],
    [
      'another path only',
      { listening: listening80, http: [{ port: 80, path: '/', status: 200 }] },
      { status: 404 },
    ],
    ['nothing listening', {}, { error: 'refused' }],
    [
      'listening on loopback only',
      { listening: [{ protocol: 'tcp' as const, address: '127.0.0.1', port: 80 }] },
      { error: 'refused' },
    ],
    [
      'a drop of every source',
      { listening: listening80, firewall: [{ action: 'deny' as const, protocol: 'tcp' as const, port: 80 }] },
      { error: 'timeout' },
    ],
    ['a listener that speaks no HTTP', { listening: listening80 }, { error: 'empty reply' }],
  ])('linux HTTP probe: %s', (_name, guest, expected) => {
    const evidence = roundTrip(
      { os: 'linux', ...guest },
      { protocol: 'Http', port: 80, requestPath: '/health' },
    );
    expect(evidence.http).toEqual({ url: 'http://10.0.0.4:80/health', ...expected });
  });

  it('renders guest routes so a reply leaving by another device is visible', () => {
    const evidence = roundTrip(
      {
        os: 'linux',
        listening: listening80,
        routes: [{ destination: '168.63.129.16/32', gateway: '10.0.1.1', device: 'eth1' }],
      },
      { protocol: 'Tcp', port: 80 },
    );
    expect(evidence.routes?.[0]).toEqual({
      destination: '168.63.129.16',
      gateway: '10.0.1.1',
      device: 'eth1',
    });
    expect(evidence.interfaces).toEqual([
      { name: 'lo', addresses: ['127.0.0.1'] },
      { name: 'eth0', addresses: ['10.0.0.4'] },
    ]);
  });

  it.each([
    ['a block rule', [probeDeny], 'deny'],
    ['no rule', [], 'allow'],
  ] as const)('windows firewall with %s', (_name, firewall, decision) => {
    const evidence = roundTrip(
      { os: 'windows', listening: listening80, firewall: [...firewall] },
      { protocol: 'Tcp', port: 80 },
    );
    expect(evidence.firewall).toEqual([expect.objectContaining({ tool: 'windows-firewall', decision })]);
    expect(evidence.listeningSource).toBe('Get-NetTCPConnection');
    expect(evidence.listening).toEqual([{ protocol: 'tcp', address: '0.0.0.0', port: 80 }]);
  });

  it.each([
    ['200', [{ port: 80, path: '/', status: 200 }], { status: 200 }],
    ['503', [{ port: 80, path: '/', status: 503 }], { status: 503 }],
  ])('windows HTTP probe answering %s', (_name, http, expected) => {
    const evidence = roundTrip(
      { os: 'windows', listening: listening80, http },
      { protocol: 'Http', port: 80, requestPath: '/' },
    );
    expect(evidence.http).toEqual({ url: 'http://10.0.0.4:80/', ...expected });
  });

  it('renders an injected path verbatim without breaking the sections', () => {
    const path = "/a';$(id)";
    const evidence = roundTrip(
      { os: 'linux', listening: listening80, http: [{ port: 80, path, status: 200 }] },
      { protocol: 'Http', port: 80, requestPath: path },
    );
    expect(evidence.http).toEqual({ url: `http://10.0.0.4:80${path}`, status: 200 });
  });
});

describe('runCommandResult errors and shapes', () => {
  it('answers 409 Conflict while busy, then runs', () => {
    // Prepare
    const state = stateWith({ os: 'linux', runCommandBusyTimes: 1 });
    const { commandId, script } = buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, '10.0.0.4');

    // Act
    let first: unknown;
    try {
      runCommandResult(state, ids.vm1, { commandId, script });
    } catch (e) {
      first = e;
    }
    const second = runCommandResult(state, ids.vm1, { commandId, script });

    // Assess
    expect(first).toBeInstanceOf(SandboxHttpError);
    expect((first as SandboxHttpError).toBody()).toEqual({
      error: {
        code: 'Conflict',
        message:
          'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
      },
    });
    expect((first as SandboxHttpError).status).toBe(409);
    expect(second).toHaveProperty('value');
  });

  it('refuses a VM that is not running', () => {
    const state = createSandboxState(miniScenario());
    expect(() => runCommandResult(state, ids.vm2, { commandId: 'RunShellScript', script: [] })).toThrow(
      new SandboxHttpError(
        409,
        'OperationNotAllowed',
        'The operation requires the VM to be running (or set to run).',
      ),
    );
  });

  it('keeps only the last 4096 bytes', () => {
    const text = 'x'.repeat(5000) + 'END';
    expect(lastBytes(text)).toHaveLength(4096);
    expect(lastBytes(text).endsWith('END')).toBe(true);
    expect(lastBytes('short')).toBe('short');
  });

  describe('the peer test, one line per target', () => {
    const targets = [8080, 8081, 8443, 9000].map((port) => ({ address: '10.252.0.4', port }));
    /** As the capture's guest was: a listener on 8080, nothing on 8081, a reset on 8443, a drop on 9000. */
    const reach = (_s: SandboxState, _from: string, _ip: string, port: number) =>
      port === 8080
        ? { reachable: true, reason: 'connected' }
        : port === 9000
          ? { reachable: false, reason: 'timed out: dropped' }
          : { reachable: false, reason: 'refused: nothing listens' };
    const run = (os: 'linux' | 'windows') => {
      const { commandId, script } = buildPeerTestScript(os, targets);
      return parseRunCommandResult(
        runCommandResult(stateWith({ os }), ids.vm1, { commandId, script }, { tcpReachability: reach }),
      ).stdout;
    };
    const timeless = (text: string) => text.replace(/elapsed_ms=\d+/g, 'elapsed_ms=N').trimEnd();

    it('prints on Linux what the real script printed for the same four targets', () => {
      // Assess: the capture of the real script in network namespaces, times aside.
      expect(timeless(run('linux'))).toBe(
        timeless(fixture('linux/peer-test__open-refused-reset-dropped.txt')),
      );
    });

    it('prints on Windows the task statuses, and Windows PowerShell’s message for a refused connect', () => {
      // Prepare: the capture from PowerShell 7 on Linux, with .NET Framework's message for a refusal.
      const refused = fixture('windows/socketexception-message__actively-refused.txt')
        .trim()
        .replace(/ \S+:\d+$/, '');
      const expected = timeless(
        fixture('windows/peer-test__pwsh-7.6-linux-open-refused-reset-dropped.txt'),
      ).replace(/port=(\d+) (.*) output=Connection refused/g, `port=$1 $2 output=${refused} 10.252.0.4:$1`);
      // Assess
      expect(timeless(run('windows'))).toBe(expected);
    });

    it('fits 16 refused Windows targets with the longest addresses and ports in Azure’s last 4096 bytes', () => {
      // Prepare
      const many = Array.from({ length: MAX_PEER_TARGETS }, (_, i) => ({
        address: `255.255.255.${200 + i}`,
        port: 65535,
      }));
      const { commandId, script } = buildPeerTestScript('windows', many);
      // Act
      const { stdout } = parseRunCommandResult(
        runCommandResult(
          stateWith({ os: 'windows' }),
          ids.vm1,
          { commandId, script },
          { tcpReachability: reach },
        ),
      );
      // Assess
      expect(Buffer.byteLength(stdout)).toBeLessThan(4096);
      expect(parsePeerTest('windows', stdout, many).map((r) => r.tool)).toEqual(many.map(() => 'TcpClient'));
    });

    it('answers each target from its own path, read back by the product parser', () => {
      // Act
      const results = parsePeerTest('linux', run('linux'), targets);
      // Assess
      expect(results.map((r) => [r.reachable, r.detail])).toEqual([
        [true, 'open'],
        [false, 'Connection refused'],
        [false, 'Connection refused'],
        [false, 'timed out'],
      ]);
    });
  });

  it.each([
    [["PD_PATH='/a'\\''b'", "PD_PORT='80'"], { PD_PATH: "/a'b", PD_PORT: '80' }],
    [["$PD_PATH = '/a''b'", "$PD_ADDR = '10.0.0.4'"], { PD_PATH: "/a'b", PD_ADDR: '10.0.0.4' }],
    [['echo hi', 'PD_X=unquoted'], {}],
  ])('parseScriptVariables(%p)', (script, expected) => {
    expect(parseScriptVariables(script)).toEqual(expected);
  });
});
