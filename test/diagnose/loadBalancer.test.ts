import type { BackendProbeStatus } from '../../src/diagnose/health';
import { diagnoseLoadBalancer } from '../../src/diagnose/loadBalancer';
import { idKey } from '../../src/model/ids';
import type { ResourceOwner } from '../../src/model/topology';
import type { ProbeSpec } from '../helpers/topologyBuilder';
import { ids, TopologyBuilder, webTopology } from '../helpers/topologyBuilder';

describe('diagnoseLoadBalancer: probe-misconfigured', () => {
  it.each<[string, 'Standard' | 'Basic', Partial<ProbeSpec>, string]>([
    [
      'HTTP probe on port 25',
      'Standard',
      { protocol: 'Http', port: 25, requestPath: '/' },
      'HTTP probe probe-web on lb-web uses port 25, which HTTP probes cannot use (19, 21, 25, 70, 110, 119, 143, 220, 993): use a TCP probe or another port.',
    ],
    [
      'HTTP probe on port 993',
      'Standard',
      { protocol: 'Http', port: 993, requestPath: '/' },
      'HTTP probe probe-web on lb-web uses port 993, which HTTP probes cannot use (19, 21, 25, 70, 110, 119, 143, 220, 993): use a TCP probe or another port.',
    ],
    [
      'HTTPS probe on a Basic load balancer',
      'Basic',
      { protocol: 'Https', port: 443, requestPath: '/health' },
      'HTTPS probe probe-web on lb-web cannot work: Basic load balancers have no HTTPS probes; use HTTP or TCP, or upgrade to Standard.',
    ],
    [
      'HTTP probe without a request path',
      'Standard',
      { protocol: 'Http', port: 80 },
      'HTTP probe probe-web on lb-web has no request path; HTTP(S) probes need an absolute path such as /.',
    ],
    [
      'HTTPS probe with a relative path',
      'Standard',
      { protocol: 'Https', port: 443, requestPath: 'health' },
      'HTTPS probe probe-web on lb-web has request path "health", which is not absolute: it must start with /.',
    ],
    [
      'probe port 0',
      'Standard',
      { protocol: 'Tcp', port: 0 },
      'TCP probe probe-web on lb-web uses port 0, outside the valid range 1-65535.',
    ],
    [
      'probe port 65536',
      'Standard',
      { protocol: 'Tcp', port: 65536 },
      'TCP probe probe-web on lb-web uses port 65536, outside the valid range 1-65535.',
    ],
  ])('%s', (_case, sku, probe, summary) => {
    // Prepare
    const topology = webTopology({ sku, probe }).build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes).toEqual([expect.objectContaining({ id: 'probe-misconfigured', summary })]);
    expect(causes[0]?.evidence).toMatchObject({
      probeId: ids.probe('probe-web'),
      ruleIds: [ids.rule('rule-web')],
    });
  });

  it.each<[string, 'Standard' | 'Basic', Partial<ProbeSpec>]>([
    ['TCP probe on port 25', 'Standard', { protocol: 'Tcp', port: 25 }],
    [
      'HTTPS probe on port 993 (the port list is for HTTP)',
      'Standard',
      { protocol: 'Https', port: 993, requestPath: '/' },
    ],
    ['HTTP probe on a Basic load balancer', 'Basic', { protocol: 'Http', port: 80, requestPath: '/healthz' }],
    ['TCP probe on port 65535', 'Standard', { protocol: 'Tcp', port: 65535 }],
  ])('%s is not misconfigured', (_case, sku, probe) => {
    // Prepare
    const topology = webTopology({ sku, probe }).build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes).toEqual([]);
  });

  it('ignores a misconfigured probe that no rule uses', () => {
    // Prepare
    const topology = webTopology().probe({ name: 'probe-old', protocol: 'Http', port: 25 }).build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes).toEqual([]);
  });

  it('blames a rule without a probe only when its backends are down', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .pool('pool-web')
      .rule({ name: 'rule-web', pools: ['pool-web'], backendPort: 8080 })
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();
    const down: BackendProbeStatus = {
      backendKey: ids.ipConfig('vm-web-1-nic0'),
      ruleId: ids.rule('rule-web'),
      state: 'down',
      source: 'metric',
      action: 'diagnose',
      pointsAt: '',
    };

    // Act
    const quiet = diagnoseLoadBalancer(topology, []);
    const failing = diagnoseLoadBalancer(topology, [down]);

    // Assess
    expect(quiet.causes).toEqual([]);
    expect(failing.causes).toEqual([
      {
        id: 'probe-misconfigured',
        summary:
          'Rule rule-web on lb-web has no health probe attached while 1 of its backends are down: attach a probe on backend port 8080.',
        evidence: {
          ruleId: ids.rule('rule-web'),
          problem: 'rule-without-probe',
          downBackendKeys: [down.backendKey],
        },
      },
    ]);
  });

  it('reports a rule whose probe does not exist', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .pool('pool-web')
      .rule({ name: 'rule-web', probe: 'probe-gone', pools: ['pool-web'] })
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes.map((c) => c.summary)).toEqual([
      'Rule rule-web on lb-web refers to probe probe-gone, which lb-web does not have.',
    ]);
  });
});

describe('diagnoseLoadBalancer: backend-pool-empty', () => {
  it('reports an empty pool once, with every rule that uses it', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web' })
      .pool('pool-empty')
      .rule({ name: 'rule-http', probe: 'probe-web', pools: ['pool-empty'] })
      .rule({ name: 'rule-alt', probe: 'probe-web', pools: ['pool-empty'], frontendPort: 8080 })
      .build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes).toEqual([
      {
        id: 'backend-pool-empty',
        summary:
          'Backend pool pool-empty of rule rule-http on lb-web has no members, so nothing answers its probe.',
        evidence: { poolId: ids.pool('pool-empty'), ruleIds: [ids.rule('rule-http'), ids.rule('rule-alt')] },
      },
    ]);
  });

  it('reports a rule with no pool at all', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web' })
      .rule({ name: 'rule-web', probe: 'probe-web' })
      .build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes.map((c) => [c.id, c.summary])).toEqual([
      [
        'backend-pool-empty',
        'Rule rule-web on lb-web has no backend pool, so no backend can receive its traffic or answer its probe.',
      ],
    ]);
  });

  it('does not call a pool of IP-based members empty', () => {
    // Prepare
    const topology = webTopology({ vmCount: 0 }).ipMember('pool-web', '10.0.0.30').build();

    // Act
    const { causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(causes).toEqual([]);
  });
});

describe('diagnoseLoadBalancer: notes', () => {
  it.each<[string, TopologyBuilder, string[]]>([
    ['plain rule', webTopology(), []],
    [
      'floating IP',
      new TopologyBuilder()
        .probe({ name: 'probe-sql', port: 59999 })
        .pool('pool-sql')
        .rule({
          name: 'rule-sql',
          probe: 'probe-sql',
          pools: ['pool-sql'],
          frontendPort: 1433,
          backendPort: 1433,
          enableFloatingIP: true,
        })
        .vm({ name: 'vm-sql-1', nics: [{ ip: '10.0.0.4', pools: ['pool-sql'] }] }),
      ['floating-ip', 'probe-port-differs'],
    ],
    ['AllProbedUp', webTopology({ probe: { noHealthyBackendsBehavior: 'AllProbedUp' } }), ['all-probed-up']],
  ])('%s', (_case, builder, noteIds) => {
    // Prepare
    const topology = builder.build();

    // Act
    const { notes, causes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(notes.map((n) => n.id)).toEqual(noteIds);
    expect(causes).toEqual([]);
  });

  /** A Service's rule as the Kubernetes cloud provider writes it: floating IP, probe on the node port. */
  const serviceRule = (owner?: ResourceOwner) => {
    const topology = new TopologyBuilder()
      .probe({ name: 'a1c2e3a4b5c6d7e8f9a0b1c2d3e4f5a6-TCP-443', port: 30443 })
      .pool('kubernetes')
      .rule({
        name: 'a1c2e3a4b5c6d7e8f9a0b1c2d3e4f5a6-TCP-443',
        probe: 'a1c2e3a4b5c6d7e8f9a0b1c2d3e4f5a6-TCP-443',
        pools: ['kubernetes'],
        frontendPort: 443,
        backendPort: 443,
        enableFloatingIP: true,
      })
      .vm({ name: 'aks-node-0', nics: [{ ip: '10.224.0.4', pools: ['kubernetes'] }] })
      .build();
    if (owner) topology.owners = { [idKey(topology.loadBalancer.id)]: owner };
    return topology;
  };

  it.each<[string, ResourceOwner | undefined, string[]]>([
    ['owned by nobody: both notes', undefined, ['floating-ip', 'probe-port-differs']],
    [
      'owned by AKS: neither (kube-proxy takes the frontend IP and serves the node port)',
      { controller: 'aks', cluster: 'aks-pay', evidence: ['tag aks-managed-cluster-name=aks-pay'] },
      [],
    ],
    [
      'owned by the cloud provider outside AKS: neither',
      { controller: 'kubernetes', cluster: 'k8s', evidence: ['tag kubernetes-cluster-name=k8s'] },
      [],
    ],
    [
      'owned by another controller: both, they may matter there',
      { controller: 'managed-by', managedBy: '/subscriptions/x/resourceGroups/y', evidence: ['managedBy'] },
      ['floating-ip', 'probe-port-differs'],
    ],
  ])('floating IP and a probe on another port, on a load balancer %s', (_case, owner, noteIds) => {
    // Act
    const { notes } = diagnoseLoadBalancer(serviceRule(owner));

    // Assess
    expect(
      notes.map((n) => n.id).filter((id) => id === 'floating-ip' || id === 'probe-port-differs'),
    ).toEqual(noteIds);
  });

  it('explains that a loopback-only listener fails the probe under floating IP', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-sql', port: 1433 })
      .pool('pool-sql')
      .rule({
        name: 'rule-sql',
        probe: 'probe-sql',
        pools: ['pool-sql'],
        frontendPort: 1433,
        backendPort: 1433,
        enableFloatingIP: true,
      })
      .vm({ name: 'vm-sql-1', nics: [{ ip: '10.0.0.4', pools: ['pool-sql'] }] })
      .build();

    // Act
    const { notes } = diagnoseLoadBalancer(topology);

    // Assess
    expect(notes[0]?.summary).toBe(
      "Rule rule-sql on lb-web uses floating IP: the app may listen on a loopback carrying the frontend IP, but probe probe-sql still targets each NIC's own IP on port 1433, so a listener bound only to the loopback fails the probe.",
    );
  });
});
