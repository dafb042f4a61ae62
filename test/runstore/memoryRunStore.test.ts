import { MemoryRunStore } from '../../src/runstore/memoryRunStore';

describe('MemoryRunStore', () => {
  it('gives back what was put, under a ref naming the run and the value', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const topology = { backends: [{ key: 'nic0' }], problems: [] };

    // Act
    const ref = await store.put('run-1', 'topology', topology);
    const back = await store.get<typeof topology>(ref);

    // Assess
    expect(ref).toMatch(/^run-1\/topology\/[0-9a-f]{16}$/);
    expect(back).toEqual(topology);
    expect(back).not.toBe(topology);
  });

  it('gives every put its own ref, so a ref names one content for the life of the store', async () => {
    // Prepare
    const store = new MemoryRunStore();

    // Act
    const first = await store.put('run-1', 'diagnosis', { causes: ['nsg-blocks-probe'] });
    const second = await store.put('run-1', 'diagnosis', { causes: ['nsg-blocks-probe'] });

    // Assess
    expect(second).not.toBe(first);
    expect(await store.get(first)).toEqual({ causes: ['nsg-blocks-probe'] });
    expect(await store.get(second)).toEqual({ causes: ['nsg-blocks-probe'] });
  });

  it('gives a reader what a store keeping JSON would: the round trip, not the writer objects', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const value = {
      at: new Date('2026-01-02T03:04:05.000Z'),
      gone: undefined,
      list: [1, undefined, Number.NaN, () => 1],
      map: new Map([['a', 1]]),
    };

    // Act
    const back = await store.get(await store.put('run-1', 'evidence', value));

    // Assess
    expect(back).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  it('never overwrites: different content under the same name gets its own ref, both readable', async () => {
    // Prepare
    const store = new MemoryRunStore();

    // Act
    const older = await store.put('run-1', 'topology', { backends: 1 });
    const newer = await store.put('run-1', 'topology', { backends: 2 });

    // Assess
    expect(newer).not.toBe(older);
    expect(await store.get(older)).toEqual({ backends: 1 });
    expect(await store.get(newer)).toEqual({ backends: 2 });
  });

  it('keeps the same content of two runs apart', async () => {
    // Prepare
    const store = new MemoryRunStore();

    // Act
    const a = await store.put('run-a', 'health', []);
    const b = await store.put('run-b', 'health', []);

    // Assess
    expect(a.startsWith('run-a/health/')).toBe(true);
    expect(b.startsWith('run-b/health/')).toBe(true);
    expect(store.size).toBe(2);
  });

  it('a reader cannot change the stored value', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const ref = await store.put('run-1', 'evidence', { problems: ['vm: not found'] });
    const read = await store.get<{ problems: string[] }>(ref);

    // Act
    const change = () => read.problems.push('changed');

    // Assess
    expect(change).toThrow(TypeError);
    expect(await store.get(ref)).toEqual({ problems: ['vm: not found'] });
  });

  it('copies a value once: every read of its ref gets the same frozen copy', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const ref = await store.put('run-1', 'topology', { backends: [{ key: 'nic0' }] });

    // Act
    const first = await store.get<{ backends: { key: string }[] }>(ref);
    const second = await store.get<{ backends: { key: string }[] }>(ref);

    // Assess
    expect(second).toBe(first);
    expect(Object.isFrozen(first.backends[0])).toBe(true);
  });

  it('never answers from a read made before a newer put under the same name', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const older = await store.put('run-1', 'topology', { backends: 1 });
    await store.get(older);

    // Act
    const newer = await store.put('run-1', 'topology', { backends: 2 });

    // Assess
    expect(await store.get(newer)).toEqual({ backends: 2 });
    expect(await store.get(older)).toEqual({ backends: 1 });
  });

  it('a writer that changes its value after the put does not change what readers get', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const value = { problems: ['vm: not found'] };
    const ref = await store.put('run-1', 'evidence', value);

    // Act
    value.problems.push('changed after the put');

    // Assess
    expect(await store.get(ref)).toEqual({ problems: ['vm: not found'] });
  });

  it('keeps a handed-over value itself, as its JSON round trip, frozen against its writer too', async () => {
    // Prepare
    const store = new MemoryRunStore();
    const value = { backends: [{ key: 'nic0', gone: undefined, at: new Date('2026-01-02T03:04:05.000Z') }] };
    const expected: unknown = JSON.parse(JSON.stringify(value));

    // Act
    const ref = await store.put('run-1', 'topology', value, { handOver: true });
    const back = await store.get<typeof value>(ref);
    const writeAfter = () => value.backends.push({ key: 'nic1', gone: undefined, at: new Date() });

    // Assess
    expect(back).toBe(value);
    expect(back).toStrictEqual(expected);
    expect(writeAfter).toThrow(TypeError);
    expect(await store.get(ref)).toStrictEqual(expected);
  });

  it('rejects an unknown ref', async () => {
    // Prepare
    const store = new MemoryRunStore();

    // Act
    const read = store.get('run-1/topology/0000000000000000');

    // Assess
    await expect(read).rejects.toThrow('the run store has no value run-1/topology/0000000000000000');
  });

  it('rejects a value that is not JSON', async () => {
    // Prepare
    const store = new MemoryRunStore();

    // Act
    const put = store.put('run-1', 'nothing', undefined);

    // Assess
    await expect(put).rejects.toThrow('the run store cannot keep nothing: it is not JSON');
    expect(store.size).toBe(0);
  });
});
