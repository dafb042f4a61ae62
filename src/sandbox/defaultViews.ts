/**
 * The real derived views: src/sandbox/derive/ (instance views, health, effective NSGs and routes,
 * Network Watcher, metrics, Resource Health) and the guest simulator in ./guest (Run Command).
 * Per-rule health is remembered per state version (versionMemo.ts).
 */
import * as derive from './derive';
import { runCommandResult } from './guest';
import type { SandboxViews } from './views';
import { memoPerVersion } from './versionMemo';

// Per-rule health follows the probe through every backend; the same state gives the same answer.
const ruleHealth = memoPerVersion((state, lbId: string, ruleName: string) =>
  derive.ruleHealth(state, lbId, ruleName),
);

export const defaultViews: SandboxViews = {
  vmInstanceView: (state, vmId) => derive.vmInstanceView(state, vmId),
  ruleHealth: (state, lbId, ruleName) => ruleHealth(state, lbId, ruleName),
  effectiveNetworkSecurityGroups: (state, nicId) => derive.effectiveNetworkSecurityGroups(state, nicId),
  effectiveRouteTable: (state, nicId) => derive.effectiveRouteTable(state, nicId),
  ipFlowVerify: (state, body) => derive.ipFlowVerify(state, body),
  connectivityCheck: (state, body) => derive.connectivityCheck(state, body),
  dipAvailabilityMetric: (state, lbId) => derive.dipAvailabilityMetric(state, lbId),
  resourceHealth: (state, id) => derive.resourceHealth(state, id),
  runCommandResult: (state, vmId, input) => runCommandResult(state, vmId, input),
};
