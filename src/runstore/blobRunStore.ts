/**
 * The production run store: one block blob per value, in a container of the app's own storage
 * account, reached with the app's managed identity (the account allows no shared keys). Blob names are
 * the refs, which carry a content hash, so a blob is written once and never changed: a second put of
 * the same value finds it there (409 BlobAlreadyExists) and returns the same ref.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { ProbeDoctorError } from '../errors';
import { serializeForStore, type RunStore } from './runStore';

/** What the store needs of a container (the SDK's ContainerClient has it; tests pass a fake). */
export type BlobContainer = Pick<ContainerClient, 'createIfNotExists' | 'getBlockBlobClient'>;

const isAlreadyExists = (err: unknown): boolean =>
  (err as { statusCode?: number }).statusCode === 409 ||
  (err as { code?: string }).code === 'BlobAlreadyExists';

export class BlobRunStore implements RunStore {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly container: BlobContainer) {}

  async put(runId: string, name: string, value: unknown): Promise<string> {
    const { ref, json } = serializeForStore(runId, name, value);
    this.ready ??= this.container.createIfNotExists().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    const body = Buffer.from(json, 'utf8');
    try {
      await this.container.getBlockBlobClient(ref).upload(body, body.length, {
        // Write once: the name carries the content hash, so an existing blob already holds this value.
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return ref;
  }

  async get<T>(ref: string): Promise<T> {
    let buffer: Buffer;
    try {
      buffer = await this.container.getBlockBlobClient(ref).downloadToBuffer();
    } catch (err) {
      throw new ProbeDoctorError(`the run store has no value ${ref}`, { cause: err });
    }
    return JSON.parse(buffer.toString('utf8')) as T;
  }
}
