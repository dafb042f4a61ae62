/**
 * Partial permissions: a scenario's `forbidden` ids (and everything under them) answer 403, and lists
 * leave them out, as ARM does for resources the caller cannot read.
 */
import { idKey } from '../model/ids';
import type { SandboxState } from './state';

/** The forbidden id covering `path` (a resource, a child, or an action under it), if any. */
export function forbiddenScope(state: SandboxState, path: string): string | undefined {
  const key = idKey(path);
  return (state.scenario.forbidden ?? []).find((id) => {
    const f = idKey(id);
    return key === f || key.startsWith(`${f}/`);
  });
}

/** True when a listed item must be hidden from the caller. */
export function isHidden(state: SandboxState, item: unknown): boolean {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === 'string' && forbiddenScope(state, id) !== undefined;
}
