import type { BackendDiagnosisInput } from '../../src/diagnose/backend';
import { diagnoseBackend, diagnoseBackendFindings, orderCauses } from '../../src/diagnose/backend';
import type { BackendProbeStatus } from '../../src/diagnose/health';
import type { GuestEvidence, VmHealthEvidence } from '../../src/model/evidence';
import { fail, ok } from '../../src/model/result';
import { effectiveRoute, guestEvidence, systemRoutes, vmHealth } from '../helpers/evidenceBuilder';
import type { TopologyBuilder } from '../helpers/topologyBuilder';
import { backendOf, ids, securityRule, webTopology } from '../helpers/topologyBuilder';

const down = (overrides: Partial<BackendProbeStatus> = {}): BackendProbeStatus => ({
  backendKey: ids.ipConfig('vm-web-1-nic0'),
  ruleId: ids.rule('rule-web'),
  state: 'down',
  reason: 'Down_Probe_TcpProbeTimeout',
  source: 'rule-health',
  action: 'diagnose',
  pointsAt: 'the VM is unhealthy, the port is blocked, or nothing healthy listens on the probe port',
  ...overrides,
});

function input(
  builder: TopologyBuilder,
  evidence: {
    status?: Partial<BackendProbeStatus>;
    vm?: Partial<VmHealthEvidence>;
    guest?: Partial<GuestEvidence> | 'failed';
  } & Pick<BackendDiagnosisInput, 'effectiveRoutes' | 'effectiveNsgs'> = {},
): BackendDiagnosisInput {
  const topology = builder.build();
  const backend = backendOf(topology, 'vm-web-1-nic0');
  return {
    topology,
    backend,
    probe: topology.probes[0]!,
    rule: topology.rules[0]!,
    status: down(evidence.status),
    vmHealth: ok(vmHealth(ids.vm('vm-web-1'), evidence.vm)),
    guest:
      evidence.guest === 'failed'
        ? fail({
            message: 'Run command extension execution is in progress.',
            statusCode: 409,
            retryable: true,
          })
        : ok(guestEvidence(evidence.guest)),
    ...(evidence.effectiveRoutes ? { effectiveRoutes: evidence.effectiveRoutes } : {}),
    ...(evidence.effectiveNsgs ? { effectiveNsgs: evidence.effectiveNsgs } : {}),
  };
}

const denySubnet = () =>
  webTopology()
    .nsg('nsg-web', [securityRule({ name: 'DenyAllInbound', priority: 4000, access: 'Deny' })])
    .subnetNsg('snet-web', 'nsg-web');

describe('diagnoseBackend', () => {
  it.each<[string, BackendDiagnosisInput, string[]]>([
    ['all checks pass', input(webTopology()), ['unknown']],
    [
      'VM deallocated (guest check skipped)',
      input(webTopology(), { vm: { powerState: 'deallocated' }, guest: { listening: [] } }),
      ['vm-not-running'],
    ],
    ['agent not ready', input(webTopology(), { vm: { agentStatus: 'not-ready' } }), ['vm-unhealthy']],
    ['subnet NSG deny', input(denySubnet()), ['nsg-blocks-probe']],
    [
      'NSG deny, guest firewall drop, and nothing listening, in path order',
      input(denySubnet(), {
        guest: {
          listening: [{ protocol: 'tcp', address: '127.0.0.1', port: 80 }],
          firewall: [
            { tool: 'iptables', active: true, decision: 'deny', rule: '-A INPUT -p tcp --dport 80 -j DROP' },
          ],
        },
      }),
      ['nsg-blocks-probe', 'guest-firewall-blocks-probe', 'not-listening'],
    ],
    [
      'listener on :: passes',
      input(webTopology(), { guest: { listening: [{ protocol: 'tcp', address: '::', port: 80 }] } }),
      ['unknown'],
    ],
    [
      'a 0.0.0.0/0 UDR to an appliance alone yields no route cause',
      input(webTopology(), {
        effectiveRoutes: ok([
          ...systemRoutes(),
          effectiveRoute({
            source: 'User',
            addressPrefixes: ['0.0.0.0/0'],
            nextHopType: 'VirtualAppliance',
            nextHopIpAddresses: ['10.0.1.4'],
          }),
        ]),
      }),
      ['unknown'],
    ],
    [
      'a UDR for 168.63.129.16/32 itself yields no route cause',
      input(webTopology(), {
        effectiveRoutes: ok([
          ...systemRoutes(),
          effectiveRoute({ source: 'User', addressPrefixes: ['168.63.129.16/32'], nextHopType: 'None' }),
        ]),
      }),
      ['unknown'],
    ],
    [
      'approaching healthy threshold: no unknown',
      input(webTopology(), {
        status: { reason: 'Down_Probe_ApproachingHealthyThreshold', action: 'recheck' },
      }),
      [],
    ],
    [
      'admin Down: never diagnosed',
      input(denySubnet(), { status: { reason: 'Down_Admin', action: 'never-fix' } }),
      [],
    ],
    [
      'platform Down: escalate',
      input(webTopology(), { status: { reason: 'Down_Platform', action: 'escalate' } }),
      ['unknown'],
    ],
    [
      'up and healthy',
      input(denySubnet(), { status: { state: 'up', reason: 'Up_Probe_Success', action: 'none' } }),
      [],
    ],
  ])('%s', (_case, diagnosisInput, causeIds) => {
    // Act
    const causes = diagnoseBackend(diagnosisInput);

    // Assess
    expect(causes.map((c) => c.id)).toEqual(causeIds);
  });

  it('escalates with what was checked when every check passed', () => {
    // Act
    const [cause] = diagnoseBackend(input(webTopology(), { effectiveRoutes: ok(systemRoutes()) }));

    // Assess
    expect(cause).toEqual({
      id: 'unknown',
      summary:
        'Every check passed for vm-web-1 (vm-web-1-nic0, 10.0.0.4) and probe probe-web on port 80 still fails (reason Down_Probe_TcpProbeTimeout): escalate with simultaneous traces.',
      evidence: {
        ruleId: ids.rule('rule-web'),
        probeId: ids.probe('probe-web'),
        reason: 'Down_Probe_TcpProbeTimeout',
        healthSource: 'rule-health',
        pointsAt: 'the VM is unhealthy, the port is blocked, or nothing healthy listens on the probe port',
        checked: [
          'VM power state, provisioning state, guest agent and Resource Health',
          'NSGs on the probe path to port 80 (no NSG on the subnet or the NIC)',
          'guest firewall (ufw inactive)',
          'listening sockets (ss)',
          'effective routes (not blamed: user-defined routes do not apply to 168.63.129.16)',
        ],
        guestChecked: true,
      },
    });
  });

  it('keeps a backend whose Run Command failed at unknown, saying the guest was not checked', () => {
    // Act
    const findings = diagnoseBackendFindings(input(webTopology(), { guest: 'failed' }));

    // Assess
    expect(findings.causes.map((c) => [c.id, c.summary])).toEqual([
      [
        'unknown',
        'No cause found for vm-web-1 (vm-web-1-nic0, 10.0.0.4) failing probe probe-web (reason Down_Probe_TcpProbeTimeout), but its guest could not be checked: check the guest before escalating (a listener or a guest firewall would show there).',
      ],
    ]);
    expect(findings.causes[0]?.evidence).toMatchObject({ guestChecked: false });
    expect(findings.notes.map((n) => n.id)).toEqual(['guest-unchecked']);
  });

  it('does not turn a failed Run Command into a cause when the NSG explains the failure', () => {
    // Act
    const causes = diagnoseBackend(input(denySubnet(), { guest: 'failed' }));

    // Assess
    expect(causes.map((c) => c.id)).toEqual(['nsg-blocks-probe']);
  });

  it.each<[string, TopologyBuilder, boolean]>([
    ['nothing else explains the failure', webTopology(), true],
    ['an NSG deny explains it', denySubnet(), false],
  ])('mentions TCP timestamps only when %s', (_case, builder, mentioned) => {
    // Act
    const { notes } = diagnoseBackendFindings(input(builder, { guest: { tcpTimestamps: true } }));

    // Assess
    expect(notes.some((n) => n.id === 'tcp-timestamps')).toBe(mentioned);
  });

  it('notes an admin state without blaming anything', () => {
    // Act
    const findings = diagnoseBackendFindings(
      input(denySubnet(), { status: { reason: 'Down_Admin', action: 'never-fix' } }),
    );

    // Assess
    expect(findings.notes.map((n) => n.summary)).toEqual([
      'vm-web-1 (vm-web-1-nic0, 10.0.0.4) is down for rule rule-web because its admin state overrides the probe (reason Down_Admin); probe-doctor does not change it.',
    ]);
  });

  it('adds the peer path note when a UDR diverts the validation path', () => {
    // Prepare
    const base = input(webTopology({ vmCount: 2 }));
    const peer = backendOf(base.topology, 'vm-web-2-nic0');

    // Act
    const findings = diagnoseBackendFindings({
      ...base,
      effectiveRoutes: ok(systemRoutes()),
      peer: {
        backend: peer,
        effectiveRoutes: ok([
          ...systemRoutes(),
          effectiveRoute({
            source: 'User',
            addressPrefixes: ['10.0.0.4/32'],
            nextHopType: 'VirtualAppliance',
            nextHopIpAddresses: ['10.0.1.4'],
          }),
        ]),
      },
    });

    // Assess
    expect(findings.causes.map((c) => c.id)).toEqual(['unknown']);
    expect(findings.notes.map((n) => n.id)).toEqual(['peerPathRoutes']);
  });
});

describe('orderCauses', () => {
  it('orders along the probe path and drops repeats', () => {
    // Prepare
    const causes = [
      { id: 'not-listening' as const, summary: 'b' },
      { id: 'nsg-blocks-probe' as const, summary: 'a' },
      { id: 'not-listening' as const, summary: 'b' },
      { id: 'vm-unhealthy' as const, summary: 'c' },
    ];

    // Act
    const ordered = orderCauses(causes);

    // Assess
    expect(ordered.map((c) => c.id)).toEqual(['vm-unhealthy', 'nsg-blocks-probe', 'not-listening']);
  });
});
