/**
 * A planned change, read from Terraform's plan JSON (`terraform show -json plan.out`) or ARM what-if
 * JSON (`az deployment group what-if --no-pretty-print`), as the few edits that can change what a
 * health probe meets: NSG rules, NSG associations, ASG memberships, probes and load-balancing rules.
 *
 * Terraform: the plan's `resource_changes[]` ("JSON Output Format", developer.hashicorp.com/terraform/
 * internals/json-format): `change.actions` is `["create"]`, `["update"]`, `["delete"]`,
 * `["delete","create"]` or `["create","delete"]` (replace), `["no-op"]`, `["read"]`; `change.after`
 * holds the known values and `change.after_unknown` marks what is only known after apply. Attribute
 * names are the azurerm provider's (registry.terraform.io/providers/hashicorp/azurerm/latest/docs).
 * A value that is unknown is never guessed: the edit carries `unknown` and the check says "cannot be
 * decided before apply" for every probe path it could touch.
 */
import type { EffectiveSecurityRule } from '../model/evidence';
import type { SecurityRuleInfo } from '../model/topology';

/** Where an edit came from: the plan's resource address, or the what-if change's resource id. */
export interface ChangeSource {
  address: string;
  action: string;
}

/** An NSG named by id, or by resource group and name (a Terraform rule names its NSG that way). */
export type NsgRef = { id: string } | { resourceGroup: string; name: string };

export type ChangeEdit =
  | { kind: 'put-nsg-rule'; nsg: NsgRef; rule: SecurityRuleInfo }
  | { kind: 'delete-nsg-rule'; nsg: NsgRef; ruleName: string }
  /** An NSG whose whole rule list is given (inline `security_rule` blocks, or an ARM body). */
  | { kind: 'set-nsg-rules'; nsg: NsgRef; rules: SecurityRuleInfo[]; create: boolean }
  | { kind: 'delete-nsg'; nsg: NsgRef }
  | { kind: 'associate-subnet-nsg'; subnetId: string; nsgId: string | undefined }
  | { kind: 'associate-nic-nsg'; nicId: string; nsgId: string | undefined }
  | { kind: 'nic-asg'; nicId: string; asgId: string; member: boolean }
  | {
      kind: 'put-probe';
      loadBalancerId: string;
      name: string;
      protocol: 'Tcp' | 'Http' | 'Https';
      port: number;
      requestPath?: string;
    }
  | { kind: 'delete-probe'; loadBalancerId: string; name: string }
  | {
      kind: 'put-lb-rule';
      loadBalancerId: string;
      name: string;
      probeId?: string;
      backendPoolIds: string[];
      protocol: 'Tcp' | 'Udp' | 'All';
      frontendPort: number;
      backendPort: number;
    }
  | { kind: 'delete-lb-rule'; loadBalancerId: string; name: string }
  /**
   * An Azure Virtual Network Manager security admin rule created or changed (`ruleId` names it by
   * its rule collection; the rule reads as the effective-NSG API would show it once deployed).
   */
  | { kind: 'put-admin-rule'; ruleId: string; rule: EffectiveSecurityRule }
  | { kind: 'delete-admin-rule'; ruleId: string; ruleName: string }
  /**
   * Any other Virtual Network Manager change (a security admin configuration, a rule collection, a
   * network group or its members, a deployment, an admin rule of kind Default): it changes which admin
   * rules reach which virtual networks, which the state does not hold.
   */
  | { kind: 'admin-scope'; resourceType: string };

/** One edit with its origin; `unknown` lists the attributes only known after apply. */
export interface PlannedEdit {
  source: ChangeSource;
  edit?: ChangeEdit;
  unknown: string[];
  /** For an edit with unknown values: what it would touch, as far as is known (nothing: anything). */
  unknownTarget?: { nsg?: NsgRef; loadBalancerId?: string };
}
