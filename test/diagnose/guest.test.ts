import { diagnoseGuest } from '../../src/diagnose/guest';
import type { GuestEvidence, ListeningSocket } from '../../src/model/evidence';
import { fail, ok } from '../../src/model/result';
import { parseInterfaces, parseRouteGet } from '../../src/guest/parse/routes';
import { buildGuestScript } from '../../src/guest/scripts';
import { guestEvidence } from '../helpers/evidenceBuilder';
import { fixture } from '../guest/parse/fixtures';
import type { ProbeSpec } from '../helpers/topologyBuilder';
import { backendOf, webTopology } from '../helpers/topologyBuilder';

function run(guest: Partial<GuestEvidence>, probe: Partial<ProbeSpec> = {}) {
  const topology = webTopology({ probe }).build();
  return diagnoseGuest({
    topology,
    backend: backendOf(topology, 'vm-web-1-nic0'),
    probe: topology.probes[0]!,
    rule: topology.rules[0]!,
    guest: ok(guestEvidence(guest)),
  });
}

function catchMessage(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

const tcp = (address: string, port: number, process?: string): ListeningSocket => ({
  protocol: 'tcp',
  address,
  port,
  ...(process ? { process } : {}),
});

describe('diagnoseGuest: not-listening', () => {
  it.each<[string, ListeningSocket[], boolean]>([
    ['0.0.0.0', [tcp('0.0.0.0', 80)], false],
    [':: (dual stack)', [tcp('::', 80)], false],
    ['[::] as netstat prints it', [tcp('[::]', 80)], false],
    ['*', [tcp('*', 80)], false],
    ['the NIC IP', [tcp('10.0.0.4', 80)], false],
    ['the NIC IP, IPv4-mapped', [tcp('::ffff:10.0.0.4', 80)], false],
    ['127.0.0.1 only', [tcp('127.0.0.1', 80)], true],
    ['::1 and 127.0.0.1 only', [tcp('127.0.0.1', 80), tcp('::1', 80)], true],
    ['another NIC IP only', [tcp('10.0.0.5', 80)], true],
    ['UDP only', [{ protocol: 'udp', address: '0.0.0.0', port: 80 }], true],
    ['nothing', [], true],
  ])('listener on %s', (_case, listening, expectNotListening) => {
    // Act
    const { causes } = run({ listening });

    // Assess
    expect(causes.some((c) => c.id === 'not-listening')).toBe(expectNotListening);
  });

  it('says a loopback-only listener cannot be reached by the probe', () => {
    // Act
    const { causes } = run({ listening: [tcp('127.0.0.1', 80, 'nginx')] });

    // Assess
    expect(causes).toEqual([
      {
        id: 'not-listening',
        summary:
          'vm-web-1 (vm-web-1-nic0, 10.0.0.4) listens on TCP port 80 only on 127.0.0.1, which probe probe-web (sent to 10.0.0.4) cannot reach: bind the service to 0.0.0.0 or 10.0.0.4.',
        evidence: {
          port: 80,
          nicIp: '10.0.0.4',
          boundTo: ['127.0.0.1'],
          listeningSource: 'ss',
          alternatives: [],
        },
      },
    ]);
  });

  it('says a bind to another address misses the NIC IP', () => {
    // Act
    const { causes } = run({ listening: [tcp('10.0.0.5', 80)] });

    // Assess
    expect(causes[0]?.summary).toBe(
      'vm-web-1 (vm-web-1-nic0, 10.0.0.4) listens on TCP port 80 only on 10.0.0.5, not on 10.0.0.4 where probe probe-web arrives.',
    );
  });

  it('proposes listening ports: backend port first, management ports last and flagged, loopback ones never', () => {
    // Prepare
    const listening = [
      tcp('0.0.0.0', 22, 'sshd'),
      tcp('0.0.0.0', 9000),
      tcp('127.0.0.1', 8081),
      tcp('::', 8080, 'python3'),
      tcp('0.0.0.0', 8080, 'python3'),
      tcp('127.0.0.53', 53),
    ];

    // Act
    const { causes } = run({ listening }, { port: 8443 });

    // Assess
    expect(causes[0]?.summary).toBe(
      'Nothing on vm-web-1 (vm-web-1-nic0, 10.0.0.4) listens on TCP port 8443, the port probe probe-web checks (ss; ports listening at 10.0.0.4: 8080, 9000, 22 (management)).',
    );
    expect(causes[0]?.evidence?.alternatives).toEqual([
      { port: 8080, address: '::', process: 'python3' },
      { port: 9000, address: '0.0.0.0' },
      { port: 22, address: '0.0.0.0', process: 'sshd', management: true },
    ]);
  });
});

describe('diagnoseGuest: probe-endpoint-error', () => {
  it.each<[string, Partial<ProbeSpec>, GuestEvidence['http'], string | undefined]>([
    [
      'HTTP 200',
      { protocol: 'Http', requestPath: '/health' },
      { url: 'http://10.0.0.4:80/health', status: 200 },
      undefined,
    ],
    [
      'HTTP 404',
      { protocol: 'Http', requestPath: '/health' },
      { url: 'http://10.0.0.4:80/health', status: 404 },
      'The local GET http://10.0.0.4:80/health on vm-web-1 (vm-web-1-nic0, 10.0.0.4) for probe probe-web answered 404 for Host 10.0.0.4, as the probe sends it; an HTTP(S) probe passes only on 200.',
    ],
    [
      'HTTP 301 (a redirect is not 200)',
      { protocol: 'Http', requestPath: '/' },
      { url: 'http://10.0.0.4:80/', status: 301 },
      'The local GET http://10.0.0.4:80/ on vm-web-1 (vm-web-1-nic0, 10.0.0.4) for probe probe-web answered 301 for Host 10.0.0.4, as the probe sends it; an HTTP(S) probe passes only on 200.',
    ],
    [
      'HTTPS, no answer',
      { protocol: 'Https', port: 80, requestPath: '/health' },
      { url: 'https://10.0.0.4:80/health', error: 'timeout' },
      'The local GET https://10.0.0.4:80/health on vm-web-1 (vm-web-1-nic0, 10.0.0.4) for probe probe-web got no answer (timeout).',
    ],
    [
      'HTTP 404 for the IP, 200 for the bound host name',
      { protocol: 'Http', requestPath: '/healthz' },
      {
        url: 'http://10.0.0.4:80/healthz',
        status: 404,
        contrasts: [{ host: 'app.contoso.com', status: 200 }],
      },
      'The local GET http://10.0.0.4:80/healthz on vm-web-1 (vm-web-1-nic0, 10.0.0.4) for probe probe-web answered 404 for Host 10.0.0.4, as the probe sends it; an HTTP(S) probe passes only on 200; with Host app.contoso.com it answers 200.',
    ],
    [
      'HTTPS, SNI required',
      { protocol: 'Https', port: 80, requestPath: '/healthz' },
      {
        url: 'https://10.0.0.4:80/healthz',
        error: 'curl (35) OpenSSL/3.0.19: error:0A000458:SSL routines::tlsv1 unrecognized name',
        tls: { failure: 'sni-required', alert: 'tlsv1 unrecognized name' },
        contrasts: [{ host: 'app.contoso.com', status: 200 }],
      },
      'The local GET https://10.0.0.4:80/healthz on vm-web-1 (vm-web-1-nic0, 10.0.0.4) for probe probe-web showed that the TLS handshake without SNI, as the probe makes it, is refused (the listener requires a server name) (tlsv1 unrecognized name); with Host app.contoso.com (and SNI) it answers 200.',
    ],
    [
      'HTTPS, 200 locally but a SHA-1 chain',
      { protocol: 'Https', port: 80, requestPath: '/healthz' },
      {
        url: 'https://10.0.0.4:80/healthz',
        status: 200,
        tls: { failure: 'certificate-hash', chainSignatures: ['RSA-SHA1'] },
      },
      'The local GET https://10.0.0.4:80/healthz on vm-web-1 (vm-web-1-nic0, 10.0.0.4) for probe probe-web showed that the listener answers 200, but its certificate chain is signed with a hash weaker than the SHA256 HTTPS probes require; chain signatures: RSA-SHA1.',
    ],
    [
      'an HTTP probe ignores TLS facts',
      { protocol: 'Http', requestPath: '/healthz' },
      { url: 'http://10.0.0.4:80/healthz', status: 200, tls: { failure: 'certificate-hash' } },
      undefined,
    ],
    [
      'TCP probe ignores the GET',
      { protocol: 'Tcp' },
      { url: 'http://10.0.0.4:80/', status: 500 },
      undefined,
    ],
  ])('%s', (_case, probe, http, summary) => {
    // Act
    const { causes } = run({ http }, probe);

    // Assess
    expect(causes.filter((c) => c.id === 'probe-endpoint-error').map((c) => c.summary)).toEqual(
      summary ? [summary] : [],
    );
  });

  it('does not add an endpoint error when nothing listens (the refused GET follows from it)', () => {
    // Act
    const { causes } = run(
      { listening: [], http: { url: 'http://10.0.0.4:80/health', error: 'refused' } },
      { protocol: 'Http', requestPath: '/health' },
    );

    // Assess
    expect(causes.map((c) => c.id)).toEqual(['not-listening']);
  });
});

describe('diagnoseGuest: a firewall that also blocks the local GET', () => {
  const drop80 = [
    { tool: 'nftables' as const, active: true, decision: 'deny' as const, rule: 'tcp dport 80 reject' },
  ];
  const listening = [tcp('0.0.0.0', 80, 'nginx')];

  it('blames the firewall and only notes the unanswered local GET', () => {
    // Act
    const { causes, notes } = run(
      { listening, firewall: drop80, http: { url: 'http://10.0.0.4:80/health', error: 'refused' } },
      { protocol: 'Http', requestPath: '/health' },
    );

    // Assess
    expect(causes.map((c) => c.id)).toEqual(['guest-firewall-blocks-probe']);
    expect(notes.map((n) => n.id)).toEqual(['local-http-blocked']);
  });

  it('still blames the app when it answered a non-200 status past the firewall', () => {
    // Act
    const { causes } = run(
      { listening, firewall: drop80, http: { url: 'http://10.0.0.4:80/health', status: 503 } },
      { protocol: 'Http', requestPath: '/health' },
    );

    // Assess
    expect(causes.map((c) => c.id)).toEqual(['guest-firewall-blocks-probe', 'probe-endpoint-error']);
  });

  it('does not mention TCP timestamps when a cause already explains the failure', () => {
    // Act
    const { notes } = run({ listening, firewall: drop80, tcpTimestamps: true });

    // Assess
    expect(notes.map((n) => n.id)).not.toContain('tcp-timestamps');
  });
});

describe('diagnoseGuest: guest-firewall-blocks-probe', () => {
  it.each<[string, GuestEvidence['firewall'], string[]]>([
    ['inactive ufw', [{ tool: 'ufw', active: false, decision: 'deny', rule: 'DENY 80' }], []],
    ['active iptables allowing', [{ tool: 'iptables', active: true, decision: 'allow' }], []],
    [
      'active iptables dropping port 80',
      [
        {
          tool: 'iptables',
          active: true,
          decision: 'deny',
          rule: '-A INPUT -p tcp -m tcp --dport 80 -j DROP',
        },
      ],
      [
        'The iptables firewall on vm-web-1 (vm-web-1-nic0, 10.0.0.4) drops TCP from 168.63.129.16 to port 80: -A INPUT -p tcp -m tcp --dport 80 -j DROP.',
      ],
    ],
    [
      'Windows Firewall default block',
      [
        {
          tool: 'windows-firewall',
          active: true,
          decision: 'deny',
          detail: 'Domain profile DefaultInboundAction Block',
        },
      ],
      [
        'The windows-firewall firewall on vm-web-1 (vm-web-1-nic0, 10.0.0.4) drops TCP from 168.63.129.16 to port 80 (Domain profile DefaultInboundAction Block).',
      ],
    ],
  ])('%s', (_case, firewall, summaries) => {
    // Act
    const { causes } = run({ firewall });

    // Assess
    expect(causes.filter((c) => c.id === 'guest-firewall-blocks-probe').map((c) => c.summary)).toEqual(
      summaries,
    );
  });

  it('notes an active firewall whose decision is unknown, without blaming it', () => {
    // Act
    const { causes, notes } = run({ firewall: [{ tool: 'nftables', active: true, decision: 'unknown' }] });

    // Assess
    expect(causes).toEqual([]);
    expect(notes.map((n) => n.id)).toEqual(['guest-firewall-undecided']);
  });
});

describe('diagnoseGuest: route-diverts-probe', () => {
  function secondaryNic(os: 'linux' | 'windows', guest: Partial<GuestEvidence>) {
    const topology = webTopology({ vmCount: 0 })
      .vm({
        name: 'vm-nva',
        osType: os === 'linux' ? 'Linux' : 'Windows',
        nics: [
          { name: 'nic-nva-0', ip: '10.0.0.10' },
          { name: 'nic-nva-1', ip: '10.0.0.11', pools: ['pool-web'] },
        ],
      })
      .build();
    return diagnoseGuest({
      topology,
      backend: backendOf(topology, 'nic-nva-1'),
      probe: topology.probes[0]!,
      rule: topology.rules[0]!,
      guest: ok(guestEvidence({ os, ...guest })),
    });
  }

  it('blames guest routes that send the secondary NIC reply out of eth0', () => {
    // Act
    const { causes } = secondaryNic('linux', {
      routes: [
        { destination: 'default', gateway: '10.0.0.1', device: 'eth0' },
        { destination: '10.0.0.0/24', device: 'eth0' },
        { destination: '10.0.0.0/24', device: 'eth1' },
      ],
    });

    // Assess
    expect(causes).toEqual([
      {
        id: 'route-diverts-probe',
        summary:
          'Probe probe-web reaches vm-nva (nic-nva-1, 10.0.0.11) on eth1, but the guest route default via 10.0.0.1 dev eth0 sends the reply to 168.63.129.16 out of eth0, where Azure drops it.',
        evidence: {
          arrivesOn: 'eth1',
          leavesBy: 'eth0',
          route: { destination: 'default', gateway: '10.0.0.1', device: 'eth0' },
          nicIp: '10.0.0.11',
          primaryNic: false,
        },
      },
    ]);
  });

  it.each<[string, 'linux' | 'windows', Partial<GuestEvidence>, boolean]>([
    ['no routes in the evidence', 'linux', {}, false],
    [
      'a host route to 168.63.129.16 via eth1 wins over the default',
      'linux',
      {
        routes: [
          { destination: '0.0.0.0/0', gateway: '10.0.0.1', device: 'eth0' },
          { destination: '168.63.129.16', gateway: '10.0.0.1', device: 'eth1' },
        ],
      },
      false,
    ],
    [
      'interfaces name the arrival device (renamed NICs)',
      'linux',
      {
        interfaces: [
          { name: 'ens4', addresses: ['10.0.0.10/24'] },
          { name: 'ens5', addresses: ['10.0.0.11/24'] },
        ],
        routes: [{ destination: 'default', gateway: '10.0.0.1', device: 'ens4' }],
      },
      true,
    ],
    [
      'Windows: default via Ethernet, probe on Ethernet 2',
      'windows',
      { routes: [{ destination: '0.0.0.0/0', gateway: '10.0.0.1', device: 'Ethernet' }] },
      true,
    ],
    [
      'Windows: route names the interface by the secondary NIC IP',
      'windows',
      { routes: [{ destination: '0.0.0.0/0', gateway: '10.0.0.1', device: '10.0.0.11' }] },
      false,
    ],
  ])('%s', (_case, os, guest, diverted) => {
    // Act
    const { causes } = secondaryNic(os, guest);

    // Assess
    expect(causes.some((c) => c.id === 'route-diverts-probe')).toBe(diverted);
  });

  it('does not blame the primary NIC whose routes leave by eth0', () => {
    // Act
    const { causes } = run({ routes: [{ destination: 'default', gateway: '10.0.0.1', device: 'eth0' }] });

    // Assess
    expect(causes).toEqual([]);
  });
});

describe('diagnoseGuest: secondary NIC with Linux policy routing (real ip output)', () => {
  // Captured in a network namespace: eth0 10.0.0.4/24 with the default route, eth1 10.0.1.5/24; the
  // "policy" capture adds `ip rule add from 10.0.1.5 table 101` and a default via eth1 in table 101.
  function secondaryNicFromCapture(routeCapture: string) {
    const topology = webTopology({ vmCount: 0 })
      .vm({
        name: 'vm-nva',
        nics: [
          { name: 'nic-nva-0', ip: '10.0.0.4' },
          { name: 'nic-nva-1', ip: '10.0.1.5', pools: ['pool-web'] },
        ],
      })
      .build();
    return diagnoseGuest({
      topology,
      backend: backendOf(topology, 'nic-nva-1'),
      probe: topology.probes[0]!,
      rule: topology.rules[0]!,
      guest: ok(
        guestEvidence({
          routes: parseRouteGet(fixture(`linux/${routeCapture}`)),
          interfaces: parseInterfaces(fixture('linux/ip-o-4-addr__lo-eth0-eth1.txt')),
        }),
      ),
    });
  }

  it('finds no cause when the from-lookup leaves by eth1, though the main table says eth0', () => {
    // Act
    const { causes } = secondaryNicFromCapture(
      'ip-route-get-168.63.129.16-with-from__secondary-nic-policy-via-eth1.txt',
    );

    // Assess
    expect(causes).toEqual([]);
  });

  it('blames the from-lookup that leaves by eth0 when no policy rule exists', () => {
    // Act
    const { causes } = secondaryNicFromCapture(
      'ip-route-get-168.63.129.16-with-from__secondary-nic-no-policy-via-eth0.txt',
    );

    // Assess
    expect(causes).toEqual([
      {
        id: 'route-diverts-probe',
        summary:
          'Probe probe-web reaches vm-nva (nic-nva-1, 10.0.1.5) on eth1, but the guest route 168.63.129.16 via 10.0.0.1 dev eth0 (looked up from 10.0.1.5, policy rules applied) sends the reply to 168.63.129.16 out of eth0, where Azure drops it.',
        evidence: {
          arrivesOn: 'eth1',
          leavesBy: 'eth0',
          route: { destination: '168.63.129.16', gateway: '10.0.0.1', device: 'eth0', from: '10.0.1.5' },
          nicIp: '10.0.1.5',
          primaryNic: false,
        },
      },
    ]);
  });
});

describe('diagnoseGuest: evidence quality', () => {
  it('turns a failed Run Command into a note, not a cause', () => {
    // Prepare
    const topology = webTopology().build();

    // Act
    const findings = diagnoseGuest({
      topology,
      backend: backendOf(topology, 'vm-web-1-nic0'),
      probe: topology.probes[0]!,
      rule: topology.rules[0]!,
      guest: fail({
        message: 'Run command extension execution is in progress.',
        statusCode: 409,
        code: 'Conflict',
        retryable: true,
      }),
    });

    // Assess
    expect(findings).toEqual({
      causes: [],
      checked: [],
      notes: [
        {
          id: 'guest-unchecked',
          summary:
            'The guest of vm-web-1 (vm-web-1-nic0, 10.0.0.4) could not be checked: Run Command failed (Run command extension execution is in progress.).',
          evidence: {
            message: 'Run command extension execution is in progress.',
            code: 'Conflict',
            statusCode: 409,
            retryable: true,
          },
        },
      ],
    });
  });

  it('says an IPv6 backend was not checked, rather than that Run Command failed', () => {
    // Prepare
    const topology = webTopology({ vmCount: 0 })
      .vm({ name: 'vm-v6', nics: [{ name: 'nic-v6', ip: 'fd00:db8:deca::4', pools: ['pool-web'] }] })
      .build();
    const message = catchMessage(() =>
      buildGuestScript('linux', { protocol: 'Tcp', port: 80 }, 'fd00:db8:deca::4'),
    );

    // Act
    const findings = diagnoseGuest({
      topology,
      backend: backendOf(topology, 'nic-v6'),
      probe: topology.probes[0]!,
      rule: topology.rules[0]!,
      guest: fail({ message }),
    });

    // Assess
    expect(findings).toEqual({
      causes: [],
      checked: [],
      notes: [
        {
          id: 'guest-unchecked',
          summary:
            'The guest of vm-v6 (nic-v6, fd00:db8:deca::4) was not checked: IPv6 backend; the guest check covers IPv4 backends, whose probes come from 168.63.129.16.',
          evidence: {
            reason: 'ipv6-backend',
            nicIp: 'fd00:db8:deca::4',
            message:
              'nicAddress is an IPv6 address ("fd00:db8:deca::4"): the guest check covers IPv4 backends only, whose probes come from 168.63.129.16',
          },
        },
      ],
    });
  });

  it('notes TCP timestamps and parser warnings', () => {
    // Act
    const { causes, notes } = run({ tcpTimestamps: true, warnings: ['nft: permission denied'] });

    // Assess
    expect(causes).toEqual([]);
    expect(notes.map((n) => n.id)).toEqual(['tcp-timestamps', 'guest-partial']);
  });

  it('says what it checked', () => {
    // Act
    const { checked } = run(
      { http: { url: 'http://10.0.0.4:80/health', status: 200 }, routes: [] },
      { protocol: 'Http', requestPath: '/health' },
    );

    // Assess
    expect(checked).toEqual([
      'guest firewall (ufw inactive)',
      'listening sockets (ss)',
      'local GET http://10.0.0.4:80/health',
      'guest routes for the reply to 168.63.129.16',
    ]);
  });
});
