/**
 * A node resource group is known by its `managedBy`, not only by AKS's default `MC_...` name (issue 13,
 * "Resources a controller owns"): `az aks create --node-resource-group` gives it any name, and ARM's
 * Resource Groups - Get still says which cluster manages it. The field case x02 (a hand-made deny in the
 * AKS-managed NSG) is re-run with its node resource group renamed: without `managedBy` nothing shows the
 * NSG is AKS's, and probe-doctor writes to it (the harm the case reports); with `managedBy` it does not.
 * The group's wire shape is checked through the real SDK against the sandbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { createAzureClients } from '../../src/azure/clients';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const SUB = '0f0e0d0c-0b0a-4909-8807-060504030201';
const CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg-vdc-spoke-aks/providers/Microsoft.ContainerService/managedClusters/aks-vdc`;
const NODE_RG = 'rg-aks-vdc-nodes';

/** x02 with its node resource group renamed (and, when given, that group's `managedBy`). */
function renamedX02(managedBy: string | undefined) {
  const text = readFileSync(join(__dirname, '../fixtures/cases/field/x02-aks-managed-nsg-deny.json'), 'utf8');
  const json = JSON.parse(text.replaceAll('MC_rg-vdc-spoke-aks_aks-vdc_eastus', NODE_RG)) as Record<
    string,
    unknown
  > & { expect: { loadBalancerId: string } };
  // The cloud provider's load balancer name alone also shows Kubernetes: rename it too, so only the
  // resource group can tell.
  const renamed = JSON.parse(
    JSON.stringify(json).replaceAll('/loadBalancers/kubernetes-internal', '/loadBalancers/lb-nodes'),
  ) as typeof json;
  // Likewise the NSG rules the cloud provider names after a Service UID: what is left of the NSG is
  // the hand-made deny and the defaults.
  for (const r of renamed.resources as {
    type: string;
    name: string;
    properties: { securityRules?: { name: string }[] };
  }[]) {
    if (r.type === 'Microsoft.Network/loadBalancers') r.name = 'lb-nodes';
    if (r.type === 'Microsoft.Network/networkSecurityGroups' && r.properties.securityRules) {
      r.properties.securityRules = r.properties.securityRules.filter(
        (rule) => !/^a[0-9a-f]{31}/i.test(rule.name),
      );
    }
  }
  if (managedBy) {
    renamed.resourceGroups = [
      {
        id: `/subscriptions/${SUB}/resourceGroups/${NODE_RG}`,
        name: NODE_RG,
        location: 'eastus',
        managedBy,
      },
    ];
  }
  return renamed;
}

async function runFix(json: ReturnType<typeof renamedX02>) {
  const sandbox = await startSandbox({ scenario: parseScenario(json, 'x02-renamed') });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode: 'fix' },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const writes = sandbox.requestLog.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));
    const groupReads = sandbox.requestLog.filter((r) =>
      /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/i.test(r.path),
    );
    return { report, writes, groupReads };
  } finally {
    await sandbox.stop();
  }
}

describe('resource group managedBy', () => {
  it('serves Resource Groups - Get in ARM shape through the real SDK', async () => {
    // Prepare
    const json = renamedX02(CLUSTER);
    const sandbox = await startSandbox({ scenario: parseScenario(json, 'x02-renamed') });
    try {
      const clients = createAzureClients(
        { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
        SUB,
      );

      // Act
      const managed = await clients.resources.resourceGroups.get(NODE_RG);
      const plain = await clients.resources.resourceGroups.get('rg-vdc-spoke-aks');
      const missing = await clients.resources.resourceGroups.get('rg-nowhere').catch((e: unknown) => e);

      // Assess
      expect(managed).toEqual({
        id: `/subscriptions/${SUB}/resourceGroups/${NODE_RG}`,
        name: NODE_RG,
        type: 'Microsoft.Resources/resourceGroups',
        location: 'eastus',
        managedBy: CLUSTER,
        properties: { provisioningState: 'Succeeded' },
      });
      expect(plain.managedBy).toBeUndefined();
      expect(plain.properties?.provisioningState).toBe('Succeeded');
      expect(missing).toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
      expect(sandbox.requestLog.map((r) => r.operation)).toContain(
        'Microsoft.Resources/subscriptions/resourceGroups/read',
      );
    } finally {
      await sandbox.stop();
    }
  });

  it('without managedBy, nothing shows the renamed node group is AKS: the NSG is written (the harm)', async () => {
    // Act
    const { writes } = await runFix(renamedX02(undefined));

    // Assess
    expect(writes.map((w) => w.path)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/networkSecurityGroups\/aks-agentpool-27182818-nsg\/securityRules\//),
      ]),
    );
  });

  it('with managedBy on the node group, never writes to its NSG and names the cluster', async () => {
    // Act
    const { report, writes, groupReads } = await runFix(renamedX02(CLUSTER));

    // Assess
    expect(groupReads.length).toBeGreaterThan(0);
    expect(writes).toEqual([]);
    const nsgFix = report.fixes.find((f) => f.kind === 'nsg-allow-probe');
    expect(nsgFix?.status).toBe('skipped');
    expect(nsgFix?.reason).toMatch(/owned by AKS cluster aks-vdc/);
    const owned = report.notes?.filter((n) => n.id === 'controller-owned') ?? [];
    expect(owned.map((n) => n.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^NSG aks-agentpool-27182818-nsg is owned by AKS cluster aks-vdc/),
      ]),
    );
    expect(owned.find((n) => /^NSG aks-agentpool/.test(n.summary))?.evidence?.evidence).toEqual(
      expect.arrayContaining([`resource group managedBy ${CLUSTER}`]),
    );
  });
});
