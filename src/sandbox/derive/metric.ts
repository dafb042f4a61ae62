/** `GET {lb}/providers/Microsoft.Insights/metrics?metricnames=DipAvailability&$filter=BackendIPAddress eq '*'`. */
import { SandboxHttpError } from '../httpError';
import type { SandboxState } from '../state';
import { str } from './arm';
import { requireLoadBalancer } from './lb';
import { probeStatuses } from './probeModel';

/**
 * The Azure Monitor metrics response for DipAvailability (Health Probe Status) split by
 * BackendIPAddress: average 100 for a backend whose probe is Up, 0 when Down (a stopped VM included:
 * its probe status is not available, so it is not 100). One data point at `now`, a minute's grain.
 * Basic load balancers have no such metric: 400.
 */
export function dipAvailabilityMetric(
  state: SandboxState,
  lbId: string,
  now: Date = new Date(),
): Record<string, unknown> {
  const lb = requireLoadBalancer(state, lbId);
  if (str((lb.sku as Record<string, unknown> | undefined)?.name)?.toLowerCase() === 'basic') {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      `Metric DipAvailability is not supported for Basic load balancer '${lbId}'.`,
    );
  }
  const byIp = new Map<string, number>();
  for (const s of probeStatuses(state, lbId)) {
    if (!s.ipAddress) continue;
    // A backend in several rules is available only if every probe of it is Up.
    byIp.set(s.ipAddress, Math.min(byIp.get(s.ipAddress) ?? 100, s.state === 'Up' ? 100 : 0));
  }
  const end = new Date(Math.floor(now.getTime() / 60000) * 60000);
  const start = new Date(end.getTime() - 60000);
  return {
    cost: 0,
    timespan: `${start.toISOString()}/${end.toISOString()}`,
    interval: 'PT1M',
    value: [
      {
        id: `${str(lb.id) ?? lbId}/providers/Microsoft.Insights/metrics/DipAvailability`,
        type: 'Microsoft.Insights/metrics',
        name: { value: 'DipAvailability', localizedValue: 'Health Probe Status' },
        displayDescription: 'Average Load Balancer health probe status per time duration',
        unit: 'Count',
        timeseries: [...byIp].map(([ip, average]) => ({
          metadatavalues: [
            { name: { value: 'backendipaddress', localizedValue: 'backendipaddress' }, value: ip },
          ],
          data: [{ timeStamp: start.toISOString(), average }],
        })),
        errorCode: 'Success',
      },
    ],
    namespace: 'Microsoft.Network/loadBalancers',
    resourceregion: str(lb.location) ?? '',
  };
}
