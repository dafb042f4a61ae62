/**
 * The `discoverTopology` activity's work, health first: the load balancer's GET and its rules' list,
 * every rule's health at once as soon as the rules are known (from the list when it answers first),
 * then only the backends that fail in depth (NIC, VM, subnet, NSGs, route table) and,
 * in fix mode, one healthy peer per virtual network for validation. A pool of a thousand healthy backends costs
 * the health answer, not two thousand reads. Where the health cannot tell healthy from down (a Basic
 * load balancer, a rule whose health could not be read) every backend is read, as before.
 */
import { discoverTopology, type DiscoveryOptions, type TopologyReader } from '../azure/discovery';
import { problemKind } from '../azure/discovery/reads';
import type { AzureReader } from '../azure/reader';
import type { RuleHealth } from '../model/health';
import type { DiscoveredRun } from '../workflow/contracts';
import type { TopologyProblem } from '../model/topology';
import {
  focusFromHealth,
  readProbeHealth,
  startRuleHealth,
  type HealthReadProblem,
  type StartedRuleHealth,
} from './health';

/** A health read that failed, as the topology's problems list it (the report's "could not read"). */
function topologyProblemOf(problem: HealthReadProblem): TopologyProblem {
  return {
    resourceId: problem.ruleId,
    kind: problemKind(problem.statusCode),
    ...(problem.statusCode !== undefined ? { statusCode: problem.statusCode } : {}),
    message: problem.message,
  };
}

/** Options of {@link discoverHealthFirst}. */
export interface HealthFirstOptions {
  /** Reads in flight at once during discovery. */
  concurrency?: number;
  /**
   * Read a healthy peer per virtual network in depth for fix-mode validation
   * ({@link DiscoveryOptions.validationPeers}); observe mode validates nothing. Default true.
   */
  validationPeers?: boolean;
  /** {@link DiscoveryOptions.failingVmsFirst}: the first failing backends' VMs are read first. */
  failingVmsFirst?: DiscoveryOptions['failingVmsFirst'];
}

/**
 * Discovers the load balancer's topology, health first, and returns it with the health it read.
 *
 * @throws AzureCallError when the load balancer itself cannot be read (src/azure/discovery.ts).
 */
export async function discoverHealthFirst(
  topologyReader: TopologyReader,
  reader: Pick<AzureReader, 'getRuleHealth' | 'getDipAvailability'>,
  loadBalancerId: string,
  options: HealthFirstOptions = {},
): Promise<DiscoveredRun> {
  let health: RuleHealth[] | undefined;
  // What the health reads could not get (a role without the health action, a failed metric read):
  // the report says so beside the metric that stood in, instead of nothing.
  const healthProblems: HealthReadProblem[] = [];
  const noteProblem = (problem: HealthReadProblem) => healthProblems.push(problem);
  // Started from the rules' own list when it comes before the load balancer's answer.
  let started: StartedRuleHealth | undefined;
  // Started as soon as the rules are known: the pool's members are mapped during the health's wait.
  let reading: Promise<RuleHealth[]> | undefined;
  const topology = await discoverTopology(topologyReader, loadBalancerId, {
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.validationPeers !== undefined ? { validationPeers: options.validationPeers } : {}),
    ...(options.failingVmsFirst ? { failingVmsFirst: options.failingVmsFirst } : {}),
    rulesListed: (rules) => {
      started = startRuleHealth(reader, loadBalancerId, rules);
    },
    rulesKnown: (view) => {
      reading = readProbeHealth(reader, view, noteProblem, started);
      // Awaited by the focus below; a failure there reads every backend, as a throw of the focus does.
      reading.catch(() => undefined);
    },
    focus: async (view) => {
      const read = await (reading ?? readProbeHealth(reader, view, noteProblem, started));
      health = read;
      return focusFromHealth(view, read);
    },
  });
  // The focus threw before the health was read (it never should): read it now, over the full topology.
  health ??= await readProbeHealth(reader, topology, noteProblem);
  topology.problems.push(...healthProblems.map(topologyProblemOf));
  return { topology, health };
}
