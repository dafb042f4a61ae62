/**
 * Builds raw ARM resources (as ARM GET returns them, `properties.…`) and sandbox states from them, for
 * tests of the sandbox and its derived views. Everything lives in subscription 0000…, group rg1.
 */
import { parseScenario } from '../../src/sandbox/scenario';
import { createSandboxState, type SandboxState } from '../../src/sandbox/state';

const RG = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1';
const NET = `${RG}/providers/Microsoft.Network`;
type Raw = Record<string, unknown>;

/** Resource ids the builder uses. */
export const armIds = {
  lb: (name = 'lb1') => `${NET}/loadBalancers/${name}`,
  probe: (name: string, lb = 'lb1') => `${NET}/loadBalancers/${lb}/probes/${name}`,
  rule: (name: string, lb = 'lb1') => `${NET}/loadBalancers/${lb}/loadBalancingRules/${name}`,
  pool: (name: string, lb = 'lb1') => `${NET}/loadBalancers/${lb}/backendAddressPools/${name}`,
  vnet: (name = 'vnet1') => `${NET}/virtualNetworks/${name}`,
  subnet: (name = 'default', vnet = 'vnet1') => `${NET}/virtualNetworks/${vnet}/subnets/${name}`,
  nsg: (name: string) => `${NET}/networkSecurityGroups/${name}`,
  routeTable: (name: string) => `${NET}/routeTables/${name}`,
  nic: (name: string) => `${NET}/networkInterfaces/${name}`,
  ipConfig: (nic: string, name = 'ipconfig1') => `${NET}/networkInterfaces/${nic}/ipConfigurations/${name}`,
  vm: (name: string) => `${RG}/providers/Microsoft.Compute/virtualMachines/${name}`,
  vmssVm: (ss: string, i: number) =>
    `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${ss}/virtualMachines/${i}`,
  vmssNic: (ss: string, i: number, nic: string) =>
    `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/${ss}/virtualMachines/${i}/networkInterfaces/${nic}`,
};

/** A VNet with subnets; a subnet may carry an NSG and a route table (by name). */
export function vnet(
  subnets: { name?: string; prefix: string; nsg?: string; routeTable?: string }[],
  addressPrefixes = ['10.0.0.0/16'],
  name = 'vnet1',
): Raw {
  return {
    id: armIds.vnet(name),
    name,
    type: 'Microsoft.Network/virtualNetworks',
    location: 'westeurope',
    properties: {
      addressSpace: { addressPrefixes },
      subnets: subnets.map((s) => ({
        id: armIds.subnet(s.name ?? 'default', name),
        name: s.name ?? 'default',
        properties: {
          addressPrefix: s.prefix,
          ...(s.nsg ? { networkSecurityGroup: { id: armIds.nsg(s.nsg) } } : {}),
          ...(s.routeTable ? { routeTable: { id: armIds.routeTable(s.routeTable) } } : {}),
        },
      })),
    },
  };
}

/** A raw security rule; `properties` as ARM spells them. */
export function securityRule(name: string, properties: Raw): Raw {
  return {
    name,
    properties: {
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
      access: 'Allow',
      direction: 'Inbound',
      ...properties,
    },
  };
}

/** An NSG with these custom rules (no defaultSecurityRules: the evaluator supplies Azure's six). */
export function nsg(name: string, rules: Raw[] = []): Raw {
  const id = armIds.nsg(name);
  return {
    id,
    name,
    type: 'Microsoft.Network/networkSecurityGroups',
    location: 'westeurope',
    properties: { securityRules: rules.map((r) => ({ ...r, id: `${id}/securityRules/${String(r.name)}` })) },
  };
}

/** A route table with UDRs. */
export function routeTable(
  name: string,
  routes: { name: string; addressPrefix: string; nextHopType: string; nextHopIpAddress?: string }[],
): Raw {
  return {
    id: armIds.routeTable(name),
    name,
    type: 'Microsoft.Network/routeTables',
    properties: { routes: routes.map(({ name: n, ...p }) => ({ name: n, properties: p })) },
  };
}

export interface NicOptions {
  ip: string;
  vm?: string;
  /** Full VM id (for scale set VMs); wins over `vm`. */
  vmId?: string;
  /** Full NIC id (for scale set NICs). */
  id?: string;
  subnet?: string;
  nsg?: string;
  pools?: string[];
  asgs?: string[];
  primary?: boolean;
}

/** A NIC with one IP configuration `ipconfig1`. */
export function nic(name: string, o: NicOptions): Raw {
  const id = o.id ?? armIds.nic(name);
  const vmId = o.vmId ?? (o.vm ? armIds.vm(o.vm) : undefined);
  return {
    id,
    name,
    type: 'Microsoft.Network/networkInterfaces',
    properties: {
      primary: o.primary ?? true,
      ipConfigurations: [
        {
          id: `${id}/ipConfigurations/ipconfig1`,
          name: 'ipconfig1',
          properties: {
            primary: true,
            privateIPAddress: o.ip,
            subnet: { id: armIds.subnet(o.subnet ?? 'default') },
            ...(o.pools
              ? { loadBalancerBackendAddressPools: o.pools.map((p) => ({ id: armIds.pool(p) })) }
              : {}),
            ...(o.asgs ? { applicationSecurityGroups: o.asgs.map((a) => ({ id: a })) } : {}),
          },
        },
      ],
      ...(o.nsg ? { networkSecurityGroup: { id: armIds.nsg(o.nsg) } } : {}),
      ...(vmId ? { virtualMachine: { id: vmId } } : {}),
    },
  };
}

/** A VM whose network profile lists these NIC ids, in order. */
export function vm(name: string, nicIds: string[], id = armIds.vm(name)): Raw {
  return {
    id,
    name,
    type: id.includes('/virtualMachineScaleSets/')
      ? 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines'
      : 'Microsoft.Compute/virtualMachines',
    location: 'westeurope',
    properties: {
      networkProfile: {
        networkInterfaces: nicIds.map((n, i) => ({ id: n, properties: { primary: i === 0 } })),
      },
    },
  };
}

export interface LbOptions {
  name?: string;
  sku?: 'Basic' | 'Standard' | 'Gateway';
  probes?: { name: string; protocol?: 'Tcp' | 'Http' | 'Https'; port: number; requestPath?: string }[];
  rules?: { name: string; probe?: string; pool: string; frontendPort?: number; backendPort?: number }[];
  pools?: { name: string; addresses?: { name: string; ipAddress: string }[] }[];
}

/** A load balancer with probes, rules and pools. */
export function lb(o: LbOptions = {}): Raw {
  const name = o.name ?? 'lb1';
  return {
    id: armIds.lb(name),
    name,
    type: 'Microsoft.Network/loadBalancers',
    location: 'westeurope',
    sku: { name: o.sku ?? 'Standard' },
    properties: {
      probes: (o.probes ?? []).map((p) => ({
        id: armIds.probe(p.name, name),
        name: p.name,
        properties: {
          protocol: p.protocol ?? 'Tcp',
          port: p.port,
          intervalInSeconds: 5,
          ...(p.requestPath ? { requestPath: p.requestPath } : {}),
        },
      })),
      loadBalancingRules: (o.rules ?? []).map((r) => ({
        id: armIds.rule(r.name, name),
        name: r.name,
        properties: {
          protocol: 'Tcp',
          frontendPort: r.frontendPort ?? 80,
          backendPort: r.backendPort ?? 80,
          backendAddressPool: { id: armIds.pool(r.pool, name) },
          ...(r.probe ? { probe: { id: armIds.probe(r.probe, name) } } : {}),
        },
      })),
      backendAddressPools: (o.pools ?? []).map((p) => ({
        id: armIds.pool(p.name, name),
        name: p.name,
        properties: {
          ...(p.addresses
            ? {
                loadBalancerBackendAddresses: p.addresses.map((a) => ({
                  name: a.name,
                  properties: { ipAddress: a.ipAddress, virtualNetwork: { id: armIds.vnet() } },
                })),
              }
            : {}),
        },
      })),
    },
  };
}

/** A validated sandbox state from resources and guests (guest keys are VM ids). */
export function sandboxState(resources: Raw[], guests: Record<string, Raw> = {}): SandboxState {
  return createSandboxState(parseScenario({ name: 'test', resources, guests }));
}

/**
 * The usual small world: lb1 (Standard) rule `web` 80 -> probe `p` TCP 80 on pool `pool`; vnet1
 * 10.0.0.0/16 with subnet default (NSG nsg-subnet, route table rt1 when `routes` given); vm1 at
 * 10.0.0.4 (NIC NSG nsg-nic) and peer vm2 at 10.0.0.5, both listening on 0.0.0.0:80.
 */
export function webState(
  o: {
    nicNsgRules?: Raw[];
    subnetNsgRules?: Raw[];
    routes?: Parameters<typeof routeTable>[1];
    guest1?: Raw;
    guest2?: Raw;
    sku?: LbOptions['sku'];
  } = {},
): SandboxState {
  return sandboxState(
    [
      lb({
        sku: o.sku,
        probes: [{ name: 'p', port: 80 }],
        rules: [
          { name: 'web', probe: 'p', pool: 'pool' },
          { name: 'noprobe', pool: 'pool' },
        ],
        pools: [{ name: 'pool' }],
      }),
      vnet([{ prefix: '10.0.0.0/24', nsg: 'nsg-subnet', ...(o.routes ? { routeTable: 'rt1' } : {}) }]),
      ...(o.routes ? [routeTable('rt1', o.routes)] : []),
      nsg('nsg-subnet', o.subnetNsgRules),
      nsg('nsg-nic', o.nicNsgRules),
      nic('nic1', { ip: '10.0.0.4', vm: 'vm1', nsg: 'nsg-nic', pools: ['pool'] }),
      nic('nic2', { ip: '10.0.0.5', vm: 'vm2', pools: ['pool'] }),
      vm('vm1', [armIds.nic('nic1')]),
      vm('vm2', [armIds.nic('nic2')]),
    ],
    {
      [armIds.vm('vm1')]: { os: 'linux', listening: [{ address: '0.0.0.0', port: 80 }], ...o.guest1 },
      [armIds.vm('vm2')]: { os: 'windows', listening: [{ address: '0.0.0.0', port: 80 }], ...o.guest2 },
    },
  );
}
