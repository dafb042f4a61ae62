/**
 * Differential checking of probe-doctor's NSG reasoning against the sandbox's reference model
 * (src/sandbox/truth/, written from Microsoft's docs, sharing no code with src/diagnose/nsg/).
 *
 * `scenarioArb` draws random load balancer scenarios: subnet and NIC NSGs with random priorities,
 * access, protocols (Tcp, Udp, Icmp, Esp, Ah, *), prefixes (CIDRs, addresses, `*`, AzureLoadBalancer,
 * VirtualNetwork, Internet, a regional tag), prefix lists, port lists and ranges, source ports, ASG lists
 * (with an empty ASG), outbound rules, security admin rules (Allow, Deny, AlwaysAllow), UDRs, a second
 * subnet, secondary NICs, Basic and Standard, TCP/HTTP/HTTPS probes. `disagreements` runs one scenario
 * through four views of each backend and lists where they differ:
 *
 * 1. the reference model (what Azure does): admin rules, then subnet and NIC NSGs;
 * 2. the product's evaluator (src/diagnose/nsg/) over the topology the product's discovery reads;
 * 3. the effective-rules path: the sandbox's effective-NSG answer, deserialized by the real SDK mappers,
 *    read by src/azure/reader.ts and cross-checked (src/diagnose/nsg/effective.ts);
 * 4. the diagnosis (src/diagnose/nsgBlocks.ts): a blocked backend gets `nsg-blocks-probe` naming the
 *    deciding rule, an allowed one gets none.
 */
import { join } from 'node:path';
import type { EffectiveNetworkSecurityGroupListResult } from '@azure/arm-network';
import { createSerializer } from '@azure/core-client';
import fc from 'fast-check';
import { discoverTopology, type VmRead } from '../../src/azure/discovery';
import { mapEffectiveGroup } from '../../src/azure/reader';
import { crossCheckEffective } from '../../src/diagnose/nsg/effective';
import { evaluateProbeInbound, vnetTags } from '../../src/diagnose/nsg/path';
import type { ProbePathVerdict } from '../../src/diagnose/nsg/types';
import { diagnoseNsg } from '../../src/diagnose/nsgBlocks';
import { idKey } from '../../src/model/ids';
import type { BackendInfo, ProbeInfo, Topology } from '../../src/model/topology';
import { endpointByIpConfigId } from '../../src/sandbox/derive/arm';
import { effectiveNetworkSecurityGroups } from '../../src/sandbox/derive/effectiveNsg';
import { filtersAt } from '../../src/sandbox/derive/dataPlane';
import { parseScenario } from '../../src/sandbox/scenario';
import { createSandboxState, type SandboxState } from '../../src/sandbox/state';
import { probeVerdict } from '../../src/sandbox/truth/probe';
import { fakeTopologyReader } from '../azure/fakeTopologyReader';
import {
  scenario,
  type AdminRuleSpec,
  type NsgRuleSpec,
  type ScenarioDocument,
} from '../helpers/scenarioBuilder';

/* The network SDK's own (de)serialization models, as its clients use them on the wire. The compute SDK
 * (a TypeSpec client) keeps ARM's `properties` nesting, so a raw VM is already its shape. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const networkMappers = require(join(require.resolve('@azure/arm-network'), '../models/mappers.js')) as Record<
  string,
  unknown
>;
const networkSerializer = createSerializer(networkMappers, false);

/** One NSG rule drawn at random (names and priorities are made unique when the scenario is built). */
export interface RuleDraw {
  access: 'Allow' | 'Deny';
  direction: 'Inbound' | 'Outbound';
  protocol: string;
  source: string | string[] | { asgs: string[] };
  destination: string | string[] | { asgs: string[] };
  ports: string | string[];
  sourcePorts: string | string[];
}

/** One scenario drawn at random. */
export interface ScenarioDraw {
  sku: 'Standard' | 'Basic';
  probe: { protocol: 'Tcp' | 'Http' | 'Https'; port: number };
  subnetRules: RuleDraw[];
  nicRules: RuleDraw[][];
  admin: { access: 'Allow' | 'Deny' | 'AlwaysAllow'; source: string; ports: string; protocol: string }[];
  udr: 'none' | 'default' | 'prefix';
  vms: { secondSubnet: boolean; asgs: string[]; secondNic: boolean; nicNsg: number }[];
  priorities: number[];
}

const ASGS = ['asg-a', 'asg-b', 'asg-empty'];
const PROBE_PORTS = [80, 8080];

const prefixArb = fc.constantFrom(
  '*',
  'AzureLoadBalancer',
  'VirtualNetwork',
  'Internet',
  'Storage.WestEurope',
  '168.63.129.16',
  '168.63.129.16/32',
  '168.63.0.0/16',
  '10.0.0.0/8',
  '10.0.1.0/24',
  '10.0.1.4',
  '10.0.2.0/24',
  '0.0.0.0/0',
  '192.168.0.0/16',
  '20.0.0.0/8',
);

const endpointArb = fc.oneof(
  { weight: 5, arbitrary: prefixArb },
  {
    weight: 2,
    arbitrary: fc.uniqueArray(
      prefixArb.filter((p) => /[0-9]/.test(p) && p !== '*'),
      { minLength: 1, maxLength: 3 },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({ asgs: fc.uniqueArray(fc.constantFrom(...ASGS), { minLength: 1, maxLength: 2 }) }),
  },
);

const portArb = fc.constantFrom('*', '80', '8080', '70-90', '1-1024', '8000-8100', '443', '22');
const portsArb = fc.oneof(
  { weight: 4, arbitrary: portArb },
  {
    weight: 1,
    arbitrary: fc.uniqueArray(
      portArb.filter((p) => p !== '*'),
      { minLength: 2, maxLength: 3 },
    ),
  },
);
const sourcePortsArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('*') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '0-1023',
      '1024-65535',
      '49152-65535',
      '0-65535',
      '50000-60000',
      '53',
      '65535',
    ),
  },
  { weight: 1, arbitrary: fc.constant(['0-1023', '49152-65535']).map((l) => [...l]) },
);

const ruleArb: fc.Arbitrary<RuleDraw> = fc.record({
  access: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
  direction: fc.constantFrom<'Inbound' | 'Outbound'>('Inbound', 'Inbound', 'Inbound', 'Outbound'),
  protocol: fc.constantFrom('*', 'Tcp', 'Tcp', 'Udp', 'Icmp', 'Esp', 'Ah'),
  source: endpointArb,
  destination: endpointArb,
  ports: portsArb,
  sourcePorts: sourcePortsArb,
});

/** Random scenarios: one load balancer, one or two VMs in one VNet. */
export const scenarioArb: fc.Arbitrary<ScenarioDraw> = fc.record({
  sku: fc.constantFrom<'Standard' | 'Basic'>('Standard', 'Standard', 'Basic'),
  probe: fc.record({
    protocol: fc.constantFrom<'Tcp' | 'Http' | 'Https'>('Tcp', 'Http', 'Https'),
    port: fc.constantFrom(...PROBE_PORTS),
  }),
  subnetRules: fc.array(ruleArb, { maxLength: 4 }),
  nicRules: fc.array(fc.array(ruleArb, { maxLength: 3 }), { minLength: 2, maxLength: 2 }),
  admin: fc.array(
    fc.record({
      access: fc.constantFrom<'Allow' | 'Deny' | 'AlwaysAllow'>('Allow', 'Deny', 'AlwaysAllow'),
      source: fc.constantFrom('*', 'AzureLoadBalancer', 'Internet', '10.0.0.0/8', '168.63.129.16/32'),
      ports: fc.constantFrom('*', '80', '8080', '1-1024'),
      protocol: fc.constantFrom('Any', 'Tcp', 'Udp'),
    }),
    { maxLength: 2 },
  ),
  udr: fc.constantFrom<'none' | 'default' | 'prefix'>('none', 'none', 'default', 'prefix'),
  vms: fc.array(
    fc.record({
      secondSubnet: fc.boolean(),
      asgs: fc.uniqueArray(fc.constantFrom('asg-a', 'asg-b'), { maxLength: 2 }),
      secondNic: fc.boolean(),
      nicNsg: fc.constantFrom(-1, 0, 1),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  priorities: fc.uniqueArray(fc.integer({ min: 100, max: 4096 }), { minLength: 12, maxLength: 12 }),
});

function ruleSpec(draw: RuleDraw, name: string, priority: number): NsgRuleSpec {
  const spec: NsgRuleSpec = {
    name,
    priority,
    access: draw.access,
    direction: draw.direction,
    protocol: draw.protocol,
    ports: draw.ports,
    sourcePorts: draw.sourcePorts,
  };
  if (typeof draw.source === 'object' && !Array.isArray(draw.source)) spec.sourceAsgs = draw.source.asgs;
  else spec.source = draw.source;
  if (typeof draw.destination === 'object' && !Array.isArray(draw.destination))
    spec.destinationAsgs = draw.destination.asgs;
  else spec.destination = draw.destination;
  return spec;
}

/** Builds the scenario document of a draw. */
export function buildScenario(draw: ScenarioDraw): ScenarioDocument {
  const priorities = [...draw.priorities];
  const b = scenario('property')
    .vnet('vnet-web', ['10.0.0.0/16'])
    .asg('asg-a')
    .asg('asg-b')
    .asg('asg-empty')
    .nsg(
      'nsg-subnet',
      draw.subnetRules.map((r, i) => ruleSpec(r, `s${i}`, priorities.shift()!)),
    )
    .nsg(
      'nsg-nic0',
      draw.nicRules[0]!.map((r, i) => ruleSpec(r, `n0r${i}`, priorities.shift()!)),
    )
    .nsg(
      'nsg-nic1',
      draw.nicRules[1]!.map((r, i) => ruleSpec(r, `n1r${i}`, priorities.shift()!)),
    );
  if (draw.udr !== 'none') {
    b.routeTable('rt-web', [
      draw.udr === 'default'
        ? {
            name: 'to-fw',
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.9.4',
          }
        : {
            name: 'to-onprem',
            addressPrefix: '172.16.0.0/12',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.9.4',
          },
    ]);
  }
  const rt = draw.udr !== 'none' ? { routeTable: 'rt-web' } : {};
  b.subnet('snet-a', '10.0.1.0/24', { nsg: 'nsg-subnet', ...rt }).subnet('snet-b', '10.0.2.0/24', rt);
  b.lb({
    sku: draw.sku,
    probe: {
      protocol: draw.probe.protocol,
      port: draw.probe.port,
      ...(draw.probe.protocol === 'Tcp' ? {} : { path: '/health' }),
    },
    rule: { frontendPort: 80, backendPort: draw.probe.port },
  });
  draw.vms.forEach((vm, i) => {
    const subnet = vm.secondSubnet ? 'snet-b' : 'snet-a';
    const nicNsg = vm.nicNsg < 0 ? undefined : `nsg-nic${vm.nicNsg}`;
    const listening = PROBE_PORTS.map((port) => ({ protocol: 'tcp' as const, address: '0.0.0.0', port }));
    b.vm(`web-${i}`, {
      ...(vm.secondNic
        ? {
            nics: [
              { subnet, nsg: nicNsg, asgs: vm.asgs, pools: [{ lb: 'lb-web', pool: 'pool-web' }] },
              { subnet: 'snet-a', nsg: 'nsg-nic1', pools: [], asgs: [] },
            ],
          }
        : { subnet, nicNsg, asgs: vm.asgs }),
      guest: { listening, http: PROBE_PORTS.map((port) => ({ port, path: '/health', status: 200 })) },
    });
  });
  draw.admin.forEach((a, i) => {
    const spec: AdminRuleSpec = {
      name: `admin-${i}`,
      priority: 10 + i,
      access: a.access,
      protocol: a.protocol,
      source: a.source,
      ports: a.ports,
    };
    b.securityAdminRule(spec);
  });
  return b.build();
}

/** The topology the product's discovery reads from the scenario's resources (SDK-shaped, in memory). */
async function productTopology(doc: ScenarioDocument, lbId: string): Promise<Topology> {
  const resources = (doc.resources as Record<string, unknown>[]).filter(
    (r) => !String(r.type).startsWith('Microsoft.Compute/'),
  );
  const mapperOf: Record<string, string> = {
    'microsoft.network/loadbalancers': 'LoadBalancer',
    'microsoft.network/networkinterfaces': 'NetworkInterface',
    'microsoft.network/virtualnetworks': 'VirtualNetwork',
    'microsoft.network/networksecuritygroups': 'NetworkSecurityGroup',
    'microsoft.network/applicationsecuritygroups': 'ApplicationSecurityGroup',
    'microsoft.network/routetables': 'RouteTable',
    'microsoft.network/publicipaddresses': 'PublicIPAddress',
  };
  const sdk = resources.flatMap((r) => {
    const mapper = mapperOf[String(r.type).toLowerCase()];
    return mapper
      ? [networkSerializer.deserialize(networkMappers[mapper] as never, r, 'resource') as { id?: string }]
      : [];
  });
  const vms: VmRead[] = (doc.resources as Record<string, unknown>[])
    .filter((r) => String(r.type) === 'Microsoft.Compute/virtualMachines')
    .map((r) => ({
      kind: 'vm',
      vm: r as never,
    }));
  return discoverTopology(fakeTopologyReader(sdk, { vms }), lbId);
}

/** The sandbox's effective-NSG answer as the reader maps it after the SDK deserialized it. */
function effectiveAsRead(state: SandboxState, nicId: string) {
  const raw = effectiveNetworkSecurityGroups(state, nicId);
  const body = networkSerializer.deserialize(
    networkMappers.EffectiveNetworkSecurityGroupListResult as never,
    raw,
    'body',
  ) as EffectiveNetworkSecurityGroupListResult;
  return (body.value ?? []).map(mapEffectiveGroup);
}

/** The product's evaluator, replaceable so a test can inject a broken one. */
export type ProductEvaluator = (
  topology: Topology,
  backend: BackendInfo,
  probe: ProbeInfo,
) => ProbePathVerdict;

/** Where the views disagree for one scenario: one line per backend and kind. */
export async function disagreements(
  draw: ScenarioDraw,
  evaluate: ProductEvaluator = evaluateProbeInbound,
): Promise<string[]> {
  const doc = buildScenario(draw);
  const state = createSandboxState(parseScenario(doc));
  const lb = (doc.resources as { id: string; type: string }[]).find(
    (r) => r.type === 'Microsoft.Network/loadBalancers',
  )!;
  const topology = await productTopology(doc, lb.id);
  const probe = topology.probes[0]!;
  const out: string[] = [];
  for (const backend of topology.backends) {
    const endpoint = backend.ipConfigurationId
      ? endpointByIpConfigId(state, backend.ipConfigurationId)
      : undefined;
    if (!endpoint?.ipAddress) {
      out.push(`${backend.key}: the reference model cannot find the backend`);
      continue;
    }
    const f = filtersAt(state, endpoint, 'Inbound');
    const truth = probeVerdict(
      endpoint.ipAddress,
      probe.port,
      endpoint.asgIds,
      f.admin,
      f.crossings,
      f.scope,
    );
    const nsgOnly = probeVerdict(endpoint.ipAddress, probe.port, endpoint.asgIds, [], f.crossings, f.scope);
    const who = `${endpoint.ipAddress}`;

    // 2. The product's evaluator sees the NSGs only (admin rules reach it through the effective rules).
    const verdict = evaluate(topology, backend, probe);
    if (verdict.allowed !== nsgOnly.allowed) {
      out.push(
        `${who}: evaluator ${verdict.allowed ? 'allows' : 'denies'}, reference NSGs ${nsgOnly.allowed ? 'allow' : 'deny'} (${nsgOnly.blockedBy?.rule.name ?? '-'})`,
      );
    } else if (!nsgOnly.allowed && verdict.blockedBy?.rule.name !== nsgOnly.blockedBy?.rule.name) {
      out.push(
        `${who}: evaluator blames ${verdict.blockedBy?.rule.name}, reference ${nsgOnly.blockedBy?.rule.name}`,
      );
    }

    // 3. The effective-rules path, cross-checked against the evaluator's verdict.
    const effective = effectiveAsRead(state, endpoint.nicId);
    const check = crossCheckEffective(verdict, effective, vnetTags(topology, backend));
    if (check.outcome !== 'abstains' && check.effectiveAllowed !== truth.allowed) {
      out.push(
        `${who}: effective rules ${check.effectiveAllowed ? 'allow' : 'deny'}, reference ${truth.allowed ? 'allows' : 'denies'}`,
      );
    }

    // 4. The diagnosis: a blocked backend gets nsg-blocks-probe naming the deciding rule.
    const findings = diagnoseNsg({ topology, backend, probe, effectiveNsgs: { ok: true, value: effective } });
    const named = findings.causes
      .filter((c) => c.id === 'nsg-blocks-probe')
      .map((c) => String(c.evidence?.ruleName));
    const deciding = truth.admin?.access === 'Deny' ? truth.admin.name : truth.blockedBy?.rule.name;
    if (truth.allowed && named.length > 0)
      out.push(`${who}: diagnosis blames ${named.join(', ')}, reference allows`);
    if (!truth.allowed && !named.some((n) => n === deciding || n === `${deciding}`))
      out.push(`${who}: diagnosis names [${named.join(', ')}], reference blocks with ${deciding}`);
  }
  if (topology.backends.length === 0) out.push('no backend discovered');
  void idKey;
  return out;
}

/**
 * One shard of the differential property test: `runs` random scenarios (default 1,250, so the four
 * shard files together run 5,000 per CI run and jest's two workers share them;
 * PROBE_DOCTOR_PROPERTY_RUNS overrides it for a longer local hunt). fast-check prints the seed and the
 * shrunk counterexample on failure, so a disagreement can be replayed and kept as a fixed case.
 */
export function describeDifferentialShard(shard: number): void {
  const runs = Number(process.env.PROBE_DOCTOR_PROPERTY_RUNS ?? 1250);
  describe(`reference model, evaluator, effective rules and diagnosis agree (shard ${shard})`, () => {
    it(`on ${runs} random scenarios`, async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (draw) => {
          expect(await disagreements(draw)).toEqual([]);
        }),
        { numRuns: runs },
      );
      // The figure goes to the log, not into an assertion: speed is measured in benchmarks.
      console.log(`nsg differential: ${runs} scenarios in ${Date.now() - started} ms`);
    }, 300_000);
  });
}
