/**
 * Linked scopes: a write that names another resource needs an action on that resource too, checked by
 * ARM beside the write's own. A security rule that names an application security group (as its source
 * or destination) needs `Microsoft.Network/applicationSecurityGroups/joinNetworkSecurityRule/action`
 * ("Join a security rule to an application security group") on it: "Create, change, or delete a
 * network security group", Permissions (learn.microsoft.com/azure/virtual-network/
 * manage-network-security-group#permissions); the NSG and rule write actions alone do not grant it.
 *
 * ARM refuses such a write with 403 `LinkedAuthorizationFailed`: "... has permission to perform action
 * 'A' on scope 'S'; however, it does not have permission to perform action 'B' on the linked scope(s)
 * 'L' or the linked scope(s) are invalid." (the message as quoted from ARM in
 * kubernetes-sigs/cloud-provider-azure#1999 and Azure/aad-pod-identity#613).
 */

/** The action a security rule naming an application security group needs on that group. */
export const JOIN_SECURITY_RULE_ACTION =
  'Microsoft.Network/applicationSecurityGroups/joinNetworkSecurityRule/action';

/** An action ARM checks on resources a write names, and those resources' ids. */
export interface LinkedAction {
  action: string;
  scopes: string[];
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The `id`s of a rule's source and destination application security groups (a rule body's `properties`). */
function groupIdsOfRule(rule: unknown): string[] {
  const properties = record(record(rule)?.properties);
  if (!properties) return [];
  return ['sourceApplicationSecurityGroups', 'destinationApplicationSecurityGroups'].flatMap((field) => {
    const groups = properties[field];
    if (!Array.isArray(groups)) return [];
    return groups.flatMap((group) => {
      const id = record(group)?.id;
      return typeof id === 'string' && id.length > 0 ? [id] : [];
    });
  });
}

const RULE_WRITE = 'microsoft.network/networksecuritygroups/securityrules/write';

/**
 * The linked actions a write needs beyond its own `operation` (as `armOperationName` names it, in any
 * case: RBAC compares action names without case), from its request body: a security rule's PUT. Empty
 * for anything else; every group named once, whatever its case. (An NSG's own PUT with its rules inline
 * would need the same, but the sandbox does not serve that write.)
 */
export function linkedActionsOf(operation: string | undefined, body: unknown): LinkedAction[] {
  if (operation?.toLowerCase() !== RULE_WRITE) return [];
  const unique = new Map<string, string>();
  for (const id of groupIdsOfRule(body)) if (!unique.has(id.toLowerCase())) unique.set(id.toLowerCase(), id);
  return unique.size > 0 ? [{ action: JOIN_SECURITY_RULE_ACTION, scopes: [...unique.values()] }] : [];
}
