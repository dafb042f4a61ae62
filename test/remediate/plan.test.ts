import { diagnoseNsg } from '../../src/diagnose/nsgBlocks';
import type { Cause } from '../../src/model/report';
import type { BackendInfo, ProbeInfo, Topology } from '../../src/model/topology';
import { proveAllowRule, toSecurityRule, parseAllowRuleDetail } from '../../src/remediate/allowRule';
import { allowRuleName } from '../../src/remediate/naming';
import { planFixes, type FixPolicy } from '../../src/remediate/plan';
import type { Diagnosis } from '../../src/model/diagnosis';
import { idKey } from '../../src/model/ids';
import { backendOf, ids, securityRule, TopologyBuilder, webTopology } from '../helpers/topologyBuilder';

const RUN = 'pd-0123456789abcdef0123456789abcdef';
const NM =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/networkManagers/nm-platform';
const NO_OPT_IN: FixPolicy = { optInFixes: [], approvalRequiredFor: [] };
const deny = (
  priority: number,
  name = 'DenyAllInbound',
  extra: Partial<Parameters<typeof securityRule>[0]> = {},
) =>
  // A deny of the probe's source: clients still get in through the default AllowVnetInBound, so the
  // allow rule is planned (a deny of every source is a lockdown: see "planFixes: lockdown" below).
  securityRule({
    name,
    priority,
    access: 'Deny',
    protocol: '*',
    sourceAddressPrefixes: ['AzureLoadBalancer'],
    ...extra,
  });

/** Diagnosis as the engine makes it: every backend down, NSG causes from the real diagnoseNsg. */
function diagnose(topology: Topology, extra: Record<string, Cause[]> = {}): Diagnosis {
  return {
    causes: [],
    backends: topology.backends.map((backend) => ({
      key: backend.key,
      probeState: 'down' as const,
      causes: [
        ...diagnoseNsg({ topology, backend, probe: topology.probes[0]! }).causes,
        ...(extra[backend.key] ?? []),
      ],
    })),
  };
}

function plan(
  builder: TopologyBuilder,
  options: { mode?: 'observe' | 'fix'; policy?: FixPolicy; extra?: Record<string, Cause[]> } = {},
) {
  const topology = builder.build();
  return {
    topology,
    fixes: planFixes({
      mode: options.mode ?? 'fix',
      topology,
      diagnosis: diagnose(topology, options.extra),
      policy: options.policy ?? NO_OPT_IN,
      runId: RUN,
    }),
  };
}

/** webTopology with `vmCount` VMs on a subnet NSG holding `rules`. */
const subnetNsg = (rules: ReturnType<typeof securityRule>[], vmCount = 2) =>
  webTopology({ vmCount }).nsg('nsg-web', rules).subnetNsg('snet-web', 'nsg-web');

describe('planFixes: NSG allow rule', () => {
  it('plans one rule for two backends behind one Deny All, right below it', () => {
    // Prepare / Act
    const { fixes } = plan(subnetNsg([deny(4000)]));

    // Assess
    expect(fixes).toEqual([
      {
        kind: 'nsg-allow-probe',
        target: ids.nsg('nsg-web'),
        status: 'planned',
        needsApproval: false,
        backendKeys: [ids.ipConfig('vm-web-1-nic0'), ids.ipConfig('vm-web-2-nic0')],
        detail: {
          ruleName: allowRuleName(ids.lb(), 80),
          priority: 3999,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: 'AzureLoadBalancer',
          sourcePortRange: '*',
          destinationAddressPrefixes: ['10.0.0.4', '10.0.0.5'],
          destinationApplicationSecurityGroupIds: [],
          destinationPortRange: '80',
          description: `probe-doctor: allow Azure Load Balancer probe to port 80 of lb-web; run ${RUN}`,
          blockingRuleName: 'DenyAllInbound',
          blockingPriority: 4000,
          level: 'subnet',
          port: 80,
          backendIps: ['10.0.0.4', '10.0.0.5'],
          destination:
            '10.0.0.4, 10.0.0.5 (the backends are VMs a person adds to the pool; a new one needs its own rule)',
          destinationBasis: 'backend-addresses',
        },
      },
    ]);
  });

  it.each<[string, ReturnType<typeof securityRule>[], number | null]>([
    ['free slot right below', [deny(300)], 299],
    [
      'crowded range below the blocker',
      [
        deny(300),
        securityRule({ name: 'a', priority: 299, sourceAddressPrefixes: ['10.9.9.9'] }),
        securityRule({ name: 'b', priority: 298, sourceAddressPrefixes: ['10.9.9.9'] }),
      ],
      297,
    ],
    ['blocker at 101', [deny(101)], 100],
  ])('priority: %s', (_case, rules, expected) => {
    // Act
    const { fixes } = plan(subnetNsg(rules, 1));

    // Assess
    expect(fixes).toHaveLength(1);
    expect(fixes[0]!.status).toBe('planned');
    expect(fixes[0]!.detail.priority).toBe(expected);
  });

  it('outranks a deny whose coverage of the probe the docs leave in doubt, and says so', () => {
    // Prepare: Deny from Internet at 3000 (the evaluator reads it as not covering 168.63.129.16), Deny All at 4000.
    const { fixes } = plan(
      subnetNsg([deny(3000, 'DenyInternet', { sourceAddressPrefixes: ['Internet'] }), deny(4000)]),
    );

    // Assess: the allow sits above both, and the plan names the doubtful rule.
    expect(fixes[0]?.detail).toMatchObject({
      priority: 2999,
      blockingRuleName: 'DenyAllInbound',
      alsoOutranks: [
        {
          ruleName: 'DenyInternet',
          priority: 3000,
          why: 'source Internet may or may not cover 168.63.129.16 (docs/probe-facts.md)',
        },
      ],
    });
  });

  it('skips a blocker at 100 and says why', () => {
    // Act
    const { fixes } = plan(subnetNsg([deny(100)], 1));

    // Assess
    expect(fixes).toHaveLength(1);
    expect(fixes[0]!.status).toBe('skipped');
    expect(fixes[0]!.reason).toBe(
      'rule DenyAllInbound in NSG nsg-web sits at priority 100, which no new rule can outrank; nothing is written: change or remove DenyAllInbound so it does not deny AzureLoadBalancer to port 80',
    );
  });

  it('skips when every priority below the blocker is taken', () => {
    // Prepare
    const crowded = [100, 101, 102].map((p) =>
      securityRule({ name: `allow-${p}`, priority: p, sourceAddressPrefixes: ['10.9.9.9'] }),
    );

    // Act
    const { fixes } = plan(subnetNsg([...crowded, deny(103)], 1));

    // Assess
    expect(fixes[0]!.status).toBe('skipped');
    expect(fixes[0]!.reason).toMatch(
      /^every priority from 100 to 102 in NSG nsg-web is taken, so no new rule can outrank rule DenyAllInbound \(103\)/,
    );
  });

  it('plans one rule per NSG level when both the subnet and the NIC NSG deny', () => {
    // Prepare
    const builder = webTopology({ vmCount: 0 })
      .nsg('nsg-web', [deny(4000)])
      .subnetNsg('snet-web', 'nsg-web')
      .nsg('nsg-nic', [deny(500, 'DenyProbe', { sourceAddressPrefixes: ['AzureLoadBalancer'] })])
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'], nsg: 'nsg-nic' }] });

    // Act
    const { fixes } = plan(builder);

    // Assess
    expect(fixes.map((f) => [f.target, f.status, f.detail.priority, f.detail.level])).toEqual([
      [ids.nsg('nsg-web'), 'planned', 3999, 'subnet'],
      [ids.nsg('nsg-nic'), 'planned', 499, 'nic'],
    ]);
  });

  it("never widens the destination beyond the blocking rule: an unknown backend address takes the blocker's own", () => {
    // Prepare
    const topology = subnetNsg(
      [deny(4000, 'DenyWeb', { destinationAddressPrefixes: ['10.0.0.0/28'] })],
      1,
    ).build();
    delete topology.backends[0]!.ipAddress;
    const diagnosis = diagnose(topology);

    // Act
    const fixes = planFixes({ mode: 'fix', topology, diagnosis, policy: NO_OPT_IN, runId: RUN });

    // Assess
    expect(fixes[0]!.detail.destinationAddressPrefixes).toEqual(['10.0.0.0/28']);
  });

  it('skips an Azure Virtual Network Manager admin deny: no NSG rule can override it', () => {
    // Prepare
    const builder = webTopology({ vmCount: 1 });
    const key = ids.ipConfig('vm-web-1-nic0');
    const admin: Cause = {
      id: 'nsg-blocks-probe',
      summary: 'admin deny',
      evidence: {
        adminRule: true,
        fixable: false,
        ruleName: 'avnm-deny-all',
        priority: 5,
        level: 'admin',
        access: 'Deny',
        networkManagerId: NM,
      },
    };

    // Act
    const { fixes } = plan(builder, { extra: { [key]: [admin] } });

    // Assess
    expect(fixes).toEqual([
      {
        kind: 'nsg-allow-probe',
        target: NM,
        status: 'skipped',
        needsApproval: false,
        reason:
          'Azure Virtual Network Manager security admin rule avnm-deny-all of network manager nm-platform (priority 5) denies the probe and no NSG rule can override it; nothing is written: a network manager administrator must change or remove avnm-deny-all in the security admin configuration of nm-platform deployed to this virtual network so it no longer denies the probe from 168.63.129.16',
        detail: {
          adminRule: true,
          ruleName: 'avnm-deny-all',
          priority: 5,
          networkManagerId: NM,
          backendIps: ['10.0.0.4'],
        },
        backendKeys: [key],
      },
    ]);
  });

  it('plans the same rule in observe mode (observe never applies)', () => {
    // Act
    const fix = plan(subnetNsg([deny(4000)], 1), { mode: 'observe' });
    const fixMode = plan(subnetNsg([deny(4000)], 1), { mode: 'fix' });

    // Assess
    expect(fix.fixes).toEqual(fixMode.fixes);
    expect(fix.fixes[0]!.status).toBe('planned');
  });

  it('marks the rule for approval when the policy says so', () => {
    // Act
    const { fixes } = plan(subnetNsg([deny(4000)], 1), {
      policy: { optInFixes: [], approvalRequiredFor: ['nsg-allow-probe'] },
    });

    // Assess
    expect(fixes[0]!.needsApproval).toBe(true);
  });

  it('plans nothing when no NSG blocks', () => {
    // Act / Assess
    expect(plan(webTopology({ vmCount: 2 })).fixes).toEqual([]);
  });
});

describe('proveAllowRule', () => {
  it('proves a planned rule and refuses one that does not cover the probe port', () => {
    // Prepare
    const { topology, fixes } = plan(subnetNsg([deny(4000)], 1));
    const detail = parseAllowRuleDetail(fixes[0]!.detail);
    const backend = backendOf(topology, 'vm-web-1-nic0');
    const probe = topology.probes[0]!;

    // Act
    const good = proveAllowRule(topology, ids.nsg('nsg-web'), toSecurityRule(detail), [backend], probe);
    const wrongPort = proveAllowRule(
      topology,
      ids.nsg('nsg-web'),
      { ...toSecurityRule(detail), destinationPortRanges: ['8080'] },
      [backend],
      probe,
    );

    // Assess
    expect(good).toBeUndefined();
    expect(wrongPort).toBe(
      `with rule ${detail.ruleName} at priority 3999, NSG nsg-web still denies the probe to 10.0.0.4 (rule DenyAllInbound at 4000)`,
    );
  });
});

describe('planFixes: opt-in fixes and recommendations', () => {
  const stopped = (vm = 'vm-web-1'): Cause => ({
    id: 'vm-not-running',
    summary: `VM ${vm} is deallocated`,
    evidence: { vmId: ids.vm(vm), powerState: 'deallocated' },
  });
  const key = ids.ipConfig('vm-web-1-nic0');

  it.each<[string, FixPolicy, string, boolean]>([
    ['opted in, no approval', { optInFixes: ['start-vm'], approvalRequiredFor: [] }, 'start-vm', false],
    [
      'opted in, approval required',
      { optInFixes: ['start-vm'], approvalRequiredFor: ['start-vm'] },
      'start-vm',
      true,
    ],
    // Approval is a gate on top of the opt-in, never the opt-in itself (the shipped defaults).
    [
      'gated by approval only: a recommendation',
      { optInFixes: [], approvalRequiredFor: ['start-vm', 'guest-firewall-allow'] },
      'recommendation',
      false,
    ],
    ['neither: a recommendation', NO_OPT_IN, 'recommendation', false],
  ])('start-vm %s', (_case, policy, kind, needsApproval) => {
    // Act
    const { fixes } = plan(webTopology({ vmCount: 1 }), { policy, extra: { [key]: [stopped()] } });

    // Assess
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ kind, target: ids.vm('vm-web-1'), status: 'planned', needsApproval });
  });

  it('recommends starting the VM in words when start-vm is not enabled', () => {
    // Act
    const { fixes } = plan(webTopology({ vmCount: 1 }), { extra: { [key]: [stopped()] } });

    // Assess
    expect(fixes[0]!.reason).toBe(
      'start VM vm-web-1 (start-vm is not enabled: add it to PROBE_DOCTOR_OPT_IN_FIXES to let probe-doctor do it)',
    );
  });

  it('does not start a VM that is already starting', () => {
    // Prepare
    const starting: Cause = {
      id: 'vm-not-running',
      summary: 'starting',
      evidence: { vmId: ids.vm('vm-web-1'), powerState: 'starting' },
    };

    // Act
    const { fixes } = plan(webTopology({ vmCount: 1 }), {
      policy: { optInFixes: ['start-vm'], approvalRequiredFor: [] },
      extra: { [key]: [starting] },
    });

    // Assess
    expect(fixes).toEqual([]);
  });

  it('plans a guest firewall allow on the probe port when opted in', () => {
    // Prepare
    const firewall: Cause = {
      id: 'guest-firewall-blocks-probe',
      summary: 'iptables drops',
      evidence: { tool: 'iptables', rule: '-A INPUT -s 168.63.129.16/32 -j DROP' },
    };

    // Act
    const { fixes } = plan(webTopology({ vmCount: 1 }), {
      policy: { optInFixes: ['guest-firewall-allow'], approvalRequiredFor: [] },
      extra: { [key]: [firewall] },
    });

    // Assess
    expect(fixes).toEqual([
      {
        kind: 'guest-firewall-allow',
        target: ids.vm('vm-web-1'),
        status: 'planned',
        needsApproval: false,
        detail: {
          vmId: ids.vm('vm-web-1'),
          os: 'linux',
          port: 80,
          tool: 'iptables',
          // The finding it answers: a VM can have others (another tool's rule) that this does not touch.
          rule: '-A INPUT -s 168.63.129.16/32 -j DROP',
          source: '168.63.129.16',
        },
        backendKeys: [key],
      },
    ]);
  });

  it.each<[string, Cause, string]>([
    [
      'not listening, with a listening alternative',
      {
        id: 'not-listening',
        summary: '',
        evidence: {
          port: 80,
          nicIp: '10.0.0.4',
          boundTo: [],
          alternatives: [
            { port: 8080, address: '0.0.0.0', process: 'nginx', basis: 'rule-backend-port' },
            { port: 22, address: '0.0.0.0', management: true },
          ],
        },
      },
      "make the application listen on 0.0.0.0:80 (or 10.0.0.4:80), or change probe probe-web port to 8080, where nginx listens at 0.0.0.0 (the rule's own backend port)",
    ],
    [
      'not listening, other ports listen with no evidence they serve the service',
      {
        id: 'not-listening',
        summary: '',
        evidence: {
          port: 80,
          nicIp: '10.0.0.4',
          boundTo: [],
          alternatives: [
            { port: 8443, address: '0.0.0.0', process: 'java' },
            { port: 10250, address: '::', process: 'kubelet', management: true },
            { port: 22, address: '0.0.0.0', process: 'sshd', management: true },
          ],
        },
      },
      'make the application listen on 0.0.0.0:80 (or 10.0.0.4:80)',
    ],
    [
      'not listening, a kube-proxy node port on a load balancer nobody says Kubernetes owns',
      {
        id: 'not-listening',
        summary: '',
        evidence: {
          port: 80,
          nicIp: '10.0.0.4',
          boundTo: [],
          alternatives: [
            { port: 32330, address: '::', process: 'kube-proxy', basis: 'kube-proxy-node-port' },
          ],
        },
      },
      'make the application listen on 0.0.0.0:80 (or 10.0.0.4:80)',
    ],
    [
      'not listening, nothing else listens',
      {
        id: 'not-listening',
        summary: '',
        evidence: { port: 80, nicIp: '10.0.0.4', boundTo: ['127.0.0.1'], alternatives: [] },
      },
      'make the application listen on 0.0.0.0:80 (or 10.0.0.4:80)',
    ],
    [
      'HTTP probe path answers 500',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: { url: 'http://10.0.0.4:80/health', status: 500, requestPath: '/health' },
      },
      'http://10.0.0.4:80/health answers 500 for Host 10.0.0.4 (what the probe sends): the application reports itself unhealthy on /health (or fails answering it): fix what /health checks in the application; the probe is doing its job',
    ],
    [
      'HTTP probe path answers 403',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: { url: 'http://10.0.0.4:80/health', status: 403, requestPath: '/health' },
      },
      "http://10.0.0.4:80/health answers 403 for Host 10.0.0.4 (what the probe sends): the application rejects the probe's request itself (authentication, or a header or client-IP filter on /health); the probe sends no credentials and no custom headers, from 168.63.129.16: exempt /health, or requests from 168.63.129.16, from that check",
    ],
    [
      'HTTP probe path answers 404',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: { url: 'http://10.0.0.4:80/health', status: 404, requestPath: '/health' },
      },
      "http://10.0.0.4:80/health answers 404 for Host 10.0.0.4 (what the probe sends): nothing answers /health for Host 10.0.0.4. HTTP(S) probes send the backend's IP address as Host, so if the site is bound to a host name only, the probe does not reach it: make /health answer 200 for any Host (a default site or an IP binding), or serve /health where it is missing, or change probe probe-web requestPath to a path on the same listener that answers 200",
    ],
    [
      'HTTP probe path redirects',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: { url: 'http://10.0.0.4:80/health', status: 301, requestPath: '/health' },
      },
      'http://10.0.0.4:80/health answers 301 for Host 10.0.0.4 (what the probe sends): probes do not follow redirects (only 200 counts as up), so the redirect marks it down: answer 200 on /health itself (exempt it from the redirect, e.g. HTTP to HTTPS or to a login page), or change probe probe-web requestPath to a path on the same listener that answers 200',
    ],
    [
      'HTTPS handshake fails',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: {
          url: 'https://10.0.0.4:80/health',
          status: null,
          error: 'curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL',
          requestPath: '/health',
        },
      },
      "https://10.0.0.4:80/health gives no HTTP answer (curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL): the TLS handshake fails; Azure's HTTPS probes negotiate TLS 1.2, send no SNI, need a certificate chain signed with SHA256 or stronger and do not present a client certificate (no mutual TLS): fix the listener's TLS configuration",
    ],
    [
      'HTTP 404 for the IP, 200 for a bound host name',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: {
          url: 'http://10.0.0.4:80/health',
          host: '10.0.0.4',
          status: 404,
          requestPath: '/health',
          contrasts: [
            { host: 'app.contoso.com', status: 200 },
            { host: 'www.contoso.com', status: 404 },
          ],
        },
      },
      "http://10.0.0.4:80/health answers 404 for Host 10.0.0.4 (what the probe sends), but 200 for Host app.contoso.com: the site is bound to host name only. HTTP(S) probes send the backend's IP address as Host, and the Host cannot be set on the probe: make /health answer 200 for any Host (a default site or catch-all server, or a binding for 10.0.0.4 or the IP)",
    ],
    [
      'HTTP 401',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: { url: 'http://10.0.0.4:80/health', status: 401, requestPath: '/health' },
      },
      "http://10.0.0.4:80/health answers 401 for Host 10.0.0.4 (what the probe sends): the application rejects the probe's request itself (authentication, or a header or client-IP filter on /health); the probe sends no credentials and no custom headers, from 168.63.129.16: exempt /health, or requests from 168.63.129.16, from that check",
    ],
    [
      'HTTPS listener refuses TLS 1.2, answers with TLS 1.3',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: {
          url: 'https://10.0.0.4:443/health',
          status: null,
          error: 'curl (35) OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version',
          tls: { failure: 'protocol-version', alert: 'tlsv1 alert protocol version' },
          contrasts: [{ tlsVersion: '1.3', status: 200 }],
          requestPath: '/health',
        },
      },
      "https://10.0.0.4:443/health gives no HTTP answer (curl (35) OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version): the listener refuses TLS 1.2 (tlsv1 alert protocol version), while the same GET with TLS 1.3 answers 200. Azure's HTTPS probes negotiate TLS 1.2 (docs/probe-facts.md): allow TLS 1.2 on the listener (at least for the probe's port), or use an HTTP probe on a port that serves the same application",
    ],
    [
      'HTTPS listener requires SNI',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: {
          url: 'https://10.0.0.4:443/health',
          status: null,
          error: 'curl (35) x',
          tls: { failure: 'sni-required', alert: 'tlsv1 unrecognized name' },
          contrasts: [{ host: 'app.contoso.com', status: 200 }],
          requestPath: '/health',
        },
      },
      'https://10.0.0.4:443/health gives no HTTP answer (curl (35) x): the listener refuses a TLS handshake without a server name (tlsv1 unrecognized name), while with SNI app.contoso.com it answers 200. HTTPS probes send no SNI and the target cannot be set: give the listener a default certificate for handshakes without SNI (e.g. nginx: a default_server with a certificate instead of ssl_reject_handshake; IIS: a binding without "Require Server Name Indication"), and answer /health with 200 for Host 10.0.0.4',
    ],
    [
      'HTTPS listener requires a client certificate',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: {
          url: 'https://10.0.0.4:443/health',
          status: null,
          error: 'curl (35) y',
          tls: {
            failure: 'client-certificate',
            alert: 'sslv3 alert handshake failure',
            clientCertificateRequested: true,
          },
          requestPath: '/health',
        },
      },
      "https://10.0.0.4:443/health gives no HTTP answer (curl (35) y): the listener asks for a client certificate and ends the handshake without one (sslv3 alert handshake failure). HTTPS probes do not support mutual TLS: make the client certificate optional on the probe's port, or serve the probe from a listener that does not require one",
    ],
    [
      'HTTPS chain signed with SHA-1',
      {
        id: 'probe-endpoint-error',
        summary: '',
        evidence: {
          url: 'https://10.0.0.4:443/health',
          status: 200,
          tls: { failure: 'certificate-hash', chainSignatures: ['RSA-SHA1'] },
          requestPath: '/health',
        },
      },
      "https://10.0.0.4:443/health answers 200 locally, but the listener's certificate chain is signed with RSA-SHA1: HTTPS probes need a signature hash of SHA256 or stronger in the entire chain. Reissue the certificate (and any intermediate) with SHA256 or stronger",
    ],
    [
      'reply leaves by the wrong interface',
      { id: 'route-diverts-probe', summary: '', evidence: { arrivesOn: 'eth1', leavesBy: 'eth0' } },
      'in the guest, send replies to 168.63.129.16 out of eth1 (where the probe arrives), not eth0: add a source-based route (policy routing) for the address of eth1, or remove the guest route that sends 168.63.129.16 out of eth0',
    ],
  ])('recommends the exact change: %s', (_case, cause, change) => {
    // Act
    const { fixes } = plan(webTopology({ vmCount: 1 }), { extra: { [key]: [cause] } });

    // Assess
    expect(fixes).toEqual([
      {
        kind: 'recommendation',
        target: ids.vm('vm-web-1'),
        status: 'planned',
        needsApproval: false,
        reason: change,
        detail: { causeId: cause.id },
        backendKeys: [key],
      },
    ]);
  });

  it('recommends fixing a misconfigured probe on the probe itself', () => {
    // Prepare
    const topology = webTopology({ vmCount: 1 }).build();
    const cause: Cause = {
      id: 'probe-misconfigured',
      summary: 'HTTP probe probe-web uses port 25, which HTTP probes cannot use.',
      evidence: { probeId: ids.probe('probe-web'), problem: 'http-port-blocked' },
    };

    // Act
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: { causes: [cause], backends: [] },
      policy: NO_OPT_IN,
      runId: RUN,
    });

    // Assess
    expect(fixes).toEqual([
      {
        kind: 'recommendation',
        target: ids.probe('probe-web'),
        status: 'planned',
        needsApproval: false,
        reason:
          'change the load balancer configuration: HTTP probe probe-web uses port 25, which HTTP probes cannot use.',
        detail: { causeId: 'probe-misconfigured' },
        backendKeys: [],
      },
    ]);
  });
  it('recommends filling an empty backend pool on the pool itself', () => {
    // Prepare
    const topology = webTopology({ vmCount: 1 }).build();
    const poolId = topology.pools[0]!.id;
    const cause: Cause = {
      id: 'backend-pool-empty',
      summary: 'Backend pool pool-web of rule rule-web has no members, so nothing answers its probe.',
      evidence: { poolId, ruleIds: [topology.rules[0]!.id] },
    };

    // Act
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: { causes: [cause], backends: [] },
      policy: NO_OPT_IN,
      runId: RUN,
    });

    // Assess
    expect(fixes).toEqual([
      {
        kind: 'recommendation',
        target: poolId,
        status: 'planned',
        needsApproval: false,
        reason:
          'add the VMs (their NIC IP configurations) or IP addresses that should serve this rule to the backend pool, or remove the rule if nothing should',
        detail: { causeId: 'backend-pool-empty' },
        backendKeys: [],
      },
    ]);
  });
});

describe('planFixes: guest firewall fixes an added allow rule cannot make', () => {
  const key = ids.ipConfig('vm-web-1-nic0');
  const OPTED_IN: FixPolicy = { optInFixes: ['guest-firewall-allow'], approvalRequiredFor: [] };
  const windows = () =>
    webTopology({ vmCount: 0 }).vm({
      name: 'vm-web-1',
      osType: 'Windows',
      nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }],
    });
  const firewall = (evidence: Record<string, unknown>): Cause => ({
    id: 'guest-firewall-blocks-probe',
    summary: 'the guest firewall drops the probe',
    evidence,
  });

  it.each<[string, () => TopologyBuilder, Record<string, unknown>, string, Record<string, unknown>]>([
    [
      'Windows: the profile default blocks',
      windows,
      { tool: 'windows-firewall', rule: 'Public DefaultInboundAction=Block' },
      'guest-firewall-allow',
      { os: 'windows', tool: 'windows-firewall' },
    ],
    [
      'nftables: the input chain policy drops',
      () => webTopology({ vmCount: 1 }),
      {
        tool: 'nftables',
        rule: 'table inet filter chain input policy drop',
        detail: 'input hook drops the probe',
      },
      'guest-firewall-allow',
      { os: 'linux', tool: 'nftables', nft: { family: 'inet', table: 'filter', chain: 'input' } },
    ],
  ])('plans the allow rule: %s', (_case, builder, evidence, kind, detail) => {
    // Act
    const { fixes } = plan(builder(), { policy: OPTED_IN, extra: { [key]: [firewall(evidence)] } });

    // Assess
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ kind, status: 'planned', detail });
  });

  it.each<[string, () => TopologyBuilder, Record<string, unknown>, string]>([
    [
      'Windows: a Block rule wins over any Allow rule',
      windows,
      {
        tool: 'windows-firewall',
        rule: 'Block|Any|TCP|80|168.63.129.16|Block LB probe',
        detail: 'a block rule wins over allow rules',
      },
      'a Windows Firewall block rule (Block|Any|TCP|80|168.63.129.16|Block LB probe) wins over any allow rule: disable it or narrow it so it no longer covers TCP from 168.63.129.16 to port 80 on vm-web-1',
    ],
    [
      'nftables: a drop rule, so the table and chain are unknown',
      () => webTopology({ vmCount: 1 }),
      { tool: 'nftables', rule: 'ip saddr 168.63.129.16 drop', detail: 'input hook drops the probe' },
      'the nftables rule "ip saddr 168.63.129.16 drop" drops the probe: add "ip saddr 168.63.129.16 tcp dport 80 accept" before it in the same chain, or remove it on vm-web-1',
    ],
    [
      'firewalld: a reject rich rule, which no allow rich rule outranks',
      () => webTopology({ vmCount: 1 }),
      {
        tool: 'firewalld',
        rule: 'rule family="ipv4" source address="168.63.129.16" port port="80" protocol="tcp" reject',
      },
      'the firewalld rich rule "rule family="ipv4" source address="168.63.129.16" port port="80" protocol="tcp" reject" drops the probe and rich deny rules win over allows: remove it or narrow it so it no longer covers TCP from 168.63.129.16 to port 80 on vm-web-1',
    ],
  ])('recommends instead: %s', (_case, builder, evidence, reason) => {
    // Act
    const { fixes } = plan(builder(), { policy: OPTED_IN, extra: { [key]: [firewall(evidence)] } });

    // Assess
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ kind: 'recommendation', status: 'planned', needsApproval: false });
    expect(fixes[0]!.reason).toBe(reason);
  });

  const IPTABLES_DROP = { tool: 'iptables', rule: '-A INPUT -s 168.63.129.16/32 -j DROP' };
  const RICH_REJECT = {
    tool: 'firewalld',
    rule: 'rule family="ipv4" source address="168.63.129.16" port port="80" protocol="tcp" reject',
  };
  const ZONE_CLOSED = { tool: 'firewalld', rule: null, detail: 'zone public does not open tcp/80' };

  it.each<[string, Record<string, unknown>[], string[]]>([
    [
      'a fixable iptables DROP first, then a firewalld rich rule',
      [IPTABLES_DROP, RICH_REJECT],
      [`guest-firewall-allow iptables ${IPTABLES_DROP.rule}`, `recommendation firewalld ${RICH_REJECT.rule}`],
    ],
    [
      'the firewalld rich rule first, then the fixable iptables DROP',
      [RICH_REJECT, IPTABLES_DROP],
      [`recommendation firewalld ${RICH_REJECT.rule}`, `guest-firewall-allow iptables ${IPTABLES_DROP.rule}`],
    ],
    [
      'two fixable findings of two tools: one allow each',
      [IPTABLES_DROP, ZONE_CLOSED],
      [`guest-firewall-allow iptables ${IPTABLES_DROP.rule}`, 'guest-firewall-allow firewalld null'],
    ],
  ])('one backend, two findings: each its own fix or advice (%s)', (_case, findings, expected) => {
    // Act
    const { fixes } = plan(webTopology({ vmCount: 1 }), {
      policy: OPTED_IN,
      extra: { [key]: findings.map(firewall) },
    });

    // Assess
    expect(fixes.map((f) => `${f.kind} ${String(f.detail.tool)} ${String(f.detail.rule)}`)).toEqual(expected);
    expect(fixes.every((f) => f.backendKeys.length === 1 && f.backendKeys[0] === key)).toBe(true);
  });
});

describe('planFixes: backends approaching the healthy threshold', () => {
  it('writes nothing for a recovering backend and says why, but still fixes the others', () => {
    // Prepare: both backends behind one Deny All; the first is already coming back.
    const topology = subnetNsg([deny(4000)]).build();
    const diagnosis = diagnose(topology);
    const [first, second] = diagnosis.backends as [
      Diagnosis['backends'][number],
      Diagnosis['backends'][number],
    ];
    first.healthReason = 'Down_Probe_ApproachingHealthyThreshold';
    first.ipAddress = '10.0.0.4';

    // Act
    const fixes = planFixes({ mode: 'fix', topology, diagnosis, policy: NO_OPT_IN, runId: RUN });

    // Assess
    expect(fixes.map((f) => [f.kind, f.status, f.backendKeys])).toEqual([
      ['nsg-allow-probe', 'planned', [second.key]],
      ['nsg-allow-probe', 'skipped', [first.key]],
    ]);
    expect(fixes[0]!.detail.destinationAddressPrefixes).toEqual(['10.0.0.5']);
    expect(fixes[1]!.reason).toBe(
      'backend 10.0.0.4 reports Down_Probe_ApproachingHealthyThreshold: its probe has started to succeed, so nothing is written; re-check it after the next probe interval before acting',
    );
  });
});

describe('planFixes: controller-owned resources', () => {
  const aks = {
    controller: 'aks' as const,
    cluster: 'aks-web',
    evidence: ['resource group MC_rg_aks-web_westeurope'],
  };

  it('skips the allow rule in an NSG a controller owns and says to remove the hand-made deny', () => {
    // Prepare
    const topology = subnetNsg([deny(4000, 'deny-all-hardening')]).build();
    topology.owners = { [ids.nsg('nsg-web').toLowerCase()]: aks };

    // Act
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: diagnose(topology),
      policy: NO_OPT_IN,
      runId: RUN,
    });

    // Assess
    const nsgFix = fixes.find((f) => f.kind === 'nsg-allow-probe');
    expect(nsgFix).toMatchObject({
      status: 'skipped',
      target: ids.nsg('nsg-web'),
      detail: { controllerOwned: true },
    });
    expect(nsgFix?.reason).toMatch(
      /^NSG nsg-web is owned by AKS cluster aks-web, which rewrites it: nothing is written there; rule deny-all-hardening \(priority 4000\) is not the controller's own: remove it/,
    );
  });

  /**
   * One node whose NIC has the controller's NSG `nsg-aks` (holding a hand-made deny), moved to the
   * controller's resource group MC_rg-web_aks-web_westeurope; `subnetNsg` names the subnet's NSG, and
   * `subnetNsgOwned` makes it the controller's too.
   */
  function nicNsgOwned(options: { subnetNsg?: string; subnetNsgOwned?: boolean } = {}): Topology {
    const builder = new TopologyBuilder()
      .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'], backendPort: 80 })
      .nsg('nsg-aks', [deny(4000, 'deny-all-hardening')])
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'], nsg: 'nsg-aks' }] });
    if (options.subnetNsg) builder.nsg(options.subnetNsg).subnetNsg('snet-web', options.subnetNsg);
    const topology = builder.build();
    const oldId = ids.nsg('nsg-aks');
    const newId = oldId.replace('/resourceGroups/rg-web/', '/resourceGroups/MC_rg-web_aks-web_westeurope/');
    const nsg = topology.nsgs[idKey(oldId)]!;
    delete topology.nsgs[idKey(oldId)];
    topology.nsgs[idKey(newId)] = {
      ...nsg,
      id: newId,
      securityRules: nsg.securityRules.map((r) => ({ ...r, id: r.id?.replace(oldId, newId) })),
    };
    for (const nic of Object.values(topology.nics)) nic.nsgId = newId;
    topology.owners = { [idKey(newId)]: aks };
    if (options.subnetNsg && options.subnetNsgOwned) topology.owners[idKey(ids.nsg(options.subnetNsg))] = aks;
    return topology;
  }

  it.each([
    [
      "the controller's NSG is the subnet's: no NSG of the customer's on the path",
      () => {
        const topology = subnetNsg([deny(4000, 'deny-all-hardening')]).build();
        topology.owners = { [ids.nsg('nsg-web').toLowerCase()]: aks };
        return topology;
      },
      "remove it from nsg-web; nsg-web is the NSG of subnet snet-web itself, so no NSG of yours is on the probe's path: restrict who reaches a Service with the Service's spec.loadBalancerSourceRanges instead",
    ],
    [
      "the controller's NSG is the NIC's and the customer owns the subnet's",
      () => nicNsgOwned({ subnetNsg: 'nsg-snet-web' }),
      'remove it from nsg-aks, or move the restriction to an NSG you own, nsg-snet-web on subnet snet-web, with an allow for AzureLoadBalancer to port 80 above it',
    ],
    [
      "the controller's NSG is the NIC's and the subnet's NSG is the controller's too",
      () => nicNsgOwned({ subnetNsg: 'nsg-snet-web', subnetNsgOwned: true }),
      "remove it from nsg-aks; subnet snet-web's NSG nsg-snet-web is the controller's too, so no NSG of yours is on the probe's path: restrict who reaches a Service with the Service's spec.loadBalancerSourceRanges instead",
    ],
    [
      "the controller's NSG is the NIC's and the customer's subnet has no NSG",
      () => nicNsgOwned(),
      'remove it from nsg-aks, or move the restriction to an NSG you own associated with subnet snet-web (it has none today), with an allow for AzureLoadBalancer to port 80 above it',
    ],
  ])('says where a restriction can go from what is there: %s', (_case, build, advice) => {
    // Prepare
    const topology = build();

    // Act
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: diagnose(topology),
      policy: NO_OPT_IN,
      runId: RUN,
    });

    // Assess
    const nsgFix = fixes.find((f) => f.kind === 'nsg-allow-probe');
    expect(nsgFix?.status).toBe('skipped');
    expect(nsgFix?.reason).toContain(`is not the controller's own: ${advice}`);
    expect(nsgFix?.reason?.endsWith(advice)).toBe(true);
  });

  it('points a deny the cloud provider wrote back at the Service that made it', () => {
    // Prepare
    const topology = subnetNsg([deny(500, 'a1b2c3d4e5f611e7a0b1000d3a2b4c5d-TCP-80-10.0.0.0_8')]).build();
    topology.owners = { [ids.nsg('nsg-web').toLowerCase()]: aks };

    // Act
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: diagnose(topology),
      policy: NO_OPT_IN,
      runId: RUN,
    });

    // Assess
    expect(fixes.find((f) => f.kind === 'nsg-allow-probe')?.reason).toMatch(
      /written by the Kubernetes cloud provider for a Service: change that Service \(spec.loadBalancerSourceRanges/,
    );
  });

  it('plans the allow as before when only another resource is owned', () => {
    // Prepare
    const topology = subnetNsg([deny(4000)]).build();
    topology.owners = { [ids.lb().toLowerCase()]: aks };

    // Act
    const fixes = planFixes({
      mode: 'fix',
      topology,
      diagnosis: diagnose(topology),
      policy: NO_OPT_IN,
      runId: RUN,
    });

    // Assess
    expect(fixes.find((f) => f.kind === 'nsg-allow-probe')?.status).toBe('planned');
  });
});

describe('planFixes: lockdown (the NSGs deny every client too)', () => {
  /** Internet clients let in to TCP 80 (never the probe's 168.63.129.16: prefix.ts). */
  const internetClientsOf80 = securityRule({
    name: 'AllowInternetWeb',
    priority: 1000,
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefixes: ['Internet'],
    destinationPortRanges: ['80'],
  });
  /** A deny of every source: the probe and every client alike. */
  const denyEveryone = (priority: number, name = 'DenyAllInbound') =>
    securityRule({ name, priority, access: 'Deny', protocol: '*' });
  const plan2 = (topology: Topology) =>
    planFixes({ mode: 'fix', topology, diagnosis: diagnose(topology), policy: NO_OPT_IN, runId: RUN });

  it('says a deny at priority 100 must itself change to let clients in: no allow can go above it', () => {
    // Prepare: the lockdown at the highest priority a rule can have; and the same deny at 4000.
    const atTop = plan2(subnetNsg([denyEveryone(100, 'DenyAllInbound-IncidentLockdown')]).build());
    const below = plan2(subnetNsg([denyEveryone(4000)]).build());

    // Assess
    expect(atTop[0]?.status).toBe('skipped');
    expect(atTop[0]?.reason).toMatch(
      /together with the probe \(port 80\) in nsg-web: no rule can be placed above DenyAllInbound-IncidentLockdown in nsg-web \(priority 100, the highest a rule can have\), so that rule must change: narrowed to the sources it is meant to stop, or moved to a larger number below an allow for the clients and the probe$/,
    );
    expect(below[0]?.reason).not.toContain('no rule can be placed above');
  });

  it('writes nothing for backends no client reaches, and says what it tried and what to do instead', () => {
    // Prepare: a subnet NSG that denies everyone, with no allow above it.
    const topology = subnetNsg([denyEveryone(4000)]).build();

    // Act
    const fixes = plan2(topology);

    // Assess
    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({
      kind: 'nsg-allow-probe',
      target: ids.nsg('nsg-web'),
      status: 'skipped',
      backendKeys: [ids.ipConfig('vm-web-1-nic0'), ids.ipConfig('vm-web-2-nic0')],
      detail: {
        clientsDenied: true,
        port: 80,
        blockingRuleName: 'DenyAllInbound',
        backendIps: ['10.0.0.4', '10.0.0.5'],
      },
    });
    expect(fixes[0]!.reason).toMatch(
      /^nothing written: the NSGs let no client in either \(DenyAllInbound \(priority 4000\) in nsg-web denies every client on TCP 80\), so these 2 backends look shut off on purpose, and an allow for the probe alone would put them back in rotation/,
    );
    expect(fixes[0]!.reason).toMatch(
      /If they are meant to be out, nothing needs to change: the failing probe keeps them out of rotation/,
    );
    expect(fixes[0]!.detail).toMatchObject({
      clientPorts: [
        {
          backend: ids.ipConfig('vm-web-1-nic0'),
          ports: [{ port: 80, protocol: 'Tcp', deniedBy: [{ ruleName: 'DenyAllInbound' }] }],
        },
        { backend: ids.ipConfig('vm-web-2-nic0'), ports: [{ port: 80, protocol: 'Tcp' }] },
      ],
    });
  });

  it('still plans the allow when a client range is let in above the deny-all', () => {
    const clients = securityRule({
      name: 'AllowOrdersApi',
      priority: 1000,
      access: 'Allow',
      protocol: 'Tcp',
      sourceAddressPrefixes: ['10.20.0.0/16'],
      destinationPortRanges: ['80'],
    });
    const fixes = plan2(subnetNsg([clients, denyEveryone(4000)]).build());

    expect(fixes.map((f) => f.status)).toEqual(['planned']);
  });

  it('splits a group: the quarantined backend is skipped, the other one still gets the allow', () => {
    // Prepare: the subnet NSG denies the probe's source only; vm-web-1's NIC NSG also denies everyone.
    const topology = webTopology({ vmCount: 2 })
      .nsg('nsg-web', [deny(4000, 'DenyAzureLoadBalancerInbound')])
      .subnetNsg('snet-web', 'nsg-web')
      .nsg('nsg-quarantine', [denyEveryone(200, 'DenyAllInbound-Quarantine')])
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'], nsg: 'nsg-quarantine' }] })
      .build();

    // Act
    const fixes = plan2(topology);

    // Assess
    const bySubnetNsg = fixes.filter((f) => f.target === ids.nsg('nsg-web'));
    expect(bySubnetNsg.map((f) => [f.status, f.backendKeys])).toEqual([
      ['skipped', [ids.ipConfig('vm-web-1-nic0')]],
      ['planned', [ids.ipConfig('vm-web-2-nic0')]],
    ]);
    expect(
      (bySubnetNsg[1]!.detail as { destinationAddressPrefixes: string[] }).destinationAddressPrefixes,
    ).toEqual(['10.0.0.5']);
    const byNicNsg = fixes.filter((f) => f.target === ids.nsg('nsg-quarantine'));
    expect(byNicNsg.map((f) => f.status)).toEqual(['skipped']);
    expect(byNicNsg[0]!.reason).toMatch(/DenyAllInbound-Quarantine \(priority 200\) in nsg-quarantine/);
  });

  it("keeps the rest's rule off the locked-out backends: a subnet destination that holds them becomes addresses", () => {
    // Prepare (a reviewer's repro): two scale sets in snet-web share the TCP 80 probe; vmss-a serves
    // 80, whose clients the NSG lets in; vmss-b serves 8443, which nobody is let in to.
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
      .pool('pool-a')
      .pool('pool-b')
      .rule({ name: 'rule-a', probe: 'probe-web', pools: ['pool-a'], backendPort: 80 })
      .rule({ name: 'rule-b', probe: 'probe-web', pools: ['pool-b'], frontendPort: 8443, backendPort: 8443 })
      .nsg('nsg-web', [internetClientsOf80, denyEveryone(4000)])
      .subnetNsg('snet-web', 'nsg-web')
      .vmss({ name: 'vmss-a', pools: ['pool-a'], instances: [{ id: 0, ip: '10.0.0.4' }] })
      .vmss({ name: 'vmss-b', pools: ['pool-b'], instances: [{ id: 0, ip: '10.0.0.5' }] })
      .build();

    // Act
    const fixes = plan2(topology);

    // Assess: vmss-b is skipped; vmss-a's rule names its own address, and the evaluator agrees that
    // it does not let the probe reach vmss-b.
    expect(fixes.map((f) => [f.status, f.backendKeys])).toEqual([
      ['skipped', [ids.scaleSetIpConfig('vmss-b', 0)]],
      ['planned', [ids.scaleSetIpConfig('vmss-a', 0)]],
    ]);
    const detail = parseAllowRuleDetail(fixes[1]!.detail);
    expect(detail.destinationAddressPrefixes).toEqual(['10.0.0.4']);
    expect(detail.destination).toMatch(
      /only these backends: the pool's wider destination would also let the probe reach 10\.0\.0\.5/,
    );
    const vmssB = topology.backends.find((b) => b.key === ids.scaleSetIpConfig('vmss-b', 0))!;
    expect(
      proveAllowRule(topology, ids.nsg('nsg-web'), toSecurityRule(detail), [vmssB], topology.probes[0]!),
    ).toMatch(/still denies the probe to 10\.0\.0\.5/);
  });

  it('judges a backend by the rules of every probe on the port the fix opens, not only the first one seen', () => {
    // A reviewer's repro: probe-a and probe-b are both TCP 80; vm-b (probe-b) is quarantined.
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-a', protocol: 'Tcp', port: 80 })
      .probe({ name: 'probe-b', protocol: 'Tcp', port: 80 })
      .pool('pool-a')
      .pool('pool-b')
      .rule({ name: 'rule-a', probe: 'probe-a', pools: ['pool-a'], backendPort: 80 })
      .rule({ name: 'rule-b', probe: 'probe-b', pools: ['pool-b'], frontendPort: 81, backendPort: 80 })
      .nsg('nsg-web', [
        securityRule({
          name: 'Quarantine-vm-b',
          priority: 200,
          access: 'Deny',
          protocol: '*',
          destinationAddressPrefixes: ['10.0.0.5'],
        }),
        deny(300, 'DenyLB'),
        internetClientsOf80,
      ])
      .subnetNsg('snet-web', 'nsg-web')
      .vm({ name: 'vm-a', nics: [{ ip: '10.0.0.4', pools: ['pool-a'] }] })
      .vm({ name: 'vm-b', nics: [{ ip: '10.0.0.5', pools: ['pool-b'] }] })
      .build();
    const [probeA, probeB] = topology.probes as [ProbeInfo, ProbeInfo];
    const probeOf = (backend: BackendInfo) => (backend.ipAddress === '10.0.0.4' ? probeA : probeB);
    const diagnosis: Diagnosis = {
      causes: [],
      backends: topology.backends.map((backend) => ({
        key: backend.key,
        probeState: 'down' as const,
        causes: diagnoseNsg({ topology, backend, probe: probeOf(backend) }).causes,
      })),
    };

    // Act
    const fixes = planFixes({ mode: 'fix', topology, diagnosis, policy: NO_OPT_IN, runId: RUN });

    // Assess: vm-b skipped; vm-a's rule is its own, above its own blocker (DenyLB at 300), not the
    // quarantine's 200, and never reaches vm-b.
    expect(fixes.map((f) => [f.status, f.backendKeys])).toEqual([
      ['skipped', [ids.ipConfig('vm-b-nic0')]],
      ['planned', [ids.ipConfig('vm-a-nic0')]],
    ]);
    const detail = parseAllowRuleDetail(fixes[1]!.detail);
    expect([detail.priority, detail.blockingRuleName, detail.destinationAddressPrefixes]).toEqual([
      299,
      'DenyLB',
      ['10.0.0.4'],
    ]);
  });

  it.each([
    ['HA ports (backend port 0)', { protocol: 'All' as const, frontendPort: 0, backendPort: 0 }],
    ['a UDP rule', { protocol: 'Udp' as const, frontendPort: 80, backendPort: 80 }],
  ])('makes no claim for %s: only TCP flows are evaluated', (_name, rule) => {
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'], ...rule })
      .nsg('nsg-web', [denyEveryone(4000)])
      .subnetNsg('snet-web', 'nsg-web')
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();

    expect(plan2(topology).map((f) => f.status)).toEqual(['planned']);
  });

  it('makes no claim for a floating IP rule (the packet keeps the frontend address): the allow is planned', () => {
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web', protocol: 'Tcp', port: 80 })
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-web'], enableFloatingIP: true })
      .nsg('nsg-web', [denyEveryone(4000)])
      .subnetNsg('snet-web', 'nsg-web')
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();

    expect(plan2(topology).map((f) => f.status)).toEqual(['planned']);
  });

  it("gives a controller's NSG its own reason first: nothing is written there either way", () => {
    const topology = subnetNsg([denyEveryone(4000)]).build();
    topology.owners = {
      [ids.nsg('nsg-web').toLowerCase()]: { controller: 'aks', cluster: 'aks-web', evidence: ['managedBy'] },
    };

    const fixes = plan2(topology);

    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ status: 'skipped', detail: { controllerOwned: true } });
  });
});
