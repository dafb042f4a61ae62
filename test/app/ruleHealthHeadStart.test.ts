/**
 * The rules' health started from the rules' own list (src/app/health.ts `startRuleHealth`,
 * src/app/discovery.ts): the reads are the ones `readProbeHealth` would make, sent before the load
 * balancer's answer has arrived, and used only where the load balancer's SKU says the health API
 * answers. Pure with a fake reader, then against the sandbox through the real SDK (the order of
 * events, never times).
 */
import { scaledScenario } from '../../bench/scaledScenario';
import { discoverHealthFirst } from '../../src/app/discovery';
import { readProbeHealth, startRuleHealth, type HealthReadProblem } from '../../src/app/health';
import { createClientFactory } from '../../src/azure/clients';
import type { TopologyReader } from '../../src/azure/discovery';
import { createSdkAzureReader, type AzureReader } from '../../src/azure/reader';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { AzureCallError } from '../../src/errors';
import type { BackendHealth, RuleHealth } from '../../src/model/health';
import type { LoadBalancingRuleInfo, Topology } from '../../src/model/topology';
import { startSandbox } from '../../src/sandbox/server';
import { topologyWith } from '../workflow/fakes';

const view = topologyWith(2);
const LB = view.loadBalancer.id;
const ruleOf = (name: string, probed = true): LoadBalancingRuleInfo => ({
  ...(view.rules[0] as LoadBalancingRuleInfo),
  id: `${LB}/loadBalancingRules/${name}`,
  name,
  ...(probed ? {} : { probeId: undefined }),
});
const withRules = (
  rules: LoadBalancingRuleInfo[],
  sku: Topology['loadBalancer']['sku'] = 'Standard',
): Topology => ({ ...view, loadBalancer: { ...view.loadBalancer, sku }, rules });

/**
 * A reader that counts its calls: a rule's health names one backend Up (a rule in `failing` rejects);
 * the metric names the same backend Down.
 */
function countingReader(failing: string[] = []) {
  const asked: string[] = [];
  const reader: Pick<AzureReader, 'getRuleHealth' | 'getDipAvailability'> = {
    getRuleHealth: (lbId, ruleName) => {
      asked.push(`health ${ruleName}`);
      if (failing.includes(ruleName)) {
        return Promise.reject(new AzureCallError('rule health failed', lbId, 500, 'InternalServerError'));
      }
      const ruleId = `${lbId}/loadBalancingRules/${ruleName}`;
      return Promise.resolve({
        ruleId,
        up: 1,
        down: 0,
        backends: [{ ruleId, source: 'rule-health', state: 'Up', ipAddress: '10.0.0.4' }],
      } satisfies RuleHealth);
    },
    getDipAvailability: () => {
      asked.push('metric');
      return Promise.resolve([
        { ruleId: LB, source: 'metric', state: 'Down', ipAddress: '10.0.0.4' },
      ] satisfies BackendHealth[]);
    },
  };
  return { reader, asked };
}

/** Each rule's entries, as `source state`. */
const entriesOf = (health: RuleHealth[]) =>
  health.map((h) => [h.ruleId.split('/').pop(), h.backends.map((b) => `${b.source} ${b.state}`)]);

describe('startRuleHealth and readProbeHealth', () => {
  it('reads each probed rule once: the read started from the list is the one used', async () => {
    // Prepare
    const { reader, asked } = countingReader();
    const rules = [ruleOf('r80'), ruleOf('r443'), ruleOf('unprobed', false)];

    // Act
    const started = startRuleHealth(reader, LB, rules);
    const health = await readProbeHealth(reader, withRules(rules), undefined, started);

    // Assess: no read for the rule without a probe; the metric stands in for it.
    expect(asked).toEqual(['health r80', 'health r443', 'metric']);
    expect(entriesOf(health)).toEqual([
      ['r80', ['rule-health Up']],
      ['r443', ['rule-health Up']],
      ['unprobed', ['metric Down']],
    ]);
  });

  it("reads a rule the list did not have yet, and leaves out one the load balancer's answer no longer has", async () => {
    // Prepare
    const { reader, asked } = countingReader();

    // Act
    const started = startRuleHealth(reader, LB, [ruleOf('r80'), ruleOf('gone')]);
    const health = await readProbeHealth(
      reader,
      withRules([ruleOf('r80'), ruleOf('added')]),
      undefined,
      started,
    );

    // Assess
    expect(asked).toEqual(['health r80', 'health gone', 'health added']);
    expect(entriesOf(health)).toEqual([
      ['r80', ['rule-health Up']],
      ['added', ['rule-health Up']],
    ]);
  });

  it.each([
    ['Basic', [], [], []],
    ['Basic', ['r80'], [], []],
    ['Gateway', [], ['metric'], [['r80', ['metric Down']]]],
    ['Gateway', ['r80'], ['metric'], [['r80', ['metric Down']]]],
  ] as const)(
    'uses no started read on a %s load balancer (failing: %j), and reports none',
    async (sku, failing, after, entries) => {
      // Prepare: a started read that succeeds (one backend Up), or one that fails.
      const { reader, asked } = countingReader([...failing]);
      const problems: HealthReadProblem[] = [];

      // Act
      const started = startRuleHealth(reader, LB, [ruleOf('r80')]);
      const health = await readProbeHealth(
        reader,
        withRules([ruleOf('r80')], sku),
        (p) => problems.push(p),
        started,
      );

      // Assess: Basic has neither source; Gateway's health comes from the metric alone.
      expect(asked).toEqual(['health r80', ...after]);
      expect(entriesOf(health)).toEqual(entries);
      expect(problems).toEqual([]);
    },
  );

  it('reports a started read that failed as a read made now would be, and falls back to the metric', async () => {
    // Prepare
    const { reader, asked } = countingReader(['r80']);
    const problems: HealthReadProblem[] = [];

    // Act
    const started = startRuleHealth(reader, LB, [ruleOf('r80')]);
    const health = await readProbeHealth(
      reader,
      withRules([ruleOf('r80')]),
      (p) => problems.push(p),
      started,
    );

    // Assess
    expect(asked).toEqual(['health r80', 'metric']);
    expect(problems).toEqual([
      { ruleId: `${LB}/loadBalancingRules/r80`, message: 'rule health: rule health failed', statusCode: 500 },
    ]);
    expect(entriesOf(health)).toEqual([['r80', ['metric Down']]]);
  });

  it("reads the health under the load balancer's id as ARM spells it in the rule, not as the caller did", async () => {
    // Prepare: the run was started with the id lower-cased (an alert's spelling).
    const { reader } = countingReader();

    // Act
    const started = startRuleHealth(reader, LB.toLowerCase(), [ruleOf('r80')]);
    const health = await readProbeHealth(reader, withRules([ruleOf('r80')]), undefined, started);

    // Assess
    expect(health.map((h) => h.ruleId)).toEqual([`${LB}/loadBalancingRules/r80`]);
  });
});

describe('discoverHealthFirst against the sandbox', () => {
  it("asks for the rules' health before the load balancer's GET is released, and once per rule", async () => {
    // Prepare: the load balancer's GET is held until the health is asked for, or for 5 s.
    const scaled = scaledScenario(30, { failing: 2 });
    const sandbox = await startSandbox({ scenario: scaled.scenario });
    const events: string[] = [];
    let healthAsked: () => void = () => undefined;
    const asked = new Promise<string>((resolve) => (healthAsked = () => resolve('the health asked')));
    try {
      const clientsFor = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
      const sdkTopology = createSdkTopologyReader(clientsFor);
      const sdkReader = createSdkAzureReader(clientsFor);
      const topologyReader: TopologyReader = {
        ...sdkTopology,
        getLoadBalancer: async (id, beforePools) => {
          const held = new Promise<string>((resolve) => setTimeout(() => resolve('5 s'), 5000).unref());
          events.push(`load balancer's GET released by ${await Promise.race([asked, held])}`);
          return sdkTopology.getLoadBalancer(id, beforePools);
        },
      };
      const reader: AzureReader = {
        ...sdkReader,
        getRuleHealth: (lbId, ruleName) => {
          events.push(`health of ${ruleName} asked`);
          healthAsked();
          return sdkReader.getRuleHealth(lbId, ruleName);
        },
      };

      // Act
      const run = await discoverHealthFirst(topologyReader, reader, scaled.loadBalancerId);

      // Assess
      expect(events).toEqual([
        'health of rule-orders-http asked',
        "load balancer's GET released by the health asked",
      ]);
      expect(run.health.map((h) => h.down)).toEqual([2]);
      const posts = sandbox.requestLog.filter((e) => e.method === 'POST' && /\/health$/i.test(e.path));
      expect(posts).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  });
});
