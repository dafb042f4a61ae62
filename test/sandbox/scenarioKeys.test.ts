/**
 * A scenario's top-level keys (src/sandbox/scenario.ts): a misspelt one is an error naming it, not a
 * key dropped in silence that leaves the run answering for another scenario (a role given as
 * `permission` ran with every action and came out RESOLVED, found by a new-user trial).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/errors';
import { parseScenario } from '../../src/sandbox/scenario';

const shipped = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../scenarios/guest-firewall-drop.json'), 'utf8')) as Record<
    string,
    unknown
  >;

describe("a scenario's top-level keys", () => {
  it('refuses a misspelt key with one error that names it', () => {
    // Prepare
    const doc = { ...shipped(), permission: [{ actions: ['*/read'], notActions: [] }] };

    // Act
    const parse = () => parseScenario(doc, 'typo.json');

    // Assess
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow('typo.json: $: Unrecognized key: "permission"');
  });

  it.each([
    ['a guest field', (guest: Record<string, unknown>) => (guest.powerSate = 'stopped'), 'powerSate'],
    [
      'a firewall entry field',
      (guest: Record<string, unknown>) => ((guest.firewall as Record<string, unknown>[])[0]!.acton = 'allow'),
      'acton',
    ],
    [
      'a listener field',
      (guest: Record<string, unknown>) => ((guest.listening as Record<string, unknown>[])[0]!.prot = 80),
      'prot',
    ],
  ])('refuses %s misspelt inside a guest, naming it and where', (_case, misspell, key) => {
    // Prepare: a typo that would otherwise leave the guest as the defaults have it (a stopped VM running).
    const doc = shipped() as { guests: Record<string, Record<string, unknown>> };
    const [vmId, guest] = Object.entries(doc.guests).find(
      ([, g]) => Array.isArray(g.firewall) && (g.firewall as unknown[]).length > 0,
    )!;
    misspell(guest);

    // Act
    const parse = () => parseScenario(doc, 'typo.json');

    // Assess
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow(`Unrecognized key: "${key}"`);
    expect(parse).toThrow(vmId);
  });

  it("takes the files' own documentation keys (expect, source, fidelity) and the role under its name", () => {
    // Prepare
    const doc = {
      ...shipped(),
      source: 'a public report',
      fidelity: { views: [] },
      alsoExpect: {},
      permissions: [{ actions: ['*/read'], notActions: [] }],
    };

    // Act
    const scenario = parseScenario(doc, 'documented.json');

    // Assess
    expect(scenario.permissions).toEqual([{ actions: ['*/read'], notActions: [] }]);
  });
});
