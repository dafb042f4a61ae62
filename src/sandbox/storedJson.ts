/**
 * The JSON text of each stored resource, as a resource provider keeps it: a GET serves the document
 * the provider stored, it does not serialize the resource anew for every read.
 *
 * Why: the time model (timeModel.ts) charges every ARM request the same `armRequest` duration
 * (issue #14's figure; Microsoft publishes none, and a real 838 KB GET plausibly takes longer than a
 * small one). Serializing a load balancer of 1,000 pool members (838 KB) on the sandbox's one thread
 * took ~8 ms on a small machine, on top of that duration and in front of every request that arrived
 * meanwhile: a cost of the emulator that its own model does not have. So the text is taken once per
 * state version: for every resource when the sandbox starts ({@link primeStoredJson}, as if written
 * before; at 1,000 backends 4.8 MB, 23-28 ms of the sandbox's start), and in slices (slicing.ts) the
 * first time a resource is read after a change. Any change bumps the state's version (state.ts
 * `recordChange`), so a read never gets a text older than the resource.
 *
 * The text is kept encoded too ({@link storedJsonBytes}), as the bytes a front end sends: encoding an
 * 838 KB text again for every read is a fresh buffer of that size each time, ~3.5 ms of the sandbox's
 * one thread on the benchmark's VM (where a fresh page costs ~5 µs to touch), during which a request
 * that arrives (the rules' health POST, sent right behind the load balancer's GET) waits to start.
 *
 * An implementation detail of the sandbox's model: it changes when the text is made, never what is
 * answered (test/sandbox/storedJson.test.ts).
 */
import { stringifyInSlices, type SliceOptions } from './slicing';
import type { SandboxState } from './state';

/**
 * The text of an answer that holds stored state (a resource read without a copy), serialized in
 * slices. A write answered between two slices would leave the text half before, half after it: when
 * the state's version (state.ts `recordChange`, which every change goes through) moved while the text
 * was written, it is taken again at once, so the answer is the state as it was at one moment.
 */
export async function stateJson(
  state: SandboxState,
  body: unknown,
  options: SliceOptions = {},
): Promise<string> {
  const version = state.version;
  const text = await stringifyInSlices(body, options);
  return state.version === version ? text : JSON.stringify(body);
}

interface Stored {
  version: number;
  text: Promise<string>;
  /** `text` in UTF-8, once asked for. */
  bytes?: Promise<Buffer>;
}

/** The UTF-8 bytes of a text being made. */
export function utf8Of(text: Promise<string>): Promise<Buffer> {
  const bytes = text.then((t) => Buffer.from(t, 'utf8'));
  bytes.catch(() => undefined);
  return bytes;
}

/** Texts by the stored object they are of (a resource, or a child such as a subnet), per state. */
const stored = new WeakMap<SandboxState, WeakMap<object, Stored>>();

function textsOf(state: SandboxState): WeakMap<object, Stored> {
  let texts = stored.get(state);
  if (!texts) {
    texts = new WeakMap();
    stored.set(state, texts);
  }
  return texts;
}

/** Takes the text of every top-level resource of `state` now (the sandbox's start). */
export function primeStoredJson(state: SandboxState): void {
  const texts = textsOf(state);
  for (const resource of state.resources.values()) {
    const text = JSON.stringify(resource);
    texts.set(resource, {
      version: state.version,
      text: Promise.resolve(text),
      bytes: Promise.resolve(Buffer.from(text, 'utf8')),
    });
  }
}

/**
 * The text of `resource`, an object held in `state`: the stored one while the state's version is the
 * one it was taken at, else taken again (in slices) and stored.
 */
export function storedJson(state: SandboxState, resource: object): Promise<string> {
  const texts = textsOf(state);
  const known = texts.get(resource);
  if (known?.version === state.version) return known.text;
  const text = stateJson(state, resource);
  // A text that could not be made is not kept: the next read tries again, and answers its error.
  text.catch(() => texts.delete(resource));
  texts.set(resource, { version: state.version, text });
  return text;
}

/** {@link storedJson}'s text in UTF-8, encoded once per text and kept with it. */
export function storedJsonBytes(state: SandboxState, resource: object): Promise<Buffer> {
  const text = storedJson(state, resource);
  const entry = textsOf(state).get(resource);
  // The entry is the one storedJson just returned the text of, unless that text failed and was dropped.
  if (!entry || entry.text !== text) return utf8Of(text);
  entry.bytes ??= utf8Of(text);
  return entry.bytes;
}
