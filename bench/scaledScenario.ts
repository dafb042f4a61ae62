/**
 * Large scenarios for the benchmarks, grown from a shipped one rather than invented: the resources of
 * scenarios/nsg-deny-all-blocks-probe.json (ARM GET bodies as Azure returns them) are the templates,
 * and every backend is a clone of its first NIC, VM and guest with a new name and address. The
 * back-references ARM keeps (subnet and NSG lists, the pool's members) are rewritten to match, so the
 * sandbox serves a scenario as consistent as a real export.
 *
 * Shape: one internal load balancer, one pool of `backends` NICs (one per VM), two subnets and two
 * NSGs (the subnet NSGs; the template's NIC NSGs are dropped). Every third backend sits in
 * snet-app-a, whose NSG denies the probe (DenyAllInbound-Baseline at 4000): a third are down, for a
 * reason `fix` mode can repair.
 *
 * With `{ failing: K }` (the scale benchmark) the first K backends sit in snet-app-a and every other
 * one in snet-app-b, which is widened to a /22 (10.20.4.0/22, 1,019 hosts) so 1,000 backends fit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseScenario,
  type GuestState,
  type Scenario,
  type ScenarioResource,
} from '../src/sandbox/scenario';

/** The shipped scenario the clones come from. */
export const TEMPLATE_FILE = [
  // From dist/bench when built, from bench/ when a test imports it through ts-jest.
  join(__dirname, '..', '..', 'scenarios', 'nsg-deny-all-blocks-probe.json'),
  join(__dirname, '..', 'scenarios', 'nsg-deny-all-blocks-probe.json'),
].find((f) => existsSync(f)) as string;

const TEMPLATE_NIC = 'vm-orders-01527';
const TEMPLATE_VM = 'vm-orders-01';
const SUBNETS = ['snet-app-a', 'snet-app-b'] as const;
/** Host numbers Azure hands out in a /24: .4 to .254 (.0-.3 and .255 are reserved). */
const FIRST_HOST = 4;
const LAST_HOST = 254;
/** The load balancer's frontend holds 10.20.1.100; no NIC may take it. */
const FRONTEND_HOST = 100;

/** A scaled scenario and what a benchmark needs to drive it. */
export interface ScaledScenario {
  scenario: Scenario;
  loadBalancerId: string;
  /** The resource group, for a PROBE_DOCTOR_ALLOWED_SCOPES entry. */
  scope: string;
  /** Backends in the subnet whose NSG blocks the probe. */
  blocked: number;
}

type Json = Record<string, unknown>;

const props = (resource: Json): Json => resource.properties as Json;
const ref = (id: string): Json => ({ id });
const clone = <T>(value: T): T => structuredClone(value);

function byName(resources: readonly ScenarioResource[], name: string): ScenarioResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`${TEMPLATE_FILE}: no resource named ${name}`);
  return found;
}

/** Replaces every spelling of the template's names (ids, computer name, disk names) in a clone. */
function renamed<T>(value: T, vmName: string, nicName: string): T {
  // The NIC's name starts with the VM's, so it is replaced first.
  const text = JSON.stringify(value).split(TEMPLATE_NIC).join(nicName).split(TEMPLATE_VM).join(vmName);
  return JSON.parse(text) as T;
}

/** A stable GUID-shaped id per backend, so two runs serve identical bodies. */
function guid(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `b3c40000-0000-4000-8000-${hex}`;
}

/** The `n`-th usable address of a /24 (skipping the frontend's). */
function hostAddress(subnetIndex: number, n: number): string {
  let host = FIRST_HOST + n;
  if (subnetIndex === 0 && host >= FRONTEND_HOST) host += 1;
  if (host > LAST_HOST) throw new Error(`too many backends for subnet ${SUBNETS[subnetIndex] ?? ''}`);
  return `10.20.${subnetIndex + 1}.${host}`;
}

/** The widened snet-app-b of the `failing` layout: a /22, .0-.3 and the last address reserved. */
const WIDE_SUBNET_B = { prefix: '10.20.4.0/22', thirdOctet: 4, hosts: 1019 };

/** The `n`-th usable address of {@link WIDE_SUBNET_B}. */
function wideHostAddress(n: number): string {
  if (n >= WIDE_SUBNET_B.hosts) throw new Error(`too many backends for ${WIDE_SUBNET_B.prefix}`);
  const offset = FIRST_HOST + n;
  return `10.20.${WIDE_SUBNET_B.thirdOctet + Math.floor(offset / 256)}.${offset % 256}`;
}

/** How backends are spread: every third blocked (default), or the first `failing` ones. */
export interface ScaledLayout {
  failing?: number;
}

/**
 * Builds a scenario with `backends` NIC-based backends, a third of them (every third, rounded up)
 * blocked by their subnet's NSG. Up to 375 backends fit the template's two /24 subnets.
 */
export function scaledScenario(backends: number, layout: ScaledLayout = {}): ScaledScenario {
  const template = parseScenario(JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')), TEMPLATE_FILE);
  const resources = template.resources;
  const vnet = clone(byName(resources, 'vnet-orders-prod')) as Json;
  const nsgs = SUBNETS.map((s) => clone(byName(resources, `nsg-${s}`)) as Json);
  const lb = clone(byName(resources, 'lbi-orders-prod')) as Json;
  const nicTemplate = byName(resources, TEMPLATE_NIC);
  const vmTemplate = byName(resources, TEMPLATE_VM);
  const guestTemplate = Object.entries(template.guests).find(([id]) => id.endsWith(`/${TEMPLATE_VM}`))?.[1];
  if (!guestTemplate) throw new Error(`${TEMPLATE_FILE}: no guest for ${TEMPLATE_VM}`);

  const subnets = props(vnet).subnets as Json[];
  const subnetIds = subnets.map((s) => s.id as string);
  const frontendIds = subnets.map((s) =>
    ((props(s).ipConfigurations as Json[]) ?? []).filter((c) =>
      /\/frontendIPConfigurations\//i.test(c.id as string),
    ),
  );
  const subnetMembers: Json[][] = frontendIds.map((f) => [...f]);
  const pool = (props(lb).backendAddressPools as Json[])[0] as Json;
  const poolId = pool.id as string;
  const poolMembers: Json[] = [];
  const poolAddresses: Json[] = [];
  const nics: ScenarioResource[] = [];
  const vms: ScenarioResource[] = [];
  const guests: Record<string, GuestState> = {};
  const perSubnet = [0, 0];
  let blocked = 0;

  const wide = layout.failing !== undefined;
  if (wide) props(subnets[1]!).addressPrefix = WIDE_SUBNET_B.prefix;
  for (let i = 0; i < backends; i++) {
    const subnetIndex = wide ? (i < (layout.failing ?? 0) ? 0 : 1) : i % 3 === 0 ? 0 : 1;
    if (subnetIndex === 0) blocked += 1;
    const vmName = `vm-bench-${String(i).padStart(3, '0')}`;
    const nicName = `${vmName}-nic`;
    const n = perSubnet[subnetIndex]!++;
    const address = wide && subnetIndex === 1 ? wideHostAddress(n) : hostAddress(subnetIndex, n);

    const nic = renamed(nicTemplate, vmName, nicName) as Json;
    delete props(nic).networkSecurityGroup;
    props(nic).resourceGuid = guid(i);
    props(nic).macAddress =
      `00-0D-3A-00-${((i >> 8) & 0xff).toString(16).padStart(2, '0')}-${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    const ipConfig = (props(nic).ipConfigurations as Json[])[0] as Json;
    props(ipConfig).privateIPAddress = address;
    props(ipConfig).subnet = ref(subnetIds[subnetIndex]!);
    props(ipConfig).loadBalancerBackendAddressPools = [ref(poolId)];
    nics.push(nic as ScenarioResource);

    const vm = renamed(vmTemplate, vmName, nicName) as Json;
    props(vm).vmId = guid(i);
    vms.push(vm as ScenarioResource);
    guests[vm.id as string] = clone(guestTemplate);

    const ipConfigId = ipConfig.id as string;
    subnetMembers[subnetIndex]!.push(ref(ipConfigId));
    poolMembers.push(ref(ipConfigId));
    const memberName = `rg-orders-prod_${nicName}ipconfig1`;
    poolAddresses.push({
      name: memberName,
      id: `${poolId}/loadBalancerBackendAddresses/${memberName}`,
      type: 'Microsoft.Network/loadBalancers/backendAddressPools/loadBalancerBackendAddresses',
      properties: { provisioningState: 'Succeeded', networkInterfaceIPConfiguration: ref(ipConfigId) },
    });
  }

  subnets.forEach((s, i) => {
    props(s).ipConfigurations = subnetMembers[i];
  });
  props(pool).backendIPConfigurations = poolMembers;
  props(pool).loadBalancerBackendAddresses = poolAddresses;

  const scenario = parseScenario(
    {
      name: `bench-${backends}-backends`,
      description: `${backends} backends of lbi-orders-prod over two subnets; ${blocked} in snet-app-a, whose NSG denies the probe.`,
      resources: [vnet, ...nsgs, lb, ...nics, ...vms],
      guests,
    },
    `bench-${backends}`,
  );
  const loadBalancerId = lb.id as string;
  return {
    scenario,
    loadBalancerId,
    scope: loadBalancerId.split('/providers/')[0] as string,
    blocked,
  };
}
