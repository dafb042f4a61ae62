import { resourceHealth } from '../../../src/sandbox/derive/resourceHealth';
import { armIds, webState } from '../../helpers/armBuilder';

const now = new Date('2026-11-25T10:00:00Z');
const availability = (body: Record<string, unknown>) =>
  (body.properties as { availabilityState: string }).availabilityState;

describe('resourceHealth', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['running VM', {}, 'Available'],
    ['stopped VM', { powerState: 'stopped' }, 'Unavailable'],
    ['starting VM', { powerState: 'starting' }, 'Unknown'],
    ['the scenario says Degraded', { resourceHealth: 'Degraded' }, 'Degraded'],
  ])('%s', (_name, guest1, expected) => {
    expect(availability(resourceHealth(webState({ guest1 }), armIds.vm('vm1'), now))).toBe(expected);
  });

  it.each<[string, Parameters<typeof webState>[0], string]>([
    ['every backend up', {}, 'Available'],
    ['half the backends down', { guest1: { listening: [] } }, 'Degraded'],
    ['all down', { guest1: { listening: [] }, guest2: { listening: [] } }, 'Unavailable'],
  ])('load balancer: %s', (_name, options, expected) => {
    // Act
    const body = resourceHealth(webState(options), armIds.lb(), now);
    // Assess
    expect(body.id).toBe(`${armIds.lb()}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`);
    expect(availability(body)).toBe(expected);
  });
});
