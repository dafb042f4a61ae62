/**
 * Validation after the fixes (Validate activity): (1) a TCP test to each fixed backend's probe port
 * from a healthy peer VM in the same virtual network, through Run Command; (2) the per-rule health,
 * re-read. Resolved means both agree; when they disagree the result says which and why it thinks so,
 * and the per-rule health decides.
 */
import type { BackendValidation } from '../model/report';
import type { AzureReader } from '../azure/reader';
import { evaluateFlow } from '../diagnose/nsg/index';
import { selectEffectiveRoute } from '../diagnose/routes';
import { ensureError } from '../errors';
import { parseRunCommandResult } from '../guest/parse/runCommand';
import { parseTcpTest } from '../guest/parse/tcpTest';
import { buildTcpTestScript } from '../guest/scripts/index';
import type { BackendHealth, RuleHealth } from '../model/health';
import { idKey, sameId } from '../model/ids';
import type { BackendInfo, Topology } from '../model/topology';
import type { ValidateInput, ValidationResult } from '../workflow/contracts';
import { APPROACHING_HEALTHY } from './plan';
import { probesOf } from './recommend';

export interface ValidateDeps {
  reader: Pick<AzureReader, 'getRuleHealth' | 'runCommand'> &
    Partial<Pick<AzureReader, 'getEffectiveRoutes'>>;
  /**
   * Reads the topology again and re-runs the cause checks for these backends after the fixes (VM
   * state, the guest, the NSGs): the causes that remain, by `idKey` of the backend key. What judges a
   * Basic load balancer's backends, which have no per-rule health to re-read.
   */
  recheck?: (
    topology: Topology,
    backends: BackendInfo[],
  ) => Promise<Map<string, { causes: string[]; detail: string }>>;
}

/** What was seen for one backend (the report's shape). */
export type { BackendValidation } from '../model/report';

export interface DetailedValidationResult extends ValidationResult {
  backends: BackendValidation[];
  recovering: string[];
}

/**
 * Whether a health entry is this backend's. The IP configuration id decides when both sides know it:
 * the same private address can belong to another backend (another virtual network, a reused address).
 * The address is the fallback for entries or backends without an id (IP-based pools).
 */
function isHealthOf(h: BackendHealth, backend: BackendInfo): boolean {
  if (h.ipConfigurationId !== undefined && backend.ipConfigurationId !== undefined) {
    return sameId(h.ipConfigurationId, backend.ipConfigurationId);
  }
  if (h.ipConfigurationId !== undefined && sameId(h.ipConfigurationId, backend.key)) return true;
  return h.ipAddress !== undefined && h.ipAddress === backend.ipAddress;
}

function healthOf(health: RuleHealth[], backend: BackendInfo): BackendHealth | undefined {
  const mine = health.flatMap((r) => r.backends).filter((h) => isHealthOf(h, backend));
  // A backend in several rules is up only when every rule's probe says so.
  return mine.find((h) => h.state !== 'Up') ?? mine[0];
}

/** Healthy peers for a target: Up, running, OS known, same virtual network, not themselves fixed. */
export function choosePeers(
  topology: Topology,
  target: BackendInfo,
  health: RuleHealth[],
  exclude: readonly string[],
): BackendInfo[] {
  return topology.backends.filter((b) => {
    if (exclude.includes(b.key) || !b.vmId || !b.ipAddress || b.vmId === target.vmId) return false;
    if (!sameId(b.virtualNetworkId, target.virtualNetworkId)) return false;
    const vm = topology.vms[idKey(b.vmId)];
    return vm?.powerState === 'running' && vm.osType !== undefined && healthOf(health, b)?.state === 'Up';
  });
}

async function peerTest(
  deps: ValidateDeps,
  topology: Topology,
  target: BackendInfo,
  port: number,
  peers: BackendInfo[],
): Promise<{ tcp?: BackendValidation['tcp']; peer?: BackendInfo; problem?: string }> {
  const tried: string[] = [];
  for (const peer of peers) {
    const vm = topology.vms[idKey(peer.vmId as string)];
    const os = vm?.osType === 'Windows' ? 'windows' : 'linux';
    try {
      const script = buildTcpTestScript(os, target.ipAddress as string, port);
      const { stdout } = parseRunCommandResult(await deps.reader.runCommand(peer.vmId as string, script));
      return { tcp: { ...parseTcpTest(os, stdout), peerVmId: peer.vmId as string, port }, peer };
    } catch (err) {
      // 409 (another script runs on that peer) or any other failure of this peer: try the next one.
      tried.push(`${vm?.name ?? peer.vmId}: ${ensureError(err).message}`);
    }
  }
  return {
    problem:
      peers.length === 0
        ? 'no healthy running peer VM in the same virtual network'
        : `no peer could run the test (${tried.join('; ')})`,
  };
}

async function explain(
  deps: ValidateDeps,
  topology: Topology,
  peer: BackendInfo,
  target: BackendInfo,
  tcp: NonNullable<BackendValidation['tcp']>,
  health: BackendHealth['state'],
): Promise<string> {
  if (tcp.reachable && health !== 'Up') {
    return `the peer reaches port ${tcp.port}, so the service answers there; the probe still fails, so something specific to 168.63.129.16 remains (an NSG rule for AzureLoadBalancer, a guest firewall rule for 168.63.129.16) or the probe has not re-evaluated yet; per-rule health decides: still down`;
  }
  if (tcp.tool === 'unknown') {
    return `the peer ${peer.vmId} has no tool the test knows (bash /dev/tcp, nc, Test-NetConnection, PsPing); per-rule health decides: ${health}`;
  }
  const flow = evaluateFlow(topology, peer, target, tcp.port);
  if (!flow.allowed && flow.blockedBy) {
    const d = flow.blockedBy;
    return `NSG ${d.nsgName} (${d.level}, ${d.rule.direction}) rule ${d.rule.name} blocks the peer-to-backend path, which the probe does not take; per-rule health decides: ${health}`;
  }
  if (peer.nicId && deps.reader.getEffectiveRoutes) {
    try {
      const route = selectEffectiveRoute(
        await deps.reader.getEffectiveRoutes(peer.nicId),
        target.ipAddress ?? '',
      );
      if (route && route.nextHopType.toLowerCase() === 'virtualappliance') {
        return `a user-defined route on the peer sends ${route.addressPrefixes.join(', ')} to virtual appliance ${route.nextHopIpAddresses.join(', ')}; UDRs do not apply to the probe from 168.63.129.16; per-rule health decides: ${health}`;
      }
    } catch {
      // Routes are a hint only; the verdict does not depend on them.
    }
  }
  return `the peer test (${tcp.detail}) and the per-rule health (${health}) disagree for no reason probe-doctor can see; per-rule health decides: ${health}`;
}

/** Validates the fixes for the backends that were down. */
export async function validateFixes(
  deps: ValidateDeps,
  input: ValidateInput,
): Promise<DetailedValidationResult> {
  const { topology } = input;
  if (topology.loadBalancer.sku === 'Basic') return validateBasic(deps, input);
  const health: RuleHealth[] = [];
  for (const rule of topology.rules.filter((r) => r.probeId !== undefined)) {
    health.push(await deps.reader.getRuleHealth(topology.loadBalancer.id, rule.name));
  }
  const backends: BackendValidation[] = [];
  for (const key of input.backendKeys) {
    const target = topology.backends.find((b) => idKey(b.key) === idKey(key));
    const seen = target ? healthOf(health, target) : undefined;
    const state = seen?.state ?? 'Unknown';
    const entry: BackendValidation = {
      backendKey: key,
      ...(target?.ipAddress ? { ipAddress: target.ipAddress } : {}),
      health: state,
      ...(seen?.reason ? { healthReason: seen.reason } : {}),
      agree: false,
    };
    const port = target ? probesOf(topology, target)[0]?.port : undefined;
    if (!target?.ipAddress || port === undefined) {
      entry.explanation = 'no address or probe port to test from a peer; per-rule health decides';
      backends.push(entry);
      continue;
    }
    const { tcp, peer, problem } = await peerTest(
      deps,
      topology,
      target,
      port,
      choosePeers(topology, target, health, input.backendKeys),
    );
    if (!tcp || !peer) {
      entry.explanation = `${problem ?? 'no peer test'}; per-rule health decides`;
    } else {
      entry.tcp = tcp;
      entry.agree = tcp.reachable === (state === 'Up');
      if (!entry.agree) entry.explanation = await explain(deps, topology, peer, target, tcp, state);
    }
    backends.push(entry);
  }
  const recovering = (b: BackendValidation) => b.health !== 'Up' && b.healthReason === APPROACHING_HEALTHY;
  return {
    health,
    stillDown: backends.filter((b) => b.health !== 'Up' && !recovering(b)).map((b) => b.backendKey),
    recovering: backends.filter(recovering).map((b) => b.backendKey),
    backends,
  };
}

/**
 * Peers for a Basic load balancer's backend, which has no health to say which peers are up: running,
 * OS known, same virtual network, and not one of the backends that were down.
 */
function basicPeers(topology: Topology, target: BackendInfo, exclude: readonly string[]): BackendInfo[] {
  const down = new Set(exclude.map(idKey));
  return topology.backends.filter((b) => {
    if (down.has(idKey(b.key)) || !b.vmId || !b.ipAddress || b.vmId === target.vmId) return false;
    if (!sameId(b.virtualNetworkId, target.virtualNetworkId)) return false;
    const vm = topology.vms[idKey(b.vmId)];
    return vm?.powerState === 'running' && vm.osType !== undefined;
  });
}

/**
 * Validation of a Basic load balancer, which has neither per-rule health nor per-backend metrics (never
 * asked for: Azure answers 400): each backend that was down is judged by the cause checks re-run after
 * the fixes (VM state, the guest's listener and firewall, the effective NSGs) and, when a healthy peer
 * can run it, the TCP test from inside the network. Up only when no cause remains and the peer, if
 * any, reaches the port.
 */
async function validateBasic(deps: ValidateDeps, input: ValidateInput): Promise<DetailedValidationResult> {
  const { topology } = input;
  const targets = input.backendKeys
    .map((key) => topology.backends.find((b) => idKey(b.key) === idKey(key)))
    .filter((b): b is BackendInfo => b !== undefined);
  let rechecked: Map<string, { causes: string[]; detail: string }> | undefined;
  let recheckError: string | undefined;
  try {
    rechecked = deps.recheck ? await deps.recheck(topology, targets) : undefined;
  } catch (err) {
    recheckError = ensureError(err).message;
  }
  const backends: BackendValidation[] = [];
  for (const key of input.backendKeys) {
    const target = topology.backends.find((b) => idKey(b.key) === idKey(key));
    const entry: BackendValidation = {
      backendKey: key,
      ...(target?.ipAddress ? { ipAddress: target.ipAddress } : {}),
      health: 'Unknown',
      decidedBy: 'checks-rerun',
      agree: false,
    };
    backends.push(entry);
    const port = target ? probesOf(topology, target)[0]?.port : undefined;
    const recheck = rechecked?.get(idKey(key));
    if (!target || !recheck) {
      entry.explanation = `a Basic load balancer has no per-rule health, and the checks could not be re-run${recheckError ? `: ${recheckError}` : ''}`;
      continue;
    }
    const peer =
      port !== undefined && target.ipAddress
        ? await peerTest(deps, topology, target, port, basicPeers(topology, target, input.backendKeys))
        : { problem: 'no address or probe port to test from a peer' };
    if (peer.tcp) entry.tcp = peer.tcp;
    const clear = recheck.causes.length === 0;
    const up = clear && (peer.tcp ? peer.tcp.reachable : true);
    entry.health = up ? 'Up' : 'Down';
    entry.agree = peer.tcp ? peer.tcp.reachable === clear : true;
    entry.explanation = [
      `Basic SKU, no per-rule health: judged by the checks re-run after the fixes (${recheck.detail})`,
      peer.tcp
        ? `the peer TCP test ${peer.tcp.reachable ? 'reaches' : 'does not reach'} port ${peer.tcp.port} (${peer.tcp.detail})`
        : `no peer TCP test (${peer.problem ?? 'none ran'})`,
    ].join('; ');
  }
  return {
    health: [],
    stillDown: backends.filter((b) => b.health !== 'Up').map((b) => b.backendKey),
    recovering: [],
    backends,
  };
}
