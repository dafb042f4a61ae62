import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsafeScriptValueError } from '../../../src/errors';
import {
  buildGuestScript,
  buildPeerTestScript,
  MAX_PEER_TARGETS,
  IPv6AddressError,
  isIPv6AddressError,
  powershellQuote,
} from '../../../src/guest/scripts';

const FIXTURES = join(__dirname, '../../fixtures/guest/linux');

/**
 * A temp dir on PATH holding only shims (which record their argv and print a real capture) and the
 * few real tools the script needs (awk, head, date, timeout, bash).
 */
function makeShims(outputs: Record<string, string>): { dir: string; argvLog: string; marker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pd-shims-'));
  const argvLog = join(dir, 'argv.log');
  const marker = join(dir, 'PWNED');
  for (const tool of ['awk', 'head', 'date', 'timeout', 'bash', 'cat', 'rm']) {
    const real = execFileSync('/bin/sh', ['-c', `command -v ${tool}`])
      .toString()
      .trim();
    symlinkSync(real, join(dir, tool));
  }
  for (const [tool, fixture] of Object.entries(outputs)) {
    writeFileSync(
      join(dir, tool),
      `#!/bin/bash\n{ printf '%s' '${tool}'; for a in "$@"; do printf '\\x1f%s' "$a"; done; printf '\\n'; } >> '${argvLog}'\ncat '${join(FIXTURES, fixture)}'\n`,
      { mode: 0o755 },
    );
  }
  return { dir, argvLog, marker };
}

function catchError(act: () => unknown): unknown {
  try {
    act();
  } catch (e) {
    return e;
  }
  return undefined;
}

function runBash(script: string[], pathDir: string, cwd: string): string {
  return execFileSync('/bin/bash', ['-c', script.join('\n')], {
    env: { PATH: pathDir, PD_MARKER: join(cwd, 'PWNED') },
    cwd,
  }).toString();
}

function recordedArgv(argvLog: string, tool: string): string[][] {
  if (!existsSync(argvLog)) return [];
  return readFileSync(argvLog, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(tool + '\x1f') || l === tool)
    .map((l) => l.split('\x1f').slice(1));
}

describe('buildGuestScript: value validation', () => {
  it.each([
    ['$(id) in a path segment is accepted and must be inert', '/$(touch$IFS./PWNED)', undefined],
    [
      'backticks',
      '/`touch PWNED`',
      'requestPath contains a character outside RFC 3986 path and query characters at index 1 (U+0060)',
    ],
    [
      'a space before ; rm -rf',
      '/x; rm -rf /',
      'requestPath contains a character outside RFC 3986 path and query characters at index 3 (U+0020)',
    ],
    ["a quote breaking out of '...'", "/a';touch$IFS./PWNED;'", undefined],
    [
      'a newline',
      '/a\ntouch PWNED',
      'requestPath contains a character outside RFC 3986 path and query characters at index 2 (U+000A)',
    ],
    [
      'a carriage return',
      '/a\rb',
      'requestPath contains a character outside RFC 3986 path and query characters at index 2 (U+000D)',
    ],
    ['a percent-encoded NUL (stays literal text)', '/a%00b', undefined],
    ['a malformed percent-encoding', '/a%zz', 'requestPath has a malformed percent-encoding at index 2'],
    [
      'unicode',
      '/caf\u00e9',
      'requestPath contains a character outside RFC 3986 path and query characters at index 4 (U+00E9)',
    ],
    [
      'a typographic quote',
      '/a\u2019b',
      'requestPath contains a character outside RFC 3986 path and query characters at index 2 (U+2019)',
    ],
    ['dot segments', '/../../etc/passwd', undefined],
    ['a path without a leading slash', 'health', 'requestPath must start with "/"'],
    [
      'a path of 2049 characters',
      '/' + 'a'.repeat(2048),
      'requestPath must be at most 2048 characters, got 2049',
    ],
    [
      'glob brackets',
      '/a[1-2]',
      'requestPath contains a character outside RFC 3986 path and query characters at index 2 (U+005B)',
    ],
    [
      'a fragment',
      '/a#b',
      'requestPath contains a character outside RFC 3986 path and query characters at index 2 (U+0023)',
    ],
  ])('%s', (_name, requestPath, expectedError) => {
    // Prepare
    const build = () => buildGuestScript('linux', { protocol: 'Http', port: 80, requestPath }, '10.0.0.4');

    // Act / Assess
    if (expectedError === undefined) {
      expect(build().script).toContain(`PD_PATH='${requestPath.replace(/'/g, "'\\''")}'`);
    } else {
      expect(build).toThrow(new UnsafeScriptValueError('requestPath', expectedError));
      expect(build).toThrow(expectedError);
    }
  });

  it.each([
    [0, 'port must be an integer from 1 to 65535, got 0'],
    [65536, 'port must be an integer from 1 to 65535, got 65536'],
    [80.5, 'port must be an integer from 1 to 65535, got 80.5'],
    ['80' as unknown as number, 'port must be an integer from 1 to 65535, got "80"'],
  ])('rejects port %p', (port, message) => {
    expect(() => buildGuestScript('linux', { protocol: 'Tcp', port }, '10.0.0.4')).toThrow(message);
  });

  it.each([
    ['10.0.0.4; id', 'nicAddress must be an IPv4 address in dotted-quad form, got "10.0.0.4; id"'],
    ['10.0.4', 'nicAddress must be an IPv4 address in dotted-quad form, got "10.0.4"'],
  ])('rejects address %p', (address, message) => {
    expect(() => buildGuestScript('windows', { protocol: 'Tcp', port: 80 }, address)).toThrow(message);
  });

  it.each([
    ['linux', 'fd00:db8:deca::4'],
    ['windows', 'fd00:db8:deca::4'],
    ['linux', '::ffff:10.0.0.4'],
    ['linux', 'fe80::1%eth0'],
  ] as const)('refuses the IPv6 NIC address on %s: %p', (os, address) => {
    // Act
    let caught: unknown;
    try {
      buildGuestScript(os, { protocol: 'Http', port: 80, requestPath: '/' }, address);
    } catch (e) {
      caught = e;
    }

    // Assess
    expect(caught).toBeInstanceOf(IPv6AddressError);
    expect(caught).toBeInstanceOf(UnsafeScriptValueError);
    expect(isIPv6AddressError(caught)).toBe(true);
    expect((caught as IPv6AddressError).parameter).toBe('nicAddress');
    expect((caught as IPv6AddressError).address).toBe(address);
    expect((caught as Error).message).toBe(
      `nicAddress is an IPv6 address (${JSON.stringify(address)}): the guest check covers IPv4 backends only, whose probes come from 168.63.129.16`,
    );
  });

  it('refuses an IPv6 peer target, naming targets[n].address', () => {
    const targets = [
      { address: '10.0.0.4', port: 80 },
      { address: 'fd00::5', port: 80 },
    ];
    expect(() => buildPeerTestScript('linux', targets)).toThrow(
      new IPv6AddressError('targets[2].address', 'fd00::5'),
    );
    expect(() => buildPeerTestScript('linux', targets)).toThrow(
      'targets[2].address is an IPv6 address ("fd00::5"): the guest check covers IPv4 backends only, whose probes come from 168.63.129.16',
    );
  });

  it('does not mistake a malformed IPv4 address for IPv6', () => {
    expect(
      isIPv6AddressError(
        catchError(() => buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, '10.0.0.4:80')),
      ),
    ).toBe(false);
  });

  it.each([
    [{ protocol: 'Http' as const, port: 80, requestPath: 'no-slash' }, 'probes[2].requestPath'],
    [{ protocol: 'Http' as const, port: 80, requestPath: '/a\nb' }, 'probes[2].requestPath'],
    [{ protocol: 'Tcp' as const, port: 70000 }, 'probes[2].port'],
    [{ protocol: 'Udp' as unknown as 'Tcp', port: 80 }, 'probes[2].protocol'],
  ])('refuses another probe %p, naming %s', (other, parameter) => {
    // Act
    const error = catchError(() =>
      buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, '10.0.0.4', [other]),
    ) as UnsafeScriptValueError;

    // Assess
    expect(error).toBeInstanceOf(UnsafeScriptValueError);
    expect(error.parameter).toBe(parameter);
  });

  it('names the parameter on the error', () => {
    // Act
    let caught: unknown;
    try {
      buildPeerTestScript('linux', [{ address: '10.0.0.300', port: 80 }]);
    } catch (e) {
      caught = e;
    }
    // Assess
    expect(caught).toBeInstanceOf(UnsafeScriptValueError);
    expect((caught as UnsafeScriptValueError).parameter).toBe('targets[1].address');
  });

  it.each([
    [
      [{ address: "10.0.0.5'; reboot; '", port: 80 }],
      'targets[1].address',
      'IPv4 address in dotted-quad form',
    ],
    [[{ address: '10.0.0.5$(reboot)', port: 80 }], 'targets[1].address', 'IPv4 address in dotted-quad form'],
    [[{ address: '`reboot`', port: 80 }], 'targets[1].address', 'IPv4 address in dotted-quad form'],
    [
      [
        { address: '10.0.0.4', port: 80 },
        { address: '10.0.0.5', port: '80;reboot' as unknown as number },
      ],
      'targets[2].port',
      'integer from 1 to 65535',
    ],
    [[], 'targets', 'must hold 1 to 16 entries, got 0'],
    [
      Array.from({ length: MAX_PEER_TARGETS + 1 }, (_, i) => ({ address: `10.0.0.${i + 4}`, port: 80 })),
      'targets',
      'must hold 1 to 16 entries, got 17',
    ],
  ])('refuses peer targets %j, naming %s, and builds no script', (targets, parameter, text) => {
    // Act
    const error = catchError(() => buildPeerTestScript('windows', targets)) as UnsafeScriptValueError;
    // Assess
    expect(error).toBeInstanceOf(UnsafeScriptValueError);
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain(text);
  });

  it('chooses the Run Command id by OS', () => {
    expect(buildGuestScript('linux', { protocol: 'Tcp', port: 22 }, '10.0.0.4').commandId).toBe(
      'RunShellScript',
    );
    expect(buildGuestScript('windows', { protocol: 'Tcp', port: 22 }, '10.0.0.4').commandId).toBe(
      'RunPowerShellScript',
    );
  });
});

describe('linux guest script, run under bash with recording shims', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'pd-run-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it.each([
    ['/health', 'http://10.0.0.4:8080/health'],
    ['/$(touch$IFS./PWNED)', 'http://10.0.0.4:8080/$(touch$IFS./PWNED)'],
    ["/a';touch$IFS./PWNED;'", "http://10.0.0.4:8080/a';touch$IFS./PWNED;'"],
    ['/a%00b?x=1&y=$HOME', 'http://10.0.0.4:8080/a%00b?x=1&y=$HOME'],
    ['/../x', 'http://10.0.0.4:8080/../x'],
  ])('passes %p to curl as exactly one URL argument and runs nothing else', (requestPath, expectedUrl) => {
    // Prepare
    const shims = makeShims({
      curl: 'curl-w-http_code__200.txt',
      ss: 'ss-ltn__listening-22-8080-no-80.txt',
      'iptables-save': 'iptables-save__drop-168.63.129.16-and-port-rules.txt',
      ip: 'ip-o-4-addr__lo-eth0.txt',
    });
    const { script } = buildGuestScript('linux', { protocol: 'Http', port: 8080, requestPath }, '10.0.0.4');

    // Act
    const out = runBash(script, shims.dir, work);

    // Assess
    const curlCalls = recordedArgv(shims.argvLog, 'curl');
    expect(curlCalls).toHaveLength(1);
    const argv = curlCalls[0] as string[];
    expect(argv[argv.indexOf('--url') + 1]).toBe(expectedUrl);
    expect(argv.filter((a) => a.includes('10.0.0.4'))).toEqual([expectedUrl]);
    expect(existsSync(join(work, 'PWNED'))).toBe(false);
    expect(out).toContain('=== http ===\n200 exit=0\n=== end ===');
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it('uses https and -k for an HTTPS probe', () => {
    // Prepare
    const shims = makeShims({ curl: 'curl-w-http_code__404.txt' });
    const { script } = buildGuestScript(
      'linux',
      { protocol: 'Https', port: 443, requestPath: '/' },
      '10.0.0.5',
    );

    // Act
    runBash(script, shims.dir, work);

    // Assess
    const [argv] = recordedArgv(shims.argvLog, 'curl');
    expect(argv).toEqual(expect.arrayContaining(['-k', '--url', 'https://10.0.0.5:443/']));
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it('asks the kernel for the reply route from the NIC address, as separate arguments', () => {
    // Prepare
    const shims = makeShims({
      ip: 'ip-route-get-168.63.129.16-with-from__secondary-nic-policy-via-eth1.txt',
    });
    const { script } = buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, '10.0.1.5');

    // Act
    const out = runBash(script, shims.dir, work);

    // Assess
    const ipCalls = recordedArgv(shims.argvLog, 'ip');
    expect(ipCalls).toContainEqual(['route', 'get', '168.63.129.16']);
    expect(ipCalls).toContainEqual(['route', 'get', '168.63.129.16', 'from', '10.0.1.5']);
    expect(out).toContain('=== route ===\n168.63.129.16 via 10.0.0.1 dev eth0 src 10.0.0.4 uid 0 ');
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it('sends no HTTP request for a TCP probe', () => {
    const shims = makeShims({ curl: 'curl-w-http_code__200.txt', ss: 'ss-ltn__listening-22-8080-no-80.txt' });
    const { script } = buildGuestScript('linux', { protocol: 'Tcp', port: 22 }, '10.0.0.4');

    const out = runBash(script, shims.dir, work);

    expect(recordedArgv(shims.argvLog, 'curl')).toEqual([]);
    expect(out).not.toContain('=== http ===');
    expect(out).toContain('=== listen ===\nState  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess');
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it('trims iptables-save to the rows that can decide the probe', () => {
    // Prepare
    const shims = makeShims({ 'iptables-save': 'iptables-save__ufw-active-chains.txt' });
    const { script } = buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, '10.0.0.4');

    // Act
    const out = runBash(script, shims.dir, work);

    // Assess
    const section = /=== iptables ===\n([\s\S]*?)\n=== end ===/.exec(out)?.[1] ?? '';
    expect(section).toContain(':INPUT DROP [0:0]');
    expect(section).toContain('-A ufw-user-input -p tcp -m tcp --dport 80 -j DROP');
    expect(section).toContain('-A ufw-before-input -j ufw-user-input');
    expect(section).not.toContain('--dport 22 ');
    expect(section).not.toContain('FORWARD');
    expect(section).not.toContain('-j LOG');
    expect(section).not.toContain('-p udp');
    expect(Buffer.byteLength(section)).toBeLessThan(2500);
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it.each([
    ['/healthz', 'https://10.0.0.4:30048/healthz'],
    ['/$(touch$IFS./PWNED)', 'https://10.0.0.4:30048/$(touch$IFS./PWNED)'],
    ["/a';touch$IFS./PWNED;'", "https://10.0.0.4:30048/a';touch$IFS./PWNED;'"],
  ])(
    'checks a second probe %p in the same run, as its own URL argument, in section http-2',
    (requestPath, secondUrl) => {
      // Prepare
      const shims = makeShims({ curl: 'curl-w-http_code__200.txt' });
      const { script } = buildGuestScript(
        'linux',
        { protocol: 'Http', port: 30029, requestPath: '/healthz' },
        '10.0.0.4',
        [{ protocol: 'Https', port: 30048, requestPath }],
      );

      // Act
      const out = runBash(script, shims.dir, work);

      // Assess
      const urls = recordedArgv(shims.argvLog, 'curl').map((argv) => argv[argv.indexOf('--url') + 1]);
      expect(urls).toEqual(['http://10.0.0.4:30029/healthz', secondUrl]);
      expect(existsSync(join(work, 'PWNED'))).toBe(false);
      expect(out).toContain('=== http ===\n200 exit=0\n=== end ===\n=== http-2 ===\n200 exit=0\n=== end ===');
      rmSync(shims.dir, { recursive: true, force: true });
    },
  );

  it('keeps the firewall rows of every probe port when a backend has two probes', () => {
    // Prepare
    const shims = makeShims({ 'iptables-save': 'iptables-save__ufw-active-chains.txt' });
    const { script } = buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, '10.0.0.4', [
      { protocol: 'Tcp', port: 22 },
    ]);

    // Act
    const out = runBash(script, shims.dir, work);

    // Assess
    const section = /=== iptables ===\n([\s\S]*?)\n=== end ===/.exec(out)?.[1] ?? '';
    expect(section).toContain('--dport 80 ');
    expect(section).toContain('--dport 22 ');
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it('prints each section between markers, listeners and HTTP last', () => {
    const shims = makeShims({});
    const { script } = buildGuestScript(
      'linux',
      { protocol: 'Http', port: 80, requestPath: '/' },
      '10.0.0.4',
    );

    const out = runBash(script, shims.dir, work);

    const names = [...out.matchAll(/^=== ([a-z0-9-]+) ===$/gm)].map((m) => m[1]).filter((n) => n !== 'end');
    expect(names).toEqual([
      'iptables',
      'nft',
      'firewalld',
      'ufw',
      'ip-addr',
      'route',
      'sysctl',
      'listen',
      'http',
      'done',
    ]);
    expect(out).toContain('=== ufw ===\nnot installed\n=== end ===');
    rmSync(shims.dir, { recursive: true, force: true });
  });
});

describe('linux peer test script, run under bash', () => {
  it('passes every target and port to /dev/tcp as arguments, one line each, in order', () => {
    // Prepare: closed loopback ports; nothing contacts a public address.
    const work = mkdtempSync(join(tmpdir(), 'pd-tcp-'));
    const shims = makeShims({});
    const { script } = buildPeerTestScript('linux', [
      { address: '127.0.0.1', port: 1 },
      { address: '127.0.0.1', port: 2 },
    ]);

    // Act
    const out = runBash(script, shims.dir, work);

    // Assess
    expect(out).toMatch(
      /^=== peer-test ===\ntool=bash-dev-tcp count=2\npeer n=1 address=127\.0\.0\.1 port=1 tool=bash-dev-tcp exit=1 elapsed_ms=\d+ output=bash: connect: Connection refused\npeer n=2 address=127\.0\.0\.1 port=2 tool=bash-dev-tcp exit=1 elapsed_ms=\d+ output=bash: connect: Connection refused\n=== end ===\n$/,
    );
    rmSync(work, { recursive: true, force: true });
    rmSync(shims.dir, { recursive: true, force: true });
  });

  it('sets each value once, quoted, at the top, and reads it only as "$PD_X"', () => {
    // Act
    const { script } = buildPeerTestScript('linux', [
      { address: '10.0.0.4', port: 80 },
      { address: '10.0.0.5', port: 8080 },
    ]);
    // Assess
    expect(script.filter((l) => l.includes('10.0.0.'))).toEqual([
      "PD_TARGET_1='10.0.0.4'",
      "PD_TARGET_2='10.0.0.5'",
    ]);
    expect(script).toContain(
      'if [ -n "$PD_DIR" ]; then pd_test 2 "$PD_TARGET_2" "$PD_PORT_2" > "$PD_DIR/2" & else pd_test 2 "$PD_TARGET_2" "$PD_PORT_2"; fi',
    );
  });
});

describe('windows scripts', () => {
  it.each([
    ['/plain', "'/plain'"],
    ["/a'b", "'/a''b'"],
    ["/'; Remove-Item C:\\ -Recurse; '", "'/''; Remove-Item C:\\ -Recurse; '''"],
    ['/$(Get-Process)', "'/$(Get-Process)'"],
    ['/a\u2019b\u2018c', "'/a\u2019\u2019b\u2018\u2018c'"],
    ['', "''"],
  ])('powershellQuote(%p) is %p', (value, quoted) => {
    expect(powershellQuote(value)).toBe(quoted);
  });

  it.each([
    ["/a'b$(x)", "$PD_PATH = '/a''b$(x)'"],
    ['/ok', "$PD_PATH = '/ok'"],
  ])('sets %p once, at the top, as a verbatim string', (requestPath, line) => {
    // Act
    const { script } = buildGuestScript('windows', { protocol: 'Http', port: 80, requestPath }, '10.0.0.4');

    // Assess: the path appears once, in the variable line, and a parse of that line returns the value.
    expect(script.filter((l) => l.includes('PD_PATH ='))).toEqual([line]);
    expect(script.filter((l) => l.includes(requestPath.slice(-3)))).toEqual([line]);
    const literal = /^\$PD_PATH = '((?:[^']|'')*)'$/.exec(line)?.[1];
    expect(literal?.replace(/''/g, "'")).toBe(requestPath);
  });

  it('builds a TcpClient peer test with every target set once at the top', () => {
    const { commandId, script } = buildPeerTestScript('windows', [
      { address: '10.0.1.5', port: 443 },
      { address: '10.0.1.6', port: 80 },
    ]);
    expect(commandId).toBe('RunPowerShellScript');
    expect(script.filter((l) => l.includes('10.0.1.'))).toEqual([
      "$PD_TARGET_1 = '10.0.1.5'",
      "$PD_TARGET_2 = '10.0.1.6'",
    ]);
    expect(script).toEqual(
      expect.arrayContaining(["$PD_PORT_1 = '443'", '  (PdStart 2 $PD_TARGET_2 $PD_PORT_2)']),
    );
  });
});
