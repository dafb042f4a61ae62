import { nsgLockIds, nsgLockKey } from '../../src/workflow/nsgLock';
import { lockTask } from '../../src/workflow/orchestrator';
import { NSG_ID, SUB } from './fakes';

const OTHER_NSG = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkSecurityGroups/nsg-api`;

describe('nsgLockKey', () => {
  it('is a key-safe hash that ignores the id spelling (case, trailing slash)', () => {
    // Prepare
    const spellings = [NSG_ID, NSG_ID.toUpperCase(), `${NSG_ID}/`];

    // Act
    const keys = spellings.map(nsgLockKey);

    // Assess
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(nsgLockKey(OTHER_NSG)).not.toBe(keys[0]);
  });
});

describe('nsgLockIds', () => {
  it.each([
    ['no fixes', [], []],
    ['only other kinds', [{ kind: 'start-vm', target: NSG_ID }], []],
    [
      'one NSG twice, spelled two ways',
      [
        { kind: 'nsg-allow-probe', target: NSG_ID },
        { kind: 'nsg-allow-probe', target: NSG_ID.toUpperCase() },
      ],
      [nsgLockKey(NSG_ID)],
    ],
    [
      'two NSGs, sorted by key',
      [
        { kind: 'nsg-allow-probe', target: NSG_ID },
        { kind: 'nsg-allow-probe', target: OTHER_NSG },
      ],
      [nsgLockKey(NSG_ID), nsgLockKey(OTHER_NSG)].sort(),
    ],
  ] as [string, { kind: 'nsg-allow-probe' | 'start-vm'; target: string }[], string[]][])(
    '%s',
    (_case, fixes, keys) => {
      // Act
      const ids = nsgLockIds(fixes);

      // Assess
      expect(ids.map((id) => ({ name: id.name, key: id.key }))).toEqual(
        keys.map((key) => ({ name: 'nsgLock', key })),
      );
    },
  );
});

describe('lockTask', () => {
  const entities = nsgLockIds([
    {
      kind: 'nsg-allow-probe',
      target: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-a',
    },
  ]);
  const contextWith = (lock: () => unknown) =>
    ({ df: { lock } }) as unknown as Parameters<typeof lockTask>[0];

  it('takes no lock when there is nothing to lock', () => {
    // Act / Assess
    expect(
      lockTask(
        contextWith(() => ({ lockTask: true })),
        [],
      ),
    ).toBeUndefined();
  });

  it('falls back to no entity lock when the extension is below schema V4', () => {
    // Prepare: the exact error durable-functions 3.5.0 throws.
    const context = contextWith(() => {
      throw new Error(
        'lock requires a Durable Functions extension that supports OOProc schema V4 or higher (this extension supports up to V3). Please upgrade the Microsoft.Azure.WebJobs.Extensions.DurableTask package.',
      );
    });

    // Act / Assess
    expect(lockTask(context, entities)).toBeUndefined();
  });

  it('rethrows any other locking error', () => {
    // Prepare
    const context = contextWith(() => {
      throw new Error('Cannot acquire a lock inside a critical section.');
    });

    // Act / Assess
    expect(() => lockTask(context, entities)).toThrow('Cannot acquire a lock inside a critical section.');
  });
});
