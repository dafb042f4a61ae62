/**
 * `probe-doctor check-change` on plans made by hand from the azurerm provider's documented schema
 * (azurerm_network_security_rule arguments; the plan JSON's resource_changes[].change.{actions,
 * before, after, after_unknown}) and on a what-if made from the snapshot's own load balancer body.
 * The state is scenarios/nsg-deny-all-blocks-probe.json: vm-orders-01 and -02 (snet-app-a) already
 * fail the probe behind a Deny All at 4000; vm-orders-03 (snet-app-b, nsg-snet-app-b) passes it
 * through the default AllowAzureLoadBalancerInBound, and its guest listens on 8080 only.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_HELP } from '../../src/cli/helpText';
import { main } from '../../src/cli/main';

const SNAPSHOT = join(__dirname, '..', '..', 'scenarios', 'nsg-deny-all-blocks-probe.json');
const RG = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod';
const LB = `${RG}/providers/Microsoft.Network/loadBalancers/lbi-orders-prod`;
// As the snapshot's pool spells it (ARM upper-cases the group in back-references).
const VM3_IPCONFIG =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-ORDERS-PROD/providers/Microsoft.Network/networkInterfaces/vm-orders-03248/ipConfigurations/ipconfig1';

type Json = Record<string, unknown>;

/** An azurerm_network_security_rule's arguments, as `terraform show -json` prints them. */
function nsgRule(
  name: string,
  priority: number,
  access: 'Allow' | 'Deny',
  source: string,
  port: string,
): Json {
  return {
    name,
    resource_group_name: 'rg-orders-prod',
    network_security_group_name: 'nsg-snet-app-b',
    priority,
    direction: 'Inbound',
    access,
    protocol: port === '*' ? '*' : 'Tcp',
    source_port_range: '*',
    source_port_ranges: null,
    destination_port_range: port,
    destination_port_ranges: null,
    source_address_prefix: source,
    source_address_prefixes: null,
    destination_address_prefix: '*',
    destination_address_prefixes: null,
    source_application_security_group_ids: null,
    destination_application_security_group_ids: null,
    description: null,
    timeouts: null,
  };
}

function resourceChange(
  address: string,
  actions: string[],
  before: Json | null,
  after: Json | null,
  afterUnknown: Json = { id: true },
): Json {
  return {
    address,
    mode: 'managed',
    type: 'azurerm_network_security_rule',
    name: address.split('.')[1],
    provider_name: 'registry.terraform.io/hashicorp/azurerm',
    change: {
      actions,
      before,
      after,
      after_unknown: afterUnknown,
      before_sensitive: {},
      after_sensitive: {},
    },
  };
}

function plan(...changes: Json[]): Json {
  return { format_version: '1.2', terraform_version: '1.9.5', resource_changes: changes };
}

const DENY_ALL = resourceChange(
  'azurerm_network_security_rule.deny_all',
  ['create'],
  null,
  nsgRule('DenyAllInbound', 4000, 'Deny', '*', '*'),
);
const ALLOW_LB = resourceChange(
  'azurerm_network_security_rule.allow_lb_probe',
  ['create'],
  null,
  nsgRule('AllowAzureLoadBalancerProbe', 3000, 'Allow', 'AzureLoadBalancer', '8080'),
);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'probe-doctor', 'check-change', ...args], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
  });
  return { code, out, err };
}

function file(name: string, value: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pd-change-')), name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

interface Result {
  breaks: number;
  cannotDecide: number;
  checks: {
    outcome: string;
    backends: string[];
    blockingRule?: Json;
    changes: string[];
    fix?: string;
    reason: string;
  }[];
}

describe('check-change with a Terraform plan', () => {
  it('flags a Deny All at 4000 added to the subnet NSG behind the load balancer', async () => {
    // Act
    const { code, out } = await run([
      '--plan',
      file('plan.json', plan(DENY_ALL)),
      '--scenario',
      SNAPSHOT,
      '--format',
      'json',
    ]);

    // Assess
    const result = JSON.parse(out) as Result;
    const breaks = result.checks.filter((c) => c.outcome === 'breaks');
    expect(breaks).toEqual([
      expect.objectContaining({
        loadBalancerId: LB,
        probe: 'probe-orders-health',
        backends: [VM3_IPCONFIG],
        blockingRule: expect.objectContaining({
          nsgName: 'nsg-snet-app-b',
          ruleName: 'DenyAllInbound',
          priority: 4000,
          level: 'subnet',
        }),
        changes: ['azurerm_network_security_rule.deny_all'],
        fix: 'add to nsg-snet-app-b an inbound Allow rule: source AzureLoadBalancer, protocol Tcp, destination port 8080, priority 3999',
      }),
    ]);
    // The two backends behind snet-app-a fail already: not blamed on this change.
    expect(result.checks.find((c) => c.outcome === 'already-failing')?.backends).toHaveLength(2);
    expect(code).toBe(1);
  });

  it('passes the same Deny All with an AzureLoadBalancer allow above it', async () => {
    // Act
    const { code, out } = await run([
      '--plan',
      file('plan.json', plan(DENY_ALL, ALLOW_LB)),
      '--scenario',
      SNAPSHOT,
    ]);

    // Assess
    // The two snet-app-a backends fail already (Deny All at 4000): the headline says so.
    expect(out.split('\n')[0]).toBe(
      "OK: the change breaks no probe path; 2 backend(s) already fail their probe before it (not the change's doing)",
    );
    expect(out).toContain('[keeps-working] lbi-orders-prod probe probe-orders-health (HTTP 8080 /health)');
    expect(code).toBe(0);
  });

  it('flags a plan that only moves the AzureLoadBalancer allow below an existing deny', async () => {
    // Prepare: a state where nsg-snet-app-b holds the allow at 3000 and the deny at 4000.
    const scenario = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { resources: Json[] };
    const nsg = scenario.resources.find((r) => r.name === 'nsg-snet-app-b') as {
      id: string;
      properties: { securityRules: Json[] };
    };
    const arm = (name: string, priority: number, access: string, source: string, port: string) => ({
      name,
      id: `${nsg.id}/securityRules/${name}`,
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      properties: {
        protocol: port === '*' ? '*' : 'Tcp',
        sourcePortRange: '*',
        destinationPortRange: port,
        sourceAddressPrefix: source,
        destinationAddressPrefix: '*',
        access,
        priority,
        direction: 'Inbound',
      },
    });
    nsg.properties.securityRules.push(
      arm('AllowAzureLoadBalancerProbe', 3000, 'Allow', 'AzureLoadBalancer', '8080'),
      arm('DenyAllInbound', 4000, 'Deny', '*', '*'),
    );
    const state = file('state.json', scenario);
    const moved = resourceChange(
      'azurerm_network_security_rule.allow_lb_probe',
      ['update'],
      nsgRule('AllowAzureLoadBalancerProbe', 3000, 'Allow', 'AzureLoadBalancer', '8080'),
      nsgRule('AllowAzureLoadBalancerProbe', 4050, 'Allow', 'AzureLoadBalancer', '8080'),
      {},
    );

    // Act
    const before = await run(['--plan', file('plan.json', plan()), '--scenario', state, '--format', 'json']);
    const { code, out } = await run([
      '--plan',
      file('plan.json', plan(moved)),
      '--scenario',
      state,
      '--format',
      'json',
    ]);

    // Assess
    expect(before.code).toBe(0);
    const result = JSON.parse(out) as Result;
    expect(result.checks.find((c) => c.outcome === 'breaks')).toMatchObject({
      backends: [VM3_IPCONFIG],
      blockingRule: { ruleName: 'DenyAllInbound', priority: 4000 },
      changes: ['azurerm_network_security_rule.allow_lb_probe'],
    });
    expect(code).toBe(1);
  });

  it('says "cannot be decided before apply" for a rule whose priority is unknown, never guesses', async () => {
    // Prepare
    const after = nsgRule('DenyFromModule', 0, 'Deny', '*', '*');
    delete after.priority;
    const unknown = resourceChange(
      'module.baseline.azurerm_network_security_rule.deny',
      ['create'],
      null,
      after,
      { id: true, priority: true },
    );

    // Act
    const { code, out } = await run([
      '--plan',
      file('plan.json', plan(unknown)),
      '--scenario',
      SNAPSHOT,
      '--format',
      'markdown',
    ]);

    // Assess
    expect(out).toContain('### :warning: probe-doctor: cannot be decided before apply');
    expect(out).toMatch(
      /\| cannot-decide \| lbi-orders-prod \| probe-orders-health \(HTTP 8080 \/health\) \|.*cannot be decided before apply: module\.baseline\.azurerm_network_security_rule\.deny \(priority\)/,
    );
    expect(code).toBe(1);
  });

  it.each([
    ['not JSON', '{', '--plan', /--plan .*plan\.json: not JSON/],
    [
      'not a plan',
      { foo: 1 },
      '--plan',
      /^probe-doctor: --plan \/\S+\/plan\.json: not a Terraform plan: \$\.resource_changes must be an array/,
    ],
    [
      'a priority out of range',
      plan(
        resourceChange(
          'azurerm_network_security_rule.x',
          ['create'],
          null,
          nsgRule('X', 5000, 'Deny', '*', '*'),
        ),
      ),
      '--plan',
      /^probe-doctor: --plan \/\S+\/plan\.json: \$\.resource_changes\[0\]\.change\.after\.priority must be a whole number from 100 to 4096 \(got 5000\)\n$/,
    ],
  ])('rejects %s with exit 2 and one error naming the field', async (_case, body, option, message) => {
    const { code, err } = await run([option, file('plan.json', body), '--scenario', SNAPSHOT]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('check-change with ARM what-if', () => {
  it('flags a probe moved to a port nothing listens on (snapshot guests)', async () => {
    // Prepare: what-if's Modify of the load balancer, `after` its body with the probe on 9090.
    const scenario = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { resources: Json[] };
    const lb = scenario.resources.find((r) => r.id === LB) as {
      properties: { probes: { properties: Json }[] };
    };
    const after = structuredClone(lb);
    after.properties.probes[0]!.properties.port = 9090;
    const whatIf = {
      status: 'Succeeded',
      error: null,
      changes: [
        {
          resourceId: LB,
          changeType: 'Modify',
          before: lb,
          after,
          delta: [
            {
              path: 'properties.probes[0].properties.port',
              propertyChangeType: 'Modify',
              before: 8080,
              after: 9090,
            },
          ],
        },
      ],
    };

    // Act
    const { code, out } = await run(['--what-if', file('whatif.json', whatIf), '--scenario', SNAPSHOT]);

    // Assess
    expect(out).toContain(
      '[breaks] lbi-orders-prod probe probe-orders-health (HTTP 9090 /health): nothing listens on TCP 9090 on the backend (snapshot guest facts)',
    );
    expect(out).toContain(`change: ${LB}`);
    expect(out).toContain(
      'smallest fix: keep probe probe-orders-health on port 8080, where the backends listen, or make them listen on 9090 before the change',
    );
    expect(code).toBe(1);
  });
});

/** The snapshot with extra inbound rules in nsg-snet-app-b (vm-orders-03's subnet NSG), as a file. */
function stateWithSubnetBRules(
  rules: [name: string, priority: number, access: string, source: string, port: string][],
): string {
  const scenario = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { resources: Json[] };
  const nsg = scenario.resources.find((r) => r.name === 'nsg-snet-app-b') as {
    id: string;
    properties: { securityRules: Json[] };
  };
  for (const [name, priority, access, source, port] of rules) {
    nsg.properties.securityRules.push({
      name,
      id: `${nsg.id}/securityRules/${name}`,
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      properties: {
        protocol: port === '*' ? '*' : 'Tcp',
        sourcePortRange: '*',
        destinationPortRange: port,
        sourceAddressPrefix: source,
        destinationAddressPrefix: '*',
        access,
        priority,
        direction: 'Inbound',
      },
    });
  }
  return file('state.json', scenario);
}

describe('check-change: a replace that renames a rule', () => {
  it('takes the old rule away: a Deny replaced under a new name below the allow no longer blocks', async () => {
    // Prepare: today DenyAllInbound at 2900 sits above the AzureLoadBalancer allow at 3000 (the probe
    // fails); the plan replaces it (a name change forces a new resource) with one at 4000.
    const state = stateWithSubnetBRules([
      ['AllowAzureLoadBalancerProbe', 3000, 'Allow', 'AzureLoadBalancer', '8080'],
      ['DenyAllInbound', 2900, 'Deny', '*', '*'],
    ]);
    const replaced = resourceChange(
      'azurerm_network_security_rule.deny_all',
      ['delete', 'create'],
      nsgRule('DenyAllInbound', 2900, 'Deny', '*', '*'),
      nsgRule('DenyAllInboundBaseline', 4000, 'Deny', '*', '*'),
    );

    // Act
    const { code, out } = await run([
      '--plan',
      file('plan.json', plan(replaced)),
      '--scenario',
      state,
      '--format',
      'json',
    ]);

    // Assess
    const result = JSON.parse(out) as Result;
    const vm3 = result.checks.find((c) => c.backends.includes(VM3_IPCONFIG));
    expect(vm3).toMatchObject({ outcome: 'keeps-working' });
    expect(code).toBe(0);
  });

  it('a replace that renames the allow and moves it below the deny breaks, naming the new rule', async () => {
    // Prepare
    const state = stateWithSubnetBRules([
      ['AllowAzureLoadBalancerProbe', 3000, 'Allow', 'AzureLoadBalancer', '8080'],
      ['DenyAllInbound', 4000, 'Deny', '*', '*'],
    ]);
    const replaced = resourceChange(
      'azurerm_network_security_rule.allow_lb_probe',
      ['create', 'delete'],
      nsgRule('AllowAzureLoadBalancerProbe', 3000, 'Allow', 'AzureLoadBalancer', '8080'),
      nsgRule('AllowLoadBalancerProbe', 4050, 'Allow', 'AzureLoadBalancer', '8080'),
    );

    // Act
    const { code, out } = await run(['--plan', file('plan.json', plan(replaced)), '--scenario', state]);

    // Assess
    expect(out).toContain(
      '[breaks] lbi-orders-prod probe probe-orders-health (HTTP 8080 /health): nsg-snet-app-b (subnet) rule DenyAllInbound at 4000 denies TCP 8080',
    );
    expect(code).toBe(1);
  });
});

describe('check-change: what-if NSG associations', () => {
  const scenario = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { resources: Json[] };
  const vnet = scenario.resources.find((r) => r.type === 'Microsoft.Network/virtualNetworks') as {
    id: string;
    properties: { subnets: (Json & { name: string; properties: Json })[] };
  };
  const subnetB = vnet.properties.subnets.find((x) => x.name === 'snet-app-b')!;
  const BASELINE = `${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-baseline`;
  // A new NSG with a Deny All at 4000, as what-if shows a Create (its body as ARM would hold it).
  const newBaselineNsg = {
    resourceId: BASELINE,
    changeType: 'Create',
    after: {
      id: BASELINE,
      name: 'nsg-baseline',
      type: 'Microsoft.Network/networkSecurityGroups',
      location: 'westeurope',
      properties: {
        securityRules: [
          {
            name: 'DenyAllInbound',
            properties: {
              protocol: '*',
              sourcePortRange: '*',
              destinationPortRange: '*',
              sourceAddressPrefix: '*',
              destinationAddressPrefix: '*',
              access: 'Deny',
              priority: 4000,
              direction: 'Inbound',
            },
          },
        ],
      },
    },
  };
  const associated = (nsgId: string) => {
    const after = structuredClone(subnetB);
    after.properties.networkSecurityGroup = { id: nsgId };
    return after;
  };

  it('flags a subnet (its own resource) newly associated with an NSG holding a Deny All', async () => {
    // Prepare: the subnet's Modify listed before the NSG's Create.
    const whatIf = {
      status: 'Succeeded',
      changes: [
        {
          resourceId: subnetB.id,
          changeType: 'Modify',
          before: subnetB,
          after: associated(BASELINE),
          delta: [
            {
              path: 'properties.networkSecurityGroup.id',
              propertyChangeType: 'Modify',
              before: (subnetB.properties.networkSecurityGroup as Json).id,
              after: BASELINE,
            },
          ],
        },
        newBaselineNsg,
      ],
    };

    // Act
    const { code, out } = await run([
      '--what-if',
      file('whatif.json', whatIf),
      '--scenario',
      SNAPSHOT,
      '--format',
      'json',
    ]);

    // Assess
    const result = JSON.parse(out) as Result;
    expect(result.checks.filter((c) => c.outcome === 'breaks')).toEqual([
      expect.objectContaining({
        backends: [VM3_IPCONFIG],
        blockingRule: expect.objectContaining({
          nsgName: 'nsg-baseline',
          ruleName: 'DenyAllInbound',
          priority: 4000,
          level: 'subnet',
        }),
        changes: expect.arrayContaining([subnetB.id, BASELINE]),
        // The baseline denies the clients too, not only the probe: that comes first, then the probe's allow.
        fix: expect.stringMatching(
          /^the change shuts out every client on TCP 8080 as well \(DenyAllInbound in nsg-baseline\), so an allow for the probe alone would keep these backends in rotation with their client connections dropped\. .* and add to nsg-baseline an inbound Allow rule: source AzureLoadBalancer, protocol Tcp, destination port 8080, priority 3999$/,
        ),
      }),
    ]);
    expect(code).toBe(1);
  });

  it('reads the same association inside the virtual network body', async () => {
    // Prepare
    const after = structuredClone(vnet);
    after.properties.subnets = after.properties.subnets.map((x) =>
      x.name === 'snet-app-b' ? associated(BASELINE) : x,
    );
    const whatIf = {
      status: 'Succeeded',
      changes: [newBaselineNsg, { resourceId: vnet.id, changeType: 'Modify', before: vnet, after }],
    };

    // Act
    const { code, out } = await run(['--what-if', file('whatif.json', whatIf), '--scenario', SNAPSHOT]);

    // Assess
    expect(out).toContain('nsg-baseline (subnet) rule DenyAllInbound at 4000 denies TCP 8080');
    expect(code).toBe(1);
  });

  it('a virtual network change that keeps every association touches no probe', async () => {
    // Prepare: only the address space changes.
    const after = structuredClone(vnet) as typeof vnet & { properties: Json };
    after.properties.addressSpace = { addressPrefixes: ['10.0.0.0/16', '10.1.0.0/16'] };
    const whatIf = {
      status: 'Succeeded',
      changes: [{ resourceId: vnet.id, changeType: 'Modify', before: vnet, after }],
    };

    // Act
    const { code, out } = await run(['--what-if', file('whatif.json', whatIf), '--scenario', SNAPSHOT]);

    // Assess
    expect(out).toBe('OK: every probe the change touches still reaches its backends\n');
    expect(code).toBe(0);
  });

  it('cannot decide an association to an NSG the state does not hold', async () => {
    // Prepare
    const elsewhere = `${RG}/providers/Microsoft.Network/networkSecurityGroups/nsg-not-in-snapshot`;
    const whatIf = {
      status: 'Succeeded',
      changes: [
        { resourceId: subnetB.id, changeType: 'Modify', before: subnetB, after: associated(elsewhere) },
      ],
    };

    // Act
    const { code, out } = await run(['--what-if', file('whatif.json', whatIf), '--scenario', SNAPSHOT]);

    // Assess
    expect(out).toContain(
      `[cannot-decide] lbi-orders-prod probe probe-orders-health (HTTP 8080 /health): cannot be decided from this state: ${subnetB.id as string} associates ${elsewhere} is not in the current state: its rules cannot be evaluated`,
    );
    expect(code).toBe(1);
  });
});

describe('check-change: what-if changes it cannot predict', () => {
  const DENY_LB = {
    name: 'DenyLoadBalancer',
    properties: {
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: 'AzureLoadBalancer',
      destinationAddressPrefix: '*',
      access: 'Deny',
      priority: 100,
      direction: 'Inbound',
    },
  };
  const scenario = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { resources: Json[] };
  const nsg = scenario.resources.find((r) => r.type === 'Microsoft.Network/networkSecurityGroups') as Json & {
    id: string;
  };
  const ruleId = `${nsg.id}/securityRules/DenyLoadBalancer`;

  it('says cannot-decide for an Unsupported change to an NSG rule on the probe path', async () => {
    // Prepare: what-if marks the rule "Unsupported" (it could not predict it); even with a Deny body it
    // is not to be trusted, and without one nothing is known.
    const whatIf = { status: 'Succeeded', changes: [{ resourceId: ruleId, changeType: 'Unsupported' }] };

    // Act
    const { code, out } = await run(['--what-if', file('whatif.json', whatIf), '--scenario', SNAPSHOT]);

    // Assess
    expect(out).toContain('[cannot-decide]');
    expect(out).toContain('(what-if: Unsupported)');
    expect(code).toBe(1);
  });

  it('refuses a changeType ARM what-if does not have, naming it', async () => {
    // Prepare
    const whatIf = {
      status: 'Succeeded',
      changes: [{ resourceId: ruleId, changeType: 'Explode', after: { id: ruleId, ...DENY_LB } }],
    };

    // Act
    const { code, err } = await run(['--what-if', file('whatif.json', whatIf), '--scenario', SNAPSHOT]);

    // Assess
    expect(err).toContain('$.changes[0].changeType "Explode" is not one of ARM what-if\'s');
    expect(code).toBe(2);
  });
});

describe('check-change input errors', () => {
  it.each([
    [
      'both --scenario and --scope',
      ['--plan', 'plan.json', '--scenario', SNAPSHOT, '--scope', '00000000-0000-0000-0000-000000000000'],
      'probe-doctor: --scenario and --scope were both given; the current state comes from one of them: --scenario FILE (a snapshot scenario file), or --scope IDS (subscription or resource group ids, read from live Azure)\n',
    ],
    [
      'neither --scenario nor --scope',
      ['--plan', 'plan.json'],
      'probe-doctor: the current state is missing: give --scenario FILE (a snapshot scenario file), or --scope IDS (subscription or resource group ids, read from live Azure)\n',
    ],
    [
      'both --plan and --what-if',
      ['--plan', 'plan.json', '--what-if', 'whatif.json', '--scenario', SNAPSHOT],
      'probe-doctor: --plan and --what-if were both given; the planned change comes from one of them: --plan FILE (terraform show -json plan.out), or --what-if FILE (az deployment group what-if --no-pretty-print)\n',
    ],
    [
      'live options with a snapshot',
      ['--plan', 'plan.json', '--scenario', SNAPSHOT, '--arm-endpoint', 'https://127.0.0.1:1'],
      'probe-doctor: --cloud, --arm-endpoint, --ca-file and --access-token-env read live state: they go with --scope, not --scenario\n',
    ],
  ])('%s: one line that says what was wrong, exit 2', async (_case, args, message) => {
    // Act
    const { code, out, err } = await run(args);

    // Assess
    expect({ code, out, err }).toEqual({ code: 2, out: '', err: message });
  });

  it('a what-if shape error names the file', async () => {
    // Act
    const path = file('whatif.json', { changes: [{ changeType: 'Modify' }] });
    const { code, err } = await run(['--what-if', path, '--scenario', SNAPSHOT]);

    // Assess
    expect(err).toBe(`probe-doctor: --what-if ${path}: $.changes[0] must have resourceId and changeType\n`);
    expect(code).toBe(2);
  });
});

describe('the shipped sample plan (examples/check-change/plan.json)', () => {
  const ROOT_DIR = join(__dirname, '..', '..');
  const readme = readFileSync(join(ROOT_DIR, 'README.md'), 'utf8');
  const documented = /^node bin\/probe-doctor\.js (check-change --plan examples\/\S+ --scenario \S+)$/m.exec(
    readme,
  )?.[1];

  it("is what the README's check-change command runs, and the help shows the same command", () => {
    // Assess
    expect(documented).toBe(
      'check-change --plan examples/check-change/plan.json --scenario scenarios/healthy.json',
    );
    expect(COMMAND_HELP['check-change']?.examples).toContain(
      `  node bin/probe-doctor.js ${documented ?? ''}`,
    );
  });

  it('the README command breaks the probe the sample deny covers, exit code 1', async () => {
    // Prepare: the command's paths are relative to the repository, where the README runs it.
    const args = (documented ?? '')
      .split(' ')
      .slice(1)
      .map((a) => (a.includes('/') ? join(ROOT_DIR, a) : a));

    // Act
    const { code, out, err } = await run(args);

    // Assess
    expect(err).toBe('');
    expect(code).toBe(1);
    expect(out).toMatch(/^BREAKS: the change stops 1 probe path\(s\)/);
    expect(out).toMatch(/lb-web-prod probe probe-http-80 .*rule DenyPlainHttpInbound at 900 denies TCP 80/);
    expect(out).toMatch(/change: azurerm_network_security_rule\.deny_plain_http/);
  });
});
