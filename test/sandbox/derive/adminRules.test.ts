import {
  adminRulesOf as adminRulesForVnet,
  toAdminRule,
  vnetIdOf,
} from '../../../src/sandbox/derive/dataPlane';
import { firstCovering } from '../../../src/sandbox/truth/evaluate';
import { effectiveNetworkSecurityGroups } from '../../../src/sandbox/derive/effectiveNsg';
import { ipFlowVerify } from '../../../src/sandbox/derive/networkWatcher';
import { probeStatuses } from '../../../src/sandbox/derive/probeModel';
import { tcpReachability } from '../../../src/sandbox/derive/reachability';
import { parseScenario, type SecurityAdminRule } from '../../../src/sandbox/scenario';
import { createSandboxState, type SandboxState } from '../../../src/sandbox/state';
import { armIds, securityRule, webState } from '../../helpers/armBuilder';

type Raw = Record<string, unknown>;
type AdminInput = Partial<SecurityAdminRule> & Pick<SecurityAdminRule, 'name' | 'priority' | 'access'>;

const NM = '/subscriptions/sub1/resourceGroups/rg-platform/providers/Microsoft.Network/networkManagers/nm1';

function admin(rule: AdminInput): Raw {
  return {
    direction: 'Inbound',
    protocol: 'Tcp',
    sourceAddressPrefixes: ['*'],
    destinationAddressPrefixes: ['*'],
    destinationPortRanges: ['80'],
    appliesTo: [armIds.vnet()],
    networkManagerId: NM,
    ...rule,
  };
}

/** webState (vm1 10.0.0.4 behind lb1, probe TCP 80; peer vm2 10.0.0.5) plus admin rules. */
function withAdmin(rules: Raw[], o: Parameters<typeof webState>[0] = {}): SandboxState {
  return createSandboxState(parseScenario({ ...webState(o).scenario, securityAdminRules: rules }));
}

const denyAllNsg = { nicNsgRules: [securityRule('DenyAll', { access: 'Deny', priority: 100 })] };
const vm1Status = (state: SandboxState) =>
  probeStatuses(state, armIds.lb()).find((s) => s.vmId === armIds.vm('vm1'))!;

describe('scenario securityAdminRules', () => {
  it.each<[string, Raw, string]>([
    ['priority 0', { priority: 0 }, '$.securityAdminRules[0].priority'],
    ['priority 4097', { priority: 4097 }, '$.securityAdminRules[0].priority'],
    ['an NSG-only access', { access: 'Block' }, '$.securityAdminRules[0].access'],
    ['no VNet', { appliesTo: [] }, '$.securityAdminRules[0].appliesTo'],
  ])('rejects %s naming the field', (_, bad, where) => {
    // Prepare
    const doc = {
      ...webState().scenario,
      securityAdminRules: [{ ...admin({ name: 'r', priority: 10, access: 'Deny' }), ...bad }],
    };
    // Act / Assess
    expect(() => parseScenario(doc)).toThrow(`scenario: ${where}: `);
  });

  it('defaults source ports to *', () => {
    // Act
    const parsed = parseScenario({
      ...webState().scenario,
      securityAdminRules: [admin({ name: 'r', priority: 10, access: 'Deny' })],
    });
    // Assess
    expect(parsed.securityAdminRules?.[0]?.sourcePortRanges).toEqual(['*']);
  });
});

describe('adminRulesForVnet', () => {
  it('keeps the rules applied to the VNet (ids case-insensitive), lowest priority number first', () => {
    // Prepare
    const state = withAdmin([
      admin({ name: 'b', priority: 20, access: 'Deny' }),
      admin({ name: 'other', priority: 1, access: 'Deny', appliesTo: [armIds.vnet('vnet9')] }),
      admin({ name: 'a', priority: 5, access: 'Allow', appliesTo: [armIds.vnet().toUpperCase()] }),
    ]);
    // Act
    const names = adminRulesForVnet(state, armIds.vnet()).map((r: SecurityAdminRule) => r.name);
    // Assess
    expect(names).toEqual(['a', 'b']);
  });

  it('derives the VNet from the subnet id when the VNet is not resolved', () => {
    // Act / Assess
    expect(vnetIdOf({ subnetId: armIds.subnet('web') })).toBe(armIds.vnet());
  });
});

describe('adminDecision', () => {
  const packet = {
    direction: 'Inbound' as const,
    protocol: 'Tcp' as const,
    sourceIp: '168.63.129.16',
    sourcePort: 49152,
    destinationIp: '10.0.0.4',
    destinationPort: 80,
    sourceAsgIds: [],
    destinationAsgIds: [],
  };
  const scope = { vnetAddressSpace: ['10.0.0.0/16'], peeredAddressSpace: [], udrPrefixes: [] };

  it.each<[string, Partial<AdminInput>, string | undefined]>([
    ['source *', {}, 'r'],
    ['source AzureLoadBalancer', { sourceAddressPrefixes: ['AzureLoadBalancer'] }, 'r'],
    [
      'source Internet only (does not hold 168.63.129.16)',
      { sourceAddressPrefixes: ['Internet'] },
      undefined,
    ],
    ['another port', { destinationPortRanges: ['443'] }, undefined],
    ['a port range', { destinationPortRanges: ['1-1024'] }, 'r'],
    ['protocol Any', { protocol: 'Any' }, 'r'],
    ['protocol Udp', { protocol: 'Udp' }, undefined],
    ['outbound', { direction: 'Outbound' }, undefined],
  ])('%s', (_, over, expected) => {
    // Prepare
    const state = withAdmin([admin({ name: 'r', priority: 10, access: 'Deny', ...over })]);
    // Act
    const rule = firstCovering(adminRulesForVnet(state, armIds.vnet()).map(toAdminRule), packet, scope);
    // Assess
    expect(rule?.name).toBe(expected);
  });
});

describe('effectiveNetworkSecurityGroups with admin rules', () => {
  it('puts one networkManager entry first, with the admin rules as the effective-rules API writes them', () => {
    // Prepare
    const state = withAdmin([
      admin({ name: 'Deny-Http', priority: 10, access: 'Deny' }),
      admin({
        name: 'Always-Lb',
        priority: 5,
        access: 'AlwaysAllow',
        protocol: 'Any',
        sourceAddressPrefixes: ['AzureLoadBalancer'],
        destinationPortRanges: ['*'],
      }),
    ]);
    // Act
    const { value } = effectiveNetworkSecurityGroups(state, armIds.nic('nic1'));
    // Assess
    expect(value.map((v) => v.association)).toEqual([
      { networkManager: { id: NM } },
      { subnet: { id: armIds.subnet() } },
      { networkInterface: { id: armIds.nic('nic1') } },
    ]);
    expect(value[0]).not.toHaveProperty('networkSecurityGroup');
    expect(value[0]!.effectiveSecurityRules).toEqual([
      {
        name: 'Always-Lb',
        protocol: 'All',
        sourcePortRange: '0-65535',
        destinationPortRange: '0-65535',
        sourcePortRanges: ['0-65535'],
        destinationPortRanges: ['0-65535'],
        sourceAddressPrefix: 'AzureLoadBalancer',
        destinationAddressPrefix: '0.0.0.0/0',
        sourceAddressPrefixes: ['AzureLoadBalancer'],
        destinationAddressPrefixes: ['0.0.0.0/0'],
        expandedSourceAddressPrefix: ['168.63.129.16/32'],
        access: 'AlwaysAllow',
        priority: 5,
        direction: 'Inbound',
      },
      {
        name: 'Deny-Http',
        protocol: 'Tcp',
        sourcePortRange: '0-65535',
        destinationPortRange: '80-80',
        sourcePortRanges: ['0-65535'],
        destinationPortRanges: ['80-80'],
        sourceAddressPrefix: '0.0.0.0/0',
        destinationAddressPrefix: '0.0.0.0/0',
        sourceAddressPrefixes: ['0.0.0.0/0'],
        destinationAddressPrefixes: ['0.0.0.0/0'],
        access: 'Deny',
        priority: 10,
        direction: 'Inbound',
      },
    ]);
  });

  it('groups rules by network manager and leaves out rules of other VNets', () => {
    // Prepare
    const nm2 = NM.replace('nm1', 'nm2');
    const state = withAdmin([
      admin({ name: 'a', priority: 10, access: 'Deny' }),
      admin({ name: 'b', priority: 20, access: 'Deny', networkManagerId: nm2 }),
      admin({ name: 'c', priority: 30, access: 'Deny', appliesTo: [armIds.vnet('vnet9')] }),
    ]);
    // Act
    const { value } = effectiveNetworkSecurityGroups(state, armIds.nic('nic1'));
    // Assess
    expect(
      value
        .filter((v) => (v.association as Raw).networkManager)
        .map((v) => [
          (v.association as { networkManager: { id: string } }).networkManager.id,
          (v.effectiveSecurityRules as Raw[]).map((r) => r.name),
        ]),
    ).toEqual([
      [NM, ['a']],
      [nm2, ['b']],
    ]);
  });

  it('has no networkManager entry without admin rules', () => {
    // Act
    const { value } = effectiveNetworkSecurityGroups(webState(), armIds.nic('nic1'));
    // Assess
    expect(value.some((v) => (v.association as Raw).networkManager)).toBe(false);
  });
});

describe('probe model with admin rules', () => {
  it.each<
    [string, Raw[], Parameters<typeof webState>[0], { state: string; stage?: string; detail?: string }]
  >([
    [
      'admin Deny blocks a probe the NSGs allow',
      [admin({ name: 'Deny-Http', priority: 10, access: 'Deny' })],
      {},
      {
        state: 'Down',
        stage: 'admin',
        detail: 'security admin rule Deny-Http (10) of nm1 denies the probe from source port 49152',
      },
    ],
    [
      'admin Deny from AzureLoadBalancer blocks it',
      [
        admin({
          name: 'Deny-Lb',
          priority: 10,
          access: 'Deny',
          sourceAddressPrefixes: ['AzureLoadBalancer'],
        }),
      ],
      {},
      { state: 'Down', stage: 'admin' },
    ],
    [
      'admin AlwaysAllow skips an NSG that denies',
      [admin({ name: 'Always', priority: 10, access: 'AlwaysAllow' })],
      denyAllNsg,
      { state: 'Up' },
    ],
    [
      'admin Allow falls through to an NSG that denies',
      [admin({ name: 'Allow', priority: 10, access: 'Allow' })],
      denyAllNsg,
      {
        state: 'Down',
        stage: 'nsg',
        detail: 'nic NSG nsg-nic rule DenyAll (100) denies the probe from source port 49152',
      },
    ],
    [
      'admin Allow falls through to NSGs that allow',
      [admin({ name: 'Allow', priority: 10, access: 'Allow' })],
      {},
      { state: 'Up' },
    ],
    [
      'the lower priority number wins: AlwaysAllow 5 before Deny 10',
      [
        admin({ name: 'Deny-Http', priority: 10, access: 'Deny' }),
        admin({
          name: 'Always-Lb',
          priority: 5,
          access: 'AlwaysAllow',
          sourceAddressPrefixes: ['AzureLoadBalancer'],
        }),
      ],
      {},
      { state: 'Up' },
    ],
    [
      'an admin Allow at 5 matches first: the Deny at 10 is not reached and the NSGs decide',
      [
        admin({ name: 'Deny-Http', priority: 10, access: 'Deny' }),
        admin({
          name: 'Allow-Lb',
          priority: 5,
          access: 'Allow',
          sourceAddressPrefixes: ['AzureLoadBalancer'],
        }),
      ],
      {},
      { state: 'Up' },
    ],
    [
      'a Deny applied to another VNet does not touch it',
      [admin({ name: 'Deny-Http', priority: 10, access: 'Deny', appliesTo: [armIds.vnet('vnet9')] })],
      {},
      { state: 'Up' },
    ],
  ])('%s', (_, rules, o, expected) => {
    // Prepare
    const state = withAdmin(rules, o);
    // Act
    const status = vm1Status(state);
    // Assess
    expect(status).toMatchObject(expected);
  });
});

describe('ipFlowVerify with admin rules', () => {
  const body = {
    targetResourceId: armIds.vm('vm1'),
    direction: 'Inbound',
    protocol: 'TCP',
    localIPAddress: '10.0.0.4',
    localPort: '80',
    remoteIPAddress: '168.63.129.16',
    remotePort: '49152',
  };

  it.each<[string, Raw[], Parameters<typeof webState>[0], { access: string; ruleName: string }]>([
    [
      'admin Deny',
      [admin({ name: 'Deny-Http', priority: 10, access: 'Deny' })],
      {},
      { access: 'Deny', ruleName: 'Deny-Http' },
    ],
    [
      'admin AlwaysAllow over an NSG deny',
      [admin({ name: 'Always', priority: 10, access: 'AlwaysAllow' })],
      denyAllNsg,
      { access: 'Allow', ruleName: 'Always' },
    ],
    [
      'admin Allow, NSG deny decides',
      [admin({ name: 'Allow', priority: 10, access: 'Allow' })],
      denyAllNsg,
      { access: 'Deny', ruleName: 'securityRules/DenyAll' },
    ],
  ])('%s', (_, rules, o, expected) => {
    // Prepare
    const state = withAdmin(rules, o);
    // Act
    const answer = ipFlowVerify(state, body);
    // Assess
    expect(answer).toEqual(expected);
  });
});

describe('tcpReachability with admin rules', () => {
  it.each<[string, Raw[], Parameters<typeof webState>[0], { reachable: boolean; reason: string }]>([
    [
      'admin Deny inbound',
      [admin({ name: 'Deny-Http', priority: 10, access: 'Deny' })],
      {},
      { reachable: false, reason: 'security admin rule Deny-Http (10) of nm1 denies inbound' },
    ],
    [
      'admin Deny outbound',
      [admin({ name: 'Deny-Out', priority: 10, access: 'Deny', direction: 'Outbound' })],
      {},
      { reachable: false, reason: 'security admin rule Deny-Out (10) of nm1 denies outbound' },
    ],
    [
      'admin AlwaysAllow over an NSG deny inbound',
      [admin({ name: 'Always', priority: 10, access: 'AlwaysAllow' })],
      denyAllNsg,
      { reachable: true, reason: 'connected to 10.0.0.4:80' },
    ],
    [
      'admin Allow, NSG deny inbound decides',
      [admin({ name: 'Allow', priority: 10, access: 'Allow' })],
      denyAllNsg,
      { reachable: false, reason: 'nic NSG nsg-nic rule DenyAll (100) denies inbound' },
    ],
  ])('%s', (_, rules, o, expected) => {
    // Prepare
    const state = withAdmin(rules, o);
    // Act
    const answer = tcpReachability(state, armIds.vm('vm2'), '10.0.0.4', 80);
    // Assess
    expect(answer).toEqual(expected);
  });
});
