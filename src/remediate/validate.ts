/**
 * Validation after the fixes (Validate activity), in one round: (1) a TCP test to each fixed backend's
 * probe port from a healthy peer VM in the same virtual network, through Run Command, every target
 * that starts on one peer in ONE script (Azure runs one Run Command per VM at a time, about 20 s each)
 * and the scripts of distinct peers at once; (2) the per-rule health, re-read meanwhile. Resolved
 * means both agree; when they disagree the result says which and why it thinks so, and the per-rule
 * health decides.
 */
import type { BackendValidation } from '../model/report';
import type { AzureReader } from '../azure/reader';
import { evaluateFlow } from '../diagnose/nsg/index';
import { selectEffectiveRoute } from '../diagnose/routes';
import { ensureError } from '../errors';
import { parseRunCommandResult } from '../guest/parse/runCommand';
import { parsePeerTest, type TcpTestResult } from '../guest/parse/peerTest';
import { buildPeerTestScript, MAX_PEER_TARGETS, scriptSha256 } from '../guest/scripts/index';
import { validateIPv4, validatePeerTargets, validatePort } from '../guest/scripts/values';
import type { BackendHealth, RuleHealth } from '../model/health';
import { deniedAction } from '../model/authorization';
import { lastName } from '../model/backendLabel';
import { idKey, sameId } from '../model/ids';
import type { BackendInfo, Topology } from '../model/topology';
import type { ValidateInput } from '../workflow/contracts';
import type { ValidationResult } from '../model/validation';
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

/** A health entry with the key of the IP configuration it names, computed once for every target. */
interface KeyedHealth {
  entry: BackendHealth;
  configKey?: string;
}

/** Every entry of every rule, in order, each IP configuration id keyed once ({@link idKey}). */
function keyedEntries(health: RuleHealth[]): KeyedHealth[] {
  return health.flatMap((r) =>
    r.backends.map((entry) =>
      entry.ipConfigurationId !== undefined
        ? { entry, configKey: idKey(entry.ipConfigurationId) }
        : { entry },
    ),
  );
}

/**
 * The health entry of one backend. An entry is the backend's when the IP configuration id decides
 * (both sides know it): the same private address can belong to another backend (another virtual
 * network, a reused address). The address is the fallback for entries or backends without an id
 * (IP-based pools). A backend in several rules is up only when every rule's probe says so.
 */
function healthOf(entries: readonly KeyedHealth[], backend: BackendInfo): BackendHealth | undefined {
  const configKey = backend.ipConfigurationId !== undefined ? idKey(backend.ipConfigurationId) : undefined;
  const ownKey = idKey(backend.key);
  const isMine = ({ entry, configKey: entryKey }: KeyedHealth): boolean => {
    if (entryKey !== undefined && configKey !== undefined) return entryKey === configKey;
    if (entryKey !== undefined && entryKey === ownKey) return true;
    return entry.ipAddress !== undefined && entry.ipAddress === backend.ipAddress;
  };
  let first: BackendHealth | undefined;
  for (const keyed of entries) {
    if (!isMine(keyed)) continue;
    if (keyed.entry.state !== 'Up') return keyed.entry;
    first ??= keyed.entry;
  }
  return first;
}

/**
 * The VMs a TCP test can run from, by virtual network ({@link idKey}), built once in one pass over the
 * backends: running, OS known (the script depends on it), with an address, and not one of the backends
 * being validated. Each peer is one backend the discovery read in depth.
 */
export type PeerIndex = Map<string, BackendInfo[]>;

export function indexPeers(topology: Topology, exclude: readonly string[]): PeerIndex {
  const excluded = new Set(exclude.map(idKey));
  const index: PeerIndex = new Map();
  for (const b of topology.backends) {
    if (excluded.has(idKey(b.key)) || !b.vmId || !b.ipAddress || !b.virtualNetworkId) continue;
    const vm = topology.vms[idKey(b.vmId)];
    if (vm?.powerState !== 'running' || vm.osType === undefined) continue;
    const key = idKey(b.virtualNetworkId);
    const list = index.get(key);
    if (list) list.push(b);
    else index.set(key, [b]);
  }
  return index;
}

/**
 * Peers for a target, in the order to try them: the same virtual network, not its own VM, starting at
 * `spread` (the target's place among its network's targets), so targets start on distinct peers.
 */
export function choosePeers(index: PeerIndex, target: BackendInfo, spread = 0): BackendInfo[] {
  const peers = (target.virtualNetworkId ? (index.get(idKey(target.virtualNetworkId)) ?? []) : []).filter(
    (b) => !sameId(b.vmId, target.vmId),
  );
  if (peers.length === 0) return peers;
  const start = spread % peers.length;
  return [...peers.slice(start), ...peers.slice(0, start)];
}

const NO_PEER = 'no healthy running peer VM in the same virtual network';

/**
 * Why no peer can test `target`, naming the backends of its virtual network that were candidates and
 * what kept each out: a VM that could not be read (with the action its refusal named), one that is not
 * running, one whose OS is unknown. Without such a candidate, there is none to name.
 */
export function noPeerReason(topology: Topology, target: BackendInfo, exclude: readonly string[]): string {
  const network = target.virtualNetworkId ? idKey(target.virtualNetworkId) : undefined;
  if (!network) return NO_PEER;
  const excluded = new Set(exclude.map(idKey));
  const refusals = new Map((topology.problems ?? []).map((p) => [idKey(p.resourceId), p] as const));
  const why: string[] = [];
  const seen = new Set<string>();
  for (const b of topology.backends) {
    if (!b.vmId || excluded.has(idKey(b.key)) || sameId(b.vmId, target.vmId)) continue;
    if (!b.virtualNetworkId || idKey(b.virtualNetworkId) !== network || seen.has(idKey(b.vmId))) continue;
    seen.add(idKey(b.vmId));
    const name = lastName(b.vmId);
    const vm = topology.vms[idKey(b.vmId)];
    if (!vm) {
      const problem = refusals.get(idKey(b.vmId));
      const action = problem ? deniedAction(problem.message) : undefined;
      why.push(
        `${name} could not be read${action ? ` (the signed-in principal lacks ${action})` : problem ? ` (${problem.kind})` : ''}`,
      );
    } else if (vm.powerState !== 'running') {
      why.push(`${name} is ${vm.powerState ?? 'in an unknown power state'}`);
    } else if (vm.osType === undefined) {
      why.push(`${name}'s OS is unknown`);
    }
  }
  return why.length > 0
    ? `no peer VM in the same virtual network can run the test: ${why.join('; ')}`
    : NO_PEER;
}

/** What one target's peer test gave: its result and the peer that ran it, or why none did. */
interface PeerOutcome {
  tcp?: BackendValidation['tcp'];
  peer?: BackendInfo;
  problem?: string;
}

/** One target to test from a peer: the backend and its probe's port. */
interface PeerTestTarget {
  key: string;
  target: BackendInfo;
  port: number;
}

/** Targets that share a first peer, tested by one script; `peers` in the order to try them. */
interface PeerBatch {
  targets: PeerTestTarget[];
  peers: BackendInfo[];
}

/**
 * Groups the targets into batches, one per peer and Run Command: targets start on distinct peers
 * ({@link choosePeers}' `spread`), those that start on the same peer share one script (at most
 * {@link MAX_PEER_TARGETS} each), and a batch may fall back only to peers that are none of its targets'
 * VMs. A target whose address or port could not go into a script is answered here, with the reason.
 */
function peerBatches(
  targets: readonly PeerTestTarget[],
  index: PeerIndex,
  outcomes: Map<string, PeerOutcome>,
  noPeer: (target: BackendInfo) => string,
): PeerBatch[] {
  const byFirstPeer = new Map<string, { targets: PeerTestTarget[]; peers: BackendInfo[] }>();
  const placed = new Map<string, number>();
  for (const t of targets) {
    try {
      validateIPv4(t.target.ipAddress, 'ipAddress');
      validatePort(t.port, 'probe port');
    } catch (err) {
      outcomes.set(t.key, { problem: `not tested from a peer: ${ensureError(err).message}` });
      continue;
    }
    const network = idKey(t.target.virtualNetworkId ?? '');
    const spread = placed.get(network) ?? 0;
    placed.set(network, spread + 1);
    const peers = choosePeers(index, t.target, spread);
    const first = peers[0]?.vmId;
    if (!first) {
      outcomes.set(t.key, { problem: noPeer(t.target) });
      continue;
    }
    const group = byFirstPeer.get(idKey(first));
    if (group) group.targets.push(t);
    else byFirstPeer.set(idKey(first), { targets: [t], peers });
  }
  return [...byFirstPeer.values()].flatMap(({ targets: group, peers }) => {
    const targetVms = new Set(group.flatMap((t) => (t.target.vmId ? [idKey(t.target.vmId)] : [])));
    const usable = peers.filter((p) => !targetVms.has(idKey(p.vmId as string)));
    const batches: PeerBatch[] = [];
    for (let i = 0; i < group.length; i += MAX_PEER_TARGETS) {
      batches.push({ targets: group.slice(i, i + MAX_PEER_TARGETS), peers: usable });
    }
    return batches;
  });
}

/**
 * Every target's peer test in one round: one Run Command script per peer holding all the targets that
 * start on it, the scripts of distinct peers at once. Batches on the same peer (more than
 * {@link MAX_PEER_TARGETS} targets) run one after another on it, as Azure runs one Run Command per VM
 * at a time.
 */
async function peerTests(
  deps: ValidateDeps,
  topology: Topology,
  targets: readonly PeerTestTarget[],
  exclude: readonly string[],
): Promise<Map<string, PeerOutcome>> {
  const outcomes = new Map<string, PeerOutcome>();
  const onPeer = new Map<string, PeerBatch[]>();
  const index = indexPeers(topology, exclude);
  const noPeer = (target: BackendInfo) => noPeerReason(topology, target, exclude);
  for (const batch of peerBatches(targets, index, outcomes, noPeer)) {
    const first = idKey(batch.peers[0]?.vmId ?? '');
    const queue = onPeer.get(first);
    if (queue) queue.push(batch);
    else onPeer.set(first, [batch]);
  }
  await Promise.all(
    [...onPeer.values()].map(async (queue) => {
      for (const batch of queue) {
        for (const [key, outcome] of await peerTestBatch(deps, topology, batch)) outcomes.set(key, outcome);
      }
    }),
  );
  return outcomes;
}

/** Runs one batch's script on its first peer that can run it; each target's result from its own line. */
async function peerTestBatch(
  deps: ValidateDeps,
  topology: Topology,
  batch: PeerBatch,
): Promise<Map<string, PeerOutcome>> {
  const tried: string[] = [];
  const wanted = batch.targets.map((t) => ({ address: t.target.ipAddress as string, port: t.port }));
  for (const peer of batch.peers) {
    const vm = topology.vms[idKey(peer.vmId as string)];
    const os = vm?.osType === 'Windows' ? 'windows' : 'linux';
    try {
      const script = buildPeerTestScript(os, wanted);
      const { stdout } = parseRunCommandResult(await deps.reader.runCommand(peer.vmId as string, script));
      // Compared as the script printed them: the validated (normalised) address.
      const results = parsePeerTest(os, stdout, validatePeerTargets(wanted));
      return new Map(
        batch.targets.map((t, i) => {
          const result = results[i] as TcpTestResult;
          // The script that ran on the peer, for the audit trail (ValidationResult names it).
          const ran = { runCommand: script.commandId, scriptSha256: scriptSha256(script) };
          return [t.key, { tcp: { ...result, peerVmId: peer.vmId as string, port: t.port, ...ran }, peer }];
        }),
      );
    } catch (err) {
      // 409 (another script runs on that peer) or any other failure of this peer: try the next one.
      tried.push(`${vm?.name ?? peer.vmId}: ${ensureError(err).message}`);
    }
  }
  const problem = batch.peers.length === 0 ? NO_PEER : `no peer could run the test (${tried.join('; ')})`;
  return new Map(batch.targets.map((t) => [t.key, { problem }]));
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
    return `the peer test on ${peer.vmId} gave no answer for this backend: ${tcp.detail}; per-rule health decides: ${health}`;
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
  const byKey = new Map(topology.backends.map((b) => [idKey(b.key), b]));
  const targets = input.backendKeys.map((key) => {
    const target = byKey.get(idKey(key));
    const port = target ? probesOf(topology, target)[0]?.port : undefined;
    return { key, target, port };
  });
  const testable = targets.flatMap(({ key, target, port }) =>
    target?.ipAddress && port !== undefined ? [{ key, target, port }] : [],
  );
  // One round: every rule's health re-read and every peer test at once.
  const [health, outcomes] = await Promise.all([
    Promise.all(
      topology.rules
        .filter((r) => r.probeId !== undefined)
        .map((rule) => deps.reader.getRuleHealth(topology.loadBalancer.id, rule.name)),
    ),
    peerTests(deps, topology, testable, input.backendKeys),
  ]);
  const entries = keyedEntries(health);
  const backends = await Promise.all(
    targets.map(async ({ key, target, port }): Promise<BackendValidation> => {
      const seen = target ? healthOf(entries, target) : undefined;
      const state = seen?.state ?? 'Unknown';
      const entry: BackendValidation = {
        backendKey: key,
        ...(target?.ipAddress ? { ipAddress: target.ipAddress } : {}),
        health: state,
        ...(seen?.reason ? { healthReason: seen.reason } : {}),
        agree: false,
      };
      if (!target?.ipAddress || port === undefined) {
        entry.explanation = 'no address or probe port to test from a peer; per-rule health decides';
        return entry;
      }
      const { tcp, peer, problem } = outcomes.get(key) ?? {};
      if (!tcp || !peer) {
        entry.explanation = `${problem ?? 'no peer test'}; per-rule health decides`;
      } else {
        entry.tcp = tcp;
        entry.agree = tcp.reachable === (state === 'Up');
        if (!entry.agree) entry.explanation = await explain(deps, topology, peer, target, tcp, state);
      }
      return entry;
    }),
  );
  const recovering = (b: BackendValidation) => b.health !== 'Up' && b.healthReason === APPROACHING_HEALTHY;
  return {
    health,
    stillDown: backends.filter((b) => b.health !== 'Up' && !recovering(b)).map((b) => b.backendKey),
    recovering: backends.filter(recovering).map((b) => b.backendKey),
    backends,
  };
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
  const known = new Map(topology.backends.map((b) => [idKey(b.key), b]));
  const targets = input.backendKeys
    .map((key) => known.get(idKey(key)))
    .filter((b): b is BackendInfo => b !== undefined);
  const testable = targets.flatMap((target) => {
    const port = probesOf(topology, target)[0]?.port;
    return target.ipAddress && port !== undefined ? [{ key: target.key, target, port }] : [];
  });
  // One round: the cause checks re-run and every peer test at once.
  const [recheckAnswer, outcomes] = await Promise.all([
    (deps.recheck ? deps.recheck(topology, targets) : Promise.resolve(undefined)).then(
      (rechecked) => ({ rechecked, recheckError: undefined }),
      (err: unknown) => ({ rechecked: undefined, recheckError: ensureError(err).message }),
    ),
    peerTests(deps, topology, testable, input.backendKeys),
  ]);
  const { rechecked, recheckError } = recheckAnswer;
  const byKey = new Map(topology.backends.map((b) => [idKey(b.key), b]));
  const backends: BackendValidation[] = [];
  for (const key of input.backendKeys) {
    const target = byKey.get(idKey(key));
    const entry: BackendValidation = {
      backendKey: key,
      ...(target?.ipAddress ? { ipAddress: target.ipAddress } : {}),
      health: 'Unknown',
      decidedBy: 'checks-rerun',
      agree: false,
    };
    backends.push(entry);
    const recheck = rechecked?.get(idKey(key));
    const peer: PeerOutcome | undefined = target
      ? (outcomes.get(target.key) ?? { problem: 'no address or probe port to test from a peer' })
      : undefined;
    // A peer test that ran is kept (the report and the trail name it) even when nothing else decides.
    if (peer?.tcp) entry.tcp = peer.tcp;
    if (!target || !recheck || !peer) {
      entry.explanation = `a Basic load balancer has no per-rule health, and the checks could not be re-run${recheckError ? `: ${recheckError}` : ''}`;
      continue;
    }
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
