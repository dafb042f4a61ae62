import { crossCheckEffective } from '../../../src/diagnose/nsg/effective';
import type { Packet, ProbePathVerdict } from '../../../src/diagnose/nsg/types';
import type { EffectiveNsgAssociation, EffectiveSecurityRule } from '../../../src/model/evidence';

const packet: Packet = {
  direction: 'Inbound',
  protocol: 'Tcp',
  sourceIp: '168.63.129.16',
  sourcePort: 49152,
  destinationIp: '10.0.0.4',
  destinationPort: 80,
  sourceAsgIds: [],
  destinationAsgIds: [],
};
const verdict = (allowed: boolean): ProbePathVerdict => ({ allowed, decisions: [], packet });

/** Rules as the effective-NSG API writes them: expanded prefixes, `All`, `0-65535`. */
const eff = (
  o: Partial<EffectiveSecurityRule> & Pick<EffectiveSecurityRule, 'name' | 'priority'>,
): EffectiveSecurityRule => ({
  access: 'Allow',
  direction: 'Inbound',
  protocol: 'All',
  sourceAddressPrefixes: ['0.0.0.0/0'],
  destinationAddressPrefixes: ['0.0.0.0/0'],
  sourcePortRanges: ['0-65535'],
  destinationPortRanges: ['0-65535'],
  ...o,
});
const defaults = [
  eff({
    name: 'defaultSecurityRules/AllowAzureLoadBalancerInBound',
    priority: 65001,
    sourceAddressPrefixes: ['168.63.129.16/32'],
  }),
  eff({ name: 'defaultSecurityRules/DenyAllInBound', priority: 65500, access: 'Deny' }),
];
const nic = (rules: EffectiveSecurityRule[]): EffectiveNsgAssociation => ({
  nsgId: '/nsg/nic',
  level: 'nic',
  rules: [...rules, ...defaults],
});
const denyAll = eff({
  name: 'securityRules/DenyAll',
  priority: 4096,
  access: 'Deny',
  protocol: 'Tcp',
  destinationPortRanges: ['80-80'],
});

describe('crossCheckEffective', () => {
  it.each<
    [
      string,
      boolean,
      EffectiveNsgAssociation[],
      { agrees: boolean; effectiveAllowed: boolean; note?: string; adminRule?: { name: string } },
    ]
  >([
    ['defaults only, verdict allowed', true, [nic([])], { agrees: true, effectiveAllowed: true }],
    [
      'Deny All at 4096, verdict denied',
      false,
      [nic([denyAll])],
      { agrees: true, effectiveAllowed: false, note: 'nic NSG /nsg/nic denies it (securityRules/DenyAll)' },
    ],
    [
      'Deny All at 4096, verdict allowed',
      true,
      [nic([denyAll])],
      { agrees: false, effectiveAllowed: false, note: 'nic NSG /nsg/nic denies it (securityRules/DenyAll)' },
    ],
    [
      'a deny on port 81 only',
      true,
      [nic([{ ...denyAll, destinationPortRanges: ['81-81'] }])],
      { agrees: true, effectiveAllowed: true },
    ],
    [
      'an admin Deny overrides the NSG allow',
      true,
      [
        {
          level: 'admin',
          rules: [eff({ name: 'admin/NoProbe', priority: 10, access: 'Deny', isAdminRule: true })],
        },
        nic([]),
      ],
      {
        agrees: false,
        effectiveAllowed: false,
        adminRule: { name: 'admin/NoProbe' },
        note: 'security admin rule admin/NoProbe denies it; no NSG rule can override an admin deny',
      },
    ],
    [
      'an admin AlwaysAllow skips the NSG deny',
      false,
      [
        {
          level: 'admin',
          rules: [eff({ name: 'admin/Lb', priority: 10, access: 'AlwaysAllow', isAdminRule: true })],
        },
        nic([denyAll]),
      ],
      {
        agrees: false,
        effectiveAllowed: true,
        adminRule: { name: 'admin/Lb' },
        note: 'security admin rule admin/Lb always allows it; NSGs are not evaluated',
      },
    ],
    [
      'an admin Allow hands on to the NSG deny',
      false,
      [nic([denyAll, eff({ name: 'admin/Allow', priority: 5, access: 'Allow', isAdminRule: true })])],
      { agrees: true, effectiveAllowed: false, note: 'nic NSG /nsg/nic denies it (securityRules/DenyAll)' },
    ],
    [
      'the subnet level allows, the NIC level denies',
      true,
      [{ nsgId: '/nsg/subnet', level: 'subnet', rules: defaults }, nic([denyAll])],
      { agrees: false, effectiveAllowed: false, note: 'nic NSG /nsg/nic denies it (securityRules/DenyAll)' },
    ],
    ['no associations at all: nothing filters', true, [], { agrees: true, effectiveAllowed: true }],
  ])('%s', (_name, allowed, effective, expected) => {
    // Act
    const check = crossCheckEffective(verdict(allowed), effective);
    // Assess
    const want = { ...expected, outcome: expected.agrees ? 'agrees' : 'disagrees' };
    expect(check).toEqual(
      expected.adminRule ? { ...want, adminRule: expect.objectContaining(expected.adminRule) } : want,
    );
  });

  it.each<[string, boolean, EffectiveSecurityRule, { outcome: string; effectiveAllowed?: boolean }]>([
    [
      'an allow limited to source ports 0-1023 does not admit the ephemeral source port',
      false,
      eff({
        name: 'securityRules/AllowLow',
        priority: 100,
        sourcePortRanges: ['0-1023'],
        destinationPortRanges: ['80-80'],
      }),
      { outcome: 'agrees', effectiveAllowed: false },
    ],
    [
      'a tag the platform expanded is matched by its expansion',
      true,
      eff({
        name: 'securityRules/AllowLb',
        priority: 100,
        sourceAddressPrefixes: ['AzureLoadBalancer'],
        expandedSourceAddressPrefixes: ['168.63.129.16/32'],
      }),
      { outcome: 'agrees', effectiveAllowed: true },
    ],
    [
      'an allow whose destination side is empty (an ASG rule) makes the cross-check abstain',
      false,
      eff({ name: 'securityRules/AllowAsg', priority: 100, destinationAddressPrefixes: [] }),
      { outcome: 'abstains' },
    ],
    [
      'an allow with an unexpanded regional tag makes the cross-check abstain',
      false,
      eff({
        name: 'securityRules/AllowStorage',
        priority: 100,
        sourceAddressPrefixes: ['Storage.WestEurope'],
      }),
      { outcome: 'abstains' },
    ],
    [
      'a rule without source ports is not read as matching',
      false,
      { ...eff({ name: 'securityRules/AllowNoPorts', priority: 100 }), sourcePortRanges: undefined },
      { outcome: 'abstains' },
    ],
    [
      'an unreadable deny under a readable deny of the same access cannot change the answer',
      false,
      eff({ name: 'securityRules/DenyAsg', priority: 100, access: 'Deny', destinationAddressPrefixes: [] }),
      { outcome: 'agrees', effectiveAllowed: false },
    ],
  ])('%s', (_name, allowed, rule, expected) => {
    // Prepare: the rule above a Deny All at 4096
    const effective = [nic([rule, denyAll])];
    // Act
    const check = crossCheckEffective(verdict(allowed), effective);
    // Assess
    expect(check).toMatchObject(expected);
    if (expected.outcome === 'abstains') {
      expect(check.effectiveAllowed).toBeUndefined();
      expect(check.unevaluated).toEqual([`${rule.name} (${rule.priority})`]);
    }
  });
});
