/**
 * The blob run store over a fake container (the SDK's ContainerClient surface it uses): refs,
 * write-once, the already-exists race, a missing value. The wire format is the SDK's own.
 */
import { BlobRunStore, type BlobContainer } from '../../src/runstore/blobRunStore';

class FakeContainer {
  readonly blobs = new Map<string, Buffer>();
  created = 0;
  uploads: { name: string; ifNoneMatch?: string }[] = [];

  createIfNotExists() {
    this.created += 1;
    return Promise.resolve({ succeeded: this.created === 1 });
  }

  getBlockBlobClient(name: string) {
    return {
      upload: (body: Buffer, _length: number, options?: { conditions?: { ifNoneMatch?: string } }) => {
        this.uploads.push({
          name,
          ...(options?.conditions?.ifNoneMatch ? { ifNoneMatch: options.conditions.ifNoneMatch } : {}),
        });
        if (this.blobs.has(name) && options?.conditions?.ifNoneMatch === '*') {
          return Promise.reject(
            Object.assign(new Error('The specified blob already exists.'), {
              statusCode: 409,
              code: 'BlobAlreadyExists',
            }),
          );
        }
        this.blobs.set(name, body);
        return Promise.resolve({});
      },
      downloadToBuffer: () => {
        const blob = this.blobs.get(name);
        return blob
          ? Promise.resolve(blob)
          : Promise.reject(Object.assign(new Error('BlobNotFound'), { statusCode: 404 }));
      },
    };
  }
}

const store = (fake: FakeContainer) => new BlobRunStore(fake as unknown as BlobContainer);

describe('BlobRunStore', () => {
  it('stores a value once under its content ref and reads it back', async () => {
    // Prepare
    const fake = new FakeContainer();
    const runs = store(fake);

    // Act
    const ref = await runs.put('pd-1', 'topology', { backends: [1, 2] });
    const again = await runs.put('pd-1', 'topology', { backends: [1, 2] });

    // Assess
    expect(ref).toMatch(/^pd-1\/topology\/[0-9a-f]{16}$/);
    expect(again).toBe(ref);
    expect(await runs.get(ref)).toEqual({ backends: [1, 2] });
    expect(fake.uploads).toEqual([
      { name: ref, ifNoneMatch: '*' },
      { name: ref, ifNoneMatch: '*' },
    ]);
    expect(fake.blobs.size).toBe(1);
    expect(fake.created).toBe(1);
  });

  it('keeps different content under a new ref, both readable', async () => {
    // Prepare
    const runs = store(new FakeContainer());

    // Act
    const first = await runs.put('pd-1', 'diagnosis', { v: 1 });
    const second = await runs.put('pd-1', 'diagnosis', { v: 2 });

    // Assess
    expect(second).not.toBe(first);
    expect([await runs.get(first), await runs.get(second)]).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('names the missing ref', async () => {
    // Act / Assess
    await expect(store(new FakeContainer()).get('pd-9/topology/0000000000000000')).rejects.toThrow(
      'the run store has no value pd-9/topology/0000000000000000',
    );
  });

  it('passes on an upload failure that is not a write-once race', async () => {
    // Prepare
    const fake = new FakeContainer();
    fake.getBlockBlobClient = () => ({
      upload: () =>
        Promise.reject(Object.assign(new Error('AuthorizationPermissionMismatch'), { statusCode: 403 })),
      downloadToBuffer: () => Promise.reject(new Error('unused')),
    });

    // Act / Assess
    await expect(store(fake).put('pd-1', 'topology', {})).rejects.toThrow('AuthorizationPermissionMismatch');
  });
});
