/**
 * What the sandbox computes rather than stores: instance views, per-rule health, effective NSGs and
 * routes, Network Watcher answers, metrics, Resource Health (src/sandbox/derive/) and Run Command
 * results (the guest simulator in ./guest). The server calls them through this port so its own tests can inject
 * fakes; {@link defaultViews} (./defaultViews.ts) wires the real implementations.
 *
 * Each returns the JSON body ARM would send, or throws a SandboxHttpError for an ARM error answer.
 */
import type { SandboxState } from './state';

/** The body of a Run Command POST (RunCommandInput in ARM). */
export interface RunCommandInput {
  commandId: string;
  script?: string[];
  parameters?: { name: string; value: string }[];
}

export interface SandboxViews {
  /** `GET {vmId}/instanceView` and `$expand=instanceView` (VM or scale set VM). */
  vmInstanceView(state: SandboxState, vmId: string): unknown;
  /** `POST {lbId}/loadBalancingRules/{rule}/health` (LoadBalancerHealthPerRule). */
  ruleHealth(state: SandboxState, lbId: string, ruleName: string): unknown;
  /** `POST {nicId}/effectiveNetworkSecurityGroups` (EffectiveNetworkSecurityGroupListResult). */
  effectiveNetworkSecurityGroups(state: SandboxState, nicId: string): unknown;
  /** `POST {nicId}/effectiveRouteTable` (EffectiveRouteListResult). */
  effectiveRouteTable(state: SandboxState, nicId: string): unknown;
  /** `POST {networkWatcherId}/ipFlowVerify` (VerificationIPFlowResult). */
  ipFlowVerify(state: SandboxState, body: unknown): unknown;
  /** `POST {networkWatcherId}/connectivityCheck` (ConnectivityInformation). */
  connectivityCheck(state: SandboxState, body: unknown): unknown;
  /** `GET {lbId}/providers/Microsoft.Insights/metrics?metricnames=DipAvailability...` (Response). */
  dipAvailabilityMetric(state: SandboxState, lbId: string): unknown;
  /** `GET {id}/providers/Microsoft.ResourceHealth/availabilityStatuses/current` (AvailabilityStatus). */
  resourceHealth(state: SandboxState, id: string): unknown;
  /** `POST {vmId}/runCommand` (RunCommandResult); throws 409 while the VM is busy. */
  runCommandResult(state: SandboxState, vmId: string, input: RunCommandInput): unknown;
}
