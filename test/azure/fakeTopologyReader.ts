/**
 * An in-memory {@link TopologyReader} over SDK-shaped objects (the flattened models the SDK returns),
 * counting every call and failing the ids a test marks, the way the SDK adapter fails.
 */
import type { NetworkInterface } from '@azure/arm-network';
import type { NicScope, TopologyReader, VmRead } from '../../src/azure/discovery';
import { AzureCallError } from '../../src/errors';
import { idKey } from '../../src/model/ids';

export interface FakeTopologyReader extends TopologyReader {
  /** `method id` per call, in order. */
  readonly calls: string[];
}

export function fakeTopologyReader(
  resources: ReadonlyArray<{ id?: string }>,
  options: {
    vms?: VmRead[];
    failures?: Record<string, number>;
    nicScopes?: Record<string, NetworkInterface[]>;
  } = {},
): FakeTopologyReader {
  const byId = new Map(resources.map((r) => [idKey(r.id ?? ''), r]));
  const vms = new Map((options.vms ?? []).map((v) => [idKey(v.vm.id ?? ''), v]));
  const failures = new Map(Object.entries(options.failures ?? {}).map(([id, status]) => [idKey(id), status]));
  const calls: string[] = [];

  function lookup<T>(method: string, id: string, from: Map<string, unknown> = byId): Promise<T> {
    calls.push(`${method} ${id}`);
    const status = failures.get(idKey(id));
    if (status !== undefined) {
      const code =
        status === 404 ? 'ResourceNotFound' : status === 403 ? 'AuthorizationFailed' : 'InternalServerError';
      return Promise.reject(
        new AzureCallError(`${method} ${id} failed (${status} ${code})`, id, status, code),
      );
    }
    const found = from.get(idKey(id));
    if (!found)
      return Promise.reject(new AzureCallError(`${method} ${id} failed (404)`, id, 404, 'ResourceNotFound'));
    return Promise.resolve(structuredClone(found) as T);
  }

  return {
    calls,
    getLoadBalancer: (id) => lookup('getLoadBalancer', id),
    getNetworkInterface: (id) => lookup('getNetworkInterface', id),
    listNetworkInterfaces: (scope: NicScope) => {
      const scopeId =
        `/subscriptions/${scope.subscriptionId}` +
        (scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : '');
      calls.push(`listNetworkInterfaces ${scopeId}`);
      return Promise.resolve(structuredClone(options.nicScopes?.[scopeId] ?? []));
    },
    getVirtualNetwork: (id) => lookup('getVirtualNetwork', id),
    getNetworkSecurityGroup: (id) => lookup('getNetworkSecurityGroup', id),
    getApplicationSecurityGroup: (id) => lookup('getApplicationSecurityGroup', id),
    getRouteTable: (id) => lookup('getRouteTable', id),
    getVirtualMachine: (id) => lookup('getVirtualMachine', id, vms),
  };
}
