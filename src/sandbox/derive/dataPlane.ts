/**
 * The sandbox state seen through the reference model (src/sandbox/truth/): what the tags mean at an
 * endpoint, which security admin rules reach its VNet, which NSGs a packet crosses, and the model's
 * verdict. Every derived answer that depends on packet filtering (probe status, rule health, metrics,
 * IP flow verify, connectivity check, effective rules) goes through here.
 */
import { idKey } from '../../model/ids';
import type { SecurityAdminRule } from '../scenario';
import type { SandboxState } from '../state';
import { findResource } from '../state';
import { indexPerVersion } from '../versionMemo';
import {
  decidePacket,
  readNsg,
  type NsgCrossing,
  type TruthAdminRule,
  type TruthNsg,
  type TruthVerdict,
} from '../truth/evaluate';
import type { TruthPacket } from '../truth/rules';
import type { TagScope } from '../truth/serviceTags';
import { list, props, refId, str, vnetPrefixes, type Endpoint, type Raw } from './arm';
import { userRoutes } from './effectiveRoutes';

/** The VNet of an endpoint: the resolved VNet's id, else the subnet id without `/subnets/{name}`. */
export function vnetIdOf(endpoint: Pick<Endpoint, 'vnet' | 'subnetId'>): string | undefined {
  return str(endpoint.vnet?.id) ?? endpoint.subnetId?.replace(/\/subnets\/[^/]+$/i, '');
}

/** Address spaces of the VNet's peerings (`remoteAddressSpace`), which `VirtualNetwork` covers. */
function peeredSpace(vnet: Raw | undefined): string[] {
  return list(props(vnet).virtualNetworkPeerings).flatMap((peering) => {
    const space = props(peering).remoteAddressSpace as Raw | undefined;
    return Array.isArray(space?.addressPrefixes) ? (space.addressPrefixes as string[]) : [];
  });
}

/** What the service tags mean for traffic crossing this endpoint's NSGs. */
export function scopeOf(state: SandboxState, endpoint: Pick<Endpoint, 'vnet' | 'subnet'>): TagScope {
  return {
    vnetAddressSpace: vnetPrefixes(endpoint),
    peeredAddressSpace: peeredSpace(endpoint.vnet),
    udrPrefixes: userRoutes(state, endpoint.subnet).flatMap((r) => r.addressPrefix),
  };
}

/** One scenario admin rule in the model's terms. */
export function toAdminRule(rule: SecurityAdminRule): TruthAdminRule {
  return {
    name: rule.name,
    priority: rule.priority,
    direction: rule.direction,
    access: rule.access,
    protocol: rule.protocol,
    source: { prefixes: rule.sourceAddressPrefixes, asgIds: [] },
    destination: { prefixes: rule.destinationAddressPrefixes, asgIds: [] },
    sourcePorts: rule.sourcePortRanges,
    destinationPorts: rule.destinationPortRanges,
    isDefault: false,
    networkManagerId: rule.networkManagerId,
  };
}

/** The scenario's admin rules deployed to a VNet, lowest priority number first. */
export function adminRulesOf(state: SandboxState, vnetId: string | undefined): SecurityAdminRule[] {
  if (!vnetId) return [];
  const key = idKey(vnetId);
  return (state.scenario.securityAdminRules ?? [])
    .filter((r) => r.appliesTo.some((id) => idKey(id) === key))
    .sort((a, b) => a.priority - b.priority);
}

/**
 * Each raw NSG as the model read it, at the state version it was read: a pool's backends share their
 * subnet's NSG, so it is read once per version instead of once per backend. A write to the NSG changes
 * its raw body in place and bumps the version, which reads it again.
 */
const readNsgs = new WeakMap<Raw, { version: number; nsg: TruthNsg }>();

function readNsgAt(state: SandboxState, raw: Raw): TruthNsg {
  const read = readNsgs.get(raw);
  if (read?.version === state.version) return read.nsg;
  const nsg = readNsg(raw);
  Object.freeze(nsg.rules);
  readNsgs.set(raw, { version: state.version, nsg });
  return nsg;
}

/** The NSG a raw subnet or NIC references, read by the model; undefined when none or not in the state. */
export function truthNsgOf(state: SandboxState, resource: Raw | undefined): TruthNsg | undefined {
  const id = refId(props(resource).networkSecurityGroup);
  const raw = id ? findResource(state, id) : undefined;
  return raw ? readNsgAt(state, raw) : undefined;
}

/** The NSGs a packet crosses at an endpoint: inbound subnet then NIC, outbound NIC then subnet. */
export function crossingsAt(
  state: SandboxState,
  endpoint: Pick<Endpoint, 'subnet' | 'nic'>,
  direction: 'Inbound' | 'Outbound',
): NsgCrossing[] {
  const subnet = truthNsgOf(state, endpoint.subnet);
  const nic = truthNsgOf(state, endpoint.nic);
  const crossings: NsgCrossing[] = [];
  if (subnet) crossings.push({ nsg: subnet, level: 'subnet' });
  if (nic) crossings.push({ nsg: nic, level: 'nic' });
  return direction === 'Inbound' ? crossings : crossings.reverse();
}

/** Everything the model needs to decide packets at one endpoint. */
export interface EndpointFilters {
  admin: TruthAdminRule[];
  crossings: NsgCrossing[];
  scope: TagScope;
}

/** A copy of a scope that cannot change, all the way down (serviceTags.ts remembers its expansions). */
function frozenScope(scope: TagScope): TagScope {
  return Object.freeze({
    vnetAddressSpace: Object.freeze([...scope.vnetAddressSpace]) as string[],
    peeredAddressSpace: Object.freeze([...scope.peeredAddressSpace]) as string[],
    udrPrefixes: Object.freeze([...scope.udrPrefixes]) as string[],
  });
}

/** A number per raw object, for keys that must tell two objects apart. */
const objectNumbers = new WeakMap<object, number>();
let nextObjectNumber = 1;
function objectNumber(value: object | undefined): number {
  if (!value) return 0;
  let n = objectNumbers.get(value);
  if (n === undefined) {
    n = nextObjectNumber++;
    objectNumbers.set(value, n);
  }
  return n;
}

/**
 * Filters per state version, by what they are read from: the subnet and VNet objects, the NIC's NSG
 * reference, and the VNet the admin rules are looked up by. A pool's backends share a subnet, so at
 * 1,000 backends this is read once, not 1,000 times; a change bumps the version and reads it again.
 */
const filtersByVersion = indexPerVersion(() => new Map<string, EndpointFilters>());

/**
 * Everything the model needs at one endpoint for one direction. The answer is shared by every endpoint
 * with the same subnet, VNet and NIC NSG at this state version, and frozen: callers must not change it.
 */
export function filtersAt(
  state: SandboxState,
  endpoint: Endpoint,
  direction: 'Inbound' | 'Outbound',
): EndpointFilters {
  const vnetId = vnetIdOf(endpoint);
  const key = [
    direction,
    objectNumber(endpoint.subnet),
    objectNumber(endpoint.vnet),
    idKey(refId(props(endpoint.nic).networkSecurityGroup) ?? ''),
    vnetId === undefined ? '' : idKey(vnetId),
  ].join('|');
  const known = filtersByVersion(state);
  let filters = known.get(key);
  if (!filters) {
    filters = Object.freeze({
      admin: Object.freeze(adminRulesOf(state, vnetId).map(toAdminRule)) as TruthAdminRule[],
      crossings: Object.freeze(
        crossingsAt(state, endpoint, direction).map((c) => Object.freeze(c)),
      ) as NsgCrossing[],
      scope: frozenScope(scopeOf(state, endpoint)),
    });
    known.set(key, filters);
  }
  return filters;
}

/** The model's verdict for a packet at an endpoint (its direction decides which way the NSGs are crossed). */
export function verdictAt(state: SandboxState, endpoint: Endpoint, packet: TruthPacket): TruthVerdict {
  const f = filtersAt(state, endpoint, packet.direction);
  return decidePacket(packet, f.admin, f.crossings, f.scope);
}

/** Words for an admin rule in details and reasons. */
export function describeAdminRule(
  rule: Pick<TruthAdminRule, 'name' | 'priority' | 'networkManagerId'>,
): string {
  return `security admin rule ${rule.name} (${rule.priority}) of ${rule.networkManagerId.split('/').pop() ?? rule.networkManagerId}`;
}

/** Why a verdict denies, in words; undefined when it allows. */
export function denialDetail(verdict: TruthVerdict, what = 'it'): string | undefined {
  if (verdict.allowed) return undefined;
  if (verdict.admin?.access === 'Deny') return `${describeAdminRule(verdict.admin)} denies ${what}`;
  const b = verdict.blockedBy;
  return b ? `${b.level} NSG ${b.nsgName} rule ${b.rule.name} (${b.rule.priority}) denies ${what}` : 'denied';
}

/** The denying rule's name, when a verdict denies. */
export function denyingRuleName(verdict: TruthVerdict): string | undefined {
  if (verdict.allowed) return undefined;
  return verdict.admin?.access === 'Deny' ? verdict.admin.name : verdict.blockedBy?.rule.name;
}
