import { groupById, idKey, indexById, sameId } from '../../src/model/ids';

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
