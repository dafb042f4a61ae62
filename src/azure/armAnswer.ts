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

/** Every field some check below looks at; any other is only walked into. */
const CHECKED_FIELDS = new Set([
  ...NAMED_COLLECTIONS,
  ...STRING_FIELDS,
  ...STRING_LIST_FIELDS,
  ...PORT_FIELDS,
  ...PORTS_FIELDS,
  'port',
  'probes',
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
 * A JSON path as the walk goes down: one link per object or list entered, spelled out as a path only
 * when a message needs it. Answers are almost always valid, and a load balancer of a thousand
 * backends is tens of thousands of nodes: copying the path at every node was most of the walk's cost.
 */
interface PathLink {
  parent: PathLink | undefined;
  segment: string | number;
}

/** The path of `link` and then `more`, after `base`. */
function pathOf(
  base: readonly (string | number)[],
  link: PathLink | undefined,
  more: readonly (string | number)[],
): (string | number)[] {
  const down: (string | number)[] = [];
  for (let at = link; at; at = at.parent) down.push(at.segment);
  return [...base, ...down.reverse(), ...more];
}

/**
 * Checks one ARM answer (a resource as GET returns it, or a list of them) and returns it unchanged.
 *
 * @param what - what was read, for the message (e.g. `invalid ARM answer for load balancer /subscriptions/...`).
 * @param basePath - where the value sits in a larger document (a scenario's `resources[3]`).
 * @throws InvalidArmAnswerError naming the JSON path of the first broken invariant.
 */
export function checkArmAnswer<T>(value: T, what: string, basePath: (string | number)[] = []): T {
  const fail = (link: PathLink | undefined, more: (string | number)[], message: string): never => {
    const where = pathText(pathOf(basePath, link, more));
    throw new InvalidArmAnswerError(`${what}: ${where}: ${message}`, where);
  };
  const visit = (node: unknown, link: PathLink | undefined, depth: number): void => {
    if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        // A value that is not an object has nothing to check inside: no link for it.
        if (item !== null && typeof item === 'object') visit(item, { parent: link, segment: i }, depth + 1);
      }
      return;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (child === undefined || child === null) continue;
      // A resource's tags are the user's own names and values (a tag `port: "443"` is no probe port):
      // none of ARM's invariants below speaks of them.
      if (key === 'tags') continue;
      // Most fields of a large answer (a pool's thousand references) are none of those checked: one
      // lookup says so, and an object or list is walked into at once.
      if (!CHECKED_FIELDS.has(key)) {
        if (typeof child === 'object') visit(child, { parent: link, segment: key }, depth + 1);
        continue;
      }
      if (STRING_FIELDS.has(key) && typeof child !== 'string') {
        fail(link, [key], `expected a string, got ${shown(child)}`);
      }
      if (STRING_LIST_FIELDS.has(key)) {
        if (!Array.isArray(child)) fail(link, [key], `expected a list of strings, got ${shown(child)}`);
        (child as unknown[]).forEach((item, i) => {
          if (typeof item !== 'string') fail(link, [key, i], `expected a string, got ${shown(item)}`);
        });
      }
      if (PORT_FIELDS.has(key) && !isArmPortRange(child as string)) {
        fail(
          link,
          [key],
          `${shown(child)} is not a port or range ARM accepts (1-65535, a range within 0-65535, or *)`,
        );
      }
      if (PORTS_FIELDS.has(key)) {
        (child as string[]).forEach((item, i) => {
          if (!isArmPortRange(item)) {
            fail(
              link,
              [key, i],
              `${shown(item)} is not a port or range ARM accepts (1-65535, a range within 0-65535, or *)`,
            );
          }
        });
      }
      if (
        key === 'port' &&
        (typeof child !== 'number' || !Number.isInteger(child) || child < 1 || child > 65535)
      ) {
        fail(link, [key], `expected a port (an integer 1-65535), got ${shown(child)}`);
      }
      if (NAMED_COLLECTIONS.has(key) && Array.isArray(child)) {
        const seen = new Map<string, number>();
        child.forEach((item, i) => {
          const name = (item as { name?: unknown } | null)?.name;
          if (typeof name !== 'string') return;
          const earlier = seen.get(name.toLowerCase());
          if (earlier !== undefined) {
            fail(
              link,
              [key, i, 'name'],
              `two ${key} named '${name}' (also at ${pathText(pathOf(basePath, link, [key, earlier, 'name']))}); ARM keeps names unique within a collection`,
            );
          }
          seen.set(name.toLowerCase(), i);
        });
      }
      if (typeof child !== 'object') continue;
      const at: PathLink = { parent: link, segment: key };
      visit(child, at, depth + 1);
      if (key === 'probes' && Array.isArray(child)) {
        // After the probes' own fields: `port` is required on a probe (Probe.port in the same reference): one without is no probe.
        child.forEach((item, i) => {
          const probe = item as { port?: unknown; properties?: { port?: unknown } } | null;
          const inProperties = probe?.properties !== null && typeof probe?.properties === 'object';
          const port = inProperties ? probe?.properties?.port : probe?.port;
          if (port === undefined || port === null) {
            fail(at, [i, ...(inProperties ? ['properties'] : []), 'port'], 'a probe must have a port');
          }
        });
      }
    }
  };
  visit(value, undefined, 0);
  return value;
}
