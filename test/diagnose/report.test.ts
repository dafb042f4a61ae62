import type { BackendProbeStatus } from '../../src/diagnose/health';
import type { BackendDiagnosis } from '../../src/diagnose/report';
import { buildDiagnosisReport } from '../../src/diagnose/report';
import type { Topology } from '../../src/model/topology';
import { ids, TopologyBuilder, webTopology } from '../helpers/topologyBuilder';

const KEY1 = ids.ipConfig('vm-web-1-nic0');
const KEY2 = ids.ipConfig('vm-web-2-nic0');

const status = (backendKey: string, overrides: Partial<BackendProbeStatus> = {}): BackendProbeStatus => ({
  backendKey,
  ruleId: ids.rule('rule-web'),
  state: 'up',
  reason: 'Up_Probe_Success',
  source: 'rule-health',
  action: 'none',
  pointsAt: '',
  ...overrides,
});

const nsgCause: BackendDiagnosis = {
  backendKey: KEY2,
  causes: [{ id: 'nsg-blocks-probe', summary: 'NSG nsg-web (subnet) rule DenyAllInbound ...' }],
};

describe('buildDiagnosisReport', () => {
  it.each<[string, Topology, BackendProbeStatus[], BackendDiagnosis[], string]>([
    ['all up', webTopology({ vmCount: 2 }).build(), [status(KEY1), status(KEY2)], [], 'healthy'],
    [
      'one down with a cause',
      webTopology({ vmCount: 2 }).build(),
      [
        status(KEY1),
        status(KEY2, { state: 'down', reason: 'Down_Probe_TcpProbeTimeout', action: 'diagnose' }),
      ],
      [nsgCause],
      'action-required',
    ],
    [
      'admin Down only',
      webTopology().build(),
      [status(KEY1, { state: 'down', reason: 'Down_Admin', action: 'never-fix' })],
      [],
      'healthy',
    ],
    [
      'all up but a load-balancer cause (HTTP probe on port 25)',
      webTopology({ probe: { protocol: 'Http', port: 25, requestPath: '/' } }).build(),
      [status(KEY1)],
      [],
      'action-required',
    ],
    [
      'unknown state with a cause (stopped VM)',
      webTopology().build(),
      [status(KEY1, { state: 'unknown', reason: undefined, action: 'diagnose' })],
      [{ backendKey: KEY1, causes: [{ id: 'vm-not-running', summary: 'VM vm-web-1 is stopped: ...' }] }],
      'action-required',
    ],
  ])('%s -> %s', (_case, topology, statuses, backendDiagnoses, verdict) => {
    // Act
    const report = buildDiagnosisReport({ topology, statuses, backendDiagnoses });

    // Assess
    expect(report.verdict).toBe(verdict);
    expect(report.mode).toBe('observe');
    expect(report.fixes).toEqual([]);
  });

  it('reports each backend with its state, reason, source and causes', () => {
    // Prepare
    const topology = webTopology({ vmCount: 2 }).build();
    topology.problems.push({
      resourceId: ids.nsg('nsg-other'),
      kind: 'forbidden',
      statusCode: 403,
      message: 'AuthorizationFailed',
    });
    const statuses = [
      status(KEY1),
      status(KEY2, {
        state: 'down',
        reason: 'Down_Probe_TcpProbeTimeout',
        action: 'diagnose',
        source: 'metric',
      }),
    ];

    // Act
    const report = buildDiagnosisReport({
      topology,
      statuses,
      backendDiagnoses: [nsgCause],
      runId: 'run-1',
      alertId: 'alert-1',
    });

    // Assess
    expect(report).toEqual({
      loadBalancerId: ids.lb(),
      runId: 'run-1',
      alertId: 'alert-1',
      mode: 'observe',
      verdict: 'action-required',
      whoMustAct: 'customer',
      causes: [],
      backends: [
        {
          ipConfigurationId: KEY1,
          ipAddress: '10.0.0.4',
          vmId: ids.vm('vm-web-1'),
          probeState: 'up',
          healthReason: 'Up_Probe_Success',
          healthSource: 'rule-health',
          causes: [],
        },
        {
          ipConfigurationId: KEY2,
          ipAddress: '10.0.0.5',
          vmId: ids.vm('vm-web-2'),
          probeState: 'down',
          healthReason: 'Down_Probe_TcpProbeTimeout',
          healthSource: 'metric',
          causes: nsgCause.causes,
        },
      ],
      fixes: [],
      problems: [{ resourceId: ids.nsg('nsg-other'), kind: 'forbidden', message: 'AuthorizationFailed' }],
    });
  });

  it('merges a backend failing on two rules into one entry with the worst state', () => {
    // Prepare
    const topology = webTopology()
      .probe({ name: 'probe-https', port: 443 })
      .rule({
        name: 'rule-https',
        probe: 'probe-https',
        pools: ['pool-web'],
        frontendPort: 443,
        backendPort: 443,
      })
      .build();
    const statuses = [
      status(KEY1),
      status(KEY1, {
        ruleId: ids.rule('rule-https'),
        state: 'down',
        reason: 'Down_Probe_TcpProbeTimeout',
        action: 'diagnose',
      }),
    ];
    const cause = { id: 'not-listening' as const, summary: 'Nothing listens on 443' };

    // Act
    const report = buildDiagnosisReport({
      topology,
      statuses,
      backendDiagnoses: [
        { backendKey: KEY1, ruleId: ids.rule('rule-https'), causes: [cause] },
        { backendKey: KEY1, ruleId: ids.rule('rule-web'), causes: [cause] },
      ],
    });

    // Assess
    expect(report.backends).toHaveLength(1);
    expect(report.backends[0]).toMatchObject({
      probeState: 'down',
      healthReason: 'Down_Probe_TcpProbeTimeout',
      causes: [cause],
    });
  });

  it('puts an empty pool in the top-level causes and floating IP in the notes', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .probe({ name: 'probe-web' })
      .pool('pool-empty')
      .rule({ name: 'rule-web', probe: 'probe-web', pools: ['pool-empty'], enableFloatingIP: true })
      .build();

    // Act
    const report = buildDiagnosisReport({ topology, statuses: [], backendDiagnoses: [] });

    // Assess
    expect([report.verdict, report.whoMustAct]).toEqual(['action-required', 'customer']);
    expect(report.causes.map((c) => c.id)).toEqual(['backend-pool-empty']);
    expect(report.notes?.map((n) => n.id)).toEqual(['floating-ip']);
    expect(report.backends).toEqual([]);
  });
});
