/**
 * ARM answers that break ARM's own invariants are invalid data: one clear error naming the field,
 * never a TypeError deep in the diagnosis. Through the real SDK against the sandbox serving the broken
 * payload (the scenario is handed to the sandbox unvalidated, as a broken ARM would answer it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkArmAnswer, isArmPortRange, isInvalidArmAnswerError } from '../../src/azure/armAnswer';
import { createClientFactory } from '../../src/azure/clients';
import { discoverTopology } from '../../src/azure/discovery';
import { createSdkTopologyReader } from '../../src/azure/topologyReader';
import type { Scenario } from '../../src/sandbox/scenario';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

const SCENARIO = join(__dirname, '../fixtures/reliability/cli-141-scenario.json');
const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** cli-141's scenario with its duplicate probe removed (a valid network), then `change` applied. */
function scenarioWith(change: (resources: Json[]) => void): Json {
  const json = JSON.parse(readFileSync(SCENARIO, 'utf8')) as Json;
  const lb = (json.resources as Json[]).find((r) => r.type === 'Microsoft.Network/loadBalancers')!;
  lb.properties.probes = [lb.properties.probes[0]];
  change(json.resources as Json[]);
  return json;
}
const lbOf = (resources: Json[]) => resources.find((r) => r.type === 'Microsoft.Network/loadBalancers')!;
const nicOf = (resources: Json[]) => resources.find((r) => r.type === 'Microsoft.Network/networkInterfaces')!;

describe('isArmPortRange', () => {
  it.each([
    ['80', true],
    ['*', true],
    ['1000-2000', true],
    ['0-65535', true],
    ['65535', true],
    ['0', false],
    ['65536', false],
    ['-1', false],
    ['80.5', false],
    ['2000-1000', false],
    ['', false],
  ])('%s -> %s', (value, ok) => {
    expect(isArmPortRange(value)).toBe(ok);
  });
});

describe('checkArmAnswer', () => {
  it.each<[string, unknown, string]>([
    [
      'a probe id of the wrong type',
      { properties: { probes: [{ name: 'p', id: 5 }] } },
      '$.properties.probes[0].id: expected a string, got 5',
    ],
    [
      'a security rule port ARM refuses',
      { securityRules: [{ name: 'r', properties: { destinationPortRange: '0' } }] },
      '$.securityRules[0].properties.destinationPortRange: "0" is not a port or range ARM accepts',
    ],
    [
      'a port list with a fraction',
      { properties: { destinationPortRanges: ['80', '80.5'] } },
      '$.properties.destinationPortRanges[1]: "80.5" is not a port or range ARM accepts',
    ],
    [
      'a probe port out of range',
      { properties: { probes: [{ name: 'p', properties: { port: 65536 } }] } },
      '$.properties.probes[0].properties.port: expected a port (an integer 1-65535), got 65536',
    ],
    [
      'two rules of one name (any case)',
      { securityRules: [{ name: 'Deny' }, { name: 'deny' }] },
      "$.securityRules[1].name: two securityRules named 'deny' (also at $.securityRules[0].name)",
    ],
    [
      'a probe without a port (ARM shape)',
      {
        properties: {
          probes: [
            { name: 'a', properties: { port: 80 } },
            { name: 'b', properties: {} },
          ],
        },
      },
      '$.properties.probes[1].properties.port: a probe must have a port',
    ],
    [
      'a probe without a port (flattened, as the SDK gives it)',
      { probes: [{ name: 'a' }] },
      '$.probes[0].port: a probe must have a port',
    ],
    [
      'a bad field deep in a list of lists',
      { value: [{ properties: { ipConfigurations: [{ name: 'c', properties: { subnet: { id: 7 } } }] } }] },
      '$.value[0].properties.ipConfigurations[0].properties.subnet.id: expected a string, got 7',
    ],
  ])('refuses %s, naming the field', (_case, value, message) => {
    // Act
    let caught: unknown;
    try {
      checkArmAnswer(value, 'answer');
    } catch (err) {
      caught = err;
    }

    // Assess
    expect(isInvalidArmAnswerError(caught)).toBe(true);
    expect((caught as Error).message).toContain(`answer: ${message}`);
  });

  it("leaves a resource's tags alone, whatever the user named them", () => {
    // Prepare: tags named like fields ARM's invariants speak of, on a load balancer and in a list.
    const tagged = {
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb',
      tags: { port: '443', probes: 'none', securityRules: 'owned by net team', id: '7' },
      properties: {
        probes: [{ name: 'p', properties: { port: 80 } }],
        subnets: [{ name: 's', tags: { destinationPortRange: '0' } }],
      },
    };

    // Act / Assess: valid, and the same field outside the tags is still checked.
    expect(checkArmAnswer(tagged, 'answer')).toBe(tagged);
    expect(() => checkArmAnswer({ ...tagged, port: '443' }, 'answer')).toThrow(
      'answer: $.port: expected a port (an integer 1-65535), got "443"',
    );
  });
});

describe('discovery over the SDK when the sandbox serves answers that break ARM invariants', () => {
  it.each<[string, (r: Json[]) => void, string]>([
    [
      'a probe id that is a number',
      (r) => (lbOf(r).properties.probes[0].id = 123),
      '$.probes[0].id: expected a string, got 123',
    ],
    [
      "a rule's probe reference id that is an object",
      (r) => (lbOf(r).properties.loadBalancingRules[0].properties.probe.id = { x: 1 }),
      '$.loadBalancingRules[0].probe.id: expected a string, got {"x":1}',
    ],
    [
      'an IP configuration id that is an array',
      (r) => (nicOf(r).properties.ipConfigurations[0].id = ['a']),
      '$.ipConfigurations[0].id: expected a string, got ["a"]',
    ],
    [
      'two probes with one name',
      (r) => {
        const probes = lbOf(r).properties.probes as Json[];
        probes.push({ ...probes[0] });
      },
      "$.probes[1].name: two probes named 'probe-orders-health'",
    ],
  ])('%s: one clear error or problem naming the field, no TypeError', async (_case, change, message) => {
    // Prepare
    const raw = scenarioWith(change);
    // The scenario boundary refuses it too, at the resource's place in the file (ARM's wire names).
    expect(() => parseScenario(raw)).toThrow(/^scenario: \$\.resources\[\d+\]\.properties\./);
    const sandbox = await startSandbox({ scenario: raw as unknown as Scenario });
    const clientsFor = createClientFactory(
      { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
      { retryOptions: { maxRetries: 0 } },
    );
    try {
      // Act
      let failure: string | undefined;
      let problems: string[] = [];
      try {
        const topology = await discoverTopology(createSdkTopologyReader(clientsFor), LB);
        problems = topology.problems.map((p) => p.message);
      } catch (err) {
        failure = (err as Error).message;
      }

      // Assess: the LB's own answer stops the run; a NIC's becomes a problem on that backend. Paths
      // are the SDK model's (flattened: no `properties`).
      const said = [failure ?? '', ...problems].join('\n');
      expect(said).toContain(message);
      expect(said).not.toMatch(/TypeError|is not a function/);
    } finally {
      await sandbox.stop();
    }
  });
});
