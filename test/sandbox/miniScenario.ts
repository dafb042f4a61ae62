/**
 * A small ARM-shaped scenario for the sandbox's own tests: one load balancer (frontend, pool, probe,
 * rule) in front of two VMs, their NICs in one subnet with an NSG, a route table, an application
 * security group, and a scale set with one instance and its NIC (under the scale set's ids, as ARM
 * names them). Built in code so each test can change what it needs.
 */
import { parseScenario, type Scenario } from '../../src/sandbox/scenario';

export const SUB = '11111111-2222-3333-4444-555555555555';
export const RG = 'rg-probe';
const P = `/subscriptions/${SUB}/resourceGroups/${RG}/providers`;

export const ids = {
  watcher: `/subscriptions/${SUB}/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/networkWatchers/NetworkWatcher_westeurope`,
  lb: `${P}/Microsoft.Network/loadBalancers/lb-web`,
  nsg: `${P}/Microsoft.Network/networkSecurityGroups/nsg-web`,
  vnet: `${P}/Microsoft.Network/virtualNetworks/vnet-web`,
  subnet: `${P}/Microsoft.Network/virtualNetworks/vnet-web/subnets/web`,
  routeTable: `${P}/Microsoft.Network/routeTables/rt-web`,
  asg: `${P}/Microsoft.Network/applicationSecurityGroups/asg-web`,
  nic1: `${P}/Microsoft.Network/networkInterfaces/nic-vm1`,
  nic2: `${P}/Microsoft.Network/networkInterfaces/nic-vm2`,
  vm1: `${P}/Microsoft.Compute/virtualMachines/vm1`,
  vm2: `${P}/Microsoft.Compute/virtualMachines/vm2`,
  vmss: `${P}/Microsoft.Compute/virtualMachineScaleSets/ss-web`,
  vmssVm0: `${P}/Microsoft.Compute/virtualMachineScaleSets/ss-web/virtualMachines/0`,
  vmssNic0: `${P}/Microsoft.Compute/virtualMachineScaleSets/ss-web/virtualMachines/0/networkInterfaces/nic-ss`,
};

const nic = (id: string, name: string, vmId: string, ip: string): Record<string, unknown> => ({
  id,
  name,
  type: 'Microsoft.Network/networkInterfaces',
  location: 'westeurope',
  properties: {
    provisioningState: 'Succeeded',
    ipConfigurations: [
      {
        id: `${id}/ipConfigurations/ipconfig1`,
        name: 'ipconfig1',
        properties: {
          privateIPAddress: ip,
          privateIPAllocationMethod: 'Dynamic',
          primary: true,
          subnet: { id: ids.subnet },
          loadBalancerBackendAddressPools: [{ id: `${ids.lb}/backendAddressPools/pool-web` }],
          applicationSecurityGroups: [{ id: ids.asg }],
        },
      },
    ],
    virtualMachine: { id: vmId },
    primary: true,
  },
});

const vm = (id: string, name: string, nicId: string): Record<string, unknown> => ({
  id,
  name,
  type: 'Microsoft.Compute/virtualMachines',
  location: 'westeurope',
  properties: {
    vmId: `0000000${name.length}-0000-0000-0000-000000000000`,
    hardwareProfile: { vmSize: 'Standard_B2s' },
    storageProfile: { osDisk: { osType: 'Linux', name: `${name}-os`, createOption: 'FromImage' } },
    osProfile: { computerName: name, adminUsername: 'azureuser' },
    networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
    provisioningState: 'Succeeded',
  },
});

const defaultRule = (
  name: string,
  priority: number,
  direction: string,
  access: string,
  source: string,
): Record<string, unknown> => ({
  id: `${ids.nsg}/defaultSecurityRules/${name}`,
  name,
  type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
  properties: {
    protocol: '*',
    sourcePortRange: '*',
    destinationPortRange: '*',
    sourceAddressPrefix: source,
    destinationAddressPrefix: '*',
    access,
    priority,
    direction,
    provisioningState: 'Succeeded',
  },
});

/** The raw scenario document (before validation), for tests that change it. */
export function miniScenarioDocument(): Record<string, unknown> {
  return {
    name: 'sandbox-mini',
    resources: [
      {
        id: ids.lb,
        name: 'lb-web',
        type: 'Microsoft.Network/loadBalancers',
        location: 'westeurope',
        sku: { name: 'Standard', tier: 'Regional' },
        properties: {
          provisioningState: 'Succeeded',
          frontendIPConfigurations: [
            {
              id: `${ids.lb}/frontendIPConfigurations/fe`,
              name: 'fe',
              properties: {
                privateIPAddress: '10.0.0.100',
                privateIPAllocationMethod: 'Static',
                subnet: { id: ids.subnet },
              },
            },
          ],
          backendAddressPools: [
            {
              id: `${ids.lb}/backendAddressPools/pool-web`,
              name: 'pool-web',
              properties: {
                backendIPConfigurations: [
                  { id: `${ids.nic1}/ipConfigurations/ipconfig1` },
                  { id: `${ids.nic2}/ipConfigurations/ipconfig1` },
                ],
              },
            },
          ],
          probes: [
            {
              id: `${ids.lb}/probes/probe-http`,
              name: 'probe-http',
              properties: {
                protocol: 'Http',
                port: 80,
                requestPath: '/health',
                intervalInSeconds: 5,
                numberOfProbes: 1,
                probeThreshold: 1,
              },
            },
          ],
          loadBalancingRules: [
            {
              id: `${ids.lb}/loadBalancingRules/rule-http`,
              name: 'rule-http',
              properties: {
                frontendIPConfiguration: { id: `${ids.lb}/frontendIPConfigurations/fe` },
                backendAddressPool: { id: `${ids.lb}/backendAddressPools/pool-web` },
                probe: { id: `${ids.lb}/probes/probe-http` },
                protocol: 'Tcp',
                frontendPort: 80,
                backendPort: 80,
                enableFloatingIP: false,
                idleTimeoutInMinutes: 4,
              },
            },
          ],
        },
      },
      {
        id: ids.nsg,
        name: 'nsg-web',
        type: 'Microsoft.Network/networkSecurityGroups',
        location: 'westeurope',
        properties: {
          provisioningState: 'Succeeded',
          securityRules: [
            {
              id: `${ids.nsg}/securityRules/deny-all-in`,
              name: 'deny-all-in',
              type: 'Microsoft.Network/networkSecurityGroups/securityRules',
              properties: {
                protocol: '*',
                sourcePortRange: '*',
                destinationPortRange: '*',
                sourceAddressPrefix: '*',
                destinationAddressPrefix: '*',
                access: 'Deny',
                priority: 4000,
                direction: 'Inbound',
                provisioningState: 'Succeeded',
              },
            },
          ],
          defaultSecurityRules: [
            defaultRule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork'),
            defaultRule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer'),
            defaultRule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*'),
          ],
          subnets: [{ id: ids.subnet }],
        },
      },
      {
        id: ids.vnet,
        name: 'vnet-web',
        type: 'Microsoft.Network/virtualNetworks',
        location: 'westeurope',
        properties: {
          provisioningState: 'Succeeded',
          addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
          subnets: [
            {
              id: ids.subnet,
              name: 'web',
              properties: {
                addressPrefix: '10.0.0.0/24',
                networkSecurityGroup: { id: ids.nsg },
                routeTable: { id: ids.routeTable },
                provisioningState: 'Succeeded',
              },
            },
          ],
        },
      },
      {
        id: ids.routeTable,
        name: 'rt-web',
        type: 'Microsoft.Network/routeTables',
        location: 'westeurope',
        properties: {
          provisioningState: 'Succeeded',
          disableBgpRoutePropagation: false,
          routes: [
            {
              id: `${ids.routeTable}/routes/default-via-fw`,
              name: 'default-via-fw',
              properties: {
                addressPrefix: '0.0.0.0/0',
                nextHopType: 'VirtualAppliance',
                nextHopIpAddress: '10.0.1.4',
              },
            },
          ],
          subnets: [{ id: ids.subnet }],
        },
      },
      {
        id: ids.asg,
        name: 'asg-web',
        type: 'Microsoft.Network/applicationSecurityGroups',
        location: 'westeurope',
        properties: { provisioningState: 'Succeeded' },
      },
      nic(ids.nic1, 'nic-vm1', ids.vm1, '10.0.0.4'),
      nic(ids.nic2, 'nic-vm2', ids.vm2, '10.0.0.5'),
      vm(ids.vm1, 'vm1', ids.nic1),
      vm(ids.vm2, 'vm2', ids.nic2),
      {
        id: ids.vmss,
        name: 'ss-web',
        type: 'Microsoft.Compute/virtualMachineScaleSets',
        location: 'westeurope',
        sku: { name: 'Standard_B2s', tier: 'Standard', capacity: 1 },
        properties: { provisioningState: 'Succeeded', orchestrationMode: 'Uniform' },
      },
      {
        id: ids.vmssVm0,
        name: 'ss-web_0',
        instanceId: '0',
        type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
        location: 'westeurope',
        properties: {
          provisioningState: 'Succeeded',
          networkProfile: { networkInterfaces: [{ id: ids.vmssNic0 }] },
        },
      },
      nic(ids.vmssNic0, 'nic-ss', ids.vmssVm0, '10.0.0.6'),
      {
        // The region's watcher, where Azure puts it: IP flow verify and connectivity check need it.
        id: ids.watcher,
        name: 'NetworkWatcher_westeurope',
        type: 'Microsoft.Network/networkWatchers',
        location: 'westeurope',
        properties: { provisioningState: 'Succeeded' },
      },
    ],
    guests: {
      [ids.vm1]: {
        os: 'linux',
        powerState: 'running',
        listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 80 }],
      },
      [ids.vm2]: { os: 'linux', powerState: 'stopped' },
    },
  };
}

/** The validated mini scenario. */
export function miniScenario(change?: (doc: Record<string, unknown>) => void): Scenario {
  const doc = miniScenarioDocument();
  change?.(doc);
  return parseScenario(doc, 'miniScenario');
}
