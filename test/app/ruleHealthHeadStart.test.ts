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

/** A reader that counts its calls; `failing` rule names reject. */
function countingReader(failing: string[] = []) {
  const asked: string[] = [];
  const reader: Pick<AzureReader, 'getRuleHealth' | 'getDipAvailability'> = {
    getRuleHealth: (lbId, ruleName) => {
      asked.push(`health ${ruleName}`);
      if (failing.includes(ruleName)) {
        return Promise.reject(new AzureCallError('rule health failed', lbId, 500, 'InternalServerError'));
      }
      const ruleId = `${lbId}/loadBalancingRules/${ruleName}`;
      return Promise.resolve({ ruleId, up: 0, down: 0, backends: [] } satisfies RuleHealth);
    },
    getDipAvailability: () => {
      asked.push('metric');
      return Promise.resolve([] as BackendHealth[]);
    },
  };
  return { reader, asked };
}

describe('startRuleHealth and readProbeHealth', () => {
  it('reads each probed rule once: the read started from the list is the one used', async () => {
    // Prepare
    const { reader, asked } = countingReader();
    const rules = [ruleOf('r80'), ruleOf('r443'), ruleOf('unprobed', false)];

    // Act
    const started = startRuleHealth(reader, LB, rules);
    const health = await readProbeHealth(reader, withRules(rules), undefined, started);

    // Assess: no read for the rule without a probe from the list; the metric stands in for it.
    expect(asked).toEqual(['health r80', 'health r443', 'metric']);
    expect(health.map((h) => h.ruleId)).toEqual([
      `${LB}/loadBalancingRules/r80`,
      `${LB}/loadBalancingRules/r443`,
      `${LB}/loadBalancingRules/unprobed`,
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
    expect(health.map((h) => h.ruleId)).toEqual([
      `${LB}/loadBalancingRules/r80`,
      `${LB}/loadBalancingRules/added`,
    ]);
  });

  it.each([
    ['Basic', [] as string[], []],
    ['Gateway', ['metric'], [`${LB}/loadBalancingRules/r80`]],
  ] as const)(
    'uses no started read on a %s load balancer, and reports none that failed',
    async (sku, after, ruleIds) => {
      // Prepare
      const { reader, asked } = countingReader(['r80']);
      const problems: HealthReadProblem[] = [];

      // Act
      const started = startRuleHealth(reader, LB, [ruleOf('r80')]);
      const health = await readProbeHealth(
        reader,
        withRules([ruleOf('r80')], sku),
        (p) => problems.push(p),
        started,
      );

      // Assess: Basic has neither source; Gateway's health comes from the metric.
      expect(asked).toEqual(['health r80', ...after]);
      expect(health.map((h) => h.ruleId)).toEqual(ruleIds);
      expect(health.every((h) => h.backends.every((b) => b.source === 'metric'))).toBe(true);
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
      { ruleId: `${LB}/loadBalancingRules/r80`, message: 'rule health: rule health failed' },
    ]);
    expect(health).toEqual([{ ruleId: `${LB}/loadBalancingRules/r80`, up: 0, down: 0, backends: [] }]);
  });
});

describe('discoverHealthFirst against the sandbox', () => {
  it("asks for the rules' health before the load balancer's answer has arrived, and once per rule", async () => {
    // Prepare: the load balancer's answer is held until the health is asked for (or 5 s have passed).
    const scaled = scaledScenario(30, { failing: 2 });
    const sandbox = await startSandbox({ scenario: scaled.scenario });
    const events: string[] = [];
    let healthAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (healthAsked = resolve));
    try {
      const clientsFor = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
      const sdkTopology = createSdkTopologyReader(clientsFor);
      const sdkReader = createSdkAzureReader(clientsFor);
      const topologyReader: TopologyReader = {
        ...sdkTopology,
        getLoadBalancer: async (id, beforePools) => {
          const held = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
          await Promise.race([asked, held]);
          const lb = await sdkTopology.getLoadBalancer(id, beforePools);
          events.push('load balancer answered');
          return lb;
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
      expect(events).toEqual(['health of rule-orders-http asked', 'load balancer answered']);
      expect(run.health.map((h) => h.down)).toEqual([2]);
      const posts = sandbox.requestLog.filter((e) => e.method === 'POST' && /\/health$/i.test(e.path));
      expect(posts).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  });
});
