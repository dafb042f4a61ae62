/**
 * The write port used by remediation: NSG security rules (ETag-guarded) and VM start. The SDK adapter
 * passes If-Match / If-None-Match through `requestOptions.customHeaders` on the write itself; the
 * clients strip them from the polls (see `conditionalWritesOnlyPolicy`), and ARM answers a stale etag
 * with 412 PreconditionFailed, surfaced as an {@link AzureCallError} with statusCode 412.
 */
import type { SecurityRule } from '@azure/arm-network';
import { isAzureCallError } from '../errors';
import type { SecurityRuleInfo } from '../model/topology';
import { callAzure } from './callError';
import type { ClientsForSubscription } from './clients';
import { mapSecurityRule } from './map';
import { expectResourceType, parseResourceId, scaleSetVmOf } from './resourceId';

/** The fields of a rule a write sets; lists use ARM's singular field when they hold one value. */
export type SecurityRuleWrite = Omit<SecurityRuleInfo, 'id' | 'name' | 'etag' | 'isDefault'>;

/** Conditions of a write: `ifNoneMatch: '*'` creates only; `ifMatch` changes only that version. */
export interface WriteConditions {
  ifNoneMatch?: '*';
  ifMatch?: string;
}

export interface AzureWriter {
  /** The rule as it is now, or undefined when the NSG has no rule of that name. */
  getSecurityRule(nsgId: string, name: string): Promise<SecurityRuleInfo | undefined>;
  /** Creates (or, with `ifMatch`, replaces) a rule and returns it as ARM stored it (with its etag). */
  createSecurityRule(
    nsgId: string,
    name: string,
    rule: SecurityRuleWrite,
    conditions?: WriteConditions,
  ): Promise<SecurityRuleInfo>;
  deleteSecurityRule(nsgId: string, name: string, conditions?: { ifMatch?: string }): Promise<void>;
  /** Starts a VM or a scale set VM and waits until ARM reports the operation done. */
  startVm(vmId: string): Promise<void>;
}

/** One value -> ARM's singular field; several -> the plural one. ARM rejects a rule that sets both. */
function field<S extends string, P extends string>(
  single: S,
  plural: P,
  values: readonly string[],
): Partial<Record<S, string> & Record<P, string[]>> {
  if (values.length === 0) return {};
  if (values.length === 1) return { [single]: values[0] } as Partial<Record<S, string> & Record<P, string[]>>;
  return { [plural]: [...values] } as Partial<Record<S, string> & Record<P, string[]>>;
}

/** The SDK body of a rule write. Pure; exported for tests. */
export function toSdkSecurityRule(rule: SecurityRuleWrite): SecurityRule {
  const asgs = (ids: string[]) => (ids.length > 0 ? ids.map((id) => ({ id })) : undefined);
  const sourceAsgs = asgs(rule.sourceApplicationSecurityGroupIds);
  const destinationAsgs = asgs(rule.destinationApplicationSecurityGroupIds);
  return {
    priority: rule.priority,
    direction: rule.direction,
    access: rule.access,
    protocol: rule.protocol,
    ...(rule.description ? { description: rule.description } : {}),
    ...field('sourceAddressPrefix', 'sourceAddressPrefixes', rule.sourceAddressPrefixes),
    ...field('sourcePortRange', 'sourcePortRanges', rule.sourcePortRanges),
    ...field('destinationAddressPrefix', 'destinationAddressPrefixes', rule.destinationAddressPrefixes),
    ...field('destinationPortRange', 'destinationPortRanges', rule.destinationPortRanges),
    ...(sourceAsgs ? { sourceApplicationSecurityGroups: sourceAsgs } : {}),
    ...(destinationAsgs ? { destinationApplicationSecurityGroups: destinationAsgs } : {}),
  };
}

function conditionHeaders(conditions: WriteConditions | undefined): Record<string, string> {
  return {
    ...(conditions?.ifMatch ? { 'If-Match': conditions.ifMatch } : {}),
    ...(conditions?.ifNoneMatch ? { 'If-None-Match': conditions.ifNoneMatch } : {}),
  };
}

/** Options of {@link createSdkAzureWriter}. */
export interface WriterOptions {
  /** Poll interval of long-running writes when ARM sends no Retry-After; SDK default 2000 ms. */
  pollIntervalMs?: number;
}

/** Builds the SDK-backed writer. */
export function createSdkAzureWriter(
  clientsFor: ClientsForSubscription,
  options: WriterOptions = {},
): AzureWriter {
  const poll = options.pollIntervalMs !== undefined ? { updateIntervalInMs: options.pollIntervalMs } : {};
  const withHeaders = (headers: Record<string, string>) => ({
    ...poll,
    ...(Object.keys(headers).length > 0 ? { requestOptions: { customHeaders: headers } } : {}),
  });
  const nsgOf = (nsgId: string) => {
    const parsed = expectResourceType(nsgId, 'Microsoft.Network/networkSecurityGroups');
    return { parsed, network: clientsFor(parsed.subscriptionId).network };
  };

  return {
    getSecurityRule: async (nsgId, name) => {
      const ruleId = `${nsgId}/securityRules/${name}`;
      try {
        return await callAzure('read security rule', ruleId, async () => {
          const { parsed, network } = nsgOf(nsgId);
          return mapSecurityRule(await network.securityRules.get(parsed.resourceGroup, parsed.name, name));
        });
      } catch (err) {
        if (isAzureCallError(err) && err.statusCode === 404) return undefined;
        throw err;
      }
    },

    createSecurityRule: (nsgId, name, rule, conditions) =>
      callAzure('write security rule', `${nsgId}/securityRules/${name}`, async () => {
        const { parsed, network } = nsgOf(nsgId);
        const headers = conditionHeaders(conditions);
        const stored = await network.securityRules.beginCreateOrUpdateAndWait(
          parsed.resourceGroup,
          parsed.name,
          name,
          toSdkSecurityRule(rule),
          withHeaders(headers),
        );
        return mapSecurityRule(stored);
      }),

    deleteSecurityRule: (nsgId, name, conditions) =>
      callAzure('delete security rule', `${nsgId}/securityRules/${name}`, async () => {
        const { parsed, network } = nsgOf(nsgId);
        const headers = conditionHeaders(conditions);
        await network.securityRules.beginDeleteAndWait(
          parsed.resourceGroup,
          parsed.name,
          name,
          withHeaders(headers),
        );
      }),

    startVm: (vmId) =>
      callAzure('start', vmId, async () => {
        const parsed = parseResourceId(vmId);
        const compute = clientsFor(parsed.subscriptionId).compute;
        const vmss = scaleSetVmOf(parsed);
        const poller = vmss
          ? compute.virtualMachineScaleSetVMs.start(
              vmss.resourceGroup,
              vmss.scaleSetName,
              vmss.instanceId,
              poll,
            )
          : compute.virtualMachines.start(parsed.resourceGroup, parsed.name, poll);
        await poller.pollUntilDone();
      }),
  };
}
