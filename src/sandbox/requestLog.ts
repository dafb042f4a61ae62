/**
 * What the sandbox saw: one entry per request. Tests read it to prove a retry happened, and the ARM
 * operation names are what a least-privilege role is derived from.
 */
import { createHash } from 'node:crypto';

/** One request as the sandbox answered it. */
export interface RequestLogEntry {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
  apiVersion?: string;
  status: number;
  /** ARM operation (RBAC action), e.g. `Microsoft.Network/networkSecurityGroups/securityRules/write`. */
  operation?: string;
  /**
   * Actions ARM checked on resources the request names, beyond {@link operation} (a security rule
   * naming an application security group: its join action; src/sandbox/linkedAuthorization.ts).
   */
  linkedOperations?: string[];
  /**
   * A Run Command as the VM received it: its command id and the SHA-256 (hex) of its script, the
   * request's `script` lines joined with `\n` (what a reviewer hashes to match the audit trail).
   */
  runCommand?: { commandId: string; scriptSha256: string };
}

/**
 * The RBAC action a request needs, derived the way ARM derives it: the resource provider namespace
 * after the last `/providers/`, then every type segment (names skipped), then `read`, `write`,
 * `delete`, or `{action}/action` for a POST (whose last segment is the action's name).
 * A resource group's own path is `Microsoft.Resources/subscriptions/resourceGroups/...`; other paths
 * with no provider (`/subscriptions/{id}`) have no operation here.
 */
export function armOperationName(method: string, path: string): string | undefined {
  const segments = path.split('/').filter((s) => s.length > 0);
  // A resource group itself (`/subscriptions/{s}/resourcegroups/{rg}`) has no provider segment.
  if (
    segments.length === 4 &&
    /^subscriptions$/i.test(segments[0] ?? '') &&
    /^resourcegroups$/i.test(segments[2] ?? '')
  ) {
    const verb = method.toUpperCase();
    const suffix = verb === 'PUT' || verb === 'PATCH' ? 'write' : verb === 'DELETE' ? 'delete' : 'read';
    return `Microsoft.Resources/subscriptions/resourceGroups/${suffix}`;
  }
  // The subscription itself and its resource group list (`/subscriptions/{s}`, `.../resourcegroups`).
  if (/^subscriptions$/i.test(segments[0] ?? '') && (segments.length === 2 || segments.length === 3)) {
    if (segments.length === 2) return 'Microsoft.Resources/subscriptions/read';
    if (/^resourcegroups$/i.test(segments[2] ?? ''))
      return 'Microsoft.Resources/subscriptions/resourceGroups/read';
  }
  // A Resource Graph query is a POST but a read: its action is `Microsoft.ResourceGraph/resources/read`
  // (Azure Resource Graph's RBAC, the one `*/read` of Reader grants).
  if (/^\/?providers\/microsoft\.resourcegraph\/resources$/i.test(segments.join('/'))) {
    return 'Microsoft.ResourceGraph/resources/read';
  }
  const at = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (at < 0 || at + 2 > segments.length) return undefined;
  // Clients spell namespaces loosely (`microsoft.Compute`); RBAC actions use `Microsoft.Compute`.
  const raw = segments[at + 1] as string;
  const namespace = /^microsoft\./i.test(raw) ? `Microsoft.${raw.slice('microsoft.'.length)}` : raw;
  const rest = segments.slice(at + 2);
  const verb = method.toUpperCase();
  // Type segments sit at even offsets; a POST's action name is the last segment at an even offset.
  const types = rest.filter((_, i) => i % 2 === 0);
  if (verb === 'POST') {
    return rest.length % 2 === 1 ? [namespace, ...types, 'action'].join('/') : undefined;
  }
  if (types.length === 0) return undefined;
  const suffix = verb === 'PUT' || verb === 'PATCH' ? 'write' : verb === 'DELETE' ? 'delete' : 'read';
  return [namespace, ...types, suffix].join('/');
}

/**
 * The Run Command a request sends (`POST .../virtualMachines/{vm}/runCommand`, a VM's or a scale set
 * VM's), as {@link RequestLogEntry.runCommand} records it; undefined for any other request or a body
 * without a command id.
 */
export function runCommandOf(
  method: string,
  path: string,
  body: unknown,
): RequestLogEntry['runCommand'] | undefined {
  if (method !== 'POST' || !/\/virtualMachines\/[^/]+\/runCommand$/i.test(path)) return undefined;
  const input = body as { commandId?: unknown; script?: unknown } | undefined;
  if (typeof input?.commandId !== 'string') return undefined;
  const lines = Array.isArray(input.script) ? input.script.map(String) : [];
  return {
    commandId: input.commandId,
    scriptSha256: createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex'),
  };
}
