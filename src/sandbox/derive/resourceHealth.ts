/** `GET {resource}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`. */
import type { SandboxState } from '../state';
import { findGuest } from '../state';
import { requireResource, str } from './arm';
import { probeStatuses } from './probeModel';

type Availability = 'Available' | 'Unavailable' | 'Degraded' | 'Unknown';

const SUMMARY: Record<Availability, string> = {
  Available: "There aren't any known Azure platform problems affecting this resource.",
  Unavailable: 'This resource is unavailable.',
  Degraded: 'This resource is degraded.',
  Unknown: 'We are currently unable to determine the health of this resource.',
};

/** A VM from its guest facts; a load balancer from its data path (probe-facts: <25% Unavailable, <90% Degraded). */
function availabilityOf(
  state: SandboxState,
  resourceId: string,
  type: string,
): { state: Availability; reasonType?: string } {
  const lower = type.toLowerCase();
  if (lower === 'microsoft.network/loadbalancers') {
    const probed = probeStatuses(state, resourceId).filter((s) => s.probed);
    if (probed.length === 0) return { state: 'Unknown' };
    const up = (100 * probed.filter((s) => s.state === 'Up').length) / probed.length;
    return { state: up < 25 ? 'Unavailable' : up < 90 ? 'Degraded' : 'Available' };
  }
  if (lower.startsWith('microsoft.compute/virtualmachine')) {
    const guest = findGuest(state, resourceId);
    if (guest?.resourceHealth) return { state: guest.resourceHealth };
    const power = guest?.powerState ?? 'running';
    if (power === 'running') return { state: 'Available' };
    if (power === 'starting') return { state: 'Unknown' };
    return { state: 'Unavailable', reasonType: 'Customer Initiated' };
  }
  return { state: 'Available' };
}

/** The availabilityStatuses/current body; 404 for an unknown resource. `now` dates the report. */
export function resourceHealth(
  state: SandboxState,
  resourceId: string,
  now: Date = new Date(),
): Record<string, unknown> {
  const resource = requireResource(state, resourceId, 'resource');
  const { state: availabilityState, reasonType } = availabilityOf(
    state,
    resourceId,
    str(resource.type) ?? '',
  );
  return {
    id: `${str(resource.id) ?? resourceId}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`,
    name: 'current',
    type: 'Microsoft.ResourceHealth/AvailabilityStatuses',
    location: str(resource.location) ?? '',
    properties: {
      availabilityState,
      summary: SUMMARY[availabilityState],
      ...(reasonType ? { reasonType } : {}),
      occuredTime: now.toISOString(),
      reportedTime: now.toISOString(),
    },
  };
}
