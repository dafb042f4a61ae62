/**
 * ETags. Network resources and their children carry `W/"<guid>"` etags that change on every write;
 * the sandbox derives them from the resource id and the state version, so they are stable between
 * writes and reproducible between runs.
 */
import { createHash } from 'node:crypto';
import { idKey } from '../model/ids';
import { CHILD_COLLECTIONS, type SandboxState } from './state';

/** A weak etag for `id` at `version`, shaped like ARM's (`W/"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"`). */
export function etagFor(id: string, version: number): string {
  return `W/"${guidFrom(`${idKey(id)}@${version}`)}"`;
}

/** A GUID-shaped string derived from `text` (deterministic: same text, same GUID). */
export function guidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Network resources have etags in ARM; compute resources in these api-versions mostly do not. */
function hasEtag(type: unknown): boolean {
  return typeof type === 'string' && type.toLowerCase().startsWith('microsoft.network/');
}

/**
 * Gives every network resource and nested child that lacks an etag one, so a scenario exported
 * without etags still behaves like ARM under If-Match.
 */
export function seedEtags(state: SandboxState): void {
  for (const resource of state.resources.values()) {
    if (!hasEtag(resource.type)) continue;
    addMissingEtags(resource, state.version);
  }
}

function addMissingEtags(resource: Record<string, unknown>, version: number): void {
  if (typeof resource.id === 'string' && resource.etag === undefined)
    resource.etag = etagFor(resource.id, version);
  const properties = resource.properties as Record<string, unknown> | undefined;
  if (!properties) return;
  for (const property of Object.values(CHILD_COLLECTIONS)) {
    const children = properties[property];
    if (!Array.isArray(children)) continue;
    for (const child of children as unknown[]) {
      if (child && typeof child === 'object') addMissingEtags(child as Record<string, unknown>, version);
    }
  }
}
