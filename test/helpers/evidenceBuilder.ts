/**
 * Evidence objects (src/model/evidence.ts) for diagnosis tests, with healthy defaults: override only
 * what the case is about.
 */
import type {
  EffectiveNsgAssociation,
  EffectiveRoute,
  EffectiveSecurityRule,
  GuestEvidence,
  VmHealthEvidence,
} from '../../src/model/evidence';

/** A running VM with a ready agent and Resource Health Available. */
export function vmHealth(vmId: string, overrides: Partial<VmHealthEvidence> = {}): VmHealthEvidence {
  return {
    vmId,
    powerState: 'running',
    provisioningState: 'succeeded',
    agentStatus: 'ready',
    resourceHealth: 'Available',
    ...overrides,
  };
}

/** A Linux guest listening on 0.0.0.0:80, ufw inactive, local GET answered 200. */
export function guestEvidence(overrides: Partial<GuestEvidence> = {}): GuestEvidence {
  return {
    os: 'linux',
    listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 80 }],
    listeningSource: 'ss',
    firewall: [{ tool: 'ufw', active: false, decision: 'allow' }],
    warnings: [],
    ...overrides,
  };
}

export function effectiveRoute(overrides: Partial<EffectiveRoute> = {}): EffectiveRoute {
  return {
    source: 'Default',
    state: 'Active',
    addressPrefixes: ['10.0.0.0/16'],
    nextHopType: 'VnetLocal',
    nextHopIpAddresses: [],
    ...overrides,
  };
}

/** The system routes of a NIC in vnet-web: VNet local and Internet. */
export function systemRoutes(): EffectiveRoute[] {
  return [effectiveRoute(), effectiveRoute({ addressPrefixes: ['0.0.0.0/0'], nextHopType: 'Internet' })];
}

export function effectiveRule(
  overrides: Partial<EffectiveSecurityRule> & Pick<EffectiveSecurityRule, 'name' | 'priority'>,
): EffectiveSecurityRule {
  return {
    access: 'Allow',
    direction: 'Inbound',
    protocol: 'All',
    sourceAddressPrefixes: ['0.0.0.0/0'],
    destinationAddressPrefixes: ['0.0.0.0/0'],
    sourcePortRanges: ['0-65535'],
    destinationPortRanges: ['0-65535'],
    ...overrides,
  };
}

export function effectiveNsg(
  level: EffectiveNsgAssociation['level'],
  rules: EffectiveSecurityRule[],
  nsgId?: string,
): EffectiveNsgAssociation {
  return { level, rules, ...(nsgId ? { nsgId } : {}) };
}
