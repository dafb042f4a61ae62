/**
 * The SDK adapter of {@link TopologyReader}: each read is one ARM call (two for a scale set VM: the
 * VM and its instance view), every failure an {@link AzureCallError} with the HTTP status.
 */
import type {
  LoadBalancer,
  NetworkInterface,
  NetworkSecurityGroup,
  RouteTable,
  VirtualNetwork,
} from '@azure/arm-network';
import { checkArmAnswer } from './armAnswer';
import { callAzure } from './callError';
import type { ClientsForSubscription } from './clients';
import type { NicScope, TopologyReader, VmRead } from './discovery';
import { parseResourceId, scaleSetVmOf } from './resourceId';
import { mapperSkippedOn200, modelFromWire, readFromWire } from './wireModel';
import { nextMacrotask } from '../util/nextMacrotask';

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of pages) all.push(item);
  return all;
}

/**
 * Builds the SDK-backed reader. `clientsFor` gives the clients of a subscription (see
 * `createClientFactory`), so a resource in another subscription is read with that subscription's
 * clients.
 */
export function createSdkTopologyReader(clientsFor: ClientsForSubscription): TopologyReader {
  const target = (id: string) => {
    const parsed = parseResourceId(id);
    return { parsed, clients: clientsFor(parsed.subscriptionId) };
  };

  const reader: TopologyReader = {
    // The load balancer and its virtual network grow with the pool (every member listed in its pool
    // and in its subnet): their bodies skip the SDK's per-field mapper (wireModel.ts). So do a NIC's,
    // an NSG's and a route table's: small answers, but each is on the chain from the rules' health to
    // the first Run Commands, and the mapper's walk of every declared field is about half of what
    // the SDK costs each such read (wireModel.ts).
    getLoadBalancer: (id, beforePools) =>
      callAzure('read load balancer', id, async () => {
        const { parsed, clients } = target(id);
        const body: unknown = await clients.network.loadBalancers.get(
          parsed.resourceGroup,
          parsed.name,
          mapperSkippedOn200(),
        );
        if (beforePools) {
          beforePools(modelFromWire<LoadBalancer>(withoutPools(body)));
          // One turn of the event loop: what the caller started (the health POSTs) goes on the wire
          // before the pools' conversion holds this thread.
          await nextMacrotask();
          // The compute client is built now, while Azure computes the health: the failing backends'
          // VM reads and Run Commands need it next, on the chain to the verdict (building it is
          // ~1 ms warm, ~12 ms the first time in a process).
          void clients.compute;
        }
        return modelFromWire<LoadBalancer>(body);
      }),

    // The SDK's mapper is kept here: a rule is ~1 KB whatever the pool's size.
    listLoadBalancingRules: (loadBalancerId, options = {}) =>
      callAzure('list load balancing rules of', loadBalancerId, () => {
        const { parsed, clients } = target(loadBalancerId);
        return collect(
          clients.network.loadBalancerLoadBalancingRules.list(parsed.resourceGroup, parsed.name, options),
        );
      }),

    getNetworkInterface: (id) =>
      callAzure('read network interface', id, () => {
        const { parsed, clients } = target(id);
        const vmss = scaleSetVmOf(parsed);
        // A scale set VM's NIC lives under the scale set and is read through its own operation.
        return readFromWire<NetworkInterface>((options) =>
          vmss
            ? clients.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
                vmss.resourceGroup,
                vmss.scaleSetName,
                vmss.instanceId,
                parsed.name,
                options,
              )
            : clients.network.networkInterfaces.get(parsed.resourceGroup, parsed.name, options),
        );
      }),

    listNetworkInterfaces: (scope: NicScope): Promise<NetworkInterface[]> => {
      const scopeId =
        `/subscriptions/${scope.subscriptionId}` +
        (scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : '');
      return callAzure('list network interfaces in', scopeId, () => {
        const nics = clientsFor(scope.subscriptionId).network.networkInterfaces;
        return collect(scope.resourceGroup ? nics.list(scope.resourceGroup) : nics.listAll());
      });
    },

    getVirtualNetwork: (id) =>
      callAzure('read virtual network', id, () => {
        const { parsed, clients } = target(id);
        return readFromWire<VirtualNetwork>((options) =>
          clients.network.virtualNetworks.get(parsed.resourceGroup, parsed.name, options),
        );
      }),

    getNetworkSecurityGroup: (id) =>
      callAzure('read network security group', id, () => {
        const { parsed, clients } = target(id);
        return readFromWire<NetworkSecurityGroup>((options) =>
          clients.network.networkSecurityGroups.get(parsed.resourceGroup, parsed.name, options),
        );
      }),

    getApplicationSecurityGroup: (id) =>
      callAzure('read application security group', id, () => {
        const { parsed, clients } = target(id);
        return clients.network.applicationSecurityGroups.get(parsed.resourceGroup, parsed.name);
      }),

    getRouteTable: (id) =>
      callAzure('read route table', id, () => {
        const { parsed, clients } = target(id);
        return readFromWire<RouteTable>((options) =>
          clients.network.routeTables.get(parsed.resourceGroup, parsed.name, options),
        );
      }),

    getVirtualMachine: (id) =>
      callAzure('read virtual machine', id, async (): Promise<VmRead> => {
        const { parsed, clients } = target(id);
        const vmss = scaleSetVmOf(parsed);
        if (vmss) {
          const [vm, instanceView] = await Promise.all([
            clients.compute.virtualMachineScaleSetVMs.get(
              vmss.resourceGroup,
              vmss.scaleSetName,
              vmss.instanceId,
            ),
            clients.compute.virtualMachineScaleSetVMs.getInstanceView(
              vmss.resourceGroup,
              vmss.scaleSetName,
              vmss.instanceId,
            ),
          ]);
          return { kind: 'vmss-vm', vm, instanceView };
        }
        const vm = await clients.compute.virtualMachines.get(parsed.resourceGroup, parsed.name, {
          expand: 'instanceView',
        });
        return { kind: 'vm', vm };
      }),

    getVirtualMachineScaleSet: (id) =>
      callAzure('read virtual machine scale set', id, () => {
        const { parsed, clients } = target(id);
        return clients.compute.virtualMachineScaleSets.get(parsed.resourceGroup, parsed.name);
      }),

    getResourceGroup: (subscriptionId, resourceGroup) =>
      callAzure(
        'read resource group',
        `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`,
        async () => {
          const group = await clientsFor(subscriptionId).resources.resourceGroups.get(resourceGroup);
          return {
            ...(group.managedBy ? { managedBy: group.managedBy } : {}),
            ...(group.tags ? { tags: group.tags } : {}),
          };
        },
      ),
  };
  return checkedReader(reader);
}

/**
 * The reader with every answer checked against ARM's invariants ({@link checkArmAnswer}) before
 * anything maps or reasons about it. The check runs outside `callAzure`, so a broken answer stays an
 * {@link InvalidArmAnswerError} (not retried, not taken for a failed call).
 */
function checkedReader(reader: TopologyReader): TopologyReader {
  const named = (what: string, id: string) => `invalid ARM answer for ${what} ${id}`;
  const listRules = reader.listLoadBalancingRules?.bind(reader);
  return {
    // Only where the reader has it: a reader without the list keeps the rules to the load balancer's GET.
    ...(listRules && {
      listLoadBalancingRules: async (loadBalancerId: string, options?: { abortSignal?: AbortSignal }) =>
        checkArmAnswer(
          await listRules(loadBalancerId, options),
          named('load balancing rules of', loadBalancerId),
        ),
    }),
    getLoadBalancer: async (id, beforePools) =>
      checkArmAnswer(
        await reader.getLoadBalancer(
          id,
          beforePools && ((lb) => beforePools(checkArmAnswer(lb, named('load balancer', id)))),
        ),
        named('load balancer', id),
      ),
    getNetworkInterface: async (id) =>
      checkArmAnswer(await reader.getNetworkInterface(id), named('network interface', id)),
    listNetworkInterfaces: async (scope) =>
      checkArmAnswer(
        await reader.listNetworkInterfaces(scope),
        `invalid ARM answer for network interfaces of ${scope.subscriptionId}`,
      ),
    getVirtualNetwork: async (id) =>
      checkArmAnswer(await reader.getVirtualNetwork(id), named('virtual network', id)),
    getNetworkSecurityGroup: async (id) =>
      checkArmAnswer(await reader.getNetworkSecurityGroup(id), named('network security group', id)),
    getApplicationSecurityGroup: async (id) =>
      checkArmAnswer(await reader.getApplicationSecurityGroup(id), named('application security group', id)),
    getRouteTable: async (id) => checkArmAnswer(await reader.getRouteTable(id), named('route table', id)),
    getVirtualMachine: async (id) =>
      checkArmAnswer(await reader.getVirtualMachine(id), named('virtual machine', id)),
    getVirtualMachineScaleSet: async (id) =>
      checkArmAnswer(
        await (reader.getVirtualMachineScaleSet as NonNullable<TopologyReader['getVirtualMachineScaleSet']>)(
          id,
        ),
        named('virtual machine scale set', id),
      ),
    getResourceGroup: async (subscriptionId, resourceGroup) =>
      checkArmAnswer(
        await (reader.getResourceGroup as NonNullable<TopologyReader['getResourceGroup']>)(
          subscriptionId,
          resourceGroup,
        ),
        named('resource group', `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`),
      ),
  };
}

/**
 * A load balancer's wire answer without its backend pools (the same object otherwise, not copied
 * below `properties`): the parts a health read needs, a few KB of an answer that lists every pool
 * member.
 */
function withoutPools(body: unknown): unknown {
  if (body === null || typeof body !== 'object') return body;
  const { properties } = body as { properties?: unknown };
  if (properties === null || typeof properties !== 'object') return body;
  const rest: Record<string, unknown> = { ...(properties as Record<string, unknown>) };
  delete rest.backendAddressPools;
  return { ...(body as Record<string, unknown>), properties: rest };
}
