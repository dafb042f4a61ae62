/**
 * Whether a sweep scope exists and this identity can read it, asked of ARM itself. Resource Graph
 * cannot say: it answers only what the caller may read, and its answer (`totalRecords`, `count`,
 * `resultTruncated`, `$skipToken`, `data`, `facets`: the 2024-04-01 QueryResponse) names no
 * subscription it skipped, so a subscription that does not exist, or that the identity cannot read,
 * can come back as an empty result, the same as a readable scope with no load balancer in it (or,
 * reported in Azure/aztfexport#331 and microsoft/ARI#255, as a 400 or 403 of the whole query).
 *
 * The sweep asks only about a scope Resource Graph listed nothing in:
 * - a resource group: Resource Groups - Get (`GET /subscriptions/{s}/resourcegroups/{rg}`);
 * - a subscription: the first page of Resource Groups - List (`GET /subscriptions/{s}/resourcegroups`),
 *   which ARM answers for a subscription the caller can read, empty or not.
 * ARM answers 404 `SubscriptionNotFound` ("The subscription '...' could not be found.") or
 * `ResourceGroupNotFound` for a scope that does not exist (or a subscription of another tenant), and
 * 403 `AuthorizationFailed` for one the identity may not read.
 */
import type { AllowedScope } from '../config';
import { ensureError, isAzureCallError } from '../errors';
import { callAzure } from './callError';
import type { ClientsForSubscription } from './clients';

/**
 * What ARM says of a scope: `visible` (it exists and can be read: an empty answer means nothing is
 * there), `not-found` (404), `no-access` (403), or `unchecked` (ARM could not say: a timeout, a 5xx
 * the SDK's retries outlasted).
 */
export type ScopeVisibility =
  { visible: true } | { visible: false; problem: 'not-found' | 'no-access' | 'unchecked'; reason: string };

/** The port the sweep asks through. */
export interface ScopeChecker {
  check(scope: AllowedScope): Promise<ScopeVisibility>;
}

/** Scope text as ARM spells it. */
const scopeId = (scope: AllowedScope): string =>
  `/subscriptions/${scope.subscriptionId}${scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : ''}`;

/** The visibility a failed ARM read of the scope means. */
export function visibilityOfFailure(scope: AllowedScope, err: unknown): ScopeVisibility {
  const status = isAzureCallError(err) ? err.statusCode : undefined;
  const code = isAzureCallError(err) ? err.code : undefined;
  const id = scopeId(scope);
  if (status === 404) {
    const what =
      code === 'SubscriptionNotFound' || !scope.resourceGroup
        ? `subscription ${scope.subscriptionId} does not exist or is not in this identity's tenant`
        : `resource group ${scope.resourceGroup} does not exist in subscription ${scope.subscriptionId}`;
    return {
      visible: false,
      problem: 'not-found',
      reason: `${what} (ARM answered 404 ${code ?? 'NotFound'} for ${id})`,
    };
  }
  if (status === 403) {
    return {
      visible: false,
      problem: 'no-access',
      reason: `this identity may not read ${id} (ARM answered 403 ${code ?? 'AuthorizationFailed'}): give it Reader there, or sweep a scope it can read`,
    };
  }
  return {
    visible: false,
    problem: 'unchecked',
    reason: `whether ${id} exists and can be read could not be checked: ${ensureError(err).message}`,
  };
}

/** The checker over the SDK's resource groups operations. */
export function createArmScopeChecker(clientsFor: ClientsForSubscription): ScopeChecker {
  return {
    async check(scope) {
      const groups = clientsFor(scope.subscriptionId).resources.resourceGroups;
      try {
        if (scope.resourceGroup) {
          const group = scope.resourceGroup;
          await callAzure('read resource group', scopeId(scope), () => groups.get(group));
        } else {
          await callAzure('list resource groups of', scopeId(scope), () =>
            groups.list({ top: 1 }).byPage().next(),
          );
        }
        return { visible: true };
      } catch (err) {
        return visibilityOfFailure(scope, err);
      }
    },
  };
}
