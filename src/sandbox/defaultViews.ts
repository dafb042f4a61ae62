/**
 * The real derived views: src/sandbox/derive/ (instance views, health, effective NSGs and routes,
 * Network Watcher, metrics, Resource Health) and the guest simulator in ./guest (Run Command).
 */
import * as derive from './derive';
import { runCommandResult } from './guest';
import type { SandboxViews } from './views';

export const defaultViews: SandboxViews = {
  vmInstanceView: (state, vmId) => derive.vmInstanceView(state, vmId),
  ruleHealth: (state, lbId, ruleName) => derive.ruleHealth(state, lbId, ruleName),
  effectiveNetworkSecurityGroups: (state, nicId) => derive.effectiveNetworkSecurityGroups(state, nicId),
  effectiveRouteTable: (state, nicId) => derive.effectiveRouteTable(state, nicId),
  ipFlowVerify: (state, body) => derive.ipFlowVerify(state, body),
  connectivityCheck: (state, body) => derive.connectivityCheck(state, body),
  dipAvailabilityMetric: (state, lbId) => derive.dipAvailabilityMetric(state, lbId),
  resourceHealth: (state, id) => derive.resourceHealth(state, id),
  runCommandResult: (state, vmId, input) => runCommandResult(state, vmId, input),
};
