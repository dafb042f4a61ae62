import { InlineRunStore } from '../../src/runstore/inlineRunStore';

describe('InlineRunStore', () => {
  it('carries the value in the ref, so another instance reads it back', async () => {
    // Prepare
    const writer = new InlineRunStore();
    const reader = new InlineRunStore();
    const diagnosis = { causes: [{ id: 'nsg-blocks-probe', summary: 'deny-all' }], backends: [] };

    // Act
    const ref = await writer.put('run-1', 'diagnosis', diagnosis);

    // Assess
    expect(ref).toBe(`inline:${JSON.stringify(diagnosis)}`);
    expect(await reader.get(ref)).toEqual(diagnosis);
  });

  it('rejects a ref another store made', async () => {
    // Prepare
    const store = new InlineRunStore();

    // Act
    const read = store.get('run-1/topology/0123456789abcdef');

    // Assess
    await expect(read).rejects.toThrow('not an inline run store ref: run-1/topology/0123456789abcdef');
  });

  it('rejects a value that is not JSON', async () => {
    // Prepare
    const store = new InlineRunStore();

    // Act
    const put = store.put('run-1', 'report', undefined);

    // Assess
    await expect(put).rejects.toThrow('the run store cannot keep report: it is not JSON');
  });
});
