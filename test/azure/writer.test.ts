/**
 * Security rule writes and VM start through the real SDK against the sandbox, with ETag conditions.
 */
import { createClientFactory } from '../../src/azure/clients';
import {
  createSdkAzureWriter,
  toSdkSecurityRule,
  type AzureWriter,
  type SecurityRuleWrite,
} from '../../src/azure/writer';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { DEFAULT_SUBSCRIPTION_ID, scenario } from '../helpers/scenarioBuilder';

const NET = `/subscriptions/${DEFAULT_SUBSCRIPTION_ID}/resourceGroups/rg-web/providers/Microsoft.Network`;
const NSG = `${NET}/networkSecurityGroups/nsg-snet`;

const allowProbe: SecurityRuleWrite = {
  priority: 3990,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefixes: ['AzureLoadBalancer'],
  sourcePortRanges: ['*'],
  destinationAddressPrefixes: ['*'],
  destinationPortRanges: ['80'],
  sourceApplicationSecurityGroupIds: [],
  destinationApplicationSecurityGroupIds: [],
  description: 'probe-doctor: allow the load balancer probe',
};

describe('toSdkSecurityRule', () => {
  it.each([
    {
      label: 'one value per list -> singular fields',
      rule: allowProbe,
      expected: {
        sourceAddressPrefix: 'AzureLoadBalancer',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '80',
      },
    },
    {
      label: 'several values -> plural fields',
      rule: {
        ...allowProbe,
        destinationPortRanges: ['80', '443'],
        sourceAddressPrefixes: ['10.0.0.0/8', '168.63.129.16'],
      },
      expected: {
        sourceAddressPrefixes: ['10.0.0.0/8', '168.63.129.16'],
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRanges: ['80', '443'],
      },
    },
  ])('$label', ({ rule, expected }) => {
    // Act
    const body = toSdkSecurityRule(rule);
    // Assess
    expect(body).toEqual({
      priority: 3990,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      description: 'probe-doctor: allow the load balancer probe',
      ...expected,
    });
  });

  it('writes ASG references instead of empty lists', () => {
    const asg = `${NET}/applicationSecurityGroups/asg-web`;
    const body = toSdkSecurityRule({
      ...allowProbe,
      destinationAddressPrefixes: [],
      destinationApplicationSecurityGroupIds: [asg],
    });
    expect(body.destinationApplicationSecurityGroups).toEqual([{ id: asg }]);
    expect(body.destinationAddressPrefix).toBeUndefined();
    expect(body.sourceApplicationSecurityGroups).toBeUndefined();
  });
});

describe('the SDK writer against the sandbox', () => {
  let sandbox: Sandbox;
  let writer: AzureWriter;

  beforeAll(async () => {
    const doc = scenario('azure-writer')
      .vnet('vnet-web', ['10.0.0.0/16'])
      .subnet('snet-web', '10.0.1.0/24', { nsg: 'nsg-snet' })
      .nsg('nsg-snet', [{ name: 'DenyAll', priority: 4000, access: 'Deny' }])
      .lb({ probe: { protocol: 'Tcp', port: 80 }, rule: { frontendPort: 80, backendPort: 80 } })
      .vm('web-0', { guest: { powerState: 'deallocated' } })
      .build();
    sandbox = await startSandbox({ scenario: parseScenario(doc) });
    writer = createSdkAzureWriter(
      createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
      { pollIntervalMs: 10 },
    );
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('creates a rule only when absent, replaces it only at its etag, and deletes it', async () => {
    // Prepare
    expect(await writer.getSecurityRule(NSG, 'AllowProbe')).toBeUndefined();
    // Act
    const created = await writer.createSecurityRule(NSG, 'AllowProbe', allowProbe, { ifNoneMatch: '*' });
    const again = writer.createSecurityRule(NSG, 'AllowProbe', allowProbe, { ifNoneMatch: '*' });
    const stale = writer.createSecurityRule(
      NSG,
      'AllowProbe',
      { ...allowProbe, priority: 3991 },
      { ifMatch: 'W/"stale"' },
    );
    // Assess
    expect(created).toMatchObject({
      name: 'AllowProbe',
      priority: 3990,
      sourceAddressPrefixes: ['AzureLoadBalancer'],
      destinationPortRanges: ['80'],
    });
    expect(created.etag).toBeDefined();
    await expect(again).rejects.toMatchObject({ name: 'AzureCallError', statusCode: 412 });
    await expect(stale).rejects.toMatchObject({ name: 'AzureCallError', statusCode: 412 });
    const read = await writer.getSecurityRule(NSG, 'AllowProbe');
    expect(read).toMatchObject({ priority: 3990, etag: created.etag });

    // Act: delete at the current etag
    await writer.deleteSecurityRule(NSG, 'AllowProbe', { ifMatch: created.etag });
    // Assess
    expect(await writer.getSecurityRule(NSG, 'AllowProbe')).toBeUndefined();
    const polls = sandbox.requestLog.filter((e) => e.method === 'GET' && e.status === 412);
    expect(polls).toEqual([]);
  });

  it('starts a VM', async () => {
    // Prepare
    const vmId = `/subscriptions/${DEFAULT_SUBSCRIPTION_ID}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-0`;
    // Act
    await writer.startVm(vmId);
    // Assess
    expect(
      sandbox.requestLog.some(
        (e) =>
          e.method === 'POST' && e.path.toLowerCase() === `${vmId}/start`.toLowerCase() && e.status < 300,
      ),
    ).toBe(true);
  });
});
