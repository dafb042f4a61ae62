/**
 * Test support for remediation against the sandbox: a shipped scenario, the real SDK clients (the
 * SDK's own retries off, so probe-doctor's retry logic is what is exercised), topology discovery, and
 * a diagnosis from the real NSG check.
 */
import { SkippableClock } from '../../src/sandbox/clock';
import type { SecurityRule } from '@azure/arm-network';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClientFactory, type ClientsForSubscription } from '../../src/azure/clients';
import { discoverTopology } from '../../src/azure/discovery';
import { createSdkNsgRuleWriter } from '../../src/azure/nsgRuleWriter';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import { diagnoseNsg } from '../../src/diagnose/nsgBlocks';
import type { Topology } from '../../src/model/topology';
import type { NsgRuleWriter } from '../../src/remediate/ports';
import { probesOf } from '../../src/remediate/recommend';
import { scenarioSchema, type Scenario } from '../../src/sandbox/scenario';
import type { Diagnosis } from '../../src/model/diagnosis';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';

export async function loadScenario(name: string): Promise<Scenario> {
  const text = await readFile(join(__dirname, '..', '..', 'scenarios', `${name}.json`), 'utf8');
  return scenarioSchema.parse(JSON.parse(text));
}

export interface RemediationSandbox {
  t: TestSandbox;
  clientsFor: ClientsForSubscription;
  writer: NsgRuleWriter;
  stop(): Promise<void>;
}

export async function startRemediationSandbox(scenario: Scenario): Promise<RemediationSandbox> {
  const t = await startTestSandbox(scenario);
  const clientsFor = createClientFactory(
    { kind: 'sandbox', endpoint: t.sandbox.endpoint, ca: t.sandbox.ca },
    { retryOptions: { maxRetries: 0 } },
  );
  return { t, clientsFor, writer: createSdkNsgRuleWriter(clientsFor), stop: () => t.stop() };
}

export function discover(s: RemediationSandbox, lbId: string): Promise<Topology> {
  return discoverTopology(createSdkTopologyReader(s.clientsFor), lbId);
}

/** Every backend down, with its NSG causes from the real check. */
export function nsgDiagnosis(topology: Topology): Diagnosis {
  return {
    causes: [],
    backends: topology.backends.map((backend) => ({
      key: backend.key,
      probeState: 'down' as const,
      ...(backend.ipAddress ? { ipAddress: backend.ipAddress } : {}),
      causes: probesOf(topology, backend).flatMap(
        (probe) => diagnoseNsg({ topology, backend, probe }).causes,
      ),
    })),
  };
}

/** The NSG's custom rules as the sandbox holds them, by name. */
export async function rulesOf(
  s: RemediationSandbox,
  rg: string,
  nsg: string,
): Promise<Record<string, SecurityRule>> {
  const read = await s.t.network.networkSecurityGroups.get(rg, nsg);
  const byName: Record<string, SecurityRule> = {};
  for (const rule of read.securityRules ?? []) byName[rule.name ?? ''] = rule;
  return byName;
}

/**
 * Lets the sandbox's probes re-test after a change: moves its clock by interval x threshold of the
 * slowest probe (the sandbox reports the old state until then, as Azure does).
 */
export function letProbesRetest(s: RemediationSandbox, topology: Topology): void {
  const clock = s.t.sandbox.clock;
  if (!(clock instanceof SkippableClock)) throw new Error('the sandbox clock cannot be moved');
  const ms = Math.max(
    0,
    ...topology.probes.map(
      (p) => p.intervalInSeconds * 1000 * Math.max(1, p.probeThreshold ?? p.numberOfProbes ?? 1),
    ),
  );
  clock.advance(ms);
}
