/**
 * Issue 13 item 6, end to end: a fix that survives scale-out. `diagnose --fix` on a scale-set pool
 * blocked by a subnet NSG deny resolves it; then the scale set grows by one through the sandbox's
 * ARM API (Virtual Machine Scale Sets - Update, `sku.capacity`, through the real compute client over
 * HTTPS), and the new instance, which lands in the model's subnet at the next free address, is
 * admitted by the same allow rule: its probe comes Up in the sandbox's own evaluation, and a second
 * observe run reports the load balancer healthy with nothing to fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import type { Report } from '../../src/model/report';
import type { SkippableClock } from '../../src/sandbox/clock';
import { parseScenario } from '../../src/sandbox/scenario';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';

const FILE = 'vmss-scale-out-after-fix.json';
const RG = 'rg-api-prod';
const FAST = { updateIntervalInMs: 1 };

function load() {
  const json = JSON.parse(readFileSync(join(__dirname, '../../scenarios', FILE), 'utf8')) as {
    expect: { loadBalancerId: string };
  };
  return { scenario: parseScenario(json, FILE), lbId: json.expect.loadBalancerId };
}

async function diagnose(t: TestSandbox, lbId: string, mode: 'observe' | 'fix'): Promise<Report> {
  const { report } = await runLocally({
    input: { loadBalancerId: lbId, mode },
    target: { kind: 'sandbox', endpoint: t.sandbox.endpoint, ca: t.sandbox.ca, clock: t.sandbox.clock },
    config: loadConfig({}),
    auditSink: new MemoryAuditSink(),
    remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
    evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
  });
  return report;
}

async function instanceIds(t: TestSandbox): Promise<string[]> {
  const ids: string[] = [];
  for await (const vm of t.compute.virtualMachineScaleSetVMs.list(RG, 'vmss-api'))
    ids.push(vm.instanceId ?? '?');
  return ids.sort();
}

async function probeStates(t: TestSandbox): Promise<Record<string, string | undefined>> {
  const health = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
    RG,
    'lbi-api-prod',
    'rule-api-http',
    FAST,
  );
  return Object.fromEntries(
    (health.loadBalancerBackendAddresses ?? []).map((a) => [a.ipAddress ?? '?', a.state ?? 'not probed']),
  );
}

describe('a fix that survives scale-out (vmss-scale-out-after-fix)', () => {
  it('fix, scale out by one, and the new instance is admitted by the same rule', async () => {
    // Prepare
    const { scenario, lbId } = load();
    const t = await startTestSandbox(scenario);
    try {
      // Act 1: the fix
      const fixed = await diagnose(t, lbId, 'fix');

      // Assess 1: resolved by one rule on the subnet, which says why
      expect(fixed.verdict).toBe('resolved');
      const allow = fixed.fixes.filter((f) => f.kind === 'nsg-allow-probe');
      expect(allow.map((f) => f.status)).toEqual(['applied']);
      expect(allow[0]!.detail.destinationAddressPrefixes).toEqual(['10.30.1.0/24']);
      expect(allow[0]!.detail.destination).toBe(
        "subnet snet-api-a 10.30.1.0/24 (scale set vmss-api's instances; new instances land there)",
      );
      const written: string[] = [];
      for await (const rule of t.network.securityRules.list(RG, 'nsg-snet-api-a'))
        if (rule.access === 'Allow' && rule.sourceAddressPrefix === 'AzureLoadBalancer')
          written.push(rule.destinationAddressPrefix ?? rule.destinationAddressPrefixes?.join(',') ?? '');
      expect(written).toEqual(['10.30.1.0/24']);

      // Act 2: scale out by one, as Azure does it (PATCH sku.capacity through the compute client)
      expect(await instanceIds(t)).toEqual(['0', '1']);
      const scaled = await t.compute.virtualMachineScaleSets.update(
        RG,
        'vmss-api',
        { sku: { capacity: 3 } },
        FAST,
      );

      // Assess 2: a third instance from the model, in the model's subnet and pool
      expect(scaled.sku?.capacity).toBe(3);
      const after = await instanceIds(t);
      expect(after).toHaveLength(3);
      const added = after.find((id) => id !== '0' && id !== '1') as string;
      const nic = await t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
        RG,
        'vmss-api',
        added,
        'vmss-api-nic',
      );
      const ipConfig = nic.ipConfigurations?.[0];
      expect(ipConfig?.subnet?.id).toMatch(/\/subnets\/snet-api-a$/);
      expect(ipConfig?.loadBalancerBackendAddressPools?.map((p) => p.id)).toEqual([
        expect.stringMatching(/\/backendAddressPools\/pool-api$/),
      ]);
      const newIp = ipConfig?.privateIPAddress as string;
      expect(newIp).toBe('10.30.1.6');

      // Assess 3: the sandbox's own probe evaluation: NA until probed, then Up after interval x threshold
      expect((await probeStates(t))[newIp]).not.toBe('Up');
      (t.sandbox.clock as SkippableClock).advance(5_000 * 2 + 1_000);
      const states = await probeStates(t);
      expect(states).toEqual({ '10.30.1.4': 'Up', '10.30.1.5': 'Up', '10.30.2.4': 'Up', [newIp]: 'Up' });

      // Act 3 / Assess 4: a second observe run: healthy, nothing planned, nothing written
      const writesBefore = t.sandbox.requestLog.filter(
        (r) => r.method !== 'GET' && r.method !== 'POST',
      ).length;
      const second = await diagnose(t, lbId, 'observe');
      expect(second.verdict).toBe('healthy');
      expect(second.fixes).toEqual([]);
      expect(second.backends.find((b) => b.ipAddress === newIp)?.probeState).toBe('up');
      expect(t.sandbox.requestLog.filter((r) => r.method !== 'GET' && r.method !== 'POST')).toHaveLength(
        writesBefore,
      );
    } finally {
      await t.stop();
    }
  });
});
