/**
 * Remembering a derived answer for as long as the sandbox's state does not change. The derivations
 * in ./derive are pure over the state, and every change bumps `state.version` through
 * `recordChange` (state.ts): a security rule PUT and DELETE and the PUT's completion, a VM start and
 * its end, a scale set update and its capacity change, a guest change by Run Command. So the answer
 * for the same arguments at the same version is the same answer. Per-rule health at 1,000 backends follows the probe through every
 * backend's NSGs and guest; without this, the probe-time layer (probeTime.ts) and the health
 * request each repeat it for a state nothing has touched.
 *
 * An implementation detail of the sandbox's model: it changes what is computed when, never what is
 * answered.
 */
import type { SandboxState } from './state';

type Remembered = { ok: true; value: unknown } | { ok: false; error: unknown };

interface VersionAnswers {
  version: number;
  answers: Map<string, Remembered>;
}

/** Freezes a JSON-like answer all the way down: one caller must not change what the next is given. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * `derive`, remembered per state and {@link SandboxState.version}: a second call with the same state,
 * version and arguments returns the first call's answer (frozen), or throws its error again. Any
 * change of the version forgets every answer for that state.
 */
export function memoPerVersion<A extends string[], R>(
  derive: (state: SandboxState, ...args: A) => R,
): (state: SandboxState, ...args: A) => R {
  const byState = new WeakMap<SandboxState, VersionAnswers>();
  return (state, ...args) => {
    let remembered = byState.get(state);
    if (remembered?.version !== state.version) {
      remembered = { version: state.version, answers: new Map() };
      byState.set(state, remembered);
    }
    const key = JSON.stringify(args);
    let answer = remembered.answers.get(key);
    if (!answer) {
      try {
        answer = { ok: true, value: deepFreeze(derive(state, ...args)) };
      } catch (error) {
        answer = { ok: false, error };
      }
      remembered.answers.set(key, answer);
    }
    if (!answer.ok) throw answer.error;
    return answer.value as R;
  };
}

/**
 * `build`, run at most once per state and {@link SandboxState.version}: for indexes over the state
 * (NIC to VM, pool to members) that many derivations of one version read. Unlike
 * {@link memoPerVersion} nothing is frozen, because an index holds the state's own raw objects, which
 * a later change edits in place (after bumping the version, which rebuilds the index). Callers must
 * not change what they are given.
 */
export function indexPerVersion<T>(build: (state: SandboxState) => T): (state: SandboxState) => T {
  const byState = new WeakMap<SandboxState, { version: number; value: T }>();
  return (state) => {
    const built = byState.get(state);
    if (built?.version === state.version) return built.value;
    const value = build(state);
    byState.set(state, { version: state.version, value });
    return value;
  };
}
