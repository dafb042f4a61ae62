/**
 * Probe health reads: the per-rule health API (a long-running POST per rule) and the DipAvailability
 * metric (per backend IP, for the whole load balancer), as {@link BackendHealth} entries that keep
 * which source answered.
 */
import type { LoadBalancerHealthPerRule } from '@azure/arm-network';
import type { BackendHealth, RuleHealth } from '../../model/health';
import { callAzure } from '../callError';
import type { ClientsForSubscription } from '../clients';
import { parseLoadBalancerId } from '../resourceId';
import { readFromWire } from '../wireModel';

/**
 * Monitor and Resource Health put `{resourceUri}` after a `/` of their own, unencoded: an id with its
 * leading slash would make `//subscriptions/...`, which the URL parser reads as a host.
 */
export const resourceUri = (id: string): string => id.replace(/^\/+/, '');

/**
 * Up/Down from the latest DipAvailability average: the share of probes that succeeded in that
 * interval. Anything short of full availability counts as Down, because a backend that misses probes
 * is exactly what the diagnosis must look at.
 */
export function dipState(average: number | undefined): BackendHealth['state'] {
  if (average === undefined || Number.isNaN(average)) return 'Unknown';
  return average >= 100 ? 'Up' : 'Down';
}

/**
 * One rule's health answer as {@link RuleHealth}: each backend with its address, IP configuration,
 * state (anything but Up or Down is Unknown) and reason.
 *
 * @param ruleId - the load balancing rule's id, kept on every entry.
 */
export function ruleHealthFrom(ruleId: string, health: LoadBalancerHealthPerRule): RuleHealth {
  // One entry per pool member: its optional fields set one by one, not spread from temporary objects.
  const backends = (health.loadBalancerBackendAddresses ?? []).map((b): BackendHealth => {
    const entry: BackendHealth = {
      ruleId,
      source: 'rule-health',
      state: b.state === 'Up' || b.state === 'Down' ? b.state : 'Unknown',
    };
    if (b.ipAddress) entry.ipAddress = b.ipAddress;
    if (b.networkInterfaceIPConfigurationId) entry.ipConfigurationId = b.networkInterfaceIPConfigurationId;
    if (b.reason) entry.reason = b.reason;
    return entry;
  });
  return { ruleId, up: health.up ?? 0, down: health.down ?? 0, backends };
}

/**
 * `POST .../loadBalancingRules/{rule}/health`: every backend's state and reason for one rule. The
 * result lists every pool member, so its body skips the SDK's per-field mapper (wireModel.ts); the
 * LRO is polled by the SDK's poller as before.
 */
export function readRuleHealth(
  clientsFor: ClientsForSubscription,
  lbId: string,
  ruleName: string,
): Promise<RuleHealth> {
  const ruleId = `${lbId}/loadBalancingRules/${ruleName}`;
  return callAzure('read health of rule', ruleId, async () => {
    const lb = parseLoadBalancerId(lbId);
    const rules = clientsFor(lb.subscriptionId).network.loadBalancerLoadBalancingRules;
    const health = await readFromWire<LoadBalancerHealthPerRule>((options) =>
      rules.beginHealthAndWait(lb.resourceGroup, lb.name, ruleName, options),
    );
    return ruleHealthFrom(ruleId, health);
  });
}

/** The DipAvailability metric's latest average per backend IP (Standard SKU only). */
export function readDipAvailability(
  clientsFor: ClientsForSubscription,
  lbId: string,
  options: { timespan?: string } = {},
): Promise<BackendHealth[]> {
  return callAzure('read DipAvailability of', lbId, async () => {
    const lb = parseLoadBalancerId(lbId);
    const response = await clientsFor(lb.subscriptionId).monitor.metrics.list(resourceUri(lbId), {
      metricnames: 'DipAvailability',
      aggregation: 'Average',
      interval: 'PT1M',
      timespan: options.timespan ?? 'PT15M',
      filter: "BackendIPAddress eq '*'",
    });
    return response.value.flatMap((metric) =>
      metric.timeseries.map((series): BackendHealth => {
        const ip = series.metadatavalues?.find(
          (m) => m.name?.value.toLowerCase() === 'backendipaddress',
        )?.value;
        const latest = [...(series.data ?? [])].reverse().find((d) => d.average !== undefined)?.average;
        return {
          // The metric is per load balancer, not per rule.
          ruleId: lbId,
          source: 'metric',
          ...(ip ? { ipAddress: ip } : {}),
          state: dipState(latest),
          ...(latest !== undefined ? { reason: `DipAvailability ${latest}%` } : {}),
        };
      }),
    );
  });
}
