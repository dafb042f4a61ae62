import { parseHttpCheck } from '../../../src/guest/parse/http';
import { parseListeners } from '../../../src/guest/parse/listeners';
import { parseInterfaces, parseRouteGet, parseTcpTimestamps } from '../../../src/guest/parse/routes';
import { parseRunCommandResult } from '../../../src/guest/parse/runCommand';
import { parsePeerTest } from '../../../src/guest/parse/peerTest';
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

describe('parsePeerTest', () => {
  const four = [8080, 8081, 8443, 9000].map((port) => ({ address: '10.252.0.4', port }));
  /** The first line a tool printed, as the script keeps it (`output=`). */
  const firstLine = (file: string) => fixture(file).split('\n')[0] as string;
  /** One line as the Linux script prints it, around a tool's real first line. */
  const linuxLine = (n: number, address: string, port: number, tool: string, exit: number, output: string) =>
    `peer n=${n} address=${address} port=${port} tool=${tool} exit=${exit} elapsed_ms=3 output=${output}`;

  it('reads every target of the real Linux script: open, refused, reset, dropped (timeout 124)', () => {
    // Act
    const results = parsePeerTest('linux', fixture('linux/peer-test__open-refused-reset-dropped.txt'), four);
    // Assess
    expect(results).toEqual([
      { reachable: true, tool: 'bash-dev-tcp', detail: 'open', latencyMs: 13 },
      { reachable: false, tool: 'bash-dev-tcp', detail: 'Connection refused', latencyMs: 15 },
      { reachable: false, tool: 'bash-dev-tcp', detail: 'Connection refused', latencyMs: 13 },
      { reachable: false, tool: 'bash-dev-tcp', detail: 'timed out', latencyMs: 5008 },
    ]);
  });

  it('reads every target of the real PowerShell script (TcpClient task status)', () => {
    // Act
    const results = parsePeerTest(
      'windows',
      fixture('windows/peer-test__pwsh-7.6-linux-open-refused-reset-dropped.txt'),
      four,
    );
    // Assess
    expect(results.map((r) => [r.reachable, r.tool, r.detail])).toEqual([
      [true, 'TcpClient', 'connected'],
      [false, 'TcpClient', 'Connection refused'],
      [false, 'TcpClient', 'Connection refused'],
      [false, 'TcpClient', 'timed out'],
    ]);
    expect(results[3]?.latencyMs).toBe(4997);
  });

  it.each([
    ['windows/socketexception-message__actively-refused.txt', '10.1.1.1', 443],
    ['windows/socketexception-message__unreachable-network.txt', '192.168.1.10', 8888],
  ])('keeps Windows PowerShell’s SocketException message as the detail (%s)', (file, address, port) => {
    // Prepare
    const message = firstLine(file);
    const stdout = `peer n=1 address=${address} port=${port} tool=TcpClient status=Faulted elapsed_ms=1010 output=${message}\r\n`;
    // Act
    const [result] = parsePeerTest('windows', stdout, [{ address, port }]);
    // Assess
    expect(result).toEqual({ reachable: false, tool: 'TcpClient', detail: message, latencyMs: 1010 });
  });

  it.each([
    ['linux/bash-dev-tcp__no-route-to-host.txt', 'bash-dev-tcp', 1, false, 'No route to host'],
    ['linux/bash-dev-tcp__connection-refused.txt', 'bash-dev-tcp', 1, false, 'Connection refused'],
    [
      'linux/nc-zv__succeeded.txt',
      'nc',
      0,
      true,
      'Connection to 127.0.0.1 8080 port [tcp/http-alt] succeeded!',
    ],
    ['linux/nc-zv__connection-refused.txt', 'nc', 1, false, 'Connection refused'],
    ['linux/nc-zv-w3__timed-out-dropped.txt', 'nc', 1, false, 'timed out'],
  ] as const)('reads the first line of %s', (file, tool, exit, reachable, detail) => {
    // Prepare
    const stdout = linuxLine(1, '127.0.0.1', 80, tool, exit, firstLine(file));
    // Act
    const [result] = parsePeerTest('linux', stdout, [{ address: '127.0.0.1', port: 80 }]);
    // Assess
    expect(result).toMatchObject({ reachable, tool, detail });
  });

  it('answers a target whose line is missing (cut by Azure’s last 4096 bytes) as unknown, never reachable', () => {
    // Prepare: the front of the output is gone, with targets 1 and 2.
    const full = fixture('linux/peer-test__open-refused-reset-dropped.txt');
    const cut = full.slice(full.indexOf('peer n=3'));
    // Act
    const results = parsePeerTest('linux', cut, four);
    // Assess
    expect(results[0]).toEqual({
      reachable: false,
      tool: 'unknown',
      detail: 'no result for 10.252.0.4:8080 in the peer test output (the line was cut off or never printed)',
    });
    expect(results[1]).toMatchObject({ reachable: false, tool: 'unknown' });
    expect(results.slice(2).map((r) => r.detail)).toEqual(['Connection refused', 'timed out']);
  });

  it('does not take a line that names another address or port as the target’s answer', () => {
    // Prepare
    const stdout = linuxLine(1, '10.0.0.9', 80, 'bash-dev-tcp', 0, '');
    // Act
    const [result] = parsePeerTest('linux', stdout, [{ address: '10.0.0.5', port: 80 }]);
    // Assess
    expect(result).toEqual({
      reachable: false,
      tool: 'unknown',
      detail: 'no result for 10.0.0.5:80 in the peer test output (line 1 names 10.0.0.9:80)',
    });
  });

  it('answers a target answered twice, differently, as unknown (timed out, then open)', () => {
    // Prepare
    const target = { address: '10.0.0.5', port: 80 };
    const stdout = [
      linuxLine(1, '10.0.0.5', 80, 'bash-dev-tcp', 124, ''),
      linuxLine(1, '10.0.0.5', 80, 'bash-dev-tcp', 0, ''),
    ].join('\n');
    // Act
    const [result] = parsePeerTest('linux', stdout, [target]);
    // Assess
    expect(result).toEqual({
      reachable: false,
      tool: 'unknown',
      detail:
        'no result for 10.0.0.5:80 in the peer test output (line 1 appears 2 times with different answers: 124 vs 0)',
    });
  });

  it('keeps a target answered twice with the same answer', () => {
    // Prepare
    const line = linuxLine(1, '10.0.0.5', 80, 'bash-dev-tcp', 1, 'bash: connect: Connection refused');
    // Act
    const [result] = parsePeerTest('linux', `${line}\n${line}\n`, [{ address: '10.0.0.5', port: 80 }]);
    // Assess
    expect(result).toMatchObject({ reachable: false, tool: 'bash-dev-tcp', detail: 'Connection refused' });
  });

  it('says when the peer has no tool to test with', () => {
    // Act
    const [result] = parsePeerTest(
      'linux',
      linuxLine(1, '10.0.0.5', 80, 'none', 127, 'not installed: timeout, nc'),
      [{ address: '10.0.0.5', port: 80 }],
    );
    // Assess
    expect(result).toMatchObject({
      reachable: false,
      tool: 'unknown',
      detail: 'no TCP test tool on the peer (not installed: timeout, nc)',
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
