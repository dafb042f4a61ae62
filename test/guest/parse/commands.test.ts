import { parseHttpCheck } from '../../../src/guest/parse/http';
import { parseListeners } from '../../../src/guest/parse/listeners';
import { parseInterfaces, parseRouteGet, parseTcpTimestamps } from '../../../src/guest/parse/routes';
import { parseRunCommandResult } from '../../../src/guest/parse/runCommand';
import { parseTcpTest } from '../../../src/guest/parse/tcpTest';
import { fixture } from './fixtures';

describe('parseListeners', () => {
  it.each([
    ['linux/ss-ltn__listening-22-8080-no-80.txt', 'ss', ['127.0.0.1:8080', '127.0.0.1:22', '::1:22']],
    ['linux/ss-ltnp__listening-22-8080-with-process.txt', 'ss', ['127.0.0.1:8080', '127.0.0.1:22', '::1:22']],
    ['linux/ss-ltn-sport-80__not-listening-empty.txt', 'ss', []],
    ['linux/ss-tan__listen-and-established.txt', 'ss', ['127.0.0.1:8080', '127.0.0.1:22', '::1:22']],
    ['linux/netstat-an__listen-established-udp.txt', 'netstat', ['127.0.0.1:8080', '127.0.0.1:22', '::1:22']],
    ['linux/netstat-ltn__listening-22-8080.txt', 'netstat', ['127.0.0.1:8080', '127.0.0.1:22', '::1:22']],
    ['linux/netstat-tlnp__listening-with-pid.txt', 'netstat', ['127.0.0.1:8080', '127.0.0.1:22', '::1:22']],
    ['windows/get-nettcpconnection-localport__127-listen.txt', 'Get-NetTCPConnection', ['127.0.0.1:11434']],
  ])('%s', (file, source, sockets) => {
    const parsed = parseListeners(fixture(file));
    expect(parsed.source).toBe(source);
    expect(parsed.listening.map((s) => `${s.address}:${s.port}`)).toEqual(sockets);
  });

  it('reads process names from ss -p and netstat -p', () => {
    expect(
      parseListeners(fixture('linux/ss-ltnp__listening-22-8080-with-process.txt')).listening[0]?.process,
    ).toBe('python3');
    expect(parseListeners(fixture('linux/netstat-tlnp__listening-with-pid.txt')).listening[0]?.process).toBe(
      'python3',
    );
  });

  it('reads every row of a Windows Server Get-NetTCPConnection table', () => {
    const { listening } = parseListeners(
      fixture('windows/get-nettcpconnection-listen__server-2016-table.txt'),
    );
    expect(listening).toHaveLength(20);
    expect(listening).toContainEqual({ protocol: 'tcp', address: '10.10.68.87', port: 139 });
    expect(listening).toContainEqual({ protocol: 'tcp', address: '::', port: 5985 });
  });
});

describe('parseHttpCheck', () => {
  const url = 'http://10.0.0.4:80/';
  it.each([
    ['linux/curl-w-http_code__200.txt', { url, status: 200 }],
    ['linux/curl-w-http_code__404.txt', { url, status: 404 }],
    ['linux/curl-w-http_code__000-connection-refused.txt', { url, error: 'no answer (000)' }],
    ['linux/curl-sS-w-http_code__000-refused-with-error.txt', { url, error: 'refused' }],
    ['linux/curl-sS-w-http_code__connect-timeout-000.txt', { url, error: 'timeout' }],
    ['linux/curl-w-http_code__168.63.129.16-dropped-000-exit.txt', { url, error: 'timeout' }],
    ['linux/curl-sSkg-w-http_code-exit__200.txt', { url, status: 200 }],
    ['linux/curl-sSkg-w-http_code-exit__404.txt', { url, status: 404 }],
    ['linux/curl-sSkg-w-http_code-exit__000-refused.txt', { url, error: 'refused' }],
  ])('%s', (file, expected) => {
    expect(parseHttpCheck(fixture(file), url)).toEqual(expected);
  });
});

describe('routes, interfaces, tcp timestamps', () => {
  it('reads ip route get, with and without from', () => {
    const text =
      fixture('linux/ip-route-get-168.63.129.16__via-eth0.txt') +
      fixture('linux/ip-route-get-168.63.129.16-from__via-eth0.txt');
    expect(parseRouteGet(text)).toEqual([
      { destination: '168.63.129.16', gateway: '192.0.2.1', device: 'eth0' },
      { destination: '168.63.129.16', gateway: '192.0.2.1', device: 'eth0', from: '192.0.2.2' },
    ]);
  });

  it.each([
    [
      'secondary NIC, no policy rule: both lookups leave by eth0',
      'linux/ip-route-get-168.63.129.16-with-from__secondary-nic-no-policy-via-eth0.txt',
      [
        { destination: '168.63.129.16', gateway: '10.0.0.1', device: 'eth0' },
        { destination: '168.63.129.16', gateway: '10.0.0.1', device: 'eth0', from: '10.0.1.5' },
      ],
    ],
    [
      'secondary NIC, policy rule to table 101: the from lookup leaves by eth1',
      'linux/ip-route-get-168.63.129.16-with-from__secondary-nic-policy-via-eth1.txt',
      [
        { destination: '168.63.129.16', gateway: '10.0.0.1', device: 'eth0' },
        { destination: '168.63.129.16', gateway: '10.0.1.1', device: 'eth1', from: '10.0.1.5' },
      ],
    ],
    [
      'from an address the guest does not hold: RTNETLINK error, no route',
      'linux/ip-route-get-168.63.129.16-from__address-not-on-guest-unreachable.txt',
      [],
    ],
  ])('reads ip route get and its from form: %s', (_case, file, expected) => {
    expect(parseRouteGet(fixture(file))).toEqual(expected);
  });

  it('reads ip -o -4 addr with two NICs', () => {
    expect(parseInterfaces(fixture('linux/ip-o-4-addr__lo-eth0-eth1.txt'))).toEqual([
      { name: 'lo', addresses: ['127.0.0.1'] },
      { name: 'eth0', addresses: ['10.0.0.4'] },
      { name: 'eth1', addresses: ['10.0.1.5'] },
    ]);
  });

  it('reads ip -o -4 addr', () => {
    expect(parseInterfaces(fixture('linux/ip-o-4-addr__lo-eth0.txt'))).toEqual([
      { name: 'lo', addresses: ['127.0.0.1'] },
      { name: 'eth0', addresses: ['192.0.2.2'] },
    ]);
  });

  it.each([
    ['net.ipv4.tcp_timestamps = 1\n', true],
    ['net.ipv4.tcp_timestamps = 0\n', false],
    ['sysctl: cannot stat /proc/sys/net/ipv4/tcp_timestamps: No such file or directory\n', undefined],
  ])('reads sysctl %p', (text, expected) => {
    expect(parseTcpTimestamps(text)).toBe(expected);
  });

  it('reads the captured sysctl output', () => {
    expect(parseTcpTimestamps(fixture('linux/sysctl-tcp_timestamps__1.txt'))).toBe(true);
  });
});

describe('parseTcpTest', () => {
  it.each([
    ['linux', 'linux/bash-dev-tcp__open.txt', true, 'bash-dev-tcp', 'open'],
    ['linux', 'linux/bash-dev-tcp__connection-refused.txt', false, 'bash-dev-tcp', 'Connection refused'],
    ['linux', 'linux/bash-dev-tcp__reset-refused.txt', false, 'bash-dev-tcp', 'Connection refused'],
    ['linux', 'linux/bash-dev-tcp__no-route-to-host.txt', false, 'bash-dev-tcp', 'No route to host'],
    ['linux', 'linux/bash-dev-tcp__timeout-124.txt', false, 'bash-dev-tcp', 'timed out'],
    [
      'linux',
      'linux/nc-zv__succeeded.txt',
      true,
      'nc',
      'Connection to 127.0.0.1 8080 port [tcp/http-alt] succeeded!',
    ],
    ['linux', 'linux/nc-zv__connection-refused.txt', false, 'nc', 'Connection refused'],
    ['linux', 'linux/nc-zv-w3__refused-by-reject-tcp-reset.txt', false, 'nc', 'Connection refused'],
    ['linux', 'linux/nc-zv-w3__timed-out-dropped.txt', false, 'nc', 'timed out'],
    ['linux', 'linux/nc-zv-w3__timed-out-no-response.txt', false, 'nc', 'timed out'],
    ['windows', 'windows/psping-tcp__443-succeeded.txt', true, 'psping', 'Sent = 4, Received = 4, Lost = 0'],
    [
      'windows',
      'windows/test-netconnection-port__tcp-succeeded-true.txt',
      true,
      'Test-NetConnection',
      'TcpTestSucceeded : True',
    ],
    [
      'windows',
      'windows/test-netconnection-port__warning-tcp-connect-failed-false.txt',
      false,
      'Test-NetConnection',
      'TCP connect to ([ServerIP] : 26900) failed',
    ],
  ] as const)('%s %s', (os, file, reachable, tool, detail) => {
    expect(parseTcpTest(os, fixture(file))).toMatchObject({ reachable, tool, detail });
  });

  it('takes PsPing latency from its average', () => {
    expect(parseTcpTest('windows', fixture('windows/psping-tcp__443-succeeded.txt')).latencyMs).toBe(2.58);
  });

  it('takes latency from the script elapsed_ms line otherwise', () => {
    expect(
      parseTcpTest(
        'linux',
        'tool=bash-dev-tcp\n' + fixture('linux/bash-dev-tcp__open.txt') + 'elapsed_ms=12\n',
      ),
    ).toEqual({
      reachable: true,
      tool: 'bash-dev-tcp',
      detail: 'open',
      latencyMs: 12,
    });
  });
});

describe('parseRunCommandResult', () => {
  it('reads the Linux single-message shape', () => {
    const body = JSON.parse(
      fixture('azure/run-command-runshellscript__enable-succeeded-stdout.txt'),
    ) as unknown;
    expect(parseRunCommandResult(body)).toEqual({
      stdout:
        'This is a sample script\nOptional parameters: /var/lib/waagent/run-command/download/0/script.sh\n',
      stderr: '',
    });
  });

  it('reads the Windows StdOut/StdErr shape', () => {
    // The published capture lacks its final closing brace; restore it to parse.
    const body = JSON.parse(
      fixture('azure/run-command-runpowershellscript__componentstatus-empty-stdout-stderr.txt') + '}',
    ) as unknown;
    expect(parseRunCommandResult(body)).toEqual({ stdout: '', stderr: '' });
  });

  it('rejects another shape with the exact message', () => {
    expect(() => parseRunCommandResult({ error: {} })).toThrow(
      'run command result: expected { value: [{ code, message }] }',
    );
  });
});
