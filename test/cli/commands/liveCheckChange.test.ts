/**
 * A live-state `check-change --scope` against the standalone `probe-doctor sandbox` (the command's own
 * code, its CA written to a file), reached as any ARM endpoint is: `--arm-endpoint`, `--ca-file` and a
 * bearer token from `--access-token-env` (never the default credential chain). The load balancers come
 * from the sandbox's Resource Graph and their topology from its ARM API, over HTTPS, through the SDK.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// main first: the command modules import it back (exit codes), so it must load before them.
import { main } from '../../../src/cli/main';
import { runSandbox } from '../../../src/cli/commands/sandbox';

const SNAPSHOT = join(__dirname, '../../../scenarios/nsg-deny-all-blocks-probe.json');
const SUB = '00000000-0000-0000-0000-000000000000';
const TOKEN_ENV = 'PROBE_DOCTOR_TEST_SANDBOX_TOKEN';

/** A Deny All at 4000 on nsg-snet-app-b, as `terraform show -json` prints an azurerm_network_security_rule. */
const DENY_ALL_PLAN = {
  format_version: '1.2',
  terraform_version: '1.9.5',
  resource_changes: [
    {
      address: 'azurerm_network_security_rule.deny_all',
      mode: 'managed',
      type: 'azurerm_network_security_rule',
      name: 'deny_all',
      provider_name: 'registry.terraform.io/hashicorp/azurerm',
      change: {
        actions: ['create'],
        before: null,
        after: {
          name: 'DenyAllInbound',
          resource_group_name: 'rg-orders-prod',
          network_security_group_name: 'nsg-snet-app-b',
          priority: 4000,
          direction: 'Inbound',
          access: 'Deny',
          protocol: '*',
          source_port_range: '*',
          destination_port_range: '*',
          source_address_prefix: '*',
          destination_address_prefix: '*',
        },
        after_unknown: { id: true },
      },
    },
  ],
};

describe('check-change --scope against the standalone sandbox', () => {
  beforeAll(() => {
    process.env[TOKEN_ENV] = 'any-token-the-sandbox-accepts';
  });
  afterAll(() => {
    delete process.env[TOKEN_ENV];
  });

  it('reads the live state through --arm-endpoint and flags the Deny All behind the load balancer', async () => {
    // Prepare
    const plan = join(mkdtempSync(join(tmpdir(), 'pd-live-change-')), 'plan.json');
    writeFileSync(plan, JSON.stringify(DENY_ALL_PLAN));
    let out = '';
    let err = '';
    let requests: { method: string; path: string }[] = [];

    // Act
    await runSandbox(
      { scenario: SNAPSHOT },
      { out: () => undefined, err: () => undefined },
      async (sandbox, caFile) => {
        const code = await main(
          [
            'node',
            'probe-doctor',
            'check-change',
            '--plan',
            plan,
            '--scope',
            `/subscriptions/${SUB}/resourceGroups/rg-orders-prod`,
            '--arm-endpoint',
            sandbox.endpoint,
            '--ca-file',
            caFile,
            '--access-token-env',
            TOKEN_ENV,
          ],
          { out: (t) => void (out += t), err: (t) => void (err += t) },
        );
        expect({ code, err }).toEqual({ code: 1, err: `probe-doctor: ARM endpoint ${sandbox.endpoint}\n` });
        requests = sandbox.requestLog.map((r) => ({ method: r.method, path: r.path }));
      },
    );

    // Assess
    expect(out.split('\n')[0]).toBe('BREAKS: the change stops 1 probe path(s)');
    expect(out).toContain(
      '[breaks] lbi-orders-prod probe probe-orders-health (HTTP 8080 /health): nsg-snet-app-b (subnet) rule DenyAllInbound at 4000 denies TCP 8080 from AzureLoadBalancer (168.63.129.16)',
    );
    expect(out).toContain('      change: azurerm_network_security_rule.deny_all');
    // The load balancers were listed by Resource Graph and read from ARM, and nothing was written.
    expect(
      requests.some((r) => r.method === 'POST' && /Microsoft\.ResourceGraph\/resources/i.test(r.path)),
    ).toBe(true);
    expect(requests.some((r) => r.method === 'GET' && /loadBalancers\/lbi-orders-prod/i.test(r.path))).toBe(
      true,
    );
    expect(requests.filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
  }, 60_000);
});
