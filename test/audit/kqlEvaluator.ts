/**
 * Runs the audit KQL queries (infra/queries) over rows in memory, so a test can ask what a query
 * ANSWERS for a recorded audit trail, not only whether it binds. The query goes through the same
 * Kusto-checked path as kustoChecker.ts: Microsoft's language service parses and binds it against the
 * `customEvents` schema (a query with a diagnostic is refused), and the bound syntax tree is evaluated
 * here with Kusto's documented semantics (learn.microsoft.com/kusto/query: where, extend, project,
 * summarize, join kind=inner|innerunique|leftouter|leftanti|leftsemi, order by, mv-expand, take, let;
 * and the scalar functions the queries call). The binder's own result types decide integer vs real
 * division and which columns an outer join leaves null or empty. Anything outside that
 * subset throws "not supported", so a query that grows past it fails loudly instead of being
 * mis-evaluated.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return -- the language service is a Bridge.NET bundle with no typings */
import { kqlChecker, kustoGlobals, kustoLanguage } from './kustoChecker';

/** A Kusto value: string, long/int/real (number), bool, datetime (Date), dynamic (object/array), null. */
export type KqlValue = string | number | boolean | Date | null | KqlValue[] | { [key: string]: KqlValue };
export type KqlRow = Record<string, KqlValue>;

type Node = any;

interface Env {
  tables: Record<string, KqlRow[]>;
  lets: Map<string, KqlRow[] | KqlValue>;
}

const kindOf = (n: Node): string =>
  String(n?.constructor?.$$name ?? '')
    .replace('Kusto.Language.Syntax.', '')
    .replace(/[$+].*$/, '');

const isToken = (n: Node): boolean => kindOf(n) === 'SyntaxToken';

function childrenOf(n: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < n.ChildCount; i++) out.push(n.GetChild(i));
  return out;
}

/** The non-token children (lists and nodes), nulls kept out. */
const partsOf = (n: Node): Node[] => childrenOf(n).filter((c) => c && !isToken(c));

/** The elements of a SyntaxList (a SeparatedElement's element, or the item itself). */
const itemsOf = (list: Node): Node[] =>
  childrenOf(list)
    .filter(Boolean)
    .map((c) => (kindOf(c) === 'SeparatedElement' ? c.GetChild(0) : c));

/** The text of a name node (NameReference, NameDeclaration, TokenName). */
function nameOf(n: Node): string {
  if (isToken(n)) return String(n.Text);
  const first = childrenOf(n).find(Boolean);
  if (!first) throw new Error(`KQL: a ${kindOf(n)} without a name`);
  return nameOf(first);
}

function unsupported(n: Node, what = kindOf(n)): never {
  throw new Error(`KQL evaluator: ${what} is not supported (${String(n?.ToString?.() ?? '')})`);
}

// --- values ---

function literal(n: Node): KqlValue {
  const token = childrenOf(n).find(Boolean);
  const text = String(token.Text);
  const type = String(n.ResultType?.Name ?? '');
  if (type === 'string') {
    const quote = text[0];
    const body = text.slice(1, -1);
    return quote === '"'
      ? (JSON.parse(`"${body}"`) as string)
      : body.replace(/\\'/g, "'").replace(/\\\\/g, '\\');
  }
  if (type === 'bool') return text === 'true';
  if (type === 'long' || type === 'int' || type === 'real') return Number(text);
  return unsupported(n, `a ${type} literal`);
}

export function kqlToString(v: KqlValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function toDate(v: KqlValue): Date | null {
  if (v instanceof Date) return v;
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function toNumber(v: KqlValue): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** Kusto's ordering and equality key of a value. */
function keyOf(v: KqlValue): string {
  if (v instanceof Date) return `d:${v.getTime()}`;
  if (v === null) return 'null';
  return `${typeof v}:${kqlToString(v)}`;
}

function compare(a: KqlValue, b: KqlValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return kqlToString(a) < kqlToString(b) ? -1 : kqlToString(a) > kqlToString(b) ? 1 : 0;
}

/** datetime_diff(period, a, b): how many period boundaries lie between b and a (truncated values). */
const PERIOD_MS: Record<string, number> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/**
 * round(x, precision) as Kusto's documented examples answer it: the decimal digits, half away from
 * zero (round(2.15, 1) is 2.2, although 2.15 is 2.1499... in binary; round(-50.55, -2) is -100).
 */
function round(x: number, digits: number): number {
  const shifted = Number(`${Math.abs(x)}e${digits}`);
  return Math.sign(x) * Number(`${Math.round(shifted)}e${-digits}`);
}

// --- scalar expressions ---

/**
 * A scalar expression over `row`; inside summarize, `group` holds the group's rows and an aggregate
 * call anywhere in the expression (`round(avg(x), 1)`) is computed over them.
 */
function scalar(n: Node, row: KqlRow, env: Env, group?: KqlRow[]): KqlValue {
  switch (kindOf(n)) {
    case 'LiteralExpression':
      return literal(n);
    case 'ParenthesizedExpression':
      return scalar(partsOf(n)[0], row, env, group);
    case 'NameReference': {
      const name = nameOf(n);
      if (name in row) return row[name] ?? null;
      const bound = env.lets.get(name);
      if (bound !== undefined && !Array.isArray(bound)) return bound;
      throw new Error(`KQL evaluator: no column or scalar named ${name}`);
    }
    case 'PathExpression': {
      const [left, right] = partsOf(n);
      return member(scalar(left, row, env, group), nameOf(right));
    }
    case 'ElementExpression': {
      const [left, bracketed] = partsOf(n);
      const index = scalar(partsOf(bracketed)[0], row, env, group);
      return member(scalar(left, row, env, group), index);
    }
    case 'PrefixUnaryExpression': {
      const [op, operand] = childrenOf(n);
      const v = toNumber(scalar(operand, row, env, group));
      if (String(op.Text) !== '-' || v === null) return unsupported(n);
      return -v;
    }
    case 'InExpression': {
      // in / !in compare case-sensitively, in~ / !in~ ignore case (in-operator, not-in-operator docs).
      const [left, list] = partsOf(n);
      const op = String(childrenOf(n).find(isToken)?.Text ?? 'in');
      const fold = op.endsWith('~') ? (x: KqlValue) => keyOf(x).toLowerCase() : keyOf;
      const v = fold(scalar(left, row, env, group));
      const options = itemsOf(partsOf(list)[0]).map((e) => fold(scalar(e, row, env, group)));
      const found = options.some((o) => o === v);
      return op.startsWith('!') ? !found : found;
    }
    case 'BinaryExpression':
      return binary(n, row, env, group);
    case 'FunctionCallExpression':
      return call(n, row, env, group);
    default:
      return unsupported(n);
  }
}

function member(target: KqlValue, key: KqlValue): KqlValue {
  if (target === null || typeof target !== 'object' || target instanceof Date) return null;
  const value = Array.isArray(target)
    ? typeof key === 'number'
      ? target[key]
      : undefined
    : target[kqlToString(key)];
  return value ?? null;
}

function binary(n: Node, row: KqlRow, env: Env, group?: KqlRow[]): KqlValue {
  const [leftNode, op, rightNode] = childrenOf(n);
  const operator = String(op.Text);
  const left = scalar(leftNode, row, env, group);
  if (operator === 'and') return left === true && scalar(rightNode, row, env, group) === true;
  if (operator === 'or') return left === true || scalar(rightNode, row, env, group) === true;
  const right = scalar(rightNode, row, env, group);
  switch (operator) {
    // Null values (scalar-data-types/null-values): null == null and null != null are null; a null
    // against a value is false for == and true for !=.
    case '==':
      return left === null && right === null ? null : keyOf(left) === keyOf(right);
    case '!=':
      return left === null && right === null ? null : keyOf(left) !== keyOf(right);
    case '=~':
      return kqlToString(left).toLowerCase() === kqlToString(right).toLowerCase();
    case '<':
      return compare(left, right) < 0;
    case '<=':
      return compare(left, right) <= 0;
    case '>':
      return compare(left, right) > 0;
    case '>=':
      return compare(left, right) >= 0;
    case 'startswith':
      return kqlToString(left).toLowerCase().startsWith(kqlToString(right).toLowerCase());
    case '+':
    case '-':
    case '*':
    case '/': {
      const a = toNumber(left);
      const b = toNumber(right);
      if (a === null || b === null) return null;
      if (operator === '+') return a + b;
      if (operator === '-') return a - b;
      if (operator === '*') return a * b;
      if (b === 0) return null;
      // long / long is integer division in Kusto: the binder says which it is.
      const type = String(n.ResultType?.Name ?? '');
      return type === 'long' || type === 'int' ? Math.trunc(a / b) : a / b;
    }
    default:
      return unsupported(n, `operator ${operator}`);
  }
}

const AGGREGATES = new Set(['count', 'min', 'max', 'avg', 'sum', 'arg_max', 'arg_min', 'dcount']);

function argsOf(n: Node): Node[] {
  const list = partsOf(n)[1];
  return itemsOf(partsOf(list)[0] ?? { ChildCount: 0 });
}

function call(n: Node, row: KqlRow, env: Env, group?: KqlRow[]): KqlValue {
  const name = nameOf(partsOf(n)[0]);
  if (AGGREGATES.has(name)) {
    if (!group) throw new Error(`KQL evaluator: ${name}() outside summarize`);
    const values = Object.values(aggregate(n, group, env));
    if (values.length !== 1) return unsupported(n, `${name}() inside an expression`);
    return values[0] ?? null;
  }
  const args = argsOf(n).map((a) => scalar(a, row, env, group));
  const [a, b, c] = args;
  switch (name) {
    case 'tostring':
      return kqlToString(a);
    case 'toint':
    case 'tolong': {
      const v = toNumber(a ?? null);
      return v === null ? null : Math.trunc(v);
    }
    case 'todouble':
    case 'toreal':
      return toNumber(a ?? null);
    case 'todatetime':
      return toDate(a ?? null);
    case 'parse_json':
    case 'todynamic': {
      if (typeof a !== 'string') return a ?? null;
      try {
        return JSON.parse(a) as KqlValue;
      } catch {
        return a;
      }
    }
    case 'strlen':
      return kqlToString(a).length;
    case 'substring': {
      const s = kqlToString(a);
      const start = Math.max(0, toNumber(b ?? null) ?? 0);
      const length = c === undefined ? undefined : (toNumber(c) ?? 0);
      return length === undefined ? s.slice(start) : s.slice(start, start + length);
    }
    case 'split':
      return kqlToString(a).split(kqlToString(b));
    case 'strcat':
      return args.map(kqlToString).join('');
    case 'datetime_diff': {
      const period = PERIOD_MS[kqlToString(a).toLowerCase()];
      const x = toDate(b ?? null);
      const y = toDate(c ?? null);
      if (!period) return unsupported(n, `datetime_diff period ${kqlToString(a)}`);
      if (!x || !y) return null;
      return Math.floor(x.getTime() / period) - Math.floor(y.getTime() / period);
    }
    case 'round': {
      const x = toNumber(a ?? null);
      return x === null ? null : round(x, toNumber(b ?? 0) ?? 0);
    }
    case 'tolower':
      return kqlToString(a).toLowerCase();
    case 'toupper':
      return kqlToString(a).toUpperCase();
    // iff(if, then, else): `then` when the condition is true; a false or null condition gives `else`.
    case 'iff':
    case 'iif':
      return a === true ? (b ?? null) : (c ?? null);
    // case(p1, t1, [p2, t2, ...] else): the first `then` whose predicate is true, else the last argument.
    case 'case': {
      for (let i = 0; i + 1 < args.length; i += 2) if (args[i] === true) return args[i + 1] ?? null;
      return args[args.length - 1] ?? null;
    }
    // isnull / isnotnull: the null value of a type; a string is never null (null-values).
    case 'isnull':
      return a === null || a === undefined;
    case 'isnotnull':
      return !(a === null || a === undefined);
    // isempty / isnotempty: null or the empty string.
    case 'isempty':
      return a === null || a === undefined || a === '';
    case 'isnotempty':
      return !(a === null || a === undefined || a === '');
    default:
      return unsupported(n, `function ${name}()`);
  }
}

// --- tabular operators ---

/** An output column: its name and how to compute it. */
interface Column {
  name: string;
  expr: Node;
}

/** `name = expr`, or a bare expression named as Kusto names it (a column keeps its name). */
function columnOf(e: Node, index: number, prefix = 'Column'): Column {
  if (kindOf(e) === 'SimpleNamedExpression') {
    const [declaration, expr] = partsOf(e);
    return { name: nameOf(declaration), expr };
  }
  if (kindOf(e) === 'NameReference') return { name: nameOf(e), expr: e };
  if (kindOf(e) === 'PathExpression') return { name: nameOf(partsOf(e)[1]), expr: e };
  return { name: `${prefix}${index + 1}`, expr: e };
}

function aggregate(e: Node, rows: KqlRow[], env: Env): KqlRow {
  let name: string | undefined;
  let expr = e;
  if (kindOf(e) === 'SimpleNamedExpression') {
    const [declaration, inner] = partsOf(e);
    name = nameOf(declaration);
    expr = inner;
  }
  const fn = kindOf(expr) === 'FunctionCallExpression' ? nameOf(partsOf(expr)[0]) : '';
  if (!AGGREGATES.has(fn)) {
    // An expression over aggregates, e.g. round(avg(x), 1).
    return { [name ?? 'Column1']: scalar(expr, {}, env, rows) };
  }
  const args = argsOf(expr);
  const values = (a: Node) =>
    rows.map((r) => scalar(a, r, env)).filter((v): v is Exclude<KqlValue, null> => v !== null);
  const argName = args[0] ? columnOf(args[0], 0).name : '';
  switch (fn) {
    case 'count':
      return { [name ?? 'count_']: rows.length };
    case 'dcount':
      return { [name ?? `dcount_${argName}`]: new Set(values(args[0]).map(keyOf)).size };
    case 'min':
    case 'max': {
      const sorted = values(args[0]).sort(compare);
      const v = (fn === 'min' ? sorted[0] : sorted[sorted.length - 1]) ?? null;
      return { [name ?? `${fn}_${argName}`]: v };
    }
    case 'sum':
    case 'avg': {
      const numbers = values(args[0])
        .map(toNumber)
        .filter((x): x is number => x !== null);
      const sum = numbers.reduce((s, x) => s + x, 0);
      const v = fn === 'sum' ? sum : numbers.length === 0 ? null : sum / numbers.length;
      return { [name ?? `${fn}_${argName}`]: v };
    }
    case 'arg_max':
    case 'arg_min': {
      // The row with the largest (smallest) first argument; columns: that argument and the rest.
      const [by, ...rest] = args;
      let best: KqlRow | undefined;
      let bestValue: KqlValue = null;
      for (const r of rows) {
        const v = scalar(by, r, env);
        if (v === null) continue;
        const better =
          best === undefined || (fn === 'arg_max' ? compare(v, bestValue) > 0 : compare(v, bestValue) < 0);
        if (better) {
          best = r;
          bestValue = v;
        }
      }
      const out: KqlRow = { [columnOf(by, 0).name]: bestValue };
      for (const [i, c] of rest.entries()) {
        const col = columnOf(c, i + 1);
        out[col.name] = best ? scalar(col.expr, best, env) : null;
      }
      return out;
    }
    default:
      return unsupported(expr, `aggregate ${fn}()`);
  }
}

function summarize(op: Node, rows: KqlRow[], env: Env): KqlRow[] {
  const lists = partsOf(op).filter((p) => kindOf(p) === 'SyntaxList');
  const aggregates = itemsOf(lists[lists.length - 1]);
  const byClause = partsOf(op).find((p) => kindOf(p) === 'SummarizeByClause');
  const keys = byClause ? itemsOf(partsOf(byClause)[0]).map((e, i) => columnOf(e, i)) : [];
  const groups = new Map<string, { key: KqlRow; rows: KqlRow[] }>();
  for (const r of rows) {
    const key: KqlRow = {};
    for (const k of keys) key[k.name] = scalar(k.expr, r, env);
    const id = keys.map((k) => keyOf(key[k.name] ?? null)).join('\u0000');
    const group = groups.get(id) ?? { key, rows: [] };
    group.rows.push(r);
    groups.set(id, group);
  }
  if (keys.length === 0 && groups.size === 0) groups.set('', { key: {}, rows: [] });
  return [...groups.values()].map(
    (g) => Object.assign({}, g.key, ...aggregates.map((a) => aggregate(a, g.rows, env))) as KqlRow,
  );
}

const JOIN_KINDS = new Set(['inner', 'innerunique', 'leftouter', 'leftanti', 'leftantisemi', 'leftsemi']);

/**
 * The join flavors of join-operator / join-flavors: `innerunique` (the default) keeps one left row per
 * key and then joins like `inner`; `leftouter` also keeps each left row with no match, its right
 * columns null (an empty string for a string column: the string type has no null); `leftanti` keeps
 * only the left rows with no match and `leftsemi` only those with one, both with the left columns alone.
 */
function join(op: Node, left: KqlRow[], env: Env): KqlRow[] {
  const parts = partsOf(op);
  const params = itemsOf(parts[0]);
  const kindParam = params.find((p) => nameOf(partsOf(p)[0]) === 'kind');
  const kind = kindParam ? String(childrenOf(partsOf(kindParam)[1])[0].Text) : 'innerunique';
  if (!JOIN_KINDS.has(kind)) return unsupported(op, `join kind=${kind}`);
  const right = tabular(parts[1], env);
  const on = itemsOf(partsOf(parts[2])[0]).map((e) => {
    if (kindOf(e) !== 'NameReference') return unsupported(e, 'a join key other than a column name');
    return nameOf(e);
  });
  const keyFor = (r: KqlRow) => on.map((k) => keyOf(r[k] ?? null)).join('\u0000');
  if (kind === 'leftanti' || kind === 'leftantisemi' || kind === 'leftsemi') {
    const rightKeys = new Set(right.map(keyFor));
    return left.filter((l) => rightKeys.has(keyFor(l)) === (kind === 'leftsemi'));
  }
  const seen = new Set<string>();
  const leftRows =
    kind !== 'innerunique'
      ? left
      : left.filter((r) => {
          const k = keyFor(r);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
  const merge = (l: KqlRow, r: KqlRow): KqlRow => {
    const merged: KqlRow = { ...l };
    for (const [name, value] of Object.entries(r)) {
      // A right column whose name the left has already gets a number, as Kusto does (runId1).
      let target = name;
      for (let i = 1; target in merged; i++) target = `${name}${i}`;
      merged[target] = value;
    }
    return merged;
  };
  const out: KqlRow[] = [];
  for (const l of leftRows) {
    const matches = right.filter((r) => keyFor(l) === keyFor(r));
    for (const r of matches) out.push(merge(l, r));
    if (matches.length === 0 && kind === 'leftouter') out.push(merge(l, unmatchedRight(parts[1])));
  }
  return out;
}

/** The right side's columns, as the binder types them, each null (or '' for a string column). */
function unmatchedRight(rightExpr: Node): KqlRow {
  const columns = rightExpr.ResultType?.Columns;
  if (!columns) return unsupported(rightExpr, 'an outer join whose right side has no known columns');
  const row: KqlRow = {};
  for (let i = 0; i < Number(columns.Count); i++) {
    const column = columns.getItem(i);
    row[String(column.Name)] = String(column.Type?.Name) === 'string' ? '' : null;
  }
  return row;
}

function sort(op: Node, rows: KqlRow[], env: Env): KqlRow[] {
  const lists = partsOf(op).filter((p) => kindOf(p) === 'SyntaxList');
  const terms = itemsOf(lists[lists.length - 1]).map((e) => {
    if (kindOf(e) !== 'OrderedExpression') return { expr: e, desc: true };
    const [expr, ordering] = partsOf(e);
    const direction = ordering ? String(childrenOf(ordering)[0].Text) : 'desc';
    return { expr, desc: direction === 'desc' };
  });
  // Stable; nulls last when descending and first when ascending (Kusto's defaults).
  return rows
    .map((r, i) => ({ r, i, keys: terms.map((t) => scalar(t.expr, r, env)) }))
    .sort((x, y) => {
      for (const [k, t] of terms.entries()) {
        const c = compare(x.keys[k] ?? null, y.keys[k] ?? null);
        if (c !== 0) return t.desc ? -c : c;
      }
      return x.i - y.i;
    })
    .map((x) => x.r);
}

function mvExpand(op: Node, rows: KqlRow[], env: Env): KqlRow[] {
  const list = partsOf(op).find(
    (p) => kindOf(p) === 'SyntaxList' && itemsOf(p).some((e) => kindOf(e) === 'MvExpandExpression'),
  );
  const expressions = itemsOf(list);
  if (expressions.length !== 1) return unsupported(op, 'mv-expand of several columns');
  const column = columnOf(partsOf(expressions[0])[0], 0);
  return rows.flatMap((r) => {
    const value = scalar(column.expr, r, env);
    const items = Array.isArray(value)
      ? value
      : value !== null && typeof value === 'object'
        ? [value]
        : [value];
    return items.map((item) => ({ ...r, [column.name]: item }));
  });
}

function operator(op: Node, rows: KqlRow[], env: Env): KqlRow[] {
  switch (kindOf(op)) {
    case 'FilterOperator': {
      const parts = partsOf(op);
      const predicate = parts[parts.length - 1];
      return rows.filter((r) => scalar(predicate, r, env) === true);
    }
    case 'ExtendOperator':
    case 'ProjectOperator': {
      const columns = itemsOf(partsOf(op)[0]).map((e, i) => columnOf(e, i));
      return rows.map((r) => {
        const out: KqlRow = kindOf(op) === 'ExtendOperator' ? { ...r } : {};
        for (const c of columns) out[c.name] = scalar(c.expr, r, env);
        return out;
      });
    }
    case 'SummarizeOperator':
      return summarize(op, rows, env);
    case 'JoinOperator':
      return join(op, rows, env);
    case 'SortOperator':
      return sort(op, rows, env);
    case 'MvExpandOperator':
      return mvExpand(op, rows, env);
    case 'TakeOperator': {
      const parts = partsOf(op);
      return rows.slice(0, toNumber(scalar(parts[parts.length - 1], {}, env)) ?? 0);
    }
    default:
      return unsupported(op);
  }
}

function tabular(n: Node, env: Env): KqlRow[] {
  switch (kindOf(n)) {
    case 'PipeExpression': {
      const [source, op] = partsOf(n);
      return operator(op, tabular(source, env), env);
    }
    case 'ParenthesizedExpression':
      return tabular(partsOf(n)[0], env);
    case 'NameReference': {
      const name = nameOf(n);
      const bound = env.lets.get(name);
      if (Array.isArray(bound)) return bound as KqlRow[];
      const table = env.tables[name];
      if (!table) throw new Error(`KQL evaluator: no table named ${name}`);
      return table;
    }
    default:
      return unsupported(n);
  }
}

/**
 * Checks `query` (no diagnostics allowed, as the query tests demand) and runs it over `tables`.
 * @returns the rows of the query's last statement, columns as the query names them.
 * @throws when the query has a diagnostic or uses what this evaluator does not support.
 */
export function runKql(query: string, tables: Record<string, KqlRow[]>): KqlRow[] {
  const diagnostics = kqlChecker()(query);
  if (diagnostics.length > 0) {
    throw new Error(`KQL does not check: ${diagnostics.map((d) => d.message).join('; ')}`);
  }
  const K = kustoLanguage();
  const code = K.KustoCode.ParseAndAnalyze(query, kustoGlobals());
  const env: Env = { tables, lets: new Map() };
  let result: KqlRow[] | undefined;
  const walk = (n: Node): void => {
    for (const c of partsOf(n)) {
      if (kindOf(c) === 'SyntaxList' || kindOf(c) === 'SeparatedElement') walk(c);
      else if (kindOf(c) === 'LetStatement') {
        const [declaration, expr] = partsOf(c);
        const type = String(expr.ResultType?.$$name ?? expr.ResultType?.constructor?.$$name ?? '');
        const isTable = /TableSymbol/.test(type) || kindOf(expr) === 'PipeExpression';
        env.lets.set(nameOf(declaration), isTable ? tabular(expr, env) : scalar(expr, {}, env));
      } else if (kindOf(c) === 'ExpressionStatement') result = tabular(partsOf(c)[0], env);
    }
  };
  walk(code.Syntax);
  if (!result) throw new Error('KQL evaluator: the query has no tabular statement');
  return result;
}
