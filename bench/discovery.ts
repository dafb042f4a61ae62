/**
 * Benchmark 3: topology discovery through the real @azure/arm-network and @azure/arm-compute clients,
 * over HTTPS, against the sandbox serving a scaled scenario. Measures wall time and what was asked of
 * ARM: requests per backend, and reads of a resource already read (discovery promises none).
 */
import { createClientFactory } from '../src/azure/clients';
import { discoverTopology } from '../src/azure/discovery';
import { createSdkTopologyReader } from '../src/azure/topologyReader';
import { startSandbox } from '../src/sandbox/server';
import { timed, type BenchRow } from './measure';
import { countRequests } from './requestCounts';
import { scaledScenario } from './scaledScenario';

/** Discovers the load balancer of a `backends`-backend scenario once; the sandbox is stopped after. */
export async function benchDiscovery(backends: number): Promise<BenchRow> {
  const scaled = scaledScenario(backends);
  const sandbox = await startSandbox({ scenario: scaled.scenario });
  try {
    const reader = createSdkTopologyReader(
      createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca }),
    );
    const { value: topology, ms } = await timed(() => discoverTopology(reader, scaled.loadBalancerId));
    const counts = countRequests(sandbox.requestLog);
    return {
      name: `discovery: ${backends} backends (SDK over HTTPS)`,
      n: 1,
      totalMs: ms,
      counts: {
        backendsFound: topology.backends.length,
        nsgs: Object.keys(topology.nsgs).length,
        armRequests: counts.requests,
        perBackend: (counts.requests / backends).toFixed(2),
        duplicateReads: counts.duplicateReads,
        problems: topology.problems.length,
      },
    };
  } finally {
    await sandbox.stop();
  }
}
