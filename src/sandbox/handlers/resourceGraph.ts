/**
 * `POST /providers/Microsoft.ResourceGraph/resources`: Azure Resource Graph over the scenario's
 * top-level resources, for the small KQL subset docs/scenarios.md lists (what the fleet sweep sends).
 *
 * The wire shape follows Microsoft's examples (azure-rest-api-specs,
 * specification/resourcegraph/.../stable/2024-04-01/examples/ResourcesFirstPageQuery.json and
 * ResourcesNextPageQuery.json): request `{ subscriptions, query, options: { $top, $skip, $skipToken,
 * resultFormat } }`; answer `{ totalRecords, count, resultTruncated: "false", facets: [], $skipToken?,
 * data }`. Resource Graph only returns resources the caller may read, so a forbidden id is left out
 * (as the ARM lists leave it out), and `type` comes back lowercased, as Resource Graph spells it.
 * Anything outside the subset is a 400 InvalidQuery rather than a guess.
 */
import type { SandboxContext } from '../context';
import { isHidden } from '../forbidden';
import { SandboxHttpError } from '../httpError';
import type { ArmRequest, ArmResponse } from '../router';

type Json = Record<string, unknown>;

/** Resource Graph's default page size, and its largest `$top`. */
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;

/** One pipe stage of the supported subset. */
type Stage =
  | { op: 'where-eq'; column: string; value: string; caseInsensitive: boolean }
  | { op: 'where-in'; column: string; values: string[]; caseInsensitive: boolean }
  | { op: 'project'; columns: string[] }
  | { op: 'order'; column: string; descending: boolean };

function invalidQuery(detail: string): SandboxHttpError {
  return new SandboxHttpError(
    400,
    'BadRequest',
    `Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying. (${detail})`,
  );
}

const COLUMN = '([A-Za-z][A-Za-z0-9_]*)';
const STRING = `'((?:[^'\\\\]|\\\\.)*)'`;
const WHERE_EQ = new RegExp(`^where\\s+${COLUMN}\\s*(=~|==)\\s*${STRING}$`, 'i');
const WHERE_IN = new RegExp(`^where\\s+${COLUMN}\\s+(in~|in)\\s*\\(([^)]*)\\)$`, 'i');
const PROJECT = /^project\s+(.+)$/i;
const ORDER = new RegExp(`^(?:order|sort)\\s+by\\s+${COLUMN}(?:\\s+(asc|desc))?$`, 'i');

/** Parses the subset: `Resources | where c =~ 'v' | where c in~ ('a','b') | project a, b | order by c`. */
export function parseResourceGraphQuery(query: string): Stage[] {
  const [table, ...rest] = query.split('|').map((s) => s.trim());
  if (!table || table.toLowerCase() !== 'resources') {
    throw invalidQuery(`only the Resources table is emulated, got '${table ?? ''}'`);
  }
  return rest.map((text): Stage => {
    const eq = WHERE_EQ.exec(text);
    if (eq) {
      return { op: 'where-eq', column: eq[1]!, value: unquote(eq[3]!), caseInsensitive: eq[2] === '=~' };
    }
    const inList = WHERE_IN.exec(text);
    if (inList) {
      const values = inList[3]!.split(',').map((v) => {
        const m = new RegExp(`^\\s*${STRING}\\s*$`).exec(v);
        if (!m) throw invalidQuery(`expected a list of quoted strings in '${text}'`);
        return unquote(m[1]!);
      });
      return { op: 'where-in', column: inList[1]!, values, caseInsensitive: inList[2] === 'in~' };
    }
    const project = PROJECT.exec(text);
    if (project) {
      const columns = project[1]!.split(',').map((c) => c.trim());
      if (columns.some((c) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(c))) {
        throw invalidQuery(`project supports plain column names only, got '${project[1]!}'`);
      }
      return { op: 'project', columns };
    }
    const order = ORDER.exec(text);
    if (order) return { op: 'order', column: order[1]!, descending: order[2]?.toLowerCase() === 'desc' };
    throw invalidQuery(`the sandbox does not emulate '${text}'`);
  });
}

function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** A scenario resource as a Resources row: Resource Graph's columns, `type` lowercased. */
function rowOf(resource: Json): Json {
  const id = String(resource.id);
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  return {
    id,
    name: resource.name,
    type: String(resource.type).toLowerCase(),
    tenantId: '',
    kind: resource.kind ?? '',
    location: resource.location ?? '',
    // Resource Graph reports the resource group name lowercased.
    resourceGroup: (m?.[2] ?? '').toLowerCase(),
    subscriptionId: m?.[1] ?? '',
    managedBy: resource.managedBy ?? '',
    sku: resource.sku ?? null,
    plan: resource.plan ?? null,
    properties: resource.properties ?? {},
    tags: resource.tags ?? null,
    identity: resource.identity ?? null,
    zones: resource.zones ?? null,
    extendedLocation: resource.extendedLocation ?? null,
  };
}

function cell(row: Json, column: string): string {
  const key = Object.keys(row).find((k) => k.toLowerCase() === column.toLowerCase());
  if (key === undefined) throw invalidQuery(`unknown column '${column}'`);
  const value = row[key];
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

function run(stages: readonly Stage[], rows: Json[]): Json[] {
  let out = rows;
  for (const stage of stages) {
    const same = (a: string, b: string, ci: boolean) => (ci ? a.toLowerCase() === b.toLowerCase() : a === b);
    switch (stage.op) {
      case 'where-eq':
        out = out.filter((r) => same(cell(r, stage.column), stage.value, stage.caseInsensitive));
        break;
      case 'where-in':
        out = out.filter((r) =>
          stage.values.some((v) => same(cell(r, stage.column), v, stage.caseInsensitive)),
        );
        break;
      case 'project':
        out = out.map((r) => Object.fromEntries(stage.columns.map((c) => [c, r[c] ?? null])));
        break;
      case 'order':
        out = [...out].sort((a, b) => {
          const x = cell(a, stage.column);
          const y = cell(b, stage.column);
          return (x < y ? -1 : x > y ? 1 : 0) * (stage.descending ? -1 : 1);
        });
        break;
    }
  }
  return out;
}

function readBody(body: unknown): { query: string; subscriptions?: string[]; options: Json } {
  const b = (body ?? {}) as Json;
  if (typeof b.query !== 'string' || b.query.trim() === '') {
    throw new SandboxHttpError(400, 'BadRequest', "The request body must contain a 'query' string.");
  }
  if (b.managementGroups !== undefined) {
    throw new SandboxHttpError(400, 'BadRequest', 'The sandbox does not emulate management group scopes.');
  }
  const subs = b.subscriptions;
  if (subs !== undefined && !(Array.isArray(subs) && subs.every((s) => typeof s === 'string'))) {
    throw new SandboxHttpError(400, 'BadRequest', "'subscriptions' must be an array of subscription ids.");
  }
  return {
    query: b.query,
    ...(subs ? { subscriptions: subs } : {}),
    options: (b.options ?? {}) as Json,
  };
}

/**
 * The page a request asks for. A skip token "captures the next page size and offset" (the API's
 * QueryRequestOptions); `$top` and `$skip` override them. The sandbox's tokens are base64 JSON
 * `{ "offset": n, "top": n }`.
 */
function pageOf(options: Json): { offset: number; top: number } {
  let offset = 0;
  let top = DEFAULT_TOP;
  const token = options.$skipToken;
  if (typeof token === 'string' && token.length > 0) {
    let parsed: { offset?: unknown; top?: unknown } = {};
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as typeof parsed;
    } catch {
      // reported below
    }
    if (typeof parsed.offset !== 'number' || typeof parsed.top !== 'number') {
      throw new SandboxHttpError(400, 'BadRequest', 'The $skipToken is invalid.');
    }
    offset = parsed.offset;
    top = parsed.top;
  }
  if (typeof options.$skip === 'number' && options.$skip >= 0) offset = options.$skip;
  if (typeof options.$top === 'number') top = Math.min(Math.max(options.$top, 1), MAX_TOP);
  return { offset, top };
}

/** `POST /providers/Microsoft.ResourceGraph/resources` */
export function resourceGraphQuery(ctx: SandboxContext, req: ArmRequest): ArmResponse {
  const { query, subscriptions, options } = readBody(req.body);
  const stages = parseResourceGraphQuery(query);
  const wanted = subscriptions?.map((s) => s.toLowerCase());
  const rows = [...ctx.state.resources.values()]
    .map((r) => r as unknown as Json)
    .filter((r) => !isHidden(ctx.state, r))
    .map(rowOf)
    .filter((r) => !wanted || wanted.includes(String(r.subscriptionId).toLowerCase()));
  const result = run(stages, rows);
  const { offset, top } = pageOf(options);
  const data = structuredClone(result.slice(offset, offset + top));
  const body: Json = {
    totalRecords: result.length,
    count: data.length,
    resultTruncated: 'false',
    facets: [],
    data:
      options.resultFormat === 'table'
        ? {
            columns: Object.keys(data[0] ?? {}).map((name) => ({ name, type: 'string' })),
            rows: data.map((r) => Object.values(r)),
          }
        : data,
  };
  if (offset + top < result.length) {
    body.$skipToken = Buffer.from(JSON.stringify({ offset: offset + top, top })).toString('base64');
  }
  return { status: 200, body };
}
