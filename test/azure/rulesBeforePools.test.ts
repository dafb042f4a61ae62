/**
 * The load balancer's rules are announced before its pools are converted (src/azure/discovery.ts,
 * src/azure/topologyReader.ts `beforePools`): a caller that reads the rules' health has its requests
 * out while the bulk of a large answer is still being converted. Against the sandbox through the real
 * SDK; the order of events, never times.
 */
import { scaledScenario } from '../../bench/scaledScenario';
import { createClientFactory, type ClientsForSubscription } from '../../src/azure/clients';
import { discoverTopology, type RulesView, type TopologyReader } from '../../src/azure/discovery';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { startSandbox } from '../../src/sandbox/server';

describe('the rules are announced before the pools are read', () => {
  it('announces them once, from the answer without its pools, before the whole answer is returned', async () => {
    // Prepare
    const scaled = scaledScenario(30, { failing: 2 });
    const sandbox = await startSandbox({ scenario: scaled.scenario });
    const events: string[] = [];
    const views: RulesView[] = [];
    let poolsSeenEarly: unknown = 'not called';
    try {
      const inner = createSdkTopologyReader(
        createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
      );
      const reader: TopologyReader = {
        ...inner,
        getLoadBalancer: async (id, beforePools) => {
          const lb = await inner.getLoadBalancer(
            id,
            beforePools &&
              ((early) => {
                events.push('without pools');
                poolsSeenEarly = early.backendAddressPools;
                beforePools(early);
              }),
          );
          events.push('whole answer');
          return lb;
        },
      };
      // Act
      const topology = await discoverTopology(reader, scaled.loadBalancerId, {
        rulesKnown: (view) => {
          events.push('rules known');
          views.push(view);
        },
      });
      // Assess
      expect(events).toEqual(['without pools', 'rules known', 'whole answer']);
      expect(poolsSeenEarly).toBeUndefined();
      expect(views).toHaveLength(1);
      expect(views[0]?.rules).toEqual(topology.rules);
      expect(views[0]?.probes).toEqual(topology.probes);
      expect(views[0]?.loadBalancer.sku).toBe(topology.loadBalancer.sku);
      expect(topology.backends).toHaveLength(30);
    } finally {
      await sandbox.stop();
    }
  });

  it('announces them once from the whole answer when the reader does not call back early', async () => {
    // Prepare: a reader that ignores `beforePools` (as a test double may).
    const scaled = scaledScenario(5, { failing: 1 });
    const sandbox = await startSandbox({ scenario: scaled.scenario });
    const events: string[] = [];
    try {
      const inner = createSdkTopologyReader(
        createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
      );
      const reader: TopologyReader = {
        ...inner,
        getLoadBalancer: async (id) => {
          const lb = await inner.getLoadBalancer(id);
          events.push('whole answer');
          return lb;
        },
      };
      // Act
      await discoverTopology(reader, scaled.loadBalancerId, { rulesKnown: () => events.push('rules known') });
      // Assess
      expect(events).toEqual(['whole answer', 'rules known']);
    } finally {
      await sandbox.stop();
    }
  });

  it('builds the compute client while the health is read, before any VM is', async () => {
    // Prepare: clients that say when the compute client is first asked for.
    const scaled = scaledScenario(5, { failing: 1 });
    const sandbox = await startSandbox({ scenario: scaled.scenario });
    const events: string[] = [];
    try {
      const factory = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
      const clientsFor: ClientsForSubscription = (subscriptionId) => {
        const clients = factory(subscriptionId);
        return new Proxy(clients, {
          get: (target, key, receiver) => {
            if (key === 'compute' && !events.includes('compute client')) events.push('compute client');
            return Reflect.get(target, key, receiver) as unknown;
          },
        });
      };
      const inner = createSdkTopologyReader(clientsFor);
      const reader: TopologyReader = {
        ...inner,
        getLoadBalancer: async (id, beforePools) => {
          const lb = await inner.getLoadBalancer(id, beforePools);
          events.push('whole answer');
          return lb;
        },
        getVirtualMachine: (id) => {
          events.push('VM read');
          return inner.getVirtualMachine(id);
        },
      };

      // Act
      await discoverTopology(reader, scaled.loadBalancerId, {
        rulesKnown: () => events.push('rules known'),
      });

      // Assess
      expect(events.slice(0, 3)).toEqual(['rules known', 'compute client', 'whole answer']);
      expect(events).toContain('VM read');
    } finally {
      await sandbox.stop();
    }
  });
});
