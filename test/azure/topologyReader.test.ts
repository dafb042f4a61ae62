/**
 * Discovery through the real SDK clients over HTTPS against the sandbox (src/sandbox/server.ts):
 * proves the adapter calls the operations ARM serves, and that the SDK's models map as expected.
 */
import { createClientFactory } from '../../src/azure/clients';
import { discoverTopology } from '../../src/azure/discovery';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { idKey } from '../../src/model/ids';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { DEFAULT_SUBSCRIPTION_ID, scenario } from '../helpers/scenarioBuilder';

const RG = `/subscriptions/${DEFAULT_SUBSCRIPTION_ID}/resourceGroups/rg-web`;
const NET = `${RG}/providers/Microsoft.Network`;
const CMP = `${RG}/providers/Microsoft.Compute`;
const LB = `${NET}/loadBalancers/lb-web`;
const SUBNET = `${NET}/virtualNetworks/vnet-web/subnets/snet-web`;

function buildWorld() {
  const builder = scenario('azure-discovery')
    .vnet('vnet-web', ['10.0.0.0/16'])
    .subnet('snet-web', '10.0.1.0/24', { nsg: 'nsg-snet', routeTable: 'rt-web' })
    .asg('asg-web')
    .nsg('nsg-snet', [
      {
        name: 'AllowWeb',
        priority: 200,
        access: 'Allow',
        protocol: 'Tcp',
        ports: 80,
        destinationAsgs: ['asg-web'],
      },
    ])
    .nsg('nsg-web-1', [])
    .routeTable('rt-web', [
      {
        name: 'to-fw',
        addressPrefix: '0.0.0.0/0',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.0.2.4',
      },
    ])
    .lb({
      probe: { protocol: 'Tcp', port: 80 },
      rule: { frontendPort: 80, backendPort: 80, pool: 'pool-web' },
      pools: ['pool-web', { name: 'pool-ip', membership: 'ip' }],
    })
    .vm('web-0', { asgs: ['asg-web'] })
    .vm('web-1', { nicNsg: 'nsg-web-1' })
    .vm('web-2', { pools: ['pool-ip'] })
    .vmss('vmss-web', { instances: [{ id: 0 }, { id: 1 }] })
    .ipMember('pool-ip', 'appliance', '10.0.1.200');
  const doc = builder.build();
  // The NIC of web-1 names an NSG that no longer exists: a 404 discovery must survive.
  const resources = doc.resources.filter(
    (r) => !String((r as { id?: string }).id).endsWith('/networkSecurityGroups/nsg-web-1'),
  );
  const web2 = `${CMP}/virtualMachines/web-2`;
  return {
    builder,
    scenario: parseScenario({ ...doc, resources, forbidden: [web2] }),
    web2,
  };
}

describe('discovery through the SDK against the sandbox', () => {
  let sandbox: Sandbox;
  const world = buildWorld();

  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: world.scenario });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('discovers NIC, scale set and IP-based members, with the problems as findings', async () => {
    // Prepare
    const reader = createSdkTopologyReader(
      createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
    );
    sandbox.requestLog.length = 0;
    // Act
    const topology = await discoverTopology(reader, LB);
    // Assess
    expect(topology.loadBalancer).toMatchObject({
      id: LB,
      name: 'lb-web',
      sku: 'Standard',
      kind: 'public',
      location: 'westeurope',
    });
    expect(topology.probes.map((p) => [p.protocol, p.port])).toEqual([['Tcp', 80]]);
    expect(topology.rules.map((r) => [r.name, r.backendPoolIds.map(idKey)])).toEqual([
      ['rule-tcp-80', [idKey(`${LB}/backendAddressPools/pool-web`)]],
    ]);
    const web0Cfg = world.builder.memberIpConfigId('web-0');
    const ss0Cfg = world.builder.memberIpConfigId('vmss-web/0');
    const web2Cfg = world.builder.memberIpConfigId('web-2');
    const applianceKey = `${LB}/backendAddressPools/pool-ip/loadBalancerBackendAddresses/appliance`;
    const byKey = new Map(topology.backends.map((b) => [idKey(b.key), b]));
    expect([...byKey.keys()].sort()).toEqual(
      [
        web0Cfg,
        world.builder.memberIpConfigId('web-1'),
        ss0Cfg,
        world.builder.memberIpConfigId('vmss-web/1'),
        web2Cfg,
        applianceKey,
      ]
        .map(idKey)
        .sort(),
    );
    expect(byKey.get(idKey(web0Cfg))).toMatchObject({
      membership: 'nic',
      vmId: `${CMP}/virtualMachines/web-0`,
      subnetId: SUBNET,
      asgIds: [`${NET}/applicationSecurityGroups/asg-web`],
      primaryNic: true,
    });
    expect(byKey.get(idKey(ss0Cfg))).toMatchObject({
      membership: 'nic',
      vmId: `${CMP}/virtualMachineScaleSets/vmss-web/virtualMachines/0`,
    });
    expect(byKey.get(idKey(web2Cfg))).toMatchObject({ membership: 'ip', vmId: world.web2, subnetId: SUBNET });
    expect(byKey.get(idKey(applianceKey))).toMatchObject({
      membership: 'ip',
      ipAddress: '10.0.1.200',
      subnetId: SUBNET,
    });
    expect(topology.vms[idKey(`${CMP}/virtualMachineScaleSets/vmss-web/virtualMachines/1`)]).toMatchObject({
      kind: 'vmss-vm',
      powerState: 'running',
      agentStatus: 'ready',
      osType: 'Linux',
    });
    expect(topology.vms[idKey(`${CMP}/virtualMachines/web-0`)]).toMatchObject({
      kind: 'vm',
      powerState: 'running',
      provisioningState: 'succeeded',
    });
    expect(topology.subnets[idKey(SUBNET)]).toMatchObject({
      nsgId: `${NET}/networkSecurityGroups/nsg-snet`,
      routeTableId: `${NET}/routeTables/rt-web`,
    });
    expect(
      topology.nsgs[idKey(`${NET}/networkSecurityGroups/nsg-snet`)]?.securityRules.map((r) => r.name),
    ).toEqual(['AllowWeb']);
    expect(topology.nsgs[idKey(`${NET}/networkSecurityGroups/nsg-snet`)]?.defaultSecurityRules).toHaveLength(
      6,
    );
    expect(topology.routeTables[idKey(`${NET}/routeTables/rt-web`)]?.routes).toEqual([
      {
        name: 'to-fw',
        addressPrefix: '0.0.0.0/0',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.0.2.4',
      },
    ]);
    expect(Object.keys(topology.asgs)).toEqual([idKey(`${NET}/applicationSecurityGroups/asg-web`)]);
    expect(topology.problems.map((p) => [p.kind, p.statusCode, p.resourceId]).sort()).toEqual([
      ['forbidden', 403, world.web2],
      ['not-found', 404, `${NET}/networkSecurityGroups/nsg-web-1`],
    ]);
  });

  it('reads each resource once', async () => {
    // Prepare
    const reader = createSdkTopologyReader(
      createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
    );
    sandbox.requestLog.length = 0;
    // Act
    await discoverTopology(reader, LB);
    // Assess
    const gets = sandbox.requestLog.filter((e) => e.method === 'GET').map((e) => idKey(e.path));
    const repeated = gets.filter((path, i) => gets.indexOf(path) !== i);
    expect(repeated).toEqual([]);
    expect(gets.filter((p) => p.includes('/virtualnetworks/'))).toEqual([
      idKey(`${NET}/virtualNetworks/vnet-web`),
    ]);
  });
  it('retries throttled and failed reads, honouring Retry-After', async () => {
    // Prepare
    const reader = createSdkTopologyReader(
      createClientFactory(
        { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
        // Short delays keep the test quick; the policy is the same as in production.
        { retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
      ),
    );
    sandbox.setFaults({ seed: 7, throttleRate: 0.25, serverErrorRate: 0.1, retryAfterSeconds: 0 });
    sandbox.requestLog.length = 0;
    try {
      // Act
      const topology = await discoverTopology(reader, LB);
      // Assess
      expect(sandbox.requestLog.some((e) => e.status === 429)).toBe(true);
      expect(topology.backends).toHaveLength(6);
      expect(topology.problems.map((p) => p.statusCode).sort()).toEqual([403, 404]);
    } finally {
      sandbox.setFaults(undefined);
    }
  });
});
