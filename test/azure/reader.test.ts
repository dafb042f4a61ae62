/**
 * The evidence reader through the real SDK clients over HTTPS against the sandbox: each method once,
 * plus the pure DipAvailability mapping.
 */
import { createClientFactory } from '../../src/azure/clients';
import { createSdkAzureReader, dipState, type AzureReader } from '../../src/azure/reader';
import { AzureCallError } from '../../src/errors';
import { idKey } from '../../src/model/ids';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { DEFAULT_SUBSCRIPTION_ID, scenario } from '../helpers/scenarioBuilder';

const SUB = `/subscriptions/${DEFAULT_SUBSCRIPTION_ID}`;
const RG = `${SUB}/resourceGroups/rg-web`;
const NET = `${RG}/providers/Microsoft.Network`;
const CMP = `${RG}/providers/Microsoft.Compute`;
const LB = `${NET}/loadBalancers/lb-web`;
const WATCHER = `${SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`;

describe('dipState', () => {
  it.each([
    { average: undefined, state: 'Unknown' },
    { average: Number.NaN, state: 'Unknown' },
    { average: 100, state: 'Up' },
    { average: 99.5, state: 'Down' },
    { average: 0, state: 'Down' },
  ])('$average% -> $state', ({ average, state }) => {
    expect(dipState(average)).toBe(state);
  });
});

describe('the SDK reader against the sandbox', () => {
  const builder = scenario('azure-reader')
    .vnet('vnet-web', ['10.0.0.0/16'])
    .subnet('snet-web', '10.0.1.0/24', { nsg: 'nsg-snet' })
    .nsg('nsg-snet', [
      {
        name: 'DenyProbe',
        priority: 100,
        access: 'Deny',
        protocol: 'Tcp',
        source: 'AzureLoadBalancer',
        ports: 80,
      },
    ])
    .lb({ probe: { protocol: 'Tcp', port: 80 }, rule: { frontendPort: 80, backendPort: 80 } })
    .vm('web-0')
    .vmss('vmss-web', { instances: [{ id: 0 }] });
  const doc = builder.build();
  const watcher = {
    id: WATCHER,
    name: 'NetworkWatcher_westeurope',
    type: 'Microsoft.Network/networkWatchers',
    location: 'westeurope',
    properties: { provisioningState: 'Succeeded' },
  };
  const web0 = `${CMP}/virtualMachines/web-0`;
  const web0Nic = `${NET}/networkInterfaces/web-0-nic`;
  const ss0 = `${CMP}/virtualMachineScaleSets/vmss-web/virtualMachines/0`;
  let sandbox: Sandbox;
  let reader: AzureReader;

  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: parseScenario({ ...doc, resources: [...doc.resources, watcher] }),
    });
    reader = createSdkAzureReader(
      createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
    );
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('reads per-rule health', async () => {
    // Act
    const health = await reader.getRuleHealth(LB, 'rule-tcp-80');
    // Assess
    expect(health.ruleId).toBe(`${LB}/loadBalancingRules/rule-tcp-80`);
    expect(health.down).toBe(2);
    expect(health.backends.map((b) => [idKey(b.ipConfigurationId ?? ''), b.state, b.source]).sort()).toEqual(
      [builder.memberIpConfigId('web-0'), builder.memberIpConfigId('vmss-web/0')]
        .map((id) => [idKey(id), 'Down', 'rule-health'])
        .sort(),
    );
  });

  it('reads DipAvailability per backend IP', async () => {
    // Act
    const health = await reader.getDipAvailability(LB);
    // Assess
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((h) => h.source === 'metric' && h.ruleId === LB && h.ipAddress !== undefined)).toBe(
      true,
    );
    expect(new Set(health.map((h) => h.state))).toEqual(new Set(['Down']));
  });

  it.each([
    { label: 'a VM', vmId: web0 },
    { label: 'a scale set VM', vmId: ss0 },
  ])('reads the health of $label', async ({ vmId }) => {
    // Act
    const health = await reader.getVmHealth(vmId);
    // Assess
    expect(health).toMatchObject({ vmId, powerState: 'running', agentStatus: 'ready' });
  });

  it('reads effective NSGs', async () => {
    // Act
    const groups = await reader.getEffectiveNsgs(web0Nic);
    // Assess
    const subnetLevel = groups.find((g) => g.level === 'subnet');
    expect(idKey(subnetLevel?.nsgId ?? '')).toBe(idKey(`${NET}/networkSecurityGroups/nsg-snet`));
    expect(subnetLevel?.rules.find((r) => r.name.endsWith('DenyProbe'))).toMatchObject({
      access: 'Deny',
      priority: 100,
    });
  });

  it('refuses effective NSGs of a scale set VM NIC, which ARM does not offer', async () => {
    // Prepare
    const nic = `${ss0}/networkInterfaces/vmss-web-nic`;
    // Act
    const result = reader.getEffectiveNsgs(nic);
    // Assess
    await expect(result).rejects.toThrow(AzureCallError);
    await expect(result).rejects.toThrow(`effective NSGs is not available for scale set VM NIC ${nic}`);
  });

  it('reads effective routes', async () => {
    // Act
    const routes = await reader.getEffectiveRoutes(web0Nic);
    // Assess
    expect(routes.find((r) => r.addressPrefixes.includes('10.0.0.0/16'))).toMatchObject({
      source: 'Default',
      nextHopType: 'VnetLocal',
    });
  });

  it.each([
    { label: 'a VM', vmId: web0 },
    { label: 'a scale set VM', vmId: ss0 },
  ])('runs a command on $label', async ({ vmId }) => {
    // Act
    const result = await reader.runCommand(vmId, {
      commandId: 'RunShellScript',
      script: 'echo hello\nss -ltn',
    });
    // Assess
    // A Linux guest answers RunShellScript in one status, stdout and stderr inside its message.
    expect(result.value?.[0]).toMatchObject({ code: 'ProvisioningState/succeeded', level: 'Info' });
    expect(result.value?.[0]?.message).toMatch(/^Enable succeeded: \n\[stdout\]\n[\s\S]*\[stderr\]\n/);
  });

  it("verifies an IP flow with the region's Network Watcher", async () => {
    // Act
    const result = await reader.ipFlowVerify({
      targetResourceId: web0,
      location: 'West Europe',
      direction: 'Inbound',
      protocol: 'TCP',
      localIpAddress: '10.0.1.4',
      localPort: 80,
      remoteIpAddress: '168.63.129.16',
      remotePort: 49152,
    });
    // Assess
    expect(result.access).toBe('Deny');
    expect(result.ruleName).toMatch(/DenyProbe$/);
  });

  it('fails clearly when the region has no Network Watcher', async () => {
    // Act
    const result = reader.ipFlowVerify({
      targetResourceId: web0,
      location: 'eastus',
      direction: 'Inbound',
      protocol: 'TCP',
      localIpAddress: '10.0.1.4',
      localPort: 80,
      remoteIpAddress: '168.63.129.16',
      remotePort: 49152,
    });
    // Assess
    await expect(result).rejects.toMatchObject({
      code: 'NetworkWatcherNotFound',
      message: `no Network Watcher in region eastus of subscription ${DEFAULT_SUBSCRIPTION_ID}`,
    });
  });

  it('checks connectivity from a peer', async () => {
    // Act
    const result = await reader.connectivityCheck({
      sourceResourceId: ss0,
      location: 'westeurope',
      destination: { address: '10.0.1.4', port: 80 },
      protocol: 'Tcp',
    });
    // Assess
    // The deny is for AzureLoadBalancer only: a peer in the VNet reaches the listener on 80.
    expect(result.connectionStatus).toBe('Connected');
    expect(Array.isArray(result.hops)).toBe(true);
  });

  it('turns an ARM error into an AzureCallError with status and code', async () => {
    // Prepare
    const missing = `${CMP}/virtualMachines/nope`;
    // Act
    const result = reader.getVmHealth(missing);
    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'AzureCallError',
      statusCode: 404,
      resourceId: missing,
    });
  });
});
