/**
 * The evidence port the activities use: probe health, VM health, effective NSGs and routes, Run
 * Command, Network Watcher. {@link createSdkAzureReader} is its adapter over the SDK clients, one
 * concern per file in ./reads/ (probe health, the VM, the NIC's effective rules, Network Watcher);
 * every failure is an AzureCallError carrying `statusCode` and `code`, so a caller can tell a
 * retryable 409 (a run command already in progress) from a 403.
 */
import type { RunCommandResult } from '@azure/arm-compute';
import type { EffectiveNsgAssociation, EffectiveRoute, VmHealthEvidence } from '../model/evidence';
import type { BackendHealth, RuleHealth } from '../model/health';
import type { ClientsForSubscription } from './clients';
import { readEffectiveNsgs, readEffectiveRoutes } from './reads/effective';
import { checkConnectivity, createWatcherLocator, verifyIpFlow } from './reads/networkWatcher';
import { readDipAvailability, readRuleHealth } from './reads/probeHealth';
import { readVmHealth, runCommandOn } from './reads/vm';

export { mapEffectiveGroup, mapEffectiveRule } from './reads/effective';
export { dipState } from './reads/probeHealth';

/** A Run Command invocation (the action API: `RunShellScript` or `RunPowerShellScript`). */
export interface RunCommandRequest {
  commandId: string;
  /** The script, as lines or as one text (split on newlines). */
  script: string | string[];
}

/** Network Watcher IP flow verify, from the VM's point of view. */
export interface IpFlowVerifyRequest {
  /** The VM (or scale set VM) whose NIC is checked. */
  targetResourceId: string;
  /** Needed when the VM has several NICs. */
  targetNicResourceId?: string;
  /** Azure region of the VM; decides which Network Watcher answers. */
  location: string;
  direction: 'Inbound' | 'Outbound';
  protocol: 'TCP' | 'UDP';
  localIpAddress: string;
  localPort: number | string;
  remoteIpAddress: string;
  remotePort: number | string;
}

export interface IpFlowVerifyResult {
  access: 'Allow' | 'Deny';
  /** The deciding rule, e.g. `securityRules/DenyAll` or `defaultSecurityRules/AllowAzureLoadBalancerInBound`. */
  ruleName?: string;
}

/** Network Watcher connectivity check from a VM to a resource or address. */
export interface ConnectivityCheckRequest {
  sourceResourceId: string;
  location: string;
  destination: { resourceId?: string; address?: string; port?: number };
  protocol?: 'Tcp' | 'Http' | 'Https' | 'Icmp';
}

export interface ConnectivityHopInfo {
  type?: string;
  address?: string;
  resourceId?: string;
  issues: { type?: string; severity?: string; origin?: string }[];
}

export interface ConnectivityCheckResult {
  /** `Connected`, `Disconnected`, `Degraded`, `Unknown` (Network Watcher's ConnectionStatus). */
  connectionStatus: string;
  avgLatencyInMs?: number;
  probesSent?: number;
  probesFailed?: number;
  hops: ConnectivityHopInfo[];
}

/** The reads and actions behind the cause checks. */
export interface AzureReader {
  /** Per-backend probe health of one rule (a long-running POST). */
  getRuleHealth(lbId: string, ruleName: string): Promise<RuleHealth>;
  /** Per-backend-IP probe availability from the `DipAvailability` metric (Standard SKU only). */
  getDipAvailability(lbId: string, options?: { timespan?: string }): Promise<BackendHealth[]>;
  /** Power, provisioning and guest-agent state, plus Resource Health where the platform has it. */
  getVmHealth(vmId: string): Promise<VmHealthEvidence>;
  getEffectiveNsgs(nicId: string): Promise<EffectiveNsgAssociation[]>;
  getEffectiveRoutes(nicId: string): Promise<EffectiveRoute[]>;
  /**
   * Runs a script on a VM or scale set VM and returns the RunCommandResult body (`value[]` statuses).
   * `onAccepted` is told when Azure has taken the command (the POST's answer: the script runs in the
   * guest), before the script ends, and awaited (an audit write); a command Azure refused never calls it,
   * and its failure never fails the command.
   */
  runCommand(
    vmId: string,
    request: RunCommandRequest,
    hooks?: { onAccepted?: () => void | Promise<void> },
  ): Promise<RunCommandResult>;
  ipFlowVerify(request: IpFlowVerifyRequest): Promise<IpFlowVerifyResult>;
  connectivityCheck(request: ConnectivityCheckRequest): Promise<ConnectivityCheckResult>;
}

/** Builds the SDK-backed reader over per-subscription clients. */
export function createSdkAzureReader(clientsFor: ClientsForSubscription): AzureReader {
  // One Network Watcher per region per subscription; listing them once per reader is enough.
  const locate = createWatcherLocator(clientsFor);
  return {
    getRuleHealth: (lbId, ruleName) => readRuleHealth(clientsFor, lbId, ruleName),
    getDipAvailability: (lbId, options) => readDipAvailability(clientsFor, lbId, options),
    getVmHealth: (vmId) => readVmHealth(clientsFor, vmId),
    getEffectiveNsgs: (nicId) => readEffectiveNsgs(clientsFor, nicId),
    getEffectiveRoutes: (nicId) => readEffectiveRoutes(clientsFor, nicId),
    runCommand: (vmId, request, hooks) => runCommandOn(clientsFor, vmId, request, hooks),
    ipFlowVerify: (request) => verifyIpFlow(clientsFor, locate, request),
    connectivityCheck: (request) => checkConnectivity(clientsFor, locate, request),
  };
}
