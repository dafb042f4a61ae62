/**
 * The sandbox's scale set capacity change (src/sandbox/scaleSets.ts), through the real compute and
 * network clients over HTTPS: a new instance is built from the model (NIC under the instance, the
 * model's subnet and pool, the next free dynamic address, the model's NIC NSG), a scale-in removes the
 * highest instance ids with their memberships, and what the sandbox does not model is refused whole.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../../src/sandbox/scenario';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { restError } from '../helpers/restError';

const RG = 'rg-web-prod';
const FAST = { updateIntervalInMs: 1 };

function vmssBackend() {
  const file = 'vmss-backend.json';
  return parseScenario(JSON.parse(readFileSync(join(__dirname, '../../scenarios', file), 'utf8')), file);
}

async function instances(t: TestSandbox): Promise<string[]> {
  const ids: string[] = [];
  for await (const vm of t.compute.virtualMachineScaleSetVMs.list(RG, 'vmss-web'))
    ids.push(vm.instanceId ?? '?');
  return ids;
}

async function poolMembers(t: TestSandbox): Promise<string[]> {
  const pool = await t.network.loadBalancerBackendAddressPools.get(RG, 'lb-web-prod', 'pool-web');
  return (pool.backendIPConfigurations ?? []).map(
    (c) => /virtualMachines\/(\d+)\//.exec(c.id ?? '')?.[1] ?? '?',
  );
}

describe('sandbox: scale set capacity (Virtual Machine Scale Sets - Update)', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox(vmssBackend());
  });
  afterEach(async () => {
    await t.stop();
  });

  it('scale-out builds the next instance from the model', async () => {
    // Act
    const result = await t.compute.virtualMachineScaleSets.update(
      RG,
      'vmss-web',
      { sku: { capacity: 4 } },
      FAST,
    );

    // Assess
    expect([result.sku?.capacity, result.provisioningState]).toEqual([4, 'Succeeded']);
    expect(await instances(t)).toEqual(['0', '1', '3', '4']);
    const vm = await t.compute.virtualMachineScaleSetVMs.get(RG, 'vmss-web', '4');
    expect([vm.name, vm.osProfile?.computerName, vm.latestModelApplied]).toEqual([
      'vmss-web_4',
      'vmss-web000004',
      true,
    ]);
    const nic = await t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
      RG,
      'vmss-web',
      '4',
      'vmss-web-nic',
    );
    const ip = nic.ipConfigurations?.[0];
    // 10.10.1.0-3 are reserved, .4-.6 held by instances 0, 1 and 3.
    expect(ip?.privateIPAddress).toBe('10.10.1.7');
    expect(ip?.privateIPAllocationMethod).toBe('Dynamic');
    expect(ip?.subnet?.id).toMatch(/\/subnets\/snet-web$/);
    expect(nic.networkSecurityGroup?.id).toMatch(/\/networkSecurityGroups\/nsg-vmss-web$/);
    expect(nic.virtualMachine?.id).toBe(vm.id);
    expect(await poolMembers(t)).toEqual(['0', '1', '3', '4']);
    const subnet = await t.network.subnets.get(RG, 'vnet-web-prod', 'snet-web');
    expect(subnet.ipConfigurations?.map((c) => c.id)).toContain(ip?.id);
  });

  it('a scale-out, the first write, gives the load balancer and the subnet new etags', async () => {
    // Prepare: a scenario exported without etags, so the sandbox seeds them at version 0.
    await t.stop();
    const withoutEtags = JSON.parse(JSON.stringify(vmssBackend()), (key: string, value: unknown) =>
      key === 'etag' ? undefined : value,
    ) as ReturnType<typeof vmssBackend>;
    t = await startTestSandbox(withoutEtags);
    const lb = await t.network.loadBalancers.get(RG, 'lb-web-prod');
    const subnet = await t.network.subnets.get(RG, 'vnet-web-prod', 'snet-web');
    // Act
    await t.compute.virtualMachineScaleSets.update(RG, 'vmss-web', { sku: { capacity: 4 } }, FAST);
    // Assess
    const lbAfter = await t.network.loadBalancers.get(RG, 'lb-web-prod');
    const subnetAfter = await t.network.subnets.get(RG, 'vnet-web-prod', 'snet-web');
    expect(lbAfter.etag).not.toBe(lb.etag);
    expect(subnetAfter.etag).not.toBe(subnet.etag);
  });

  it('scale-in removes the highest instance ids, their NICs and memberships', async () => {
    // Act
    await t.compute.virtualMachineScaleSets.update(RG, 'vmss-web', { sku: { capacity: 2 } }, FAST);

    // Assess
    expect(await instances(t)).toEqual(['0', '1']);
    expect(await poolMembers(t)).toEqual(['0', '1']);
    const gone = await restError(
      t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
        RG,
        'vmss-web',
        '3',
        'vmss-web-nic',
      ),
    );
    expect(gone.statusCode).toBe(404);
  });

  it.each<[string, Record<string, unknown>, number, string]>([
    ['a model change', { sku: { capacity: 4 }, plan: { name: 'x' } }, 400, 'BadRequest'],
    ['a capacity that is no whole number', { sku: { capacity: 2.5 } }, 400, 'InvalidParameter'],
  ])('refuses %s whole: nothing changes', async (_case, body, status, code) => {
    // Act
    const err = await restError(
      t.compute.virtualMachineScaleSets.update(RG, 'vmss-web', body, FAST).pollUntilDone(),
    );

    // Assess
    expect([err.statusCode, err.code]).toEqual([status, code]);
    expect(await instances(t)).toEqual(['0', '1', '3']);
  });

  it('refuses a stale If-Match with 412', async () => {
    // Act
    const err = await restError(
      t.compute.virtualMachineScaleSets
        .update(RG, 'vmss-web', { sku: { capacity: 4 } }, { ...FAST, ifMatch: '"1"' })
        .pollUntilDone(),
    );

    // Assess
    expect([err.statusCode, err.code]).toEqual([412, 'PreconditionFailed']);
    expect(await instances(t)).toEqual(['0', '1', '3']);
  });
});
