import { matchRoute, route } from '../../src/sandbox/router';

const routes = [
  route('GET', '/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{operationId}', () => ({
    status: 200,
    body: 'poll',
  })),
  route('POST', '{lb*}/loadBalancingRules/{rule}/health', () => ({ status: 202 })),
  route('GET', '{path*}', () => ({ status: 200, body: 'generic' })),
];

describe('matchRoute', () => {
  it.each([
    [
      'GET',
      '/subscriptions/s/providers/Microsoft.Network/locations/westus/operations/op1',
      '/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{operationId}',
      { sub: 's', ns: 'Microsoft.Network', loc: 'westus', operationId: 'op1' },
    ],
    [
      'POST',
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/LOADBALANCERS/lb/LoadBalancingRules/r1/HEALTH',
      '{lb*}/loadBalancingRules/{rule}/health',
      { lb: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/LOADBALANCERS/lb', rule: 'r1' },
    ],
    [
      'GET',
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/',
      '{path*}',
      { path: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb' },
    ],
  ])('%s %s -> %s', (method, path, template, params) => {
    // Act
    const match = matchRoute(routes, method, path);
    // Assess
    expect(match?.route.template).toBe(template);
    expect(match?.params).toEqual(params);
  });

  it.each([
    ['DELETE', '/subscriptions/s/resourceGroups/rg'],
    ['GET', '/providers/Microsoft.Support/services'],
  ])('matches nothing for %s %s', (method, path) => {
    // Act / Assess
    expect(matchRoute(routes, method, path)).toBeUndefined();
  });
});
