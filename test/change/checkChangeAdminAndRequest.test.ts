/**
 * `probe-doctor check-change` against what sits outside the NSGs: Azure Virtual Network Manager
 * security admin rules (evaluated before every NSG: Deny cannot be overridden, AlwaysAllow skips the
 * NSGs, Allow hands the packet on; Microsoft's "Security admin rules in Azure Virtual Network Manager"),
 * a probe that asks a new path of its backends, and an already-failing probe's wording.
 *
 * The plan, what-if and scenario files under test/fixtures/cases/tester/check-change/ are a new-user
 * tester's repro files, copied unedited from /tmp/tester/plans/ (avnm.json, whatif-avnm.json,
 * adm-allow.json, s8-deny80.json, probe-port.json, demo-deny900.json) and /tmp/tester/scen/
 * (s8-avnm-alwaysallow.json). Variants are made in the test from those files, never by editing them.
 * The admin rules reach the product through the sandbox's effective-NSG answer, the read the diagnosis
 * makes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';

type Json = Record<string, unknown>;

const TESTER = join(__dirname, '..', 'fixtures', 'cases', 'tester', 'check-change');
const SCENARIOS = join(__dirname, '..', '..', 'scenarios');
const HEALTHY = join(SCENARIOS, 'healthy.json');
const ADMIN_BLOCKS = join(SCENARIOS, 'admin-rule-blocks-probe.json');
const ALWAYS_ALLOW = join(TESTER, 's8-avnm-alwaysallow.json');
const RG_T = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-t';

interface Check {
  outcome: string;
  backends: string[];
  reason: string;
  changes: string[];
  blockingRule?: Json;
  fix?: string;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'probe-doctor', 'check-change', ...args], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
  });
  return { code, out, err };
}

async function runJson(args: string[]): Promise<{ code: number; checks: Check[] }> {
  const { code, out } = await run([...args, '--format', 'json']);
  return { code, checks: (JSON.parse(out) as { checks: Check[] }).checks };
}

function file(name: string, value: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pd-gate-')), name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Json;
const tester = (name: string) => join(TESTER, name);

/** An azurerm_network_manager_admin_rule change, as `terraform show -json` prints one. */
function adminRuleChange(actions: string[], before: Json | null, after: Json | null): Json {
  return {
    format_version: '1.2',
    terraform_version: '1.9.5',
    resource_changes: [
      {
        address: 'azurerm_network_manager_admin_rule.web',
        mode: 'managed',
        type: 'azurerm_network_manager_admin_rule',
        name: 'web',
        provider_name: 'registry.terraform.io/hashicorp/azurerm',
        change: { actions, before, after, after_unknown: {} },
      },
    ],
  };
}

function adminRule(name: string, action: string, ports: string[]): Json {
  return {
    name,
    admin_rule_collection_id: `${RG_T}/providers/Microsoft.Network/networkManagers/nm-rg-t/securityAdminConfigurations/cfg/ruleCollections/rc`,
    action,
    direction: 'Inbound',
    priority: 10,
    protocol: 'Tcp',
    destination_port_ranges: ports,
    source: [{ address_prefix: '*', address_prefix_type: 'IPPrefix' }],
    destination: [{ address_prefix: '*', address_prefix_type: 'IPPrefix' }],
  };
}

describe('check-change evaluates Virtual Network Manager security admin rules', () => {
  it('does not pass a plan that adds an admin Deny on the probe port (its reach is not in the state)', async () => {
    // Act
    const { code, checks } = await runJson(['--plan', tester('avnm.json'), '--scenario', HEALTHY]);

    // Assess
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'cannot-decide',
        changes: ['azurerm_network_manager_admin_rule.deny_http'],
        reason: expect.stringContaining(
          'adds security admin rule DenyHttp (Deny at 10), which would stop the probe',
        ),
      }),
    ]);
    expect(checks[0]?.backends).toHaveLength(3);
    expect(code).toBe(1);
  });

  it('does not pass the same admin Deny from an ARM what-if', async () => {
    // Act
    const { code, checks } = await runJson(['--what-if', tester('whatif-avnm.json'), '--scenario', HEALTHY]);

    // Assess
    expect(checks.map((c) => c.outcome)).toEqual(['cannot-decide']);
    expect(checks[0]?.reason).toContain('security admin rule Deny-Http (Deny at 10)');
    expect(code).toBe(1);
  });

  it('passes a new admin Deny that cannot match the probe (TCP 22)', async () => {
    // Act
    const { code, checks } = await runJson([
      '--plan',
      file('plan.json', adminRuleChange(['create'], null, adminRule('DenySsh', 'Deny', ['22']))),
      '--scenario',
      HEALTHY,
    ]);

    // Assess: the rule changes nothing for the probe, so no load balancer is touched.
    expect(checks).toEqual([]);
    expect(code).toBe(0);
  });

  it('does not pass a change to which networks admin rules reach (a network group member)', async () => {
    // Prepare
    const plan = {
      format_version: '1.2',
      resource_changes: [
        {
          address: 'azurerm_network_manager_static_member.web',
          type: 'azurerm_network_manager_static_member',
          name: 'web',
          change: {
            actions: ['create'],
            before: null,
            after: {
              name: 'web',
              network_group_id: `${RG_T}/providers/Microsoft.Network/networkManagers/nm/networkGroups/ng`,
              target_virtual_network_id: `${RG_T}/providers/Microsoft.Network/virtualNetworks/vnet-t`,
            },
            after_unknown: { id: true },
          },
        },
      ],
    };

    // Act
    const { code, checks } = await runJson(['--plan', file('plan.json', plan), '--scenario', HEALTHY]);

    // Assess
    expect(checks.map((c) => c.outcome)).toEqual(['cannot-decide']);
    expect(checks[0]?.reason).toContain('azurerm_network_manager_static_member');
    expect(code).toBe(1);
  });

  it('reports a probe an admin Deny already blocks as already failing, whatever NSG allow the plan adds', async () => {
    // Act
    const { code, checks } = await runJson(['--plan', tester('adm-allow.json'), '--scenario', ADMIN_BLOCKS]);

    // Assess
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'already-failing',
        reason: expect.stringContaining('security admin rule Deny-Http-Plaintext at 10 denies TCP 80'),
      }),
    ]);
    expect(checks[0]?.backends).toHaveLength(3);
    expect(code).toBe(0);
  });

  it('keeps a probe an admin AlwaysAllow lets past an NSG deny the plan adds', async () => {
    // Act
    const { code, checks } = await runJson(['--plan', tester('s8-deny80.json'), '--scenario', ALWAYS_ALLOW]);

    // Assess
    expect(checks.map((c) => c.outcome)).toEqual(['keeps-working']);
    expect(code).toBe(0);
  });

  it('lets the NSGs decide when the admin rule is Allow: the NSG DenyAll in the snapshot already blocks', async () => {
    // Prepare: the same admin rule as Allow, which does not skip the NSGs.
    const scenario = readJson(ALWAYS_ALLOW) as { securityAdminRules: Json[] };
    scenario.securityAdminRules[0]!.access = 'Allow';

    // Act
    const { code, checks } = await runJson([
      '--plan',
      tester('s8-deny80.json'),
      '--scenario',
      file('scenario.json', scenario),
    ]);

    // Assess
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'already-failing',
        reason: expect.stringContaining(
          'already fails before the change: nsg-a (subnet) rule DenyAll at 4000 denies TCP 80',
        ),
      }),
    ]);
    expect(code).toBe(0);
  });

  it('breaks the probe when the plan turns the AlwaysAllow admin rule it relies on into a Deny', async () => {
    // Act
    const { code, checks } = await runJson([
      '--plan',
      file(
        'plan.json',
        adminRuleChange(
          ['update'],
          adminRule('AlwaysAllowWeb', 'AlwaysAllow', ['80']),
          adminRule('AlwaysAllowWeb', 'Deny', ['80']),
        ),
      ),
      '--scenario',
      ALWAYS_ALLOW,
    ]);

    // Assess
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'breaks',
        blockingRule: expect.objectContaining({ ruleName: 'AlwaysAllowWeb', level: 'admin', priority: 10 }),
        changes: ['azurerm_network_manager_admin_rule.web'],
        fix: expect.stringContaining('no NSG rule can override a security admin Deny'),
      }),
    ]);
    expect(code).toBe(1);
  });
});

describe('check-change: an admin rule replaced under the same name', () => {
  it('judges the replacement where the old rule reached (a Deny in place of the AlwaysAllow breaks)', async () => {
    // Act
    const { code, checks } = await runJson([
      '--plan',
      file(
        'plan.json',
        adminRuleChange(
          ['delete', 'create'],
          adminRule('AlwaysAllowWeb', 'AlwaysAllow', ['80']),
          adminRule('AlwaysAllowWeb', 'Deny', ['80']),
        ),
      ),
      '--scenario',
      ALWAYS_ALLOW,
    ]);

    // Assess
    expect(checks.map((c) => [c.outcome, c.blockingRule?.level])).toEqual([['breaks', 'admin']]);
    expect(code).toBe(1);
  });
});

describe('check-change judges what an HTTP probe asks', () => {
  it('cannot decide a new probe path the backends were never asked', async () => {
    // Act
    const { code, checks } = await runJson(['--plan', tester('probe-port.json'), '--scenario', HEALTHY]);

    // Assess
    expect(checks).toEqual([
      expect.objectContaining({
        outcome: 'cannot-decide',
        reason: expect.stringContaining(
          'GET /does-not-exist on port 80, which was never asked of the backends',
        ),
        changes: ['azurerm_lb_probe.p'],
      }),
    ]);
    expect(code).toBe(1);
  });

  it.each([
    [404, 'breaks'],
    [200, 'keeps-working'],
  ])('judges the new path from the guests answer when the state has one (%i)', async (status, outcome) => {
    // Prepare: every guest answers GET /does-not-exist on port 80 with `status`.
    const scenario = readJson(HEALTHY) as { guests: Record<string, { http: Json[] }> };
    for (const guest of Object.values(scenario.guests))
      guest.http.push({ port: 80, path: '/does-not-exist', status });

    // Act
    const { checks } = await runJson([
      '--plan',
      tester('probe-port.json'),
      '--scenario',
      file('scenario.json', scenario),
    ]);

    // Assess
    expect(checks.map((c) => c.outcome)).toEqual([outcome]);
    if (outcome === 'breaks')
      expect(checks[0]?.reason).toBe('GET /does-not-exist on port 80 answers 404 (only 200 is healthy)');
  });
});

describe('check-change: a probe that already fails', () => {
  it('names the rule that blocks before the change and says so in the headline', async () => {
    // Act
    const { code, out } = await run([
      '--plan',
      tester('demo-deny900.json'),
      '--scenario',
      join(SCENARIOS, 'nsg-deny-all-blocks-probe.json'),
    ]);

    // Assess
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      "OK: the change breaks no probe path; 2 backend(s) already fail their probe before it (not the change's doing)",
    );
    expect(out).toContain(
      '[already-failing] lbi-orders-prod probe probe-orders-health (HTTP 8080 /health): already fails before the change: nsg-snet-app-a (subnet) rule DenyAllInbound-Baseline at 4000 denies TCP 8080',
    );
    expect(code).toBe(0);
  });
});
