/**
 * The SDK adapter of remediation's NSG port: E's {@link AzureWriter} for the rule writes (ETag
 * conditions on the write itself), plus a fresh GET of the whole NSG, which the writer does not offer
 * and which choosing a free priority needs.
 */
import type { NsgRuleWriter } from '../remediate/ports';
import { checkArmAnswer } from './armAnswer';
import { callAzure } from './callError';
import type { ClientsForSubscription } from './clients';
import { mapNsg } from './map';
import { expectResourceType } from './resourceId';
import { createSdkAzureWriter, type AzureWriter } from './writer';

/** Builds the NSG rule writer over per-subscription clients (and an existing writer, if any). */
export function createSdkNsgRuleWriter(
  clientsFor: ClientsForSubscription,
  writer: AzureWriter = createSdkAzureWriter(clientsFor),
): NsgRuleWriter {
  return {
    getNsg: async (nsgId) => {
      const nsg = await callAzure('read network security group', nsgId, () => {
        const parsed = expectResourceType(nsgId, 'Microsoft.Network/networkSecurityGroups');
        return clientsFor(parsed.subscriptionId).network.networkSecurityGroups.get(
          parsed.resourceGroup,
          parsed.name,
        );
      });
      // Checked outside callAzure: a broken answer is invalid data, not a failed (retryable) call.
      return mapNsg(checkArmAnswer(nsg, `invalid ARM answer for network security group ${nsgId}`));
    },
    getSecurityRule: (nsgId, name) => writer.getSecurityRule(nsgId, name),
    createSecurityRule: (nsgId, name, rule, conditions) =>
      writer.createSecurityRule(nsgId, name, rule, conditions),
    deleteSecurityRule: (nsgId, name, conditions) => writer.deleteSecurityRule(nsgId, name, conditions),
  };
}
