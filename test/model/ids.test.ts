import { groupById, ID_KEY_MEMO_LIMIT, idKey, indexById, sameId } from '../../src/model/ids';

const NIC = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic1';

describe('idKey', () => {
  it.each([
    [
      'an id as ARM spells it',
      `${NIC}/ipConfigurations/ipconfig1`,
      `${NIC}/ipConfigurations/ipconfig1`.toLowerCase(),
    ],
    ['one trailing slash', `${NIC}/`, NIC.toLowerCase()],
    ['several trailing slashes', `${NIC}///`, NIC.toLowerCase()],
    ['only slashes', '//', ''],
    ['an empty string', '', ''],
    ['an address (IP-based member)', '10.0.0.4', '10.0.0.4'],
  ])('keys %s', (_case, id, key) => {
    expect(idKey(id)).toBe(key);
  });

  it('names the same resource whatever the case and trailing slash', () => {
    expect([
      sameId(NIC, `${NIC.toUpperCase()}/`),
      sameId(NIC, `${NIC}2`),
      sameId(NIC, undefined),
      sameId(undefined, undefined),
    ]).toEqual([true, false, false, false]);
  });

  it('gives each spelling its own key when asked again (the remembered keys never mix ids up)', () => {
    // Prepare: every spelling keyed once, so the second round is answered from what was remembered
    const spellings = [NIC, NIC.toUpperCase(), `${NIC}/`, `${NIC}2`, `${NIC}2/`, NIC.toLowerCase()];
    const first = spellings.map(idKey);

    // Act
    const again = spellings.map(idKey);

    // Assess
    expect(again).toEqual(first);
    expect(again).toEqual([
      NIC.toLowerCase(),
      NIC.toLowerCase(),
      NIC.toLowerCase(),
      `${NIC}2`.toLowerCase(),
      `${NIC}2`.toLowerCase(),
      NIC.toLowerCase(),
    ]);
  });

  it('keys more distinct ids than it remembers, each correctly, before and after it starts over', () => {
    // Prepare
    const ids = Array.from(
      { length: ID_KEY_MEMO_LIMIT * 2 + 3 },
      (_, i) => `${NIC.toUpperCase()}/IPCONFIGURATIONS/C${i}/`,
    );

    // Act
    const keys = ids.map(idKey);
    const again = ids.map(idKey);

    // Assess
    const expected = ids.map((id) => id.slice(0, -1).toLowerCase());
    expect(keys).toEqual(expected);
    expect(again).toEqual(expected);
  });
});

describe('indexById', () => {
  it('finds each item by any spelling of its id, the first of a key kept, undefined ids left out', () => {
    // Prepare
    const items = [
      { id: `${NIC}/`, n: 1 },
      { id: NIC.toUpperCase(), n: 2 },
      { id: undefined, n: 3 },
      { id: `${NIC}2`, n: 4 },
    ];
    // Act
    const index = indexById(items, (i) => i.id);
    // Assess
    expect([...index.keys()]).toEqual([NIC.toLowerCase(), `${NIC}2`.toLowerCase()]);
    expect([index.get(idKey(NIC))?.n, index.get(idKey(`${NIC}2/`))?.n]).toEqual([1, 4]);
  });
});

describe('groupById', () => {
  it('groups every item by its key in list order, undefined ids left out', () => {
    // Prepare
    const items = [
      { id: NIC, n: 1 },
      { id: `${NIC}2`, n: 2 },
      { id: `${NIC.toUpperCase()}/`, n: 3 },
      { id: undefined, n: 4 },
    ];
    // Act
    const groups = groupById(items, (i) => i.id);
    // Assess
    expect([...groups].map(([key, group]) => [key, group.map((i) => i.n)])).toEqual([
      [NIC.toLowerCase(), [1, 3]],
      [`${NIC}2`.toLowerCase(), [2]],
    ]);
  });
});
