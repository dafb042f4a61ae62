/**
 * The blob run store against a real Azure Storage API: Azurite (npm `azurite`, Microsoft's Storage
 * emulator) started by this test on 127.0.0.1 with an ephemeral port and its data in a temp dir, and
 * stopped by pid afterwards. The store talks to it through the real `@azure/storage-blob` client, so
 * the write-once condition (If-None-Match: *), the 409 BlobAlreadyExists answer, the 404 of a missing
 * blob and the errors of a refused or unauthorised request are the service's own.
 *
 * Azurite takes the well-known development account (devstoreaccount1) with a shared key; production
 * reaches a keyless account with the managed identity. The store's code is the same either way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { ProbeDoctorError } from '../../src/errors';
import { BlobRunStore } from '../../src/runstore/blobRunStore';

/** Azurite's documented development account and key (not a secret: it is the emulator's default). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_MAIN = require.resolve('azurite/dist/src/blob/main.js');

let azurite: ChildProcess;
let dataDir: string;
let endpoint: string;

/** Starts azurite-blob on 127.0.0.1:0 and resolves with the endpoint it prints once listening. */
async function startAzurite(): Promise<string> {
  dataDir = await mkdtemp(join(tmpdir(), 'probe-doctor-azurite-'));
  azurite = spawn(
    process.execPath,
    [
      AZURITE_MAIN,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--location',
      dataDir,
      '--skipApiVersionCheck',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start: ${seen}`)), 60_000);
    const read = (chunk: Buffer) => {
      seen += chunk.toString();
      const url = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    azurite.stdout?.on('data', read);
    azurite.stderr?.on('data', read);
    azurite.on('exit', (code) => reject(new Error(`azurite exited ${String(code)}: ${seen}`)));
  });
}

const containerAt = (url: string, key = KEY, name = 'runs'): ContainerClient =>
  new BlobServiceClient(`${url}/${ACCOUNT}`, new StorageSharedKeyCredential(ACCOUNT, key), {
    retryOptions: { maxTries: 1 },
  }).getContainerClient(name);

/** The blob names in the container. */
async function blobNames(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

describe('BlobRunStore against Azurite', () => {
  beforeAll(async () => {
    endpoint = await startAzurite();
  }, 90_000);

  afterAll(async () => {
    if (azurite?.pid !== undefined && azurite.exitCode === null) {
      const pid = azurite.pid;
      const exited = new Promise((resolve) => azurite.once('exit', resolve));
      process.kill(pid, 'SIGTERM');
      // Azurite closes gracefully, waiting for the SDK's keep-alive sockets; after 5 s it is killed.
      const killer = setTimeout(() => process.kill(pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('creates the container, stores a value once under its content ref and reads it back', async () => {
    // Prepare
    const container = containerAt(endpoint, KEY, 'runs-once');
    const store = new BlobRunStore(container);
    // Act
    const ref = await store.put('pd-1', 'topology', { backends: [1, 2] });
    const again = await store.put('pd-1', 'topology', { backends: [1, 2] });
    const other = await store.put('pd-1', 'topology', { backends: [3] });
    // Assess
    expect(ref).toMatch(/^pd-1\/topology\/[0-9a-f]{16}$/);
    expect(again).toBe(ref);
    expect(other).not.toBe(ref);
    expect(await blobNames(container)).toEqual([ref, other].sort());
    expect(await store.get(ref)).toEqual({ backends: [1, 2] });
    expect(await store.get(other)).toEqual({ backends: [3] });
    const props = await container.getBlockBlobClient(ref).getProperties();
    expect(props.contentType).toBe('application/json');
  }, 60_000);

  it('never overwrites a blob: the service refuses the second write and the first content stays', async () => {
    // Prepare: a blob already at the ref the value will get, holding other bytes.
    const container = containerAt(endpoint, KEY, 'runs-write-once');
    const store = new BlobRunStore(container);
    const ref = await store.put('pd-2', 'evidence', { a: 1 });
    await container.getBlockBlobClient(ref).delete();
    await container.getBlockBlobClient(ref).upload('{"planted":true}', 16);
    // Act
    const again = await store.put('pd-2', 'evidence', { a: 1 });
    // Assess
    expect(again).toBe(ref);
    expect(await store.get(ref)).toEqual({ planted: true });
  }, 60_000);

  it('gives both of two racing writers of the same value the same ref, and keeps one blob', async () => {
    // Prepare
    const container = containerAt(endpoint, KEY, 'runs-race');
    const [a, b] = [new BlobRunStore(container), new BlobRunStore(container)];
    // Act
    const refs = await Promise.all([
      a.put('pd-3', 'diagnosis', { x: 'y' }),
      b.put('pd-3', 'diagnosis', { x: 'y' }),
    ]);
    // Assess
    expect(refs[0]).toBe(refs[1]);
    expect(await blobNames(container)).toEqual([refs[0]]);
  }, 60_000);

  it('fails a read of a ref it does not have with one clear error, caused by the 404', async () => {
    // Prepare
    const store = new BlobRunStore(containerAt(endpoint, KEY, 'runs-once'));
    // Act
    const read = store.get('pd-1/topology/0000000000000000');
    // Assess
    const err = await read.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProbeDoctorError);
    expect((err as Error).message).toBe('the run store has no value pd-1/topology/0000000000000000');
    expect(((err as Error).cause as { statusCode?: number }).statusCode).toBe(404);
  }, 60_000);

  it('passes on the service refusing the credential (403), and writes nothing', async () => {
    // Prepare: the right account, a wrong key.
    const wrongKey = Buffer.from('not the key of devstoreaccount1').toString('base64');
    const store = new BlobRunStore(containerAt(endpoint, wrongKey, 'runs-forbidden'));
    // Act
    const put = store.put('pd-4', 'topology', { a: 1 });
    // Assess
    await expect(put).rejects.toMatchObject({ statusCode: 403 });
    expect(await containerAt(endpoint, KEY, 'runs-forbidden').exists()).toBe(false);
  }, 60_000);

  it('fails when the service is unreachable, and tries the container again on the next put', async () => {
    // Prepare: a port nothing listens on, then the real endpoint behind the same store.
    let target = 'http://127.0.0.1:9';
    const real = containerAt(endpoint, KEY, 'runs-retry');
    const store = new BlobRunStore({
      createIfNotExists: (...args) => containerAt(target, KEY, 'runs-retry').createIfNotExists(...args),
      getBlockBlobClient: (name) => real.getBlockBlobClient(name),
    });
    // Act
    const first = store.put('pd-5', 'topology', { a: 1 });
    await expect(first).rejects.toThrow(/ECONNREFUSED|connect/);
    target = endpoint;
    const ref = await store.put('pd-5', 'topology', { a: 1 });
    // Assess
    expect(await store.get(ref)).toEqual({ a: 1 });
  }, 60_000);
});
