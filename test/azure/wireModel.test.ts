/**
 * The cheap conversion of ARM answers (src/azure/wireModel.ts) against the SDK's own per-field mapper,
 * which it replaces for LoadBalancers_Get, VirtualNetworks_Get, LoadBalancerLoadBalancingRules_Health,
 * NetworkInterfaces_Get, NetworkInterfaces_GetVirtualMachineScaleSetNetworkInterface,
 * NetworkSecurityGroups_Get and RouteTables_Get:
 *
 * 1. over the SDK's mappers themselves: every model these answers reach keeps its fields in a
 *    `properties` envelope the conversion lifts, renames nothing, and has no date, bytes or
 *    polymorphic field (so an SDK upgrade that breaks the premise turns this red);
 * 2. on Microsoft's examples (test/fixtures/arm-examples, SOURCES.md names each), read through the
 *    real SDK client twice (its pipeline with the transport answering the example): the mapper's
 *    result and the conversion's differ only where listed in {@link JUSTIFIED}, and what probe-doctor
 *    reads of them (map.ts, trackedFacts, ruleHealthFrom, checkArmAnswer) is equal;
 * 3. the same over HTTPS against the sandbox, for the load balancers, virtual networks, rule health,
 *    NICs (scale-set ones through their own operation), NSGs and route tables of every shipped
 *    scenario and of the 1,000-backend benchmark scenario, with the product's own reader on one side;
 * 4. error answers (404) and throttling (429 retried by the pipeline, or still failing after its
 *    retries) give the same AzureCallError as through the mapper.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  NetworkManagementClient,
  type LoadBalancer,
  type LoadBalancerHealthPerRule,
  type NetworkInterface,
  type NetworkSecurityGroup,
  type RouteTable,
  type VirtualNetwork,
} from '@azure/arm-network';
import { createHttpHeaders, type HttpClient } from '@azure/core-rest-pipeline';
import { scaledScenario } from '../../bench/scaledScenario';
import { checkArmAnswer } from '../../src/azure/armAnswer';
import { callAzure } from '../../src/azure/callError';
import { createClientFactory } from '../../src/azure/clients';
import { trackedFacts } from '../../src/azure/discovery/backend';
import {
  mapLoadBalancer,
  mapNic,
  mapNsg,
  mapRouteTable,
  mapSubnet,
  mapVirtualNetwork,
} from '../../src/azure/map';
import { readRuleHealth, ruleHealthFrom } from '../../src/azure/reads/probeHealth';
import { parseResourceId, scaleSetVmOf } from '../../src/azure/resourceId';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { mapperSkippedOn200, modelFromWire } from '../../src/azure/wireModel';
import { isAzureCallError } from '../../src/errors';
import { parseScenario, type Scenario } from '../../src/sandbox/scenario';
import { staticCredential, startTestSandbox } from '../helpers/sandboxClients';

// ---------------------------------------------------------------------------------------------
// The SDK's mappers (not exported by @azure/arm-network: read from its CommonJS build by path).

interface MapperType {
  name: string;
  className?: string;
  modelProperties?: Record<string, Mapper>;
  element?: Mapper;
  value?: Mapper;
  polymorphicDiscriminator?: unknown;
  uberParent?: string;
  additionalProperties?: unknown;
}
interface Mapper {
  serializedName?: string;
  defaultValue?: unknown;
  isConstant?: boolean;
  type: MapperType;
}

const load = createRequire(__filename);
const Mappers = load(join(dirname(load.resolve('@azure/arm-network')), 'models', 'mappers.js')) as Record<
  string,
  Mapper
>;

/** Every model reachable from `roots`, by class name. */
function reachableModels(roots: string[]): Map<string, Mapper> {
  const found = new Map<string, Mapper>();
  const visitType = (type: MapperType): void => {
    if (type.name === 'Composite' && type.className) visit(type.className);
    if (type.element) visitType(type.element.type);
    if (type.value) visitType(type.value.type);
  };
  const visit = (className: string): void => {
    if (found.has(className)) return;
    const mapper = Mappers[className];
    if (!mapper) throw new Error(`no mapper ${className}`);
    found.set(className, mapper);
    for (const property of Object.values(mapper.type.modelProperties ?? {})) visitType(property.type);
  };
  roots.forEach(visit);
  return found;
}

/** The answers the conversion replaces the mapper for, by the model of their 200 body. */
const LARGE_ROOTS = ['LoadBalancer', 'VirtualNetwork', 'LoadBalancerHealthPerRule'];
const CHAIN_ROOTS = ['NetworkInterface', 'NetworkSecurityGroup', 'RouteTable'];
const ROOTS = [...LARGE_ROOTS, ...CHAIN_ROOTS];

/** Model fields the mapper fills in when the answer leaves them out (defaults of the 2025-05-01 spec). */
const MAPPER_DEFAULTS = [
  'PrivateEndpoint.ipVersionType="IPv4"',
  'RetentionPolicyParameters.days=0',
  'RetentionPolicyParameters.enabled=false',
  'FlowLogFormatParameters.version=0',
  'Subnet.privateEndpointNetworkPolicies="Disabled"',
  'Subnet.privateLinkServiceNetworkPolicies="Enabled"',
  'VirtualNetwork.enableDdosProtection=false',
  'VirtualNetwork.enableVmProtection=false',
];

describe("the SDK's models behind the answers", () => {
  const models = reachableModels(ROOTS);

  it('of a NIC, an NSG and a route table are among the 70 the load balancer, VNet and rule health reach', () => {
    const large = reachableModels(LARGE_ROOTS);
    const chain = reachableModels(CHAIN_ROOTS);
    expect(large.size).toBe(70);
    expect([...chain.keys()].filter((name) => !large.has(name))).toEqual([]);
    expect(CHAIN_ROOTS.every((name) => large.has(name))).toBe(true);
    expect(models.size).toBe(70);
  });

  const fields = [...models].flatMap(([className, mapper]) =>
    Object.entries(mapper.type.modelProperties ?? {}).map(([key, property]) => ({
      at: `${className}.${key}`,
      key,
      property,
      path: (property.serializedName ?? '').split(/(?<!\\)\./),
    })),
  );

  it('keep every field either on the resource or one level down in `properties`, under its own name', () => {
    expect(models.size).toBeGreaterThan(50);
    // The one field a level down in anything else: a VNet's IPAM allocation names its pool's id.
    expect(
      fields
        .filter((f) => f.path.length > 2 || (f.path.length === 2 && f.path[0] !== 'properties'))
        .map((f) => f.at),
    ).toEqual(['IpamPoolPrefixAllocation.id']);
    expect(fields.filter((f) => f.path.at(-1)!.replace(/\\/g, '') !== f.key).map((f) => f.at)).toEqual([]);
    // `properties` is never a field of its own (it would be lifted where the mapper keeps it).
    expect(fields.filter((f) => f.property.serializedName === 'properties').map((f) => f.at)).toEqual([]);
  });

  it('have no field the mapper would turn into something JSON.parse does not give (date, bytes, subtype)', () => {
    const types = new Set(fields.map((f) => f.property.type.name));
    expect([...types].sort()).toEqual([
      'Boolean',
      'Composite',
      'Dictionary',
      'Enum',
      'Number',
      'Sequence',
      'String',
    ]);
    const special = [...models].filter(
      ([, m]) => m.type.polymorphicDiscriminator || m.type.uberParent || m.type.additionalProperties,
    );
    expect(special.map(([name]) => name)).toEqual([]);
  });

  it('have exactly the defaults JUSTIFIED lists (the conversion does not fill them in)', () => {
    const defaults = fields
      .filter((f) => f.property.defaultValue !== undefined || f.property.isConstant)
      .map((f) => `${f.at}=${JSON.stringify(f.property.defaultValue)}`);
    expect(defaults.sort()).toEqual([...MAPPER_DEFAULTS].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// Comparing the two results.

/**
 * Where the conversion may differ from the mapper, and why probe-doctor does not care: each entry is
 * a field path (`[]` for any index) and what each side holds. Nothing else may differ.
 */
const JUSTIFIED: { path: RegExp; sdk: 'default' | 'absent'; ours: 'absent' | 'any'; why: string }[] = [
  {
    // Seen: frontendIPConfigurations[].subnet and subnets[] (the two policies), the VNet (the two flags);
    // a NIC's ipConfigurations[].subnet, an NSG's and a route table's subnets[] (the two policies, on
    // what ARM sends as a bare `{ id }` reference: the mapper's model claims policies ARM never stated).
    path: /./,
    sdk: 'default',
    ours: 'absent',
    why: 'ARM left the field out and the mapper filled in the model default (MAPPER_DEFAULTS); map.ts reads none of them (of a subnet reference mapNic reads only the id)',
  },
  {
    path: /\.loadBalancerBackendAddresses\[\]\.provisioningState$/,
    sdk: 'absent',
    ours: 'any',
    why: 'sent by ARM (and the sandbox) but not in the SDK 36 LoadBalancerBackendAddress model, so the mapper drops it; never read',
  },
  {
    path: /^\$\.loadBalancingRules\[\]\.(enableDestinationServiceEndpoint|allowBackendPortConflict)$/,
    sdk: 'absent',
    ours: 'any',
    why: 'LoadBalancingRule fields newer than the SDK 36 model (api-version 2025-05-01), so the mapper drops them; never read',
  },
];

const isDefault = (path: string, value: unknown) =>
  MAPPER_DEFAULTS.some(
    (d) => path.endsWith(`.${d.split('=')[0]!.split('.')[1]!}`) && JSON.stringify(value) === d.split('=')[1],
  );

/** Every leaf where `sdk` and `ours` differ, as `path: sdk -> ours` with indexes written `[]`. */
function differences(
  sdk: unknown,
  ours: unknown,
  path = '$',
): { path: string; sdk: unknown; ours: unknown }[] {
  if (Object.is(sdk, ours)) return [];
  const bothObjects =
    typeof sdk === 'object' &&
    sdk !== null &&
    typeof ours === 'object' &&
    ours !== null &&
    Array.isArray(sdk) === Array.isArray(ours);
  if (!bothObjects) return [{ path, sdk, ours }];
  const a = sdk as Record<string, unknown>;
  const b = ours as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differences(a[k], b[k], Array.isArray(sdk) ? `${path}[]` : `${path}.${k}`));
}

/** The differences no {@link JUSTIFIED} entry covers. */
function unjustified(sdk: unknown, ours: unknown): string[] {
  return differences(sdk, ours)
    .filter(
      (d) =>
        !JUSTIFIED.some(
          (j) =>
            j.path.test(d.path) &&
            (j.sdk === 'default'
              ? isDefault(d.path, d.sdk)
              : j.sdk === 'absent'
                ? d.sdk === undefined
                : true) &&
            (j.ours === 'absent' ? d.ours === undefined : d.ours !== undefined),
        ),
    )
    .map((d) => `${d.path}: ${JSON.stringify(d.sdk)} (SDK) vs ${JSON.stringify(d.ours)} (conversion)`);
}

/** A result or the message of what it threw, so two outcomes compare as values. */
function outcome<T>(read: () => T): T | string {
  try {
    return read();
  } catch (err) {
    return `threw: ${(err as Error).message}`;
  }
}

/** What probe-doctor reads of a load balancer. */
const lbView = (lb: LoadBalancer) => ({
  mapped: outcome(() => mapLoadBalancer(lb)),
  tracked: trackedFacts(lb),
});

/** What probe-doctor reads of a virtual network (and of each of its subnets). */
const vnetView = (vnet: VirtualNetwork) => ({
  mapped: outcome(() => mapVirtualNetwork(vnet)),
  subnets: (vnet.subnets ?? []).map((s) => ({
    mapped: outcome(() => mapSubnet(s, vnet.id ?? '')),
    prefix: s.addressPrefix,
    prefixes: s.addressPrefixes,
  })),
  tracked: trackedFacts(vnet),
});

/** What probe-doctor reads of a NIC. */
const nicView = (nic: NetworkInterface) => ({ mapped: outcome(() => mapNic(nic)) });

/** What probe-doctor reads of an NSG (its rules, and its tags for ownership). */
const nsgView = (nsg: NetworkSecurityGroup) => ({
  mapped: outcome(() => mapNsg(nsg)),
  tracked: trackedFacts(nsg),
});

/** What probe-doctor reads of a route table. */
const routeTableView = (table: RouteTable) => ({ mapped: outcome(() => mapRouteTable(table)) });

/** The outcome of ARM's invariant check, as a value (the message when it refuses). */
const armCheck = (value: unknown) => outcome(() => checkArmAnswer(value, 'answer') && 'valid');

// ---------------------------------------------------------------------------------------------
// Microsoft's examples, through the real SDK client with a transport that answers the example.

const EXAMPLES = join(__dirname, '..', 'fixtures', 'arm-examples', 'Microsoft.Network');
/**
 * The example's 200 body, its subscription `subid` written as a GUID: map.ts (rightly) refuses an id
 * whose subscription is not one, and the product's view of the example is what is compared.
 */
const exampleBody = (file: string): unknown =>
  (
    JSON.parse(
      readFileSync(join(EXAMPLES, file), 'utf8').replace(
        /\/subscriptions\/subid\//gi,
        '/subscriptions/11111111-2222-3333-4444-555555555555/',
      ),
    ) as { responses: { '200': { body: unknown } } }
  ).responses['200'].body;

/** A transport that answers every request with `body` and 200, as ARM would over the wire. */
const answering = (body: unknown): HttpClient => ({
  sendRequest: (request) =>
    Promise.resolve({
      request,
      status: 200,
      headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8' }),
      bodyAsText: JSON.stringify(body),
    }),
});

const clientAnswering = (body: unknown) =>
  new NetworkManagementClient(staticCredential, 'subid', {
    endpoint: 'https://127.0.0.1:1',
    httpClient: answering(body),
  });

describe("the conversion on Microsoft's examples equals the SDK's mapper", () => {
  it.each(['LoadBalancers_Get.json', 'LoadBalancers_Get_InboundNatRulePortMapping.json'])(
    'LoadBalancers_Get: %s',
    async (file) => {
      // Prepare
      const network = clientAnswering(exampleBody(file));

      // Act
      const sdk = await network.loadBalancers.get('rg1', 'lb');
      const ours = modelFromWire<LoadBalancer>(
        await network.loadBalancers.get('rg1', 'lb', mapperSkippedOn200()),
      );

      // Assess
      expect(unjustified(sdk, ours)).toEqual([]);
      expect(lbView(ours)).toEqual(lbView(sdk));
      expect(armCheck(ours)).toBe(armCheck(sdk));
      expect(ours.frontendIPConfigurations?.length).toBeGreaterThan(0);
    },
  );

  it.each([
    'VirtualNetworks_Get.json',
    'VirtualNetworks_Get_SubnetDelegation.json',
    'VirtualNetworks_Get_ServiceAssociationLink.json',
  ])('VirtualNetworks_Get: %s', async (file) => {
    // Prepare
    const network = clientAnswering(exampleBody(file));

    // Act
    const sdk = await network.virtualNetworks.get('rg1', 'test-vnet');
    const ours = modelFromWire<VirtualNetwork>(
      await network.virtualNetworks.get('rg1', 'test-vnet', mapperSkippedOn200()),
    );

    // Assess
    expect(unjustified(sdk, ours)).toEqual([]);
    expect(vnetView(ours)).toEqual(vnetView(sdk));
    expect(armCheck(ours)).toBe(armCheck(sdk));
    expect(ours.subnets?.[0]?.addressPrefix).toMatch(/^10\.0\./);
  });

  it('NetworkInterfaces_Get: NetworkInterfaces_Get.json', async () => {
    // Prepare
    const network = clientAnswering(exampleBody('NetworkInterfaces_Get.json'));

    // Act
    const sdk = await network.networkInterfaces.get('rg1', 'test-nic');
    const ours = modelFromWire<NetworkInterface>(
      await network.networkInterfaces.get('rg1', 'test-nic', mapperSkippedOn200()),
    );

    // Assess
    expect(unjustified(sdk, ours)).toEqual([]);
    expect(nicView(ours)).toEqual(nicView(sdk));
    expect(armCheck(ours)).toBe(armCheck(sdk));
    expect(ours.ipConfigurations?.[0]?.privateIPAddress).toBe('172.20.2.4');
    expect(ours.networkSecurityGroup?.id).toMatch(/networkSecurityGroups\/nsg$/);
  });

  it('NetworkInterfaces_GetVirtualMachineScaleSetNetworkInterface: the same NetworkInterface answer', async () => {
    // Prepare: no example of its own; its 200 is the same NetworkInterface model.
    const network = clientAnswering(exampleBody('NetworkInterfaces_Get.json'));
    const read = (options?: ReturnType<typeof mapperSkippedOn200>) =>
      network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
        'rg1',
        'vmss',
        '0',
        'test-nic',
        options,
      );

    // Act
    const sdk = await read();
    const ours = modelFromWire<NetworkInterface>(await read(mapperSkippedOn200()));

    // Assess
    expect(unjustified(sdk, ours)).toEqual([]);
    expect(nicView(ours)).toEqual(nicView(sdk));
    expect(ours.ipConfigurations?.[0]?.subnet?.id).toMatch(/subnets\/default$/);
  });

  it('NetworkSecurityGroups_Get: NetworkSecurityGroups_Get.json', async () => {
    // Prepare
    const network = clientAnswering(exampleBody('NetworkSecurityGroups_Get.json'));

    // Act
    const sdk = await network.networkSecurityGroups.get('rg1', 'testnsg');
    const ours = modelFromWire<NetworkSecurityGroup>(
      await network.networkSecurityGroups.get('rg1', 'testnsg', mapperSkippedOn200()),
    );

    // Assess
    expect(unjustified(sdk, ours)).toEqual([]);
    expect(nsgView(ours)).toEqual(nsgView(sdk));
    expect(armCheck(ours)).toBe(armCheck(sdk));
    expect(ours.securityRules?.[0]?.destinationPortRange).toBe('80');
    expect(ours.defaultSecurityRules?.length).toBeGreaterThan(0);
  });

  it('NetworkSecurityGroups_Get: a user tag named `properties` is kept, as the mapper keeps it', async () => {
    // Prepare
    const body = exampleBody('NetworkSecurityGroups_Get.json') as Record<string, unknown>;
    const network = clientAnswering({ ...body, tags: { properties: 'user tag', env: 'prod' } });

    // Act
    const sdk = await network.networkSecurityGroups.get('rg1', 'testnsg');
    const ours = modelFromWire<NetworkSecurityGroup>(
      await network.networkSecurityGroups.get('rg1', 'testnsg', mapperSkippedOn200()),
    );

    // Assess
    expect(unjustified(sdk, ours)).toEqual([]);
    expect(nsgView(ours)).toEqual(nsgView(sdk));
    expect(ours.tags).toEqual({ properties: 'user tag', env: 'prod' });
  });

  it('LoadBalancerLoadBalancingRules_Health: the LRO answered at once with 200', async () => {
    // Prepare
    const network = clientAnswering(exampleBody('LoadBalancerLoadBalancingRules_Health.json'));
    const ruleId =
      '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb/loadBalancingRules/rule1';

    // Act
    const sdk = await network.loadBalancerLoadBalancingRules.beginHealthAndWait('rg1', 'lb', 'rule1');
    const ours = modelFromWire<LoadBalancerHealthPerRule>(
      await network.loadBalancerLoadBalancingRules.beginHealthAndWait(
        'rg1',
        'lb',
        'rule1',
        mapperSkippedOn200(),
      ),
    );

    // Assess
    expect(unjustified(sdk, ours)).toEqual([]);
    expect(ruleHealthFrom(ruleId, ours)).toEqual(ruleHealthFrom(ruleId, sdk));
    expect(ours.loadBalancerBackendAddresses?.length).toBeGreaterThan(0);
  });
});

describe('modelFromWire', () => {
  it('lifts `properties` at every depth, keeps the rest, and leaves its input alone', () => {
    // Prepare
    const wire = {
      id: '/x',
      name: 'x',
      tags: { env: 'prod' },
      properties: {
        port: 80,
        subnet: { id: '/s', properties: { addressPrefix: '10.0.0.0/24' } },
        list: [{ properties: { a: 1 } }, null],
      },
    };
    const copy = structuredClone(wire);

    // Act
    const model = modelFromWire<Record<string, unknown>>(wire);

    // Assess
    expect(model).toEqual({
      id: '/x',
      name: 'x',
      tags: { env: 'prod' },
      port: 80,
      subnet: { id: '/s', addressPrefix: '10.0.0.0/24' },
      list: [{ a: 1 }, null],
    });
    expect(wire).toEqual(copy);
  });

  it("keeps a tag named `properties`: tags are the user's keys, not an envelope", () => {
    // Prepare: trackedFacts reads an NSG's (and a load balancer's) tags for ownership.
    const wire = {
      id: '/x',
      tags: { properties: 'user tag', env: 'prod' },
      properties: {
        securityRules: [{ id: '/x/r', tags: { properties: '{}' }, properties: { priority: 100 } }],
      },
    };

    // Act
    const model = modelFromWire<Record<string, unknown>>(wire);

    // Assess
    expect(model).toEqual({
      id: '/x',
      tags: { properties: 'user tag', env: 'prod' },
      securityRules: [{ id: '/x/r', tags: { properties: '{}' }, priority: 100 }],
    });
  });

  it('drops a `properties` that is not an object, as the mapper does', () => {
    expect(modelFromWire({ id: '/x', properties: null })).toEqual({ id: '/x' });
  });

  it('keeps the resource’s own field when the envelope repeats it, and never changes a prototype', () => {
    // Prepare
    const wire = JSON.parse('{"id":"/x","properties":{"id":"/y","__proto__":{"polluted":true}}}') as unknown;

    // Act
    const model = modelFromWire<Record<string, unknown>>(wire);

    // Assess
    expect(model.id).toBe('/x');
    expect(Object.getPrototypeOf(model)).toBe(Object.prototype);
    expect((model as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The sandbox's answers over HTTPS: every shipped scenario, and the 1,000-backend one.

const SCENARIOS = join(__dirname, '..', '..', 'scenarios');
const shipped = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.json'))
  .sort();

const ofType = (scenario: Scenario, type: string) =>
  scenario.resources.filter((r) => r.type?.toLowerCase() === type.toLowerCase()).map((r) => r.id);

interface Compared {
  lbs: number;
  vnets: number;
  rules: number;
  nics: number;
  nsgs: number;
  routeTables: number;
}

/**
 * Every load balancer (and its rules' health), VNet, NSG and route table of `scenario`, and its first
 * `nicsAtMost` NICs, read through the SDK's mapper and through the product's reader.
 */
async function compareInSandbox(scenario: Scenario, nicsAtMost = Infinity): Promise<Compared> {
  const t = await startTestSandbox(scenario);
  try {
    const clientsFor = createClientFactory({
      kind: 'sandbox',
      endpoint: t.sandbox.endpoint,
      ca: t.sandbox.ca,
    });
    const reader = createSdkTopologyReader(clientsFor);
    const counted: Compared = { lbs: 0, vnets: 0, rules: 0, nics: 0, nsgs: 0, routeTables: 0 };
    for (const id of ofType(scenario, 'Microsoft.Network/loadBalancers')) {
      const { resourceGroup, name } = parseResourceId(id);
      const sdk = await t.network.loadBalancers.get(resourceGroup, name);
      const ours = await reader.getLoadBalancer(id);
      expect({ id, unjustified: unjustified(sdk, ours) }).toEqual({ id, unjustified: [] });
      expect(lbView(ours)).toEqual(lbView(sdk));
      counted.lbs++;
      for (const rule of sdk.loadBalancingRules ?? []) {
        const ruleId = `${id}/loadBalancingRules/${rule.name!}`;
        const sdkHealth = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
          resourceGroup,
          name,
          rule.name!,
          { updateIntervalInMs: 0 },
        );
        const oursHealth = modelFromWire<LoadBalancerHealthPerRule>(
          await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(resourceGroup, name, rule.name!, {
            ...mapperSkippedOn200(),
            updateIntervalInMs: 0,
          }),
        );
        expect({ ruleId, unjustified: unjustified(sdkHealth, oursHealth) }).toEqual({
          ruleId,
          unjustified: [],
        });
        expect(ruleHealthFrom(ruleId, oursHealth)).toEqual(ruleHealthFrom(ruleId, sdkHealth));
        counted.rules++;
      }
    }
    for (const id of ofType(scenario, 'Microsoft.Network/virtualNetworks')) {
      const { resourceGroup, name } = parseResourceId(id);
      const sdk = await t.network.virtualNetworks.get(resourceGroup, name);
      const ours = await reader.getVirtualNetwork(id);
      expect({ id, unjustified: unjustified(sdk, ours) }).toEqual({ id, unjustified: [] });
      expect(vnetView(ours)).toEqual(vnetView(sdk));
      counted.vnets++;
    }
    // A scenario's faults (faults-throttle.json) stop here: each 429 costs its Retry-After (1 s), and
    // the retries are the pipeline's, the same for every read (see the throttling test below).
    t.sandbox.setFaults(undefined);
    for (const id of ofType(scenario, 'Microsoft.Network/networkInterfaces').slice(0, nicsAtMost)) {
      const parsed = parseResourceId(id);
      const vmss = scaleSetVmOf(parsed);
      const sdk = vmss
        ? await t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
            vmss.resourceGroup,
            vmss.scaleSetName,
            vmss.instanceId,
            parsed.name,
          )
        : await t.network.networkInterfaces.get(parsed.resourceGroup, parsed.name);
      const ours = await reader.getNetworkInterface(id);
      expect({ id, unjustified: unjustified(sdk, ours) }).toEqual({ id, unjustified: [] });
      expect(nicView(ours)).toEqual(nicView(sdk));
      counted.nics++;
    }
    for (const id of ofType(scenario, 'Microsoft.Network/networkSecurityGroups')) {
      const { resourceGroup, name } = parseResourceId(id);
      const sdk = await t.network.networkSecurityGroups.get(resourceGroup, name);
      const ours = await reader.getNetworkSecurityGroup(id);
      expect({ id, unjustified: unjustified(sdk, ours) }).toEqual({ id, unjustified: [] });
      expect(nsgView(ours)).toEqual(nsgView(sdk));
      counted.nsgs++;
    }
    for (const id of ofType(scenario, 'Microsoft.Network/routeTables')) {
      const { resourceGroup, name } = parseResourceId(id);
      const sdk = await t.network.routeTables.get(resourceGroup, name);
      const ours = await reader.getRouteTable(id);
      expect({ id, unjustified: unjustified(sdk, ours) }).toEqual({ id, unjustified: [] });
      expect(routeTableView(ours)).toEqual(routeTableView(sdk));
      counted.routeTables++;
    }
    return counted;
  } finally {
    await t.stop();
  }
}

describe("the conversion on the sandbox's answers over HTTPS equals the SDK's mapper", () => {
  it.each(shipped)('%s', async (file) => {
    const scenario = parseScenario(JSON.parse(readFileSync(join(SCENARIOS, file), 'utf8')), file);
    const counted = await compareInSandbox(scenario);
    expect(counted.lbs + counted.vnets).toBeGreaterThan(0);
    expect(counted.nics).toBeGreaterThan(0);
    expect(counted.nsgs).toBeGreaterThan(0);
  });

  it('the shipped scenarios hold scale-set NICs and a route table, so both reads are compared above', () => {
    const all = shipped.map((file) =>
      parseScenario(JSON.parse(readFileSync(join(SCENARIOS, file), 'utf8')), file),
    );
    const nics = all.flatMap((s) => ofType(s, 'Microsoft.Network/networkInterfaces'));
    expect(nics.filter((id) => scaleSetVmOf(parseResourceId(id))).length).toBeGreaterThan(0);
    expect(all.flatMap((s) => ofType(s, 'Microsoft.Network/routeTables')).length).toBeGreaterThan(0);
  });

  it("the product's NIC, NSG and route table reads skip the mapper: a subnet reference stays as ARM sent it", async () => {
    // Prepare: a scenario whose NICs, NSG and route table name their subnet by reference only, which
    // the mapper fills with the two subnet policies' defaults.
    const file = 'udr-to-appliance-healthy.json';
    const scenario = parseScenario(JSON.parse(readFileSync(join(SCENARIOS, file), 'utf8')), file);
    const [nicId] = ofType(scenario, 'Microsoft.Network/networkInterfaces');
    const [nsgId] = ofType(scenario, 'Microsoft.Network/networkSecurityGroups');
    const [tableId] = ofType(scenario, 'Microsoft.Network/routeTables');
    const t = await startTestSandbox(scenario);
    try {
      const reader = createSdkTopologyReader(
        createClientFactory({ kind: 'sandbox', endpoint: t.sandbox.endpoint, ca: t.sandbox.ca }),
      );
      const named = (id: string) => parseResourceId(id);

      // Act
      const subnetRefs = {
        sdk: [
          (await t.network.networkInterfaces.get(named(nicId!).resourceGroup, named(nicId!).name))
            .ipConfigurations?.[0]?.subnet,
          (await t.network.networkSecurityGroups.get(named(nsgId!).resourceGroup, named(nsgId!).name))
            .subnets?.[0],
          (await t.network.routeTables.get(named(tableId!).resourceGroup, named(tableId!).name)).subnets?.[0],
        ],
        ours: [
          (await reader.getNetworkInterface(nicId!)).ipConfigurations?.[0]?.subnet,
          (await reader.getNetworkSecurityGroup(nsgId!)).subnets?.[0],
          (await reader.getRouteTable(tableId!)).subnets?.[0],
        ],
      };

      // Assess: the mapper claims policies ARM never stated; the reader keeps the reference as sent.
      for (const ref of subnetRefs.sdk) expect(ref?.privateEndpointNetworkPolicies).toBe('Disabled');
      for (const ref of subnetRefs.ours) {
        expect(ref?.id).toMatch(/\/subnets\//);
        expect(ref).not.toHaveProperty('privateEndpointNetworkPolicies');
        expect(ref).not.toHaveProperty('privateLinkServiceNetworkPolicies');
      }
    } finally {
      await t.stop();
    }
  });

  it('the 1,000-backend benchmark scenario (838 KB load balancer, 235 KB VNet, 278 KB rule health)', async () => {
    // Its NICs are copies of one shipped NIC: the first 20 stand for them.
    const { scenario } = scaledScenario(1000, { failing: 5 });
    const counted = await compareInSandbox(scenario, 20);
    expect(counted).toEqual({
      lbs: 1,
      vnets: 1,
      rules: 1,
      nics: 20,
      nsgs: ofType(scenario, 'Microsoft.Network/networkSecurityGroups').length,
      routeTables: 0,
    });
    expect(counted.nsgs).toBeGreaterThan(0);
  });

  it("the product's rule-health read gives what the SDK's mapper would (LRO polled through the sandbox)", async () => {
    // Prepare
    const { scenario, loadBalancerId } = scaledScenario(10, { failing: 5 });
    const t = await startTestSandbox(scenario);
    try {
      const clientsFor = createClientFactory({
        kind: 'sandbox',
        endpoint: t.sandbox.endpoint,
        ca: t.sandbox.ca,
      });
      const { resourceGroup, name } = parseResourceId(loadBalancerId);
      const ruleName = (await t.network.loadBalancers.get(resourceGroup, name)).loadBalancingRules![0]!.name!;
      const ruleId = `${loadBalancerId}/loadBalancingRules/${ruleName}`;

      // Act
      const read = await readRuleHealth(clientsFor, loadBalancerId, ruleName);
      const sdk = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
        resourceGroup,
        name,
        ruleName,
        {
          updateIntervalInMs: 0,
        },
      );

      // Assess
      expect(read).toEqual(ruleHealthFrom(ruleId, sdk));
      expect(read.backends).toHaveLength(10);
    } finally {
      await t.stop();
    }
  });

  it('an error answer is the same AzureCallError (status, ARM code, message) as through the mapper', async () => {
    // Prepare
    const { scenario, loadBalancerId } = scaledScenario(10, { failing: 5 });
    const t = await startTestSandbox(scenario);
    const failure = async (call: () => Promise<unknown>) => {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!isAzureCallError(err)) throw new Error(`expected an AzureCallError, got ${String(err)}`);
      return { statusCode: err.statusCode, code: err.code, message: err.message };
    };
    try {
      const reader = createSdkTopologyReader(
        createClientFactory({ kind: 'sandbox', endpoint: t.sandbox.endpoint, ca: t.sandbox.ca }),
      );
      const clientsFor = createClientFactory({
        kind: 'sandbox',
        endpoint: t.sandbox.endpoint,
        ca: t.sandbox.ca,
      });
      const { resourceGroup, name } = parseResourceId(loadBalancerId);
      const missingLb = loadBalancerId.replace(/[^/]+$/, 'lb-missing');
      const missingVnet = missingLb.replace('loadBalancers/lb-missing', 'virtualNetworks/vnet-missing');
      const missing = (type: string) => missingLb.replace('loadBalancers/lb-missing', `${type}/missing`);
      const missingNic = missing('networkInterfaces');
      const missingNsg = missing('networkSecurityGroups');
      const missingRouteTable = missing('routeTables');
      const missingScaleSetNic = missingLb.replace(
        'Microsoft.Network/loadBalancers/lb-missing',
        'Microsoft.Compute/virtualMachineScaleSets/vmss-missing/virtualMachines/0/networkInterfaces/missing',
      );

      // Act
      const lb = await failure(() => reader.getLoadBalancer(missingLb));
      const lbSdk = await failure(() =>
        callAzure('read load balancer', missingLb, () =>
          t.network.loadBalancers.get(resourceGroup, 'lb-missing'),
        ),
      );
      const vnet = await failure(() => reader.getVirtualNetwork(missingVnet));
      const vnetSdk = await failure(() =>
        callAzure('read virtual network', missingVnet, () =>
          t.network.virtualNetworks.get(resourceGroup, 'vnet-missing'),
        ),
      );
      const health = await failure(() => readRuleHealth(clientsFor, loadBalancerId, 'rule-missing'));
      const healthSdk = await failure(() =>
        callAzure('read health of rule', `${loadBalancerId}/loadBalancingRules/rule-missing`, () =>
          t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(resourceGroup, name, 'rule-missing', {
            updateIntervalInMs: 0,
          }),
        ),
      );
      const nic = await failure(() => reader.getNetworkInterface(missingNic));
      const nicSdk = await failure(() =>
        callAzure('read network interface', missingNic, () =>
          t.network.networkInterfaces.get(resourceGroup, 'missing'),
        ),
      );
      const scaleSetNic = await failure(() => reader.getNetworkInterface(missingScaleSetNic));
      const scaleSetNicSdk = await failure(() =>
        callAzure('read network interface', missingScaleSetNic, () =>
          t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
            resourceGroup,
            'vmss-missing',
            '0',
            'missing',
          ),
        ),
      );
      const nsg = await failure(() => reader.getNetworkSecurityGroup(missingNsg));
      const nsgSdk = await failure(() =>
        callAzure('read network security group', missingNsg, () =>
          t.network.networkSecurityGroups.get(resourceGroup, 'missing'),
        ),
      );
      const routeTable = await failure(() => reader.getRouteTable(missingRouteTable));
      const routeTableSdk = await failure(() =>
        callAzure('read route table', missingRouteTable, () =>
          t.network.routeTables.get(resourceGroup, 'missing'),
        ),
      );

      // Assess
      expect(lb).toEqual(lbSdk);
      expect(lb.statusCode).toBe(404);
      expect(lb.code).toBeDefined();
      expect(vnet).toEqual(vnetSdk);
      expect(vnet.statusCode).toBe(404);
      expect(health).toEqual(healthSdk);
      expect(health.statusCode).toBe(404);
      expect(nic).toEqual(nicSdk);
      expect(scaleSetNic).toEqual(scaleSetNicSdk);
      expect(nsg).toEqual(nsgSdk);
      expect(routeTable).toEqual(routeTableSdk);
      expect([nic, scaleSetNic, nsg, routeTable].map((e) => e.statusCode)).toEqual([404, 404, 404, 404]);
    } finally {
      await t.stop();
    }
  });

  it('throttled reads are retried by the pipeline as before, and one that stays throttled fails the same way', async () => {
    // Prepare: the sandbox throttles half of the load balancer, VNet and rule-health requests (429
    // with Retry-After: 0, so the pipeline retries at once), then half of the NIC and NSG requests.
    const { scenario, loadBalancerId } = scaledScenario(10, { failing: 5 });
    const t = await startTestSandbox(scenario);
    try {
      const clientsFor = createClientFactory({
        kind: 'sandbox',
        endpoint: t.sandbox.endpoint,
        ca: t.sandbox.ca,
      });
      const reader = createSdkTopologyReader(clientsFor);
      const { resourceGroup, name } = parseResourceId(loadBalancerId);
      const sdkLb = await t.network.loadBalancers.get(resourceGroup, name);
      const vnetId = ofType(scenario, 'Microsoft.Network/virtualNetworks')[0]!;
      const sdkVnet = await t.network.virtualNetworks.get(resourceGroup, parseResourceId(vnetId).name);
      const ruleName = sdkLb.loadBalancingRules![0]!.name!;
      const nicId = ofType(scenario, 'Microsoft.Network/networkInterfaces')[0]!;
      const sdkNic = await t.network.networkInterfaces.get(resourceGroup, parseResourceId(nicId).name);
      const nsgId = ofType(scenario, 'Microsoft.Network/networkSecurityGroups')[0]!;
      const sdkNsg = await t.network.networkSecurityGroups.get(resourceGroup, parseResourceId(nsgId).name);
      const operations = [
        'Microsoft.Network/loadBalancers/read',
        'Microsoft.Network/virtualNetworks/read',
        'Microsoft.Network/loadBalancers/loadBalancingRules/health/action',
      ];
      t.sandbox.setFaults({ seed: 3, throttleRate: 0.5, retryAfterSeconds: 0, operations });
      const logged = t.sandbox.requestLog.length;

      // Act
      const lbs = [];
      const vnets = [];
      const healths = [];
      for (let i = 0; i < 6; i++) {
        lbs.push(await reader.getLoadBalancer(loadBalancerId));
        vnets.push(await reader.getVirtualNetwork(vnetId));
        healths.push(await readRuleHealth(clientsFor, loadBalancerId, ruleName));
      }
      t.sandbox.setFaults({
        seed: 3,
        throttleRate: 0.5,
        retryAfterSeconds: 0,
        operations: [
          'Microsoft.Network/networkInterfaces/read',
          'Microsoft.Network/networkSecurityGroups/read',
        ],
      });
      const nics = [];
      const nsgs = [];
      for (let i = 0; i < 6; i++) {
        nics.push(await reader.getNetworkInterface(nicId));
        nsgs.push(await reader.getNetworkSecurityGroup(nsgId));
      }
      t.sandbox.setFaults({ seed: 3, throttleRate: 1, retryAfterSeconds: 0, operations });
      const stuck = await reader.getLoadBalancer(loadBalancerId).then(
        () => undefined,
        (e: unknown) => e,
      );
      const stuckSdk = await callAzure('read load balancer', loadBalancerId, () =>
        t.network.loadBalancers.get(resourceGroup, name),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.sandbox.setFaults(undefined);
      const sdkHealth = await t.network.loadBalancerLoadBalancingRules.beginHealthAndWait(
        resourceGroup,
        name,
        ruleName,
        {
          updateIntervalInMs: 0,
        },
      );

      // Assess
      const throttled = t.sandbox.requestLog.slice(logged).filter((r) => r.status === 429);
      expect(throttled.some((r) => r.method === 'GET' && /loadBalancers\/[^/]+$/i.test(r.path))).toBe(true);
      expect(throttled.some((r) => r.method === 'GET' && /virtualNetworks\/[^/]+$/i.test(r.path))).toBe(true);
      expect(throttled.some((r) => r.method === 'POST' && /\/health$/i.test(r.path))).toBe(true);
      expect(throttled.some((r) => r.method === 'GET' && /networkInterfaces\/[^/]+$/i.test(r.path))).toBe(
        true,
      );
      expect(throttled.some((r) => r.method === 'GET' && /networkSecurityGroups\/[^/]+$/i.test(r.path))).toBe(
        true,
      );
      for (const nic of nics) expect(unjustified(sdkNic, nic)).toEqual([]);
      for (const nsg of nsgs) expect(unjustified(sdkNsg, nsg)).toEqual([]);
      for (const lb of lbs) expect(unjustified(sdkLb, lb)).toEqual([]);
      for (const vnet of vnets) expect(unjustified(sdkVnet, vnet)).toEqual([]);
      const ruleId = `${loadBalancerId}/loadBalancingRules/${ruleName}`;
      for (const health of healths) expect(health).toEqual(ruleHealthFrom(ruleId, sdkHealth));
      expect(isAzureCallError(stuck) && isAzureCallError(stuckSdk)).toBe(true);
      const summary = (e: unknown) =>
        isAzureCallError(e) ? { statusCode: e.statusCode, code: e.code, message: e.message } : e;
      expect(summary(stuck)).toEqual(summary(stuckSdk));
      expect(summary(stuck)).toMatchObject({ statusCode: 429 });
    } finally {
      await t.stop();
    }
  });
});
