/**
 * The inline run store: the ref carries the value itself, so nothing is kept anywhere and any
 * process can read it. History stays as large as before; the Functions app uses it only when no
 * blob endpoint (`AzureWebJobsStorage__blobServiceUri`) is configured (see ./blobRunStore).
 */
import { ProbeDoctorError } from '../errors';
import { serializeForStore, type RunStore } from './runStore';

const PREFIX = 'inline:';

/** A {@link RunStore} that keeps nothing: `put` returns the value as its ref. */
export class InlineRunStore implements RunStore {
  put(runId: string, name: string, value: unknown): Promise<string> {
    try {
      // Serialized for the same check every store makes (JSON-serializable); the hash is not needed.
      const { json } = serializeForStore(runId, name, value);
      return Promise.resolve(`${PREFIX}${json}`);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  get<T>(ref: string): Promise<T> {
    if (!ref.startsWith(PREFIX)) {
      return Promise.reject(new ProbeDoctorError(`not an inline run store ref: ${ref.slice(0, 80)}`));
    }
    return Promise.resolve(JSON.parse(ref.slice(PREFIX.length)) as T);
  }
}
