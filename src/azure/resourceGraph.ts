/**
 * The fleet inventory: every load balancer in a set of scopes, listed through Azure Resource Graph
 * (`POST /providers/Microsoft.ResourceGraph/resources`, api-version 2024-04-01 via
 * `@azure/arm-resourcegraph`), following `$skipToken` until the last page.
 *
 * Resource Graph can lag ARM by minutes and only shows what the caller may read, so this list only
 * says what to look at: the sweep reads every load balancer it acts on from ARM.
 */
import type { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { AllowedScope } from '../config';
import { callAzure } from './callError';

/** A load balancer as Resource Graph lists it. */
export interface ListedLoadBalancer {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location?: string;
}

/** The port the sweep lists load balancers through. */
export interface LoadBalancerInventory {
  listLoadBalancers(scopes: readonly AllowedScope[]): Promise<ListedLoadBalancer[]>;
}

/** Rows per page: Resource Graph's largest `$top`, so 1,000 load balancers take one request. */
export const INVENTORY_PAGE_SIZE = 1000;

/** A KQL string literal: single quotes, with quotes and backslashes escaped. */
function kqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The queries for a set of scopes: one per subscription, narrowed to resource groups when every scope
 * of that subscription names one. `order by id` keeps pages stable (the examples' note: "id field is
 * required in the response to return the pages in stable sorted fashion").
 */
export function loadBalancerQueries(
  scopes: readonly AllowedScope[],
): { subscriptionId: string; query: string }[] {
  const bySubscription = new Map<string, (string | undefined)[]>();
  for (const scope of scopes) {
    const key = scope.subscriptionId.toLowerCase();
    bySubscription.set(key, [...(bySubscription.get(key) ?? []), scope.resourceGroup]);
  }
  return [...bySubscription].map(([subscriptionId, groups]) => {
    const stages = ['Resources', "where type =~ 'microsoft.network/loadbalancers'"];
    // A whole-subscription scope covers its groups; only narrow when every scope names a group.
    if (groups.every((g): g is string => g !== undefined)) {
      stages.push(`where resourceGroup in~ (${[...new Set(groups)].map(kqlString).join(', ')})`);
    }
    stages.push('project id, name, resourceGroup, subscriptionId, location', 'order by id asc');
    return { subscriptionId, query: stages.join(' | ') };
  });
}

function toListed(row: unknown): ListedLoadBalancer | undefined {
  const r = row as Record<string, unknown> | null;
  if (!r || typeof r.id !== 'string') return undefined;
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(r.id);
  return {
    id: r.id,
    name: typeof r.name === 'string' ? r.name : (r.id.split('/').pop() ?? ''),
    subscriptionId: typeof r.subscriptionId === 'string' ? r.subscriptionId : (m?.[1] ?? ''),
    // Resource Graph lowercases the group; the id keeps ARM's spelling, which is what ARM reads want.
    resourceGroup: m?.[2] ?? (typeof r.resourceGroup === 'string' ? r.resourceGroup : ''),
    ...(typeof r.location === 'string' && r.location ? { location: r.location } : {}),
  };
}

/** The inventory over a Resource Graph client. Counts requests so the sweep can report its budget. */
export function createResourceGraphInventory(
  client: ResourceGraphClient,
  counter: { requests: number } = { requests: 0 },
): LoadBalancerInventory {
  return {
    async listLoadBalancers(scopes) {
      const listed: ListedLoadBalancer[] = [];
      for (const { subscriptionId, query } of loadBalancerQueries(scopes)) {
        let skipToken: string | undefined;
        do {
          const page = await callAzure('query Resource Graph for load balancers in', subscriptionId, () =>
            client.resources({
              subscriptions: [subscriptionId],
              query,
              options: {
                top: INVENTORY_PAGE_SIZE,
                resultFormat: 'objectArray',
                ...(skipToken ? { skipToken } : {}),
              },
            }),
          );
          counter.requests += 1;
          const rows: unknown[] = Array.isArray(page.data) ? (page.data as unknown[]) : [];
          for (const row of rows) {
            const lb = toListed(row);
            if (lb) listed.push(lb);
          }
          skipToken = page.skipToken;
        } while (skipToken);
      }
      return listed;
    },
  };
}
