/**
 * Azure's six default security rules. ARM returns them in `defaultSecurityRules`; an NSG read from a
 * trimmed export (or built by hand) may lack them, and Azure applies them regardless.
 */
import type { RuleAccess, RuleDirection, SecurityRuleInfo } from '../../model/topology';

/** The probe's source: the host node's virtual IP behind the `AzureLoadBalancer` tag. */
export const AZURE_LOAD_BALANCER_IP = '168.63.129.16';

function defaultRule(
  name: string,
  priority: number,
  direction: RuleDirection,
  access: RuleAccess,
  source: string,
  destination: string,
  description: string,
): SecurityRuleInfo {
  return {
    name,
    priority,
    direction,
    access,
    protocol: '*',
    sourceAddressPrefixes: [source],
    sourcePortRanges: ['*'],
    destinationAddressPrefixes: [destination],
    destinationPortRanges: ['*'],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    description,
    isDefault: true,
  };
}

/** The six default rules as ARM spells them (names, priorities, prefixes, descriptions). */
export function defaultSecurityRules(): SecurityRuleInfo[] {
  return [
    defaultRule(
      'AllowVnetInBound',
      65000,
      'Inbound',
      'Allow',
      'VirtualNetwork',
      'VirtualNetwork',
      'Allow inbound traffic from all VMs in VNET',
    ),
    defaultRule(
      'AllowAzureLoadBalancerInBound',
      65001,
      'Inbound',
      'Allow',
      'AzureLoadBalancer',
      '*',
      'Allow inbound traffic from azure load balancer',
    ),
    defaultRule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*', 'Deny all inbound traffic'),
    defaultRule(
      'AllowVnetOutBound',
      65000,
      'Outbound',
      'Allow',
      'VirtualNetwork',
      'VirtualNetwork',
      'Allow outbound traffic from all VMs to all VMs in VNET',
    ),
    defaultRule(
      'AllowInternetOutBound',
      65001,
      'Outbound',
      'Allow',
      '*',
      'Internet',
      'Allow outbound traffic from all VMs to Internet',
    ),
    defaultRule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*', 'Deny all outbound traffic'),
  ];
}
