import { interpretHealthEntry, interpretRuleHealth, needsMetricFallback } from '../../src/diagnose/health';
import type { BackendHealth, RuleHealth } from '../../src/model/health';
import { ids, TopologyBuilder, webTopology } from '../helpers/topologyBuilder';

const RULE = ids.rule('rule-web');

function entry(overrides: Partial<BackendHealth>): BackendHealth {
  return { ruleId: RULE, source: 'rule-health', state: 'Down', ...overrides };
}

describe('interpretHealthEntry', () => {
  it.each([
    ['Up', 'Up_Probe_Success', 'up', 'none'],
    ['Up', 'Up_Probe_ApproachingUnhealthyThreshold', 'up', 'recheck'],
    ['Up', 'Up_Probe_AllDownIsUp', 'down', 'diagnose'],
    ['Up', 'Up_Admin', 'up', 'never-fix'],
    ['Up', 'Up_Platform', 'up', 'none'],
    ['Down', 'Down_Probe_TcpProbeTimeout', 'down', 'diagnose'],
    ['Down', 'Down_Probe_HttpEndpointUnreachable', 'down', 'diagnose'],
    ['Down', 'Down_Probe_HttpStatusCodeError', 'down', 'diagnose'],
    ['Down', 'Down_Probe_HttpNoResponse', 'down', 'diagnose'],
    ['Down', 'Down_Probe_ApproachingHealthyThreshold', 'down', 'recheck'],
    ['Down', 'Down_Admin', 'down', 'never-fix'],
    ['Down', 'Down_Platform', 'down', 'escalate'],
    ['Unknown', 'NA', 'unknown', 'recheck'],
    ['Down', 'Down_Some_Future_Code', 'down', 'diagnose'],
    ['Up', 'Up_Some_Future_Code', 'up', 'none'],
    ['Unknown', undefined, 'unknown', 'diagnose'],
  ] as const)('%s / %s -> %s, %s', (state, reason, expectedState, expectedAction) => {
    // Act
    const meaning = interpretHealthEntry({ state, reason });

    // Assess
    expect(meaning.state).toBe(expectedState);
    expect(meaning.action).toBe(expectedAction);
  });

  it('says what a TCP timeout points at', () => {
    // Act
    const meaning = interpretHealthEntry({ state: 'Down', reason: 'Down_Probe_TcpProbeTimeout' });

    // Assess
    expect(meaning.pointsAt).toBe(
      'the VM is unhealthy, the port is blocked, or nothing healthy listens on the probe port',
    );
  });
});

describe('needsMetricFallback', () => {
  it.each([
    ['Standard', true, false],
    ['Basic', true, true],
    ['Gateway', true, true],
    ['Standard', false, true],
  ] as const)('%s SKU, rule with probe %s -> %s', (sku, withProbe, expected) => {
    // Prepare
    const topology = new TopologyBuilder({ sku })
      .probe({ name: 'p' })
      .pool('pool')
      .rule({ name: 'r', pools: ['pool'], ...(withProbe ? { probe: 'p' } : {}) })
      .build();

    // Act
    const result = needsMetricFallback(topology, topology.rules[0]!);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('interpretRuleHealth', () => {
  it('maps each NIC IP configuration of a two-NIC VM separately', () => {
    // Prepare
    const topology = webTopology({ vmCount: 0 })
      .vm({
        name: 'vm-nva',
        nics: [
          { name: 'nic-nva-0', ip: '10.0.0.10', pools: ['pool-web'] },
          { name: 'nic-nva-1', ip: '10.0.0.11', pools: ['pool-web'] },
        ],
      })
      .build();
    const health: RuleHealth[] = [
      {
        ruleId: RULE,
        up: 1,
        down: 1,
        backends: [
          entry({
            ipConfigurationId: ids.ipConfig('nic-nva-0'),
            ipAddress: '10.0.0.10',
            state: 'Up',
            reason: 'Up_Probe_Success',
          }),
          // ARM spells the segment differently in the health answer: ids compare case-insensitively.
          entry({
            ipConfigurationId: ids.ipConfig('nic-nva-1').replace('ipConfigurations', 'IPConfigurations'),
            ipAddress: '10.0.0.11',
            reason: 'Down_Probe_TcpProbeTimeout',
          }),
        ],
      },
    ];

    // Act
    const statuses = interpretRuleHealth(topology, health);

    // Assess
    expect(statuses.map((s) => [s.backendKey, s.state, s.reason, s.source])).toEqual([
      [ids.ipConfig('nic-nva-0'), 'up', 'Up_Probe_Success', 'rule-health'],
      [ids.ipConfig('nic-nva-1'), 'down', 'Down_Probe_TcpProbeTimeout', 'rule-health'],
    ]);
  });

  it('matches an IP-based member by address', () => {
    // Prepare
    const topology = webTopology({ vmCount: 0 }).ipMember('pool-web', '10.0.0.20').build();
    const health: RuleHealth[] = [
      { ruleId: RULE, up: 0, down: 1, backends: [entry({ ipAddress: '10.0.0.20', reason: 'Down_Admin' })] },
    ];

    // Act
    const statuses = interpretRuleHealth(topology, health);

    // Assess
    expect(statuses).toEqual([
      {
        backendKey: ids.poolAddress('pool-web', 'addr-10-0-0-20'),
        ruleId: RULE,
        state: 'down',
        reason: 'Down_Admin',
        source: 'rule-health',
        action: 'never-fix',
        pointsAt: 'admin state Down overrides the probe',
      },
    ]);
  });

  it('keeps a backend the API left out (a stopped VM) as unknown, to be diagnosed', () => {
    // Prepare
    const topology = webTopology({ vmCount: 2 }).build();
    const health: RuleHealth[] = [
      {
        ruleId: RULE,
        up: 1,
        down: 0,
        backends: [
          entry({
            ipConfigurationId: ids.ipConfig('vm-web-1-nic0'),
            state: 'Up',
            reason: 'Up_Probe_Success',
          }),
        ],
      },
    ];

    // Act
    const statuses = interpretRuleHealth(topology, health);

    // Assess
    expect(statuses[1]).toMatchObject({
      backendKey: ids.ipConfig('vm-web-2-nic0'),
      state: 'unknown',
      source: 'rule-health',
      action: 'diagnose',
    });
    expect(statuses[1]?.reason).toBeUndefined();
  });

  it('uses the metric on a Basic load balancer and says so', () => {
    // Prepare
    const topology = webTopology({ sku: 'Basic' }).build();
    const health: RuleHealth[] = [
      { ruleId: RULE, up: 1, down: 0, backends: [entry({ ipAddress: '10.0.0.4', state: 'Up' })] },
    ];
    const metric: BackendHealth[] = [
      { ruleId: RULE, source: 'metric', ipAddress: '10.0.0.4', state: 'Down' },
    ];

    // Act
    const statuses = interpretRuleHealth(topology, health, metric);

    // Assess
    expect(statuses.map((s) => [s.state, s.source, s.action])).toEqual([['down', 'metric', 'diagnose']]);
  });

  it('falls back on the metric when the health API had no answer for the rule', () => {
    // Prepare
    const topology = webTopology().build();
    const metric: BackendHealth[] = [{ ruleId: '', source: 'metric', ipAddress: '10.0.0.4', state: 'Up' }];

    // Act
    const statuses = interpretRuleHealth(topology, [], metric);

    // Assess
    expect(statuses.map((s) => [s.state, s.source])).toEqual([['up', 'metric']]);
  });

  it('reports no source when neither answered', () => {
    // Prepare
    const topology = webTopology().build();

    // Act
    const statuses = interpretRuleHealth(topology, []);

    // Assess
    expect(statuses).toEqual([
      {
        backendKey: ids.ipConfig('vm-web-1-nic0'),
        ruleId: RULE,
        state: 'unknown',
        action: 'diagnose',
        pointsAt: 'no health data: neither the per-rule health API nor the metric answered',
      },
    ]);
  });

  it('skips a rule without a probe unless the metric has data for it', () => {
    // Prepare
    const topology = new TopologyBuilder()
      .pool('pool-web')
      .rule({ name: 'rule-web', pools: ['pool-web'] })
      .vm({ name: 'vm-web-1', nics: [{ ip: '10.0.0.4', pools: ['pool-web'] }] })
      .build();
    const metric: BackendHealth[] = [
      { ruleId: RULE, source: 'metric', ipAddress: '10.0.0.4', state: 'Down' },
    ];

    // Act
    const without = interpretRuleHealth(topology, []);
    const withMetric = interpretRuleHealth(topology, [], metric);

    // Assess
    expect(without).toEqual([]);
    expect(withMetric.map((s) => [s.state, s.source])).toEqual([['down', 'metric']]);
  });
});
