import { diagnoseNsg } from '../../src/diagnose/nsgBlocks';
import type { EffectiveNsgAssociation } from '../../src/model/evidence';
import { fail, ok } from '../../src/model/result';
import { effectiveNsg, effectiveRule } from '../helpers/evidenceBuilder';
import type { TopologyBuilder } from '../helpers/topologyBuilder';
import { backendOf, ids, securityRule, webTopology } from '../helpers/topologyBuilder';

const denyAll = (priority: number, name = 'DenyAllInbound') =>
  securityRule({ name, priority, access: 'Deny', protocol: '*' });

function run(
  builder: TopologyBuilder,
  effective?: Parameters<typeof diagnoseNsg>[0]['effectiveNsgs'],
  nic = 'vm-web-1-nic0',
) {
  const topology = builder.build();
  return diagnoseNsg({
    topology,
    backend: backendOf(topology, nic),
    probe: topology.probes[0]!,
    ...(effective ? { effectiveNsgs: effective } : {}),
  });
}

/** webTopology with its VM on a NIC carrying NSG `nicNsg` (when given) and subnet NSG `subnetNsg`. */
function withNsgs(
  subnetRules?: ReturnType<typeof securityRule>[],
  nicRules?: ReturnType<typeof securityRule>[],
) {
  const builder = webTopology({ vmCount: 0 });
  if (subnetRules) builder.nsg('nsg-web', subnetRules).subnetNsg('snet-web', 'nsg-web');
  if (nicRules) builder.nsg('nsg-nic', nicRules);
  return builder.vm({
    name: 'vm-web-1',
    nics: [{ ip: '10.0.0.4', pools: ['pool-web'], ...(nicRules ? { nsg: 'nsg-nic' } : {}) }],
  });
}

describe('diagnoseNsg', () => {
  it.each<[string, TopologyBuilder, [string, string, number][]]>([
    ['no NSG at all', withNsgs(), []],
    ['default rules only', withNsgs([], []), []],
    ['subnet deny-all at 4000', withNsgs([denyAll(4000)]), [['subnet', 'DenyAllInbound', 4000]]],
    ['NIC deny-all at 4000', withNsgs(undefined, [denyAll(4000)]), [['nic', 'DenyAllInbound', 4000]]],
    [
      'both levels deny',
      withNsgs([denyAll(4000)], [denyAll(200, 'DenyEverything')]),
      [
        ['subnet', 'DenyAllInbound', 4000],
        ['nic', 'DenyEverything', 200],
      ],
    ],
    [
      'deny-all under an explicit AzureLoadBalancer allow',
      withNsgs([
        securityRule({
          name: 'AllowProbe',
          priority: 3990,
          sourceAddressPrefixes: ['AzureLoadBalancer'],
          protocol: 'Tcp',
          destinationPortRanges: ['80'],
        }),
        denyAll(4000),
      ]),
      [],
    ],
    [
      'a deny on another port (8080) does not touch the probe on 80',
      withNsgs([
        securityRule({
          name: 'DenyFrontendPort',
          priority: 300,
          access: 'Deny',
          protocol: 'Tcp',
          destinationPortRanges: ['8080'],
        }),
      ]),
      [],
    ],
  ])('%s', (_case, builder, expected) => {
    // Act
    const { causes } = run(builder);

    // Assess
    expect(causes.map((c) => [c.evidence?.level, c.evidence?.ruleName, c.evidence?.priority])).toEqual(
      expected,
    );
    expect(causes.every((c) => c.id === 'nsg-blocks-probe')).toBe(true);
  });

  it('names the NSG, level, rule, priority and port in one sentence, with the evidence a fix needs', () => {
    // Act
    const { causes } = run(withNsgs([denyAll(4000)]));

    // Assess
    expect(causes).toEqual([
      {
        id: 'nsg-blocks-probe',
        summary:
          'NSG nsg-web (subnet) rule DenyAllInbound at priority 4000 denies TCP from AzureLoadBalancer (168.63.129.16) to vm-web-1 (vm-web-1-nic0, 10.0.0.4) port 80 before the default rules that admit the probe (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001).',
        evidence: {
          nsgId: ids.nsg('nsg-web'),
          ruleName: 'DenyAllInbound',
          priority: 4000,
          level: 'subnet',
          access: 'Deny',
          ruleId: `${ids.nsg('nsg-web')}/securityRules/DenyAllInbound`,
          fixable: true,
        },
      },
    ]);
  });

  it('marks a deny at priority 100 as not fixable by a new rule', () => {
    // Act
    const { causes } = run(withNsgs(undefined, [denyAll(100)]));

    // Assess
    expect(causes[0]?.evidence).toMatchObject({
      fixable: false,
      why: 'priority 100 cannot be outranked by a new rule',
    });
  });

  it('blocks through an Azure Virtual Network Manager admin deny that no NSG can override', () => {
    // Prepare
    const effective: EffectiveNsgAssociation[] = [
      effectiveNsg('admin', [
        effectiveRule({ name: 'BlockAllInbound', priority: 10, access: 'Deny', isAdminRule: true }),
      ]),
      effectiveNsg(
        'subnet',
        [
          effectiveRule({
            name: 'AllowAzureLoadBalancerInBound',
            priority: 65001,
            sourceAddressPrefixes: ['168.63.129.16/32'],
          }),
        ],
        ids.nsg('nsg-web'),
      ),
    ];

    // Act
    const { causes, notes } = run(withNsgs([]), ok(effective));

    // Assess
    expect(causes).toEqual([
      {
        id: 'nsg-blocks-probe',
        summary:
          'Azure Virtual Network Manager security admin rule BlockAllInbound at priority 10 denies TCP from AzureLoadBalancer (168.63.129.16) to vm-web-1 (vm-web-1-nic0, 10.0.0.4) port 80; no NSG rule can override it.',
        evidence: {
          adminRule: true,
          fixable: false,
          ruleName: 'BlockAllInbound',
          priority: 10,
          level: 'admin',
          access: 'Deny',
        },
      },
    ]);
    expect(notes).toEqual([]);
  });

  it('reports a disagreement with the effective rules as a note, not a cause', () => {
    // Prepare: the effective view denies what the NSG resources (read earlier) allow.
    const effective: EffectiveNsgAssociation[] = [
      effectiveNsg(
        'subnet',
        [effectiveRule({ name: 'DenyAllInbound', priority: 4000, access: 'Deny' })],
        ids.nsg('nsg-web'),
      ),
    ];

    // Act
    const { causes, notes } = run(withNsgs([]), ok(effective));

    // Assess
    expect(causes).toEqual([]);
    expect(notes.map((n) => [n.id, n.evidence?.effectiveAllowed, n.evidence?.evaluatedAllowed])).toEqual([
      ['effective-nsg-disagrees', false, true],
    ]);
  });

  it.each<[string, EffectiveNsgAssociation[], string]>([
    [
      'an Azure Virtual Network Manager AlwaysAllow covering the probe (the NSGs are skipped)',
      [
        effectiveNsg('admin', [
          effectiveRule({
            name: 'AlwaysAllowLbProbe',
            priority: 5,
            access: 'AlwaysAllow',
            protocol: 'Tcp',
            sourceAddressPrefixes: ['168.63.129.16/32'],
            destinationPortRanges: ['80-80'],
            isAdminRule: true,
          }),
        ]),
        effectiveNsg(
          'subnet',
          [effectiveRule({ name: 'securityRules/DenyAllInbound', priority: 4000, access: 'Deny' })],
          ids.nsg('nsg-web'),
        ),
      ],
      'The effective security rules of vm-web-1 (vm-web-1-nic0, 10.0.0.4) allow the probe to port 80, but the NSG resources deny it: security admin rule AlwaysAllowLbProbe always allows it; NSGs are not evaluated; no NSG cause is raised and nothing is written, since the admin rule lets the probe past every NSG.',
    ],
  ])('raises no NSG cause when the platform allows the probe: %s', (_case, effective, summary) => {
    // Prepare: the NSG resources hold a Deny All at 4000 on the subnet.
    const builder = withNsgs([denyAll(4000)]);

    // Act
    const { causes, notes } = run(builder, ok(effective));

    // Assess
    expect(causes).toEqual([]);
    expect(notes).toEqual([
      {
        id: 'effective-nsg-disagrees',
        summary,
        evidence: expect.objectContaining({
          effectiveAllowed: true,
          evaluatedAllowed: false,
          evaluatedBlockedBy: {
            nsgId: ids.nsg('nsg-web'),
            level: 'subnet',
            ruleName: 'DenyAllInbound',
            priority: 4000,
          },
        }) as unknown,
      },
    ]);
  });

  it('keeps the evaluator deny when only the effective NSG rules allow it, and shows both views', () => {
    // Prepare: the NSG resources hold a Deny All at 4000; the effective view shows an allow above it.
    const effective = [
      effectiveNsg(
        'subnet',
        [
          effectiveRule({ name: 'securityRules/AllowProbe', priority: 3990, protocol: 'Tcp' }),
          effectiveRule({ name: 'securityRules/DenyAllInbound', priority: 4000, access: 'Deny' }),
        ],
        ids.nsg('nsg-web'),
      ),
    ];

    // Act
    const { causes, notes } = run(withNsgs([denyAll(4000)]), ok(effective));

    // Assess
    expect(causes.map((c) => [c.id, c.evidence?.ruleName, c.evidence?.effectiveView])).toEqual([
      ['nsg-blocks-probe', 'DenyAllInbound', 'allows'],
    ]);
    expect(notes.map((n) => n.summary)).toEqual([
      "The effective security rules of vm-web-1 (vm-web-1-nic0, 10.0.0.4) allow the probe to port 80, but the NSG resources deny it: the effective rules allow what the NSG evaluation denies; the NSG resources' deny (DenyAllInbound) is still reported, since the effective view alone does not verify the allow.",
    ]);
  });

  it('keeps the evaluator deny when the cross-check abstains, and says which rule it could not read', () => {
    // Prepare: an allow whose destination side the answer left empty (an ASG rule) above the deny.
    const effective = [
      effectiveNsg(
        'subnet',
        [
          effectiveRule({ name: 'securityRules/AllowAsg', priority: 3990, destinationAddressPrefixes: [] }),
          effectiveRule({ name: 'securityRules/DenyAllInbound', priority: 4000, access: 'Deny' }),
        ],
        ids.nsg('nsg-web'),
      ),
    ];

    // Act
    const { causes, notes } = run(withNsgs([denyAll(4000)]), ok(effective));

    // Assess
    expect(causes.map((c) => [c.id, c.evidence?.ruleName, c.evidence?.effectiveView])).toEqual([
      ['nsg-blocks-probe', 'DenyAllInbound', 'cannot-evaluate'],
    ]);
    expect(notes.map((n) => [n.id, n.evidence?.unevaluated])).toEqual([
      ['effective-nsg-abstains', ['securityRules/AllowAsg (3990)']],
    ]);
  });

  it('still raises the NSG cause when the effective rules agree that it denies', () => {
    // Prepare
    const effective = [
      effectiveNsg(
        'subnet',
        [effectiveRule({ name: 'securityRules/DenyAllInbound', priority: 4000, access: 'Deny' })],
        ids.nsg('nsg-web'),
      ),
    ];

    // Act
    const { causes, notes } = run(withNsgs([denyAll(4000)]), ok(effective));

    // Assess
    expect(causes.map((c) => [c.id, c.evidence?.ruleName, c.evidence?.fixable])).toEqual([
      ['nsg-blocks-probe', 'DenyAllInbound', true],
    ]);
    expect(notes).toEqual([]);
  });

  it('notes an effective-NSG read that failed, and says what it checked', () => {
    // Act
    const { notes, checked } = run(
      withNsgs([denyAll(4000)]),
      fail({ message: 'AuthorizationFailed', code: 'AuthorizationFailed', statusCode: 403 }),
    );

    // Assess
    expect(notes.map((n) => n.id)).toEqual(['effective-nsg-unchecked']);
    expect(checked).toEqual(['NSGs on the probe path to port 80 (subnet nsg-web: DenyAllInbound Deny)']);
  });

  it('checks the NSG of a secondary NIC, not the primary one', () => {
    // Prepare
    const builder = webTopology({ vmCount: 0 })
      .nsg('nsg-secondary', [denyAll(500, 'DenyInbound')])
      .vm({
        name: 'vm-nva',
        nics: [
          { name: 'nic-nva-0', ip: '10.0.0.10' },
          { name: 'nic-nva-1', ip: '10.0.0.11', pools: ['pool-web'], nsg: 'nsg-secondary' },
        ],
      });

    // Act
    const { causes } = run(builder, undefined, 'nic-nva-1');

    // Assess
    expect(causes.map((c) => [c.evidence?.nsgId, c.evidence?.level])).toEqual([
      [ids.nsg('nsg-secondary'), 'nic'],
    ]);
  });
});
