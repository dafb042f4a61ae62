/**
 * The evidence port the activities use: probe health, VM health, effective NSGs and routes, Run
 * Command, Network Watcher. {@link createSdkAzureReader} is its adapter over the SDK clients; every
 * failure is an {@link AzureCallError} carrying `statusCode` and `code`, so a caller can tell a
 * retryable 409 (a run command already in progress) from a 403.
 */
import type { RunCommandResult } from '@azure/arm-compute';
import type { EffectiveNetworkSecurityGroup, EffectiveNetworkSecurityRule } from '@azure/arm-network';
import { AzureCallError } from '../errors';
import type {
  EffectiveNsgAssociation,
  EffectiveRoute,
  EffectiveSecurityRule,
  VmHealthEvidence,
} from '../model/evidence';
import type { BackendHealth, RuleHealth } from '../model/health';
import { callAzure } from './callError';
import type { ClientsForSubscription } from './clients';
import { agentStatusOf, powerStateOf, provisioningStateOf } from './map';
import { parseLoadBalancerId, parseResourceId, scaleSetVmOf, type ParsedResourceId } from './resourceId';

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
  /** Runs a script on a VM or scale set VM and returns the RunCommandResult body (`value[]` statuses). */
  runCommand(vmId: string, request: RunCommandRequest): Promise<RunCommandResult>;
  ipFlowVerify(request: IpFlowVerifyRequest): Promise<IpFlowVerifyResult>;
  connectivityCheck(request: ConnectivityCheckRequest): Promise<ConnectivityCheckResult>;
}

/**
 * Up/Down from the latest DipAvailability average: the share of probes that succeeded in that
 * interval. Anything short of full availability counts as Down, because a backend that misses probes
 * is exactly what the diagnosis must look at.
 */
export function dipState(average: number | undefined): BackendHealth['state'] {
  if (average === undefined || Number.isNaN(average)) return 'Unknown';
  return average >= 100 ? 'Up' : 'Down';
}

/**
 * One side of an effective rule as written: Azure fills the singular field (`sourceAddressPrefix`,
 * `destinationPortRange`) and, in newer answers, the plural one too (the azure-powershell issue #4972
 * answer carries both; Microsoft's 2025-05-01 example only the singular). Both are merged; an empty
 * string is kept out, so a side Azure left empty reads as an empty list, which the cross-check treats as
 * "cannot evaluate" rather than "matches nothing".
 */
function sideOf(one: string | undefined, many: string[] | undefined): string[] {
  const all = [...(one !== undefined ? [one] : []), ...(many ?? [])].map((v) => v.trim()).filter((v) => v);
  return [...new Set(all)];
}

/**
 * Maps one `EffectiveNetworkSecurityRule` field for field (network 2025-05-01). Service tags stay as
 * written in the address lists; their platform expansion (`expandedSourceAddressPrefix`,
 * `expandedDestinationAddressPrefix`) is kept apart, since it is what the tag covers for this NIC.
 */
export function mapEffectiveRule(rule: EffectiveNetworkSecurityRule): EffectiveSecurityRule {
  const access = rule.access?.toLowerCase();
  const sourcePorts = sideOf(rule.sourcePortRange, rule.sourcePortRanges);
  const expandedSource = sideOf(undefined, rule.expandedSourceAddressPrefix);
  const expandedDestination = sideOf(undefined, rule.expandedDestinationAddressPrefix);
  return {
    name: rule.name ?? '',
    priority: rule.priority ?? 0,
    access: access === 'deny' ? 'Deny' : access === 'alwaysallow' ? 'AlwaysAllow' : 'Allow',
    direction: rule.direction?.toLowerCase() === 'outbound' ? 'Outbound' : 'Inbound',
    protocol: rule.protocol ?? 'All',
    sourceAddressPrefixes: sideOf(rule.sourceAddressPrefix, rule.sourceAddressPrefixes),
    destinationAddressPrefixes: sideOf(rule.destinationAddressPrefix, rule.destinationAddressPrefixes),
    ...(expandedSource.length > 0 ? { expandedSourceAddressPrefixes: expandedSource } : {}),
    ...(expandedDestination.length > 0 ? { expandedDestinationAddressPrefixes: expandedDestination } : {}),
    ...(sourcePorts.length > 0 ? { sourcePortRanges: sourcePorts } : {}),
    destinationPortRanges: sideOf(rule.destinationPortRange, rule.destinationPortRanges),
  };
}

/**
 * Classifies one entry of the effective-NSG answer. An entry that names a `networkSecurityGroup` holds
 * that NSG's rules, whatever else its association lists: Microsoft's example
 * (NetworkInterfaceEffectiveNSGList.json, network 2025-05-01) names `networkManager`, `subnet` and
 * `networkInterface` together on an NSG's entry. Only an entry without an NSG that names a network
 * manager carries Azure Virtual Network Manager admin rules.
 */
export function mapEffectiveGroup(group: EffectiveNetworkSecurityGroup): EffectiveNsgAssociation {
  const rules = (group.effectiveSecurityRules ?? []).map(mapEffectiveRule);
  const nsgId = group.networkSecurityGroup?.id;
  const association = group.association;
  if (!nsgId) {
    if (association?.networkManager) {
      return { level: 'admin', rules: rules.map((r) => ({ ...r, isAdminRule: true })) };
    }
    return { level: association?.subnet ? 'subnet' : association?.networkInterface ? 'nic' : 'nsg', rules };
  }
  const onSubnet = association?.subnet !== undefined && association.subnet !== null;
  const onNic = association?.networkInterface !== undefined && association.networkInterface !== null;
  const level = onSubnet && !onNic ? 'subnet' : onNic && !onSubnet ? 'nic' : 'nsg';
  return { nsgId, level, rules };
}

/**
 * Monitor and Resource Health put `{resourceUri}` after a `/` of their own, unencoded: an id with its
 * leading slash would make `//subscriptions/...`, which the URL parser reads as a host.
 */
const resourceUri = (id: string): string => id.replace(/^\/+/, '');

const normalizeRegion = (location: string): string => location.replace(/\s+/g, '').toLowerCase();

/** Builds the SDK-backed reader over per-subscription clients. */
export function createSdkAzureReader(clientsFor: ClientsForSubscription): AzureReader {
  const clients = (parsed: ParsedResourceId) => clientsFor(parsed.subscriptionId);
  // One Network Watcher per region per subscription; listing them once per run is enough.
  const watchers = new Map<string, Promise<{ resourceGroup: string; name: string; location: string }[]>>();

  const watcherFor = async (subscriptionId: string, location: string) => {
    let list = watchers.get(subscriptionId);
    if (!list) {
      list = callAzure('list network watchers in', `/subscriptions/${subscriptionId}`, async () => {
        const found: { resourceGroup: string; name: string; location: string }[] = [];
        for await (const w of clientsFor(subscriptionId).network.networkWatchers.listAll()) {
          if (!w.id || !w.location) continue;
          const parsed = parseResourceId(w.id);
          found.push({ resourceGroup: parsed.resourceGroup, name: parsed.name, location: w.location });
        }
        return found;
      });
      // A failed listing should not poison later calls.
      list.catch(() => watchers.delete(subscriptionId));
      watchers.set(subscriptionId, list);
    }
    const watcher = (await list).find((w) => normalizeRegion(w.location) === normalizeRegion(location));
    if (!watcher) {
      throw new AzureCallError(
        `no Network Watcher in region ${location} of subscription ${subscriptionId}`,
        `/subscriptions/${subscriptionId}`,
        undefined,
        'NetworkWatcherNotFound',
      );
    }
    return watcher;
  };

  const vmInstanceView = (vmId: string) => {
    const parsed = parseResourceId(vmId);
    const vmss = scaleSetVmOf(parsed);
    return vmss
      ? clients(parsed).compute.virtualMachineScaleSetVMs.getInstanceView(
          vmss.resourceGroup,
          vmss.scaleSetName,
          vmss.instanceId,
        )
      : clients(parsed).compute.virtualMachines.instanceView(parsed.resourceGroup, parsed.name);
  };

  /** Resource Health is advisory: where it is missing or forbidden, the instance view still decides. */
  const resourceHealthOf = async (vmId: string): Promise<VmHealthEvidence['resourceHealth']> => {
    try {
      const status = await clientsFor(
        parseResourceId(vmId).subscriptionId,
      ).resourceHealth.availabilityStatuses.getByResource(resourceUri(vmId));
      const state = status.properties?.availabilityState;
      return state === 'Available' || state === 'Unavailable' || state === 'Degraded' || state === 'Unknown'
        ? state
        : undefined;
    } catch {
      return undefined;
    }
  };

  const regularNic = (nicId: string, what: string): ParsedResourceId => {
    const parsed = parseResourceId(nicId);
    if (scaleSetVmOf(parsed)) {
      // ARM has no effective-NSG or effective-route operation for scale set VM NICs.
      throw new AzureCallError(
        `${what} is not available for scale set VM NIC ${nicId}`,
        nicId,
        undefined,
        'NotSupported',
      );
    }
    return parsed;
  };

  return {
    getRuleHealth: (lbId, ruleName) => {
      const ruleId = `${lbId}/loadBalancingRules/${ruleName}`;
      return callAzure('read health of rule', ruleId, async () => {
        const lb = parseLoadBalancerId(lbId);
        const health = await clients(lb).network.loadBalancerLoadBalancingRules.beginHealthAndWait(
          lb.resourceGroup,
          lb.name,
          ruleName,
        );
        const backends = (health.loadBalancerBackendAddresses ?? []).map((b): BackendHealth => ({
          ruleId,
          source: 'rule-health',
          ...(b.ipAddress ? { ipAddress: b.ipAddress } : {}),
          ...(b.networkInterfaceIPConfigurationId
            ? { ipConfigurationId: b.networkInterfaceIPConfigurationId }
            : {}),
          state: b.state === 'Up' || b.state === 'Down' ? b.state : 'Unknown',
          ...(b.reason ? { reason: b.reason } : {}),
        }));
        return { ruleId, up: health.up ?? 0, down: health.down ?? 0, backends };
      });
    },

    getDipAvailability: (lbId, options = {}) =>
      callAzure('read DipAvailability of', lbId, async () => {
        const lb = parseLoadBalancerId(lbId);
        const response = await clients(lb).monitor.metrics.list(resourceUri(lbId), {
          metricnames: 'DipAvailability',
          aggregation: 'Average',
          interval: 'PT1M',
          timespan: options.timespan ?? 'PT15M',
          filter: "BackendIPAddress eq '*'",
        });
        return response.value.flatMap((metric) =>
          metric.timeseries.map((series): BackendHealth => {
            const ip = series.metadatavalues?.find(
              (m) => m.name?.value.toLowerCase() === 'backendipaddress',
            )?.value;
            const latest = [...(series.data ?? [])].reverse().find((d) => d.average !== undefined)?.average;
            return {
              // The metric is per load balancer, not per rule.
              ruleId: lbId,
              source: 'metric',
              ...(ip ? { ipAddress: ip } : {}),
              state: dipState(latest),
              ...(latest !== undefined ? { reason: `DipAvailability ${latest}%` } : {}),
            };
          }),
        );
      }),

    getVmHealth: (vmId) =>
      callAzure('read health of', vmId, async () => {
        const [view, resourceHealth] = await Promise.all([vmInstanceView(vmId), resourceHealthOf(vmId)]);
        const provisioningState = provisioningStateOf(view.statuses);
        return {
          vmId,
          powerState: powerStateOf(view.statuses),
          ...(provisioningState ? { provisioningState } : {}),
          ...agentStatusOf(view.vmAgent),
          ...(resourceHealth ? { resourceHealth } : {}),
        };
      }),

    getEffectiveNsgs: (nicId) =>
      callAzure('read effective NSGs of', nicId, async () => {
        const nic = regularNic(nicId, 'effective NSGs');
        const result = await clients(
          nic,
        ).network.networkInterfaces.beginListEffectiveNetworkSecurityGroupsAndWait(
          nic.resourceGroup,
          nic.name,
        );
        return (result.value ?? []).map(mapEffectiveGroup);
      }),

    getEffectiveRoutes: (nicId) =>
      callAzure('read effective routes of', nicId, async () => {
        const nic = regularNic(nicId, 'effective routes');
        const result = await clients(nic).network.networkInterfaces.beginGetEffectiveRouteTableAndWait(
          nic.resourceGroup,
          nic.name,
        );
        return (result.value ?? []).map((r): EffectiveRoute => ({
          source: r.source ?? '',
          state: r.state ?? '',
          addressPrefixes: r.addressPrefix ?? [],
          nextHopType: r.nextHopType ?? '',
          nextHopIpAddresses: r.nextHopIpAddress ?? [],
        }));
      }),

    runCommand: (vmId, request) =>
      callAzure('run command on', vmId, async () => {
        const parsed = parseResourceId(vmId);
        const input = {
          commandId: request.commandId,
          script: typeof request.script === 'string' ? request.script.split('\n') : request.script,
        };
        const vmss = scaleSetVmOf(parsed);
        const compute = clients(parsed).compute;
        const poller = vmss
          ? compute.virtualMachineScaleSetVMs.runCommand(
              vmss.resourceGroup,
              vmss.scaleSetName,
              vmss.instanceId,
              input,
            )
          : compute.virtualMachines.runCommand(parsed.resourceGroup, parsed.name, input);
        return poller.pollUntilDone();
      }),

    ipFlowVerify: (request) =>
      callAzure('verify IP flow for', request.targetResourceId, async () => {
        const target = parseResourceId(request.targetResourceId);
        const watcher = await watcherFor(target.subscriptionId, request.location);
        const result = await clients(target).network.networkWatchers.beginVerifyIPFlowAndWait(
          watcher.resourceGroup,
          watcher.name,
          {
            targetResourceId: request.targetResourceId,
            ...(request.targetNicResourceId ? { targetNicResourceId: request.targetNicResourceId } : {}),
            direction: request.direction,
            protocol: request.protocol,
            localIPAddress: request.localIpAddress,
            localPort: String(request.localPort),
            remoteIPAddress: request.remoteIpAddress,
            remotePort: String(request.remotePort),
          },
        );
        return {
          access: result.access?.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
          ...(result.ruleName ? { ruleName: result.ruleName } : {}),
        };
      }),

    connectivityCheck: (request) =>
      callAzure('check connectivity from', request.sourceResourceId, async () => {
        const source = parseResourceId(request.sourceResourceId);
        const watcher = await watcherFor(source.subscriptionId, request.location);
        const result = await clients(source).network.networkWatchers.beginCheckConnectivityAndWait(
          watcher.resourceGroup,
          watcher.name,
          {
            source: { resourceId: request.sourceResourceId },
            destination: request.destination,
            ...(request.protocol ? { protocol: request.protocol } : {}),
          },
        );
        return {
          connectionStatus: result.connectionStatus ?? 'Unknown',
          ...(result.avgLatencyInMs !== undefined ? { avgLatencyInMs: result.avgLatencyInMs } : {}),
          ...(result.probesSent !== undefined ? { probesSent: result.probesSent } : {}),
          ...(result.probesFailed !== undefined ? { probesFailed: result.probesFailed } : {}),
          hops: (result.hops ?? []).map((h) => ({
            ...(h.type ? { type: h.type } : {}),
            ...(h.address ? { address: h.address } : {}),
            ...(h.resourceId ? { resourceId: h.resourceId } : {}),
            issues: (h.issues ?? []).map((i) => ({
              ...(i.type ? { type: i.type } : {}),
              ...(i.severity ? { severity: i.severity } : {}),
              ...(i.origin ? { origin: i.origin } : {}),
            })),
          })),
        };
      }),
  };
}
