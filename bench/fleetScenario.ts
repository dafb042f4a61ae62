/**
 * Fleet scenarios for the sweep: several load balancers in several subscriptions and resource groups,
 * each a shipped scenario (ARM GET bodies as Azure returns them) moved to its own subscription and
 * resource group by rewriting every id, so the sandbox serves each one as consistent as the original.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, type Scenario } from '../src/sandbox/scenario';

/** scenarios/ from bench/ (ts-jest) or from dist/bench/ (the compiled benchmark). */
const SCENARIOS = [join(__dirname, '..', 'scenarios'), join(__dirname, '..', '..', 'scenarios')].find((dir) =>
  existsSync(join(dir, 'healthy.json')),
) as string;
const SHIPPED_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** One shipped scenario, moved. `edit` changes its load balancer (SKU, probes) after the move. */
export interface FleetMember {
  /** File name under scenarios/, without `.json`. */
  from: string;
  /** Its resource group in the shipped file. */
  resourceGroup: string;
  subscriptionId: string;
  /** The new resource group name. */
  newResourceGroup: string;
  edit?: (loadBalancer: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The id prefix of a subscription's resource group. */
export const groupId = (subscriptionId: string, group: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${group}`;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function moved(member: FleetMember): {
  resources: Record<string, unknown>[];
  guests: Record<string, unknown>;
} {
  const text = readFileSync(join(SCENARIOS, `${member.from}.json`), 'utf8');
  // Ids spell the group in any case (ARM back-references do); the rewrite keeps ARM's id shape.
  const from = new RegExp(escape(groupId(SHIPPED_SUBSCRIPTION, member.resourceGroup)), 'gi');
  const doc = JSON.parse(text.replace(from, groupId(member.subscriptionId, member.newResourceGroup))) as {
    resources: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    guests: Record<string, unknown>;
  };
  const lb = doc.resources.find((r) => String(r.type).toLowerCase() === 'microsoft.network/loadbalancers');
  if (lb && member.edit) member.edit(lb);
  return { resources: doc.resources, guests: doc.guests };
}

/** Builds one scenario from several moved members. */
export function fleetScenario(
  name: string,
  members: readonly FleetMember[],
  forbidden: string[] = [],
): Scenario {
  const parts = members.map(moved);
  return parseScenario(
    {
      name,
      resources: parts.flatMap((p) => p.resources),
      guests: Object.assign({}, ...parts.map((p) => p.guests)) as Record<string, unknown>,
      ...(forbidden.length > 0 ? { forbidden } : {}),
    },
    name,
  );
}

export const SUB_A = '1a1a1a1a-0000-4000-8000-000000000001';
export const SUB_B = '2b2b2b2b-0000-4000-8000-000000000002';

/** The load balancer id of a moved member. */
export const lbIdOf = (subscriptionId: string, group: string, name: string) =>
  `${groupId(subscriptionId, group)}/providers/Microsoft.Network/loadBalancers/${name}`;

/**
 * The sweep's acceptance fleet, over two subscriptions:
 * - SUB_A/rg-orders: lbi-orders-prod, two backends blocked by a subnet Deny All (down 2 of 3)
 * - SUB_A/rg-web: lb-web-prod, healthy
 * - SUB_A/rg-secret: lb-web-prod, whose health and metrics the principal may not read
 * - SUB_B/rg-legacy: lb-web-prod as Basic SKU
 * - SUB_B/rg-batch: lb-web-prod with its probe removed (no rule has a probe)
 */
export function acceptanceFleet(): Scenario {
  const secret = lbIdOf(SUB_A, 'rg-secret', 'lb-web-prod');
  return fleetScenario(
    'fleet-sweep-acceptance',
    [
      {
        from: 'nsg-deny-all-blocks-probe',
        resourceGroup: 'rg-orders-prod',
        subscriptionId: SUB_A,
        newResourceGroup: 'rg-orders',
      },
      { from: 'healthy', resourceGroup: 'rg-web-prod', subscriptionId: SUB_A, newResourceGroup: 'rg-web' },
      { from: 'healthy', resourceGroup: 'rg-web-prod', subscriptionId: SUB_A, newResourceGroup: 'rg-secret' },
      {
        from: 'healthy',
        resourceGroup: 'rg-web-prod',
        subscriptionId: SUB_B,
        newResourceGroup: 'rg-legacy',
        edit: (lb) => {
          lb.sku = { name: 'Basic', tier: 'Regional' };
        },
      },
      {
        from: 'healthy',
        resourceGroup: 'rg-web-prod',
        subscriptionId: SUB_B,
        newResourceGroup: 'rg-batch',
        edit: (lb) => {
          const props = lb.properties as {
            probes: unknown[];
            loadBalancingRules?: { properties: Record<string, unknown> }[];
          };
          props.probes = [];
          for (const rule of props.loadBalancingRules ?? []) delete rule.properties.probe;
        },
      },
    ],
    // A custom role that may read the load balancer but not its health action nor its metrics.
    [`${secret}/loadBalancingRules`, `${secret}/providers/Microsoft.Insights`],
  );
}

/** `count` healthy load balancers (every `downEvery`-th one down) spread over `subscriptions`. */
export function scaledFleet(count: number, subscriptions: number, downEvery = 0): Scenario {
  const members: FleetMember[] = Array.from({ length: count }, (_, i) => {
    const down = downEvery > 0 && i % downEvery === 0;
    return {
      from: down ? 'nsg-deny-all-blocks-probe' : 'healthy',
      resourceGroup: down ? 'rg-orders-prod' : 'rg-web-prod',
      subscriptionId: `${String(i % subscriptions).padStart(8, '0')}-0000-4000-8000-00000000f1ee`,
      newResourceGroup: `rg-fleet-${String(i).padStart(4, '0')}`,
    };
  });
  return fleetScenario(`fleet-${count}`, members);
}
