/**
 * ARM's own invariants, checked on every answer before probe-doctor reasons about it. An answer that
 * breaks them (an `id` that is not a string, two probes with one name, a security rule port ARM would
 * refuse to store) is not a network to diagnose or fix: it is invalid data, reported as one clear
 * error naming the field, never a crash deep inside the diagnosis and never a plan built on it.
 *
 * The invariants come from ARM's contract: every `id` is a resource id string; child resources of one
 * collection are unique by name ("The name of the resource that is unique within the set of probes
 * used by the load balancer", `@azure/arm-network` Probe.name); a security rule's port is an integer
 * or range between 0 and 65535, or `*`, and its priority 100..4096 (SecurityRule in the same
 * reference; a single port 0 is refused by ARM with SecurityRuleInvalidPortRange).
 */
import { InvalidInputError } from '../errors';

/** An ARM (or scenario) answer that breaks ARM's own invariants; `where` is the JSON path. */
export class InvalidArmAnswerError extends InvalidInputError {}

/** True for an {@link InvalidArmAnswerError}. */
export function isInvalidArmAnswerError(err: unknown): err is InvalidArmAnswerError {
  return err instanceof InvalidArmAnswerError;
}

/** Collections whose members ARM keeps unique by name (case-insensitive, as ARM compares names). */
const NAMED_COLLECTIONS = new Set([
  'probes',
  'loadBalancingRules',
  'backendAddressPools',
  'frontendIPConfigurations',
  'inboundNatRules',
  'outboundRules',
  'ipConfigurations',
  'securityRules',
  'subnets',
  'routes',
]);

/** Fields holding one port or port range, and their plural forms. */
const PORT_FIELDS = new Set(['sourcePortRange', 'destinationPortRange']);
const PORTS_FIELDS = new Set(['sourcePortRanges', 'destinationPortRanges']);
const STRING_LIST_FIELDS = new Set(['sourceAddressPrefixes', 'destinationAddressPrefixes', ...PORTS_FIELDS]);
const STRING_FIELDS = new Set([
  'id',
  'name',
  'sourceAddressPrefix',
  'destinationAddressPrefix',
  ...PORT_FIELDS,
]);

const MAX_DEPTH = 40;

/** A port or range as ARM stores it: `*`, `80`, `1000-2000`; a single port 0 is refused. */
export function isArmPortRange(value: string): boolean {
  const v = value.trim();
  if (v === '*') return true;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  if (!m) return false;
  const low = Number(m[1]);
  const high = m[2] === undefined ? undefined : Number(m[2]);
  if (high === undefined) return low >= 1 && low <= 65535;
  return low >= 0 && high <= 65535 && low <= high;
}

/** `$.properties.probes[1].id` */
function pathText(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${p}`), '$');
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}... (${text.length} characters)` : text;
}

/**
 * Checks one ARM answer (a resource as GET returns it, or a list of them) and returns it unchanged.
 *
 * @param what - what was read, for the message (e.g. `invalid ARM answer for load balancer /subscriptions/...`).
 * @param basePath - where the value sits in a larger document (a scenario's `resources[3]`).
 * @throws InvalidArmAnswerError naming the JSON path of the first broken invariant.
 */
export function checkArmAnswer<T>(value: T, what: string, basePath: (string | number)[] = []): T {
  // One path, pushed and popped as the walk goes, copied only into an error: an 838 KB load balancer
  // (1,000 pool members) has ~40,000 fields, and a fresh path per field was most of the check's cost.
  const path: (string | number)[] = [...basePath];
  const fail = (at: (string | number)[], message: string): never => {
    const where = pathText(at);
    throw new InvalidArmAnswerError(`${what}: ${where}: ${message}`, where);
  };
  const visit = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        visit(node[i], depth + 1);
        path.pop();
      }
      return;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (child === undefined || child === null) continue;
      path.push(key);
      checkField(key, child);
      visit(child, depth + 1);
      if (key === 'probes' && Array.isArray(child)) requirePorts(child);
      path.pop();
    }
  };
  /** The invariants of one field; `path` ends with its key. */
  const checkField = (key: string, child: unknown): void => {
    if (STRING_FIELDS.has(key) && typeof child !== 'string') {
      fail([...path], `expected a string, got ${shown(child)}`);
    }
    if (STRING_LIST_FIELDS.has(key)) {
      if (!Array.isArray(child)) fail([...path], `expected a list of strings, got ${shown(child)}`);
      (child as unknown[]).forEach((item, i) => {
        if (typeof item !== 'string') fail([...path, i], `expected a string, got ${shown(item)}`);
      });
    }
    if (PORT_FIELDS.has(key) && !isArmPortRange(child as string)) {
      fail(
        [...path],
        `${shown(child)} is not a port or range ARM accepts (1-65535, a range within 0-65535, or *)`,
      );
    }
    if (PORTS_FIELDS.has(key)) {
      (child as string[]).forEach((item, i) => {
        if (!isArmPortRange(item)) {
          fail(
            [...path, i],
            `${shown(item)} is not a port or range ARM accepts (1-65535, a range within 0-65535, or *)`,
          );
        }
      });
    }
    if (
      key === 'port' &&
      (typeof child !== 'number' || !Number.isInteger(child) || child < 1 || child > 65535)
    ) {
      fail([...path], `expected a port (an integer 1-65535), got ${shown(child)}`);
    }
    if (NAMED_COLLECTIONS.has(key) && Array.isArray(child)) {
      const seen = new Map<string, number>();
      child.forEach((item, i) => {
        const name = (item as { name?: unknown } | null)?.name;
        if (typeof name !== 'string') return;
        const earlier = seen.get(name.toLowerCase());
        if (earlier !== undefined) {
          fail(
            [...path, i, 'name'],
            `two ${key} named '${name}' (also at ${pathText([...path, earlier, 'name'])}); ARM keeps names unique within a collection`,
          );
        }
        seen.set(name.toLowerCase(), i);
      });
    }
  };
  /**
   * After the probes' own fields: `port` is required on a probe (Probe.port in the same reference):
   * one without is no probe. `path` ends with `probes`.
   */
  const requirePorts = (probes: unknown[]): void => {
    probes.forEach((item, i) => {
      const probe = item as { port?: unknown; properties?: { port?: unknown } } | null;
      const inProperties = probe?.properties !== null && typeof probe?.properties === 'object';
      const port = inProperties ? probe?.properties?.port : probe?.port;
      if (port === undefined || port === null) {
        fail([...path, i, ...(inProperties ? ['properties'] : []), 'port'], 'a probe must have a port');
      }
    });
  };
  visit(value, 0);
  return value;
}
