/**
 * ARM answers whose size grows with the backend pool (the load balancer, its rule-health result, the
 * virtual network), and the small ones read on the way from the rules' health to the first Run
 * Commands (a backend's NIC, its NSGs, its subnet's route table), turned into the SDK's model shape
 * without the SDK's per-field mapper.
 *
 * Why: `@azure/core-client` deserializes a body by walking the model's mapper field by field
 * (`deserializeCompositeType`, `splitSerializeName` for every declared field of every object). On a
 * load balancer with 1,000 pool members (838 KB as Azure returns it, every pool listing its
 * `backendIPConfigurations` and `loadBalancerBackendAddresses`) that costs ~50 ms against ~4 ms for
 * the JSON.parse before it. On a NIC it is ~0.2 ms of the SDK's ~0.4 ms per read (measured against
 * the sandbox), paid for each NIC, NSG and route table before a backend's Run Command can start. The
 * call still goes through the SDK client and its whole pipeline (bearer token, retry and throttling,
 * our policies, the operation's URL and api-version, the LRO poller); only the 200 answer's body
 * skips the mapper ({@link mapperSkippedOn200}) and is converted here ({@link modelFromWire}).
 *
 * The conversion is the one thing the mapper does to these models that matters: ARM's
 * `x-ms-client-flatten` envelopes. A resource on the wire keeps its fields in `properties`
 * (`{ id, name, properties: { frontendIPConfigurations, ... } }`, "Resource provider contract",
 * github.com/cloud-and-ai-microsoft/resource-provider-contract, `properties` envelope); the SDK model
 * lifts them onto the resource (`LoadBalancer.frontendIPConfigurations`). In the models these answers
 * reach (70 of them: LoadBalancer, VirtualNetwork, LoadBalancerHealthPerRule and everything they
 * contain, which already holds NetworkInterface, NetworkSecurityGroup and RouteTable and everything
 * those contain) every `properties` is such an envelope, no field is renamed, and no field is a date,
 * bytes or polymorphic: test/azure/wireModel.test.ts checks that over the SDK's own mappers, and
 * checks the conversion equal to the SDK's result on Microsoft's examples and on the sandbox's
 * answers.
 *
 * What the mapper does and this does not (none of it is read by probe-doctor; the test names each):
 * - it fills a field ARM left out with the model's default (`Subnet.privateEndpointNetworkPolicies`
 *   "Disabled", `privateLinkServiceNetworkPolicies` "Enabled", `VirtualNetwork.enableDdosProtection`
 *   and `enableVmProtection` false, `PrivateEndpoint.ipVersionType` "IPv4"), even on a bare `{ id }`
 *   reference (the two subnet policies on a NIC's `ipConfigurations[].subnet`, an NSG's or a route
 *   table's `subnets[]`);
 * - it drops a field inside `properties` that its api-version does not know (a newer field ARM sends);
 *   here it is kept;
 * - it reads a number or boolean sent as a string (`"80"`) as a number or boolean; ARM sends JSON
 *   numbers and booleans, so a string there stays a string and {@link checkArmAnswer} refuses a port
 *   that is not a number.
 */
import type { PipelineResponse } from '@azure/core-rest-pipeline';
import { setOwnField } from '../util/ownField';

/** The JSON value of one field of an answer. */
type Wire = unknown;

/**
 * Request options for an SDK operation whose 200 answer must keep the body ARM sent (JSON.parse only,
 * no mapper). Every other status still goes through the SDK's deserialization, so an error answer
 * becomes the same `RestError` (status, ARM code, message) as without these options, and an LRO's 201
 * and 202 answers are read as before. The operations this is used on (LoadBalancers_Get,
 * VirtualNetworks_Get, LoadBalancerLoadBalancingRules_Health, NetworkInterfaces_Get,
 * NetworkInterfaces_GetVirtualMachineScaleSetNetworkInterface, NetworkSecurityGroups_Get,
 * RouteTables_Get) declare no response headers, so the mapper's `parsedHeaders` are not lost. The
 * operation then resolves to a shallow copy of the JSON body (core-client `flattenResponse`), typed
 * as the model but not yet in its shape: pass it to {@link modelFromWire}.
 */
export function mapperSkippedOn200(): {
  requestOptions: { shouldDeserialize: (response: PipelineResponse) => boolean };
} {
  return { requestOptions: { shouldDeserialize: (response) => response.status !== 200 } };
}

/**
 * An SDK operation called with {@link mapperSkippedOn200}, its 200 answer converted by
 * {@link modelFromWire}: `read` is the operation, given the request options to pass on.
 *
 * @typeParam T - the model the answer is for (see {@link modelFromWire} for which may be named).
 */
export async function readFromWire<T>(
  read: (options: ReturnType<typeof mapperSkippedOn200>) => Promise<unknown>,
): Promise<T> {
  return modelFromWire<T>(await read(mapperSkippedOn200()));
}

/**
 * A field's value converted, except `tags`: a dictionary whose keys the user chose (the models' only
 * one besides `userAssignedIdentities`, keyed by ids), so a tag named `properties` is a tag, kept as
 * the mapper keeps it, not an envelope to lift.
 */
const convertField = (key: string, value: unknown): unknown => (key === 'tags' ? value : convert(value));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * `value` with every envelope inside lifted. What holds no envelope at any depth is returned as it is,
 * not copied: most of a large answer is such leaves (a pool's thousand `{ id }` references, a rule
 * health's thousand entries), and copying them was most of the conversion's cost and garbage.
 */
function convert(value: Wire): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const converted = convert(item);
      if (out) out[i] = converted;
      else if (converted !== item) {
        // The first item that changed: the list is copied from here on.
        out = value.slice(0, i);
        out[i] = converted;
      }
    }
    return out ?? value;
  }
  const wire = value as Record<string, unknown>;
  const keys = Object.keys(wire);
  if (!keys.includes('properties')) {
    // No envelope here: copied only when something inside changes.
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const field = wire[key];
      const converted = convertField(key, field);
      if (!out && converted !== field) {
        out = {};
        for (let j = 0; j < i; j++) setOwnField(out, keys[j] as string, wire[keys[j] as string]);
      }
      if (out) setOwnField(out, key, converted);
    }
    return out ?? wire;
  }
  const out: Record<string, unknown> = {};
  const envelope = wire.properties;
  // Like the mapper, a `properties` that is not an object (null) lifts nothing and is not kept.
  if (isRecord(envelope)) {
    for (const key of Object.keys(envelope)) setOwnField(out, key, convertField(key, envelope[key]));
  }
  // The resource's own fields (id, name, type, etag, location, tags, sku, zones) stay where ARM put
  // them; were an envelope field to repeat one, the resource's own wins.
  for (const key of keys) {
    if (key !== 'properties') setOwnField(out, key, convertField(key, wire[key]));
  }
  return out;
}

/**
 * The SDK model of an ARM answer's JSON body: every `properties` envelope, at any depth, lifted onto
 * the object that holds it; everything else as ARM sent it. The input is not changed; a part of it
 * without an envelope inside is part of the result as it is (shared, not copied).
 *
 * @typeParam T - the SDK model the body is an answer for (`LoadBalancer`, `VirtualNetwork`,
 *   `LoadBalancerHealthPerRule`, `NetworkInterface`, `NetworkSecurityGroup`, `RouteTable`); only
 *   models whose every `properties` is an `x-ms-client-flatten` envelope (see the module's comment)
 *   may be named here.
 * @param body - the parsed JSON body of a 200 answer, as {@link mapperSkippedOn200} leaves it.
 */
export function modelFromWire<T>(body: unknown): T {
  return convert(body) as T;
}
