/**
 * The action a refusal says the caller lacks (src/model/authorization.ts), on ARM's own wordings as
 * quoted in public reports: only an action the caller lacks is named, never the one it already has.
 */
import { deniedAction } from '../../src/model/authorization';

const SCOPE = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg';

describe('deniedAction', () => {
  it.each<[string, string, string | undefined]>([
    [
      'AuthorizationFailed (ARM)',
      `(403 AuthorizationFailed): The client 'c' with object id 'o' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/securityRules/write' over scope '${SCOPE}/securityRules/r' or the scope is invalid.`,
      'Microsoft.Network/networkSecurityGroups/securityRules/write',
    ],
    [
      // kubernetes-sigs/cloud-provider-azure#1999: the action after "however" is the one lacking.
      'LinkedAuthorizationFailed: the linked action, not the one the caller has',
      `(403 LinkedAuthorizationFailed): The client 'c' with object id 'o' has permission to perform action 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write' on scope '${SCOPE}'; however, it does not have permission to perform action 'Microsoft.Network/loadBalancers/backendAddressPools/join/action' on the linked scope(s) '${SCOPE}' or the linked scope(s) are invalid.`,
      'Microsoft.Network/loadBalancers/backendAddressPools/join/action',
    ],
    [
      // Azure/OpenShift#41: another tenant's linked subscription; no role of this caller helps.
      'LinkedAuthorizationFailed across tenants: no action to grant',
      `(403 LinkedAuthorizationFailed): The client has permission to perform action 'Microsoft.Network/virtualNetworks/subnets/join/action' on scope '${SCOPE}', however the current tenant 't' is not authorized to access linked subscription 's2'.`,
      undefined,
    ],
    [
      // A deny assignment (AKS node resource group lockdown): a role assignment cannot lift it.
      'DenyAssignmentAuthorizationFailed: no action to grant',
      `(403 DenyAssignmentAuthorizationFailed): The client 'u' with object id 'o' has permission to perform action 'Microsoft.Compute/disks/write' on scope '${SCOPE}'; however, the access is denied because of the deny assignment with name 'node resource group deny assignment created by Azure Kubernetes Services' and Id 'i' at scope '${SCOPE}'.`,
      undefined,
    ],
    ['not a refusal', 'read virtual machine failed (404 ResourceNotFound): not found', undefined],
  ])('%s', (_, message, action) => {
    // Act + Assess
    expect(deniedAction(message)).toBe(action);
  });
});
