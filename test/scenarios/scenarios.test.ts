/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   scenario resources are raw ARM JSON; assertions navigate it directly rather than re-typing ARM. */
/**
 * The shipped scenarios (scenarios/*.json): they parse, every reference inside them resolves, ARM's
 * two-way references agree, guests belong to VMs, each carries a description and an expectation, each
 * shows what its description claims, and the committed JSON is exactly what the builder produces
 * (`UPDATE_SCENARIOS=1 npx jest test/scenarios` regenerates the files).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idKey } from '../../src/model/ids';
import { CAUSE_IDS, VERDICTS } from '../../src/model/report';
import { loadScenarioFile } from '../../src/sandbox/scenario';
import type { ExpectedOutcome, ScenarioDocument } from '../helpers/scenarioBuilder';
import {
  oneWayReferences,
  poolMemberIpConfigIds,
  resolveReference,
  unresolvedReferences,
} from '../helpers/scenarioChecks';
import { SHIPPED_SCENARIOS, renderScenario, writeShippedScenarios } from '../helpers/shippedScenarios';

type Json = Record<string, any>;

const DIR = join(__dirname, '..', '..', 'scenarios');
const NAMES = Object.keys(SHIPPED_SCENARIOS);
const VM_TYPES = ['microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets/virtualmachines'];

beforeAll(async () => {
  if (process.env.UPDATE_SCENARIOS === '1') await writeShippedScenarios(DIR);
});

function load(name: string): ScenarioDocument {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as ScenarioDocument;
}

const ofType = (doc: ScenarioDocument, type: string): Json[] => doc.resources.filter((r) => r.type === type);
const lbOf = (doc: ScenarioDocument): Json => resolveReference(doc.resources, doc.expect!.loadBalancerId)!;
const probeOf = (doc: ScenarioDocument): Json => lbOf(doc).properties.probes[0].properties;
const subnetNsgRules = (doc: ScenarioDocument, nsg: string): Json[] =>
  ofType(doc, 'Microsoft.Network/networkSecurityGroups').find((n) => n.name === nsg)!.properties.securityRules;
const guestsWhere = (doc: ScenarioDocument, pred: (g: Json) => boolean): string[] =>
  Object.entries(doc.guests)
    .filter(([, g]) => pred(g))
    .map(([id]) => id.split('/').slice(-1)[0]!);

describe('shipped scenarios', () => {
  it('scenarios/ holds exactly the shipped set', () => {
    // Prepare
    const onDisk = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();

    // Assess
    expect(onDisk).toEqual([...NAMES].sort());
    expect(NAMES).toHaveLength(31);
  });

  describe.each(NAMES)('%s', (name) => {
    it('is exactly what the builder produces', () => {
      // Act
      const built = SHIPPED_SCENARIOS[name]!().build();

      // Assess
      expect(readFileSync(join(DIR, `${name}.json`), 'utf8')).toBe(renderScenario(built));
    });

    it('parses with the scenario schema, named after its file', async () => {
      // Act
      const parsed = await loadScenarioFile(join(DIR, `${name}.json`));

      // Assess
      expect(parsed.name).toBe(name);
      expect(Object.keys(parsed.guests).length).toBeGreaterThanOrEqual(2);
    });

    it('has a description and a well-formed expectation', () => {
      // Prepare
      const doc = load(name);
      const outcomes: ExpectedOutcome[] = [doc.expect!, ...(doc.alsoExpect ?? [])];

      // Assess
      expect(doc.description.length).toBeGreaterThan(80);
      expect(doc.expect).toBeDefined();
      for (const e of outcomes) {
        expect(VERDICTS).toContain(e.verdict);
        const all = [...e.causes, ...Object.values(e.backends).flat()];
        for (const c of all) expect(CAUSE_IDS).toContain(c);
        // healthy: no backend down and no load-balancer cause (DESIGN.md, "Contracts").
        expect(e.verdict === 'healthy').toBe(all.length === 0);
      }
    });

    it('names every pool member of the expected load balancer, and nothing else', () => {
      // Prepare
      const doc = load(name);

      for (const e of [doc.expect!, ...(doc.alsoExpect ?? [])]) {
        // Act
        const lb = resolveReference(doc.resources, e.loadBalancerId);
        const members = poolMemberIpConfigIds(doc, lb!).sort();

        // Assess
        expect(lb?.type).toBe('Microsoft.Network/loadBalancers');
        expect(Object.keys(e.backends).map(idKey).sort()).toEqual(members);
        for (const key of Object.keys(e.evidence ?? {})) expect(e.backends[key]?.length).toBeGreaterThan(0);
      }
    });

    it('resolves every reference inside its resources', () => {
      // Act: managed disks are outside the probe path and are not part of a scenario.
      const unresolved = unresolvedReferences(load(name));

      // Assess
      expect(unresolved).toEqual([]);
    });

    it('keeps both directions of the references ARM keeps both of', () => {
      // Act
      const missing = oneWayReferences(load(name));

      // Assess
      expect(missing).toEqual([]);
    });

    it('keys guests by VMs and scale set VMs that exist in resources, one per VM', () => {
      // Prepare
      const doc = load(name);

      // Act
      const strays = Object.keys(doc.guests).filter(
        (id) => !VM_TYPES.includes(String(resolveReference(doc.resources, id)?.type).toLowerCase()),
      );
      const vmsWithoutGuest = doc.resources
        .filter((r) => VM_TYPES.includes(String(r.type).toLowerCase()))
        .filter((r) => !Object.keys(doc.guests).some((g) => idKey(g) === idKey(r.id as string)));

      // Assess
      expect(strays).toEqual([]);
      expect(vmsWithoutGuest).toEqual([]);
    });
  });

  // Each scenario must actually contain the fault its description names, or its expectation means nothing.
  it.each<[string, (doc: ScenarioDocument) => unknown, unknown]>([
    [
      'nsg-deny-all-blocks-probe',
      (d) => subnetNsgRules(d, 'nsg-snet-app-a').map((r) => [r.name, r.properties.access, r.properties.priority]),
      [
        ['AllowOrdersApiFromVnet', 'Allow', 1000],
        ['AllowSshFromBastion', 'Allow', 1100],
        ['DenyAllInbound-Baseline', 'Deny', 4000],
      ],
    ],
    [
      // CIDR sources: the VirtualNetwork tag would cover 168.63.129.16 and let the probe through.
      'nsg-deny-all-blocks-probe',
      (d) => subnetNsgRules(d, 'nsg-snet-app-a')[0]!.properties.sourceAddressPrefixes,
      ['10.20.0.0/16', '10.0.0.0/16'],
    ],
    ['nsg-deny-all-blocks-probe', (d) => [probeOf(d).port, lbOf(d).properties.loadBalancingRules[0].properties.frontendPort], [8080, 80]],
    ['wrong-port-listener', (d) => guestsWhere(d, (g) => !g.listening.some((l: Json) => l.port === 80)), ['web-1']],
    ['vm-stopped', (d) => guestsWhere(d, (g) => g.powerState !== 'running'), ['web-2']],
    ['agent-not-ready', (d) => guestsWhere(d, (g) => !g.agentReady && g.resourceHealth === 'Unavailable'), ['web-1']],
    ['http-probe-500', (d) => guestsWhere(d, (g) => g.os === 'windows' && g.http[0].status === 500), ['web-0']],
    ['guest-firewall-drop', (d) => guestsWhere(d, (g) => g.firewall.some((f: Json) => f.source === '168.63.129.16/32')), ['web-1']],
    [
      'nic-nsg-deny-lb-tag',
      (d) => subnetNsgRules(d, 'nsg-web-0-nic').filter((r) => r.properties.access === 'Deny').map((r) => r.properties.sourceAddressPrefix),
      ['AzureLoadBalancer'],
    ],
    ['secondary-nic-reply-route', (d) => guestsWhere(d, (g) => g.routes !== undefined), ['app-1']],
    [
      'secondary-nic-reply-route',
      (d) =>
        d.expect &&
        Object.keys(d.expect.backends).map(
          (ipc) => (resolveReference(d.resources, ipc.replace(/\/ipConfigurations\/.*/, '')) as Json).properties.primary,
        ),
      [false, false, false],
    ],
    [
      'udr-to-appliance-healthy',
      (d) => ofType(d, 'Microsoft.Network/routeTables')[0]!.properties.routes.map((r: Json) => [r.properties.addressPrefix, r.properties.nextHopType]),
      [['0.0.0.0/0', 'VirtualAppliance']],
    ],
    ['probe-misconfigured-http-port-25', (d) => [probeOf(d).protocol, probeOf(d).port], ['Http', 25]],
    ['empty-backend-pool', (d) => lbOf(d).properties.backendAddressPools[0].properties, { provisioningState: 'Succeeded', loadBalancerBackendAddresses: [], loadBalancingRules: expect.any(Array) }],
    ['hidden-failure-unknown', (d) => guestsWhere(d, (g) => g.hiddenProbeFailure === true), ['web-2']],
    [
      'deny-at-priority-100',
      (d) => subnetNsgRules(d, 'nsg-snet-web-a')[0]!.properties,
      expect.objectContaining({ priority: 100, access: 'Deny', sourceAddressPrefix: '*', destinationPortRange: '*' }),
    ],
    ['vmss-backend', (d) => Object.keys(d.expect!.backends).map((k) => k.split("/").slice(7, 11).join('/')), [
      'virtualMachineScaleSets/vmss-web/virtualMachines/0',
      'virtualMachineScaleSets/vmss-web/virtualMachines/1',
      'virtualMachineScaleSets/vmss-web/virtualMachines/3',
    ]],
    [
      'ip-based-pool',
      (d) => lbOf(d).properties.backendAddressPools[0].properties.loadBalancerBackendAddresses.map((a: Json) => a.properties.ipAddress),
      ['10.10.1.4', '10.10.1.5', '10.10.1.6'],
    ],
    ['shared-nsg-two-lbs', (d) => [d.expect!.loadBalancerId.split('/').pop(), d.alsoExpect!.map((e) => e.loadBalancerId.split('/').pop())], ['lbi-web', ['lbi-api']]],
    ['busy-run-command', (d) => guestsWhere(d, (g) => g.runCommandBusyTimes === 1 && g.firewall.length > 0), ['web-0']],
    [
      'ag-listener-passive-node',
      (d) => [lbOf(d).properties.loadBalancingRules[0].properties.enableFloatingIP, guestsWhere(d, (g) => g.listening.some((l: Json) => l.port === probeOf(d).port))],
      [true, ['sql-0']],
    ],
    ['faults-throttle', (d) => d.faults, { seed: 7, throttleRate: 0.2, serverErrorRate: 0.05, conflictRate: 0.1, retryAfterSeconds: 1 }],
  ])('%s contains the fault it describes', (name, pick, expected) => {
    // Act
    const actual = pick(load(name));

    // Assess
    expect(actual).toEqual(expected);
  });
});
