import { peerPathRoutes, selectEffectiveRoute } from '../../src/diagnose/routes';
import type { EffectiveRoute } from '../../src/model/evidence';
import { effectiveRoute, systemRoutes } from '../helpers/evidenceBuilder';

const udrToAppliance = effectiveRoute({
  source: 'User',
  addressPrefixes: ['0.0.0.0/0'],
  nextHopType: 'VirtualAppliance',
  nextHopIpAddresses: ['10.0.1.4'],
});

describe('selectEffectiveRoute', () => {
  it.each<[string, EffectiveRoute[], string, string | undefined]>([
    ['VNet route wins over 0.0.0.0/0', [...systemRoutes(), udrToAppliance], '10.0.0.4', 'VnetLocal'],
    [
      'a /24 UDR wins over the VNet /16',
      [
        ...systemRoutes(),
        effectiveRoute({ source: 'User', addressPrefixes: ['10.0.0.0/24'], nextHopType: 'VirtualAppliance' }),
      ],
      '10.0.0.4',
      'VirtualAppliance',
    ],
    [
      'an invalid route is ignored',
      [
        effectiveRoute({ state: 'Invalid', addressPrefixes: ['10.0.0.0/24'], nextHopType: 'None' }),
        ...systemRoutes(),
      ],
      '10.0.0.4',
      'VnetLocal',
    ],
    ['nothing matches', [effectiveRoute()], '192.168.1.1', undefined],
  ])('%s', (_case, routes, ip, nextHop) => {
    // Act
    const route = selectEffectiveRoute(routes, ip);

    // Assess
    expect(route?.nextHopType).toBe(nextHop);
  });
});

describe('peerPathRoutes', () => {
  const base = { backendName: 'vm-web-1', backendIp: '10.0.0.4', peerName: 'vm-web-2', peerIp: '10.0.0.5' };

  it('says nothing when both directions stay in the VNet, even with a 0.0.0.0/0 UDR', () => {
    // Act
    const note = peerPathRoutes({
      ...base,
      backendRoutes: [...systemRoutes(), udrToAppliance],
      peerRoutes: [...systemRoutes(), udrToAppliance],
    });

    // Assess
    expect(note).toBeUndefined();
  });

  it('reports a UDR that sends the peer test through an appliance', () => {
    // Prepare
    const subnetUdr = effectiveRoute({
      source: 'User',
      addressPrefixes: ['10.0.0.0/24'],
      nextHopType: 'VirtualAppliance',
      nextHopIpAddresses: ['10.0.1.4'],
    });

    // Act
    const note = peerPathRoutes({
      ...base,
      backendRoutes: systemRoutes(),
      peerRoutes: [...systemRoutes(), subnetUdr],
    });

    // Assess
    expect(note).toEqual({
      id: 'peerPathRoutes',
      summary:
        'Effective routes change the validation path between vm-web-2 (10.0.0.5) and vm-web-1 (10.0.0.4): vm-web-2 -> vm-web-1 uses 10.0.0.0/24 -> VirtualAppliance 10.0.1.4 (User); these routes do not apply to the probe from 168.63.129.16, so a failed peer TCP test here does not explain the probe.',
      evidence: { legs: [{ direction: 'vm-web-2 -> vm-web-1', route: subnetUdr }] },
    });
  });

  it('reports a return leg dropped by a None route', () => {
    // Prepare
    const blackhole = effectiveRoute({
      source: 'User',
      addressPrefixes: ['10.0.0.5/32'],
      nextHopType: 'None',
    });

    // Act
    const note = peerPathRoutes({
      ...base,
      backendRoutes: [...systemRoutes(), blackhole],
      peerRoutes: systemRoutes(),
    });

    // Assess
    expect(note?.evidence).toEqual({ legs: [{ direction: 'vm-web-1 -> vm-web-2', route: blackhole }] });
  });
});
