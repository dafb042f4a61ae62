/**
 * Consistency checks over a scenario document's raw ARM resources: references that resolve, and the
 * references ARM keeps in both directions. Used on the shipped scenarios and on builder output; any
 * engineer can run them on a hand-written or exported scenario too. Ids compare case-insensitively,
 * as ARM's do.
 */
import { idKey } from '../../src/model/ids';

type Json = Record<string, unknown>;

/** The part of a scenario document these checks read. */
export interface ResourcesDocument {
  resources: Json[];
}

const props = (x: unknown): Json => ((x as Json | undefined)?.properties ?? {}) as Json;
const list = (x: unknown): Json[] => (Array.isArray(x) ? (x as Json[]) : []);
const idOf = (x: Json): string => idKey(x.id as string);

/** Ids of a `{ id }` reference or a list of them, as {@link idKey}s. */
export function refIds(x: unknown): string[] {
  return (Array.isArray(x) ? x : x ? [x] : []).map((r) => idKey((r as { id: string }).id));
}

/**
 * Finds a resource, or a child nested in its parent's `properties` under any collection (probes,
 * subnets, ipConfigurations, loadBalancerBackendAddresses...), by id.
 */
export function resolveReference(resources: Json[], id: string): Json | undefined {
  const key = idKey(id);
  const top = resources.find((r) => idOf(r) === key);
  if (top) return top;
  const parent = resources
    .filter((r) => key.startsWith(`${idOf(r)}/`))
    .sort((a, b) => idOf(b).length - idOf(a).length)[0];
  if (!parent) return undefined;
  const rest = key.slice(idOf(parent).length + 1).split('/');
  if (rest.length % 2 !== 0) return undefined;
  let node: Json | undefined = parent;
  for (let i = 0; i < rest.length && node; i += 2) {
    const p = props(node);
    const collection = Object.keys(p).find((k) => k.toLowerCase() === rest[i]);
    node = collection
      ? list(p[collection]).find((c) => typeof c.name === 'string' && c.name.toLowerCase() === rest[i + 1])
      : undefined;
  }
  return node;
}

/** Every `{ id }` under each resource's `properties` that does not resolve, with its path. */
export function unresolvedReferences(
  doc: ResourcesDocument,
  ignore: RegExp = /\/providers\/Microsoft\.Compute\/disks\//i,
): { path: string; id: string }[] {
  const out: { path: string; id: string }[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Json)) {
        if (k === 'id' && typeof x === 'string') {
          if (!ignore.test(x) && resolveReference(doc.resources, x) === undefined) out.push({ path, id: x });
        } else walk(x, `${path}.${k}`);
      }
    }
  };
  for (const r of doc.resources) walk(r.properties, `${String(r.name)}.properties`);
  return out;
}

function byType(doc: ResourcesDocument, type: string): Json[] {
  return doc.resources.filter((r) => String(r.type).toLowerCase() === type.toLowerCase());
}

/** NIC IP configurations, of VMs' NICs and of scale set VMs' NICs. */
export function ipConfigurations(doc: ResourcesDocument): { nic: Json; ipc: Json }[] {
  return byType(doc, 'Microsoft.Network/networkInterfaces').flatMap((nic) =>
    list(props(nic).ipConfigurations).map((ipc) => ({ nic, ipc })),
  );
}

/**
 * The NIC IP configurations that are members of a load balancer's pools, by reference
 * (`backendIPConfigurations`) or by address (`loadBalancerBackendAddresses[].ipAddress`, resolved to
 * the NIC that has it). An address no NIC has comes back as `unresolved address <ip>`.
 */
export function poolMemberIpConfigIds(doc: ResourcesDocument, lb: Json): string[] {
  const ipcs = ipConfigurations(doc);
  return list(props(lb).backendAddressPools).flatMap((pool) => [
    ...refIds(props(pool).backendIPConfigurations),
    ...list(props(pool).loadBalancerBackendAddresses)
      .map((a) => props(a).ipAddress)
      .filter((ip): ip is string => typeof ip === 'string')
      .map((ip) => {
        const hit = ipcs.find(({ ipc }) => props(ipc).privateIPAddress === ip);
        return hit ? idOf(hit.ipc) : `unresolved address ${ip}`;
      }),
  ]);
}

/**
 * References ARM keeps in both directions whose other half is missing, as `a -> b` lines meaning
 * "b points at a, a does not point back at b":
 * rule <-> probe/pool/frontend, pool <-> NIC IP configuration, frontend <-> public IP, subnet <->
 * NSG/route table/IP configurations, NIC <-> NSG, NIC <-> VM.
 */
export function oneWayReferences(doc: ResourcesDocument): string[] {
  const r = (id: string) => resolveReference(doc.resources, id);
  const missing: string[] = [];
  const need = (ok: boolean, from: string, to: string) => {
    if (!ok) missing.push(`${from} -> ${to}`);
  };
  const has = (x: unknown, id: string) => refIds(x).includes(id);

  for (const lb of byType(doc, 'Microsoft.Network/loadBalancers')) {
    for (const rule of list(props(lb).loadBalancingRules)) {
      const p = props(rule);
      for (const probe of refIds(p.probe))
        need(has(props(r(probe)).loadBalancingRules, idOf(rule)), probe, idOf(rule));
      for (const pool of refIds(p.backendAddressPools))
        need(has(props(r(pool)).loadBalancingRules, idOf(rule)), pool, idOf(rule));
      for (const fe of refIds(p.frontendIPConfiguration))
        need(has(props(r(fe)).loadBalancingRules, idOf(rule)), fe, idOf(rule));
    }
    for (const probe of list(props(lb).probes))
      for (const rule of refIds(props(probe).loadBalancingRules))
        need(has(props(r(rule)).probe, idOf(probe)), rule, idOf(probe));
    for (const pool of list(props(lb).backendAddressPools)) {
      for (const ipc of refIds(props(pool).backendIPConfigurations))
        need(has(props(r(ipc)).loadBalancerBackendAddressPools, idOf(pool)), ipc, idOf(pool));
      for (const rule of refIds(props(pool).loadBalancingRules))
        need(has(props(r(rule)).backendAddressPools, idOf(pool)), rule, idOf(pool));
    }
    for (const fe of list(props(lb).frontendIPConfigurations))
      for (const pip of refIds(props(fe).publicIPAddress))
        need(has(props(r(pip)).ipConfiguration, idOf(fe)), pip, idOf(fe));
  }
  for (const { nic, ipc } of ipConfigurations(doc)) {
    for (const pool of refIds(props(ipc).loadBalancerBackendAddressPools))
      need(has(props(r(pool)).backendIPConfigurations, idOf(ipc)), pool, idOf(ipc));
    for (const subnet of refIds(props(ipc).subnet))
      need(has(props(r(subnet)).ipConfigurations, idOf(ipc)), subnet, idOf(ipc));
    for (const nsg of refIds(props(nic).networkSecurityGroup))
      need(has(props(r(nsg)).networkInterfaces, idOf(nic)), nsg, idOf(nic));
    for (const vm of refIds(props(nic).virtualMachine))
      need(
        has((props(r(vm)).networkProfile as Json | undefined)?.networkInterfaces, idOf(nic)),
        vm,
        idOf(nic),
      );
  }
  for (const vnet of byType(doc, 'Microsoft.Network/virtualNetworks')) {
    for (const subnet of list(props(vnet).subnets)) {
      const p = props(subnet);
      for (const nsg of refIds(p.networkSecurityGroup))
        need(has(props(r(nsg)).subnets, idOf(subnet)), nsg, idOf(subnet));
      for (const rt of refIds(p.routeTable)) need(has(props(r(rt)).subnets, idOf(subnet)), rt, idOf(subnet));
      for (const ipc of refIds(p.ipConfigurations))
        need(has(props(r(ipc)).subnet, idOf(subnet)), ipc, idOf(subnet));
    }
  }
  for (const nsg of byType(doc, 'Microsoft.Network/networkSecurityGroups')) {
    for (const s of refIds(props(nsg).subnets))
      need(has(props(r(s)).networkSecurityGroup, idOf(nsg)), s, idOf(nsg));
    for (const n of refIds(props(nsg).networkInterfaces))
      need(has(props(r(n)).networkSecurityGroup, idOf(nsg)), n, idOf(nsg));
  }
  for (const rt of byType(doc, 'Microsoft.Network/routeTables'))
    for (const s of refIds(props(rt).subnets)) need(has(props(r(s)).routeTable, idOf(rt)), s, idOf(rt));
  for (const vm of [
    ...byType(doc, 'Microsoft.Compute/virtualMachines'),
    ...byType(doc, 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines'),
  ]) {
    for (const nic of refIds((props(vm).networkProfile as Json | undefined)?.networkInterfaces))
      need(has(props(r(nic)).virtualMachine, idOf(vm)), nic, idOf(vm));
  }
  for (const pip of byType(doc, 'Microsoft.Network/publicIPAddresses'))
    for (const fe of refIds(props(pip).ipConfiguration))
      need(has(props(r(fe)).publicIPAddress, idOf(pip)), fe, idOf(pip));
  return missing;
}
