/**
 * Builds NsgInfo and SecurityRuleInfo fixtures for the NSG evaluator tests: sensible defaults, and
 * only what a case cares about spelled out.
 */
import type { NsgInfo, SecurityRuleInfo } from '../../src/model/topology';

const SUB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network';

/** A custom inbound TCP allow rule from anywhere to anywhere on any port, with `overrides` applied. */
export function rule(overrides: Partial<SecurityRuleInfo> & { name?: string } = {}): SecurityRuleInfo {
  return {
    name: 'rule',
    priority: 100,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefixes: ['*'],
    sourcePortRanges: ['*'],
    destinationAddressPrefixes: ['*'],
    destinationPortRanges: ['*'],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: false,
    ...overrides,
  };
}

/** An NSG holding `rules`; default rules left empty so the evaluator synthesizes Azure's six. */
export function nsg(
  name: string,
  rules: SecurityRuleInfo[] = [],
  defaults: SecurityRuleInfo[] = [],
): NsgInfo {
  return {
    id: `${SUB}/networkSecurityGroups/${name}`,
    name,
    securityRules: rules,
    defaultSecurityRules: defaults,
  };
}

/** An application security group id. */
export function asgId(name: string): string {
  return `${SUB}/applicationSecurityGroups/${name}`;
}
