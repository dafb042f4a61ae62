/**
 * The compiled ARM template of infra/main.bicep, as the real Bicep CLI builds it, and the few readers
 * the infra tests need: nested module deployments, resources by type, and ARM template expressions
 * (`[union(parameters('a'), createObject('K', 1))]`) parsed into a tree so a test can read which
 * settings, actions or references an expression holds without matching its text.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ArmResource {
  type: string;
  name: string;
  condition?: string;
  copy?: { name: string; count: string };
  kind?: string;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM properties are per resource type
  properties?: any;
}

export interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** What the CLI printed and how it ended. */
export interface CliResult {
  code: number;
  output: string;
}

/** Runs the Bicep CLI; a non-zero exit is a result, not an exception. */
export async function bicepCli(bicep: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(bicep, args, { timeout: 180_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** `bicep build FILE`: the template and the diagnostics it printed (empty when clean). */
export async function buildBicep(
  bicep: string,
  file: string,
): Promise<CliResult & { template?: ArmTemplate }> {
  const dir = await mkdtemp(join(tmpdir(), 'probe-doctor-bicep-'));
  try {
    const outfile = join(dir, 'main.json');
    const result = await bicepCli(bicep, ['build', file, '--outfile', outfile]);
    if (result.code !== 0) return result;
    return { ...result, template: JSON.parse(await readFile(outfile, 'utf8')) as ArmTemplate };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The nested deployment a `module` compiles to, by its deployment name. */
export function moduleDeployment(
  template: ArmTemplate,
  name: string,
): ArmResource & { template: ArmTemplate } {
  const found = template.resources.find(
    (r) => r.type === 'Microsoft.Resources/deployments' && r.name === name,
  );
  if (!found) throw new Error(`no module deployment named ${name}`);
  return { ...found, template: found.properties.template as ArmTemplate };
}

/** Every resource of `type`, in this template and in the modules it deploys, with its own template. */
export function resourcesOfType(
  template: ArmTemplate,
  type: string,
): { resource: ArmResource; template: ArmTemplate; deployment?: ArmResource }[] {
  const found: { resource: ArmResource; template: ArmTemplate; deployment?: ArmResource }[] = [];
  const walk = (t: ArmTemplate, deployment?: ArmResource) => {
    for (const r of t.resources) {
      if (r.type.toLowerCase() === type.toLowerCase()) found.push({ resource: r, template: t, deployment });
      if (r.type === 'Microsoft.Resources/deployments' && r.properties?.template)
        walk(r.properties.template as ArmTemplate, r);
    }
  };
  walk(template);
  return found;
}

/** One resource of `type` anywhere in the template; throws unless there is exactly one. */
export function onlyResource(
  template: ArmTemplate,
  type: string,
): { resource: ArmResource; template: ArmTemplate } {
  const all = resourcesOfType(template, type);
  if (all.length !== 1) throw new Error(`${all.length} resources of type ${type}, expected 1`);
  return all[0]!;
}

// ---- ARM template expressions ----
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions

export type ArmExpression =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'call'; name: string; args: ArmExpression[] }
  | { kind: 'member'; object: ArmExpression; property: string }
  | { kind: 'index'; object: ArmExpression; index: ArmExpression };

/** Parses `[expr]` (a JSON string value that ARM evaluates); throws on anything else. */
export function parseArmExpression(text: string): ArmExpression {
  if (!text.startsWith('[') || !text.endsWith(']') || text.startsWith('[[')) {
    throw new Error(`not an ARM expression: ${text}`);
  }
  const src = text.slice(1, -1);
  let pos = 0;
  const skip = () => {
    while (pos < src.length && /\s/.test(src[pos]!)) pos++;
  };
  const expect = (ch: string) => {
    skip();
    if (src[pos] !== ch) throw new Error(`expected ${ch} at ${pos} in ${text}`);
    pos++;
  };
  const primary = (): ArmExpression => {
    skip();
    const ch = src[pos];
    if (ch === "'") {
      let value = '';
      pos++;
      for (;;) {
        if (pos >= src.length) throw new Error(`unterminated string in ${text}`);
        if (src[pos] === "'") {
          if (src[pos + 1] === "'") {
            value += "'";
            pos += 2;
            continue;
          }
          pos++;
          return { kind: 'string', value };
        }
        value += src[pos++];
      }
    }
    const number = /^-?\d+(\.\d+)?/.exec(src.slice(pos));
    if (number) {
      pos += number[0].length;
      return { kind: 'number', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][\w.]*/.exec(src.slice(pos));
    if (!name) throw new Error(`unexpected ${ch ?? 'end'} at ${pos} in ${text}`);
    pos += name[0].length;
    expect('(');
    const args: ArmExpression[] = [];
    skip();
    if (src[pos] === ')') pos++;
    else {
      for (;;) {
        args.push(expression());
        skip();
        if (src[pos] === ',') {
          pos++;
          continue;
        }
        expect(')');
        break;
      }
    }
    return { kind: 'call', name: name[0], args };
  };
  const expression = (): ArmExpression => {
    let node = primary();
    for (;;) {
      skip();
      if (src[pos] === '.') {
        pos++;
        const prop = /^[$\w#]+/.exec(src.slice(pos));
        if (!prop) throw new Error(`expected a property at ${pos} in ${text}`);
        pos += prop[0].length;
        node = { kind: 'member', object: node, property: prop[0] };
      } else if (src[pos] === '[') {
        pos++;
        const index = expression();
        expect(']');
        node = { kind: 'index', object: node, index };
      } else return node;
    }
  };
  const tree = expression();
  skip();
  if (pos !== src.length) throw new Error(`trailing text at ${pos} in ${text}`);
  return tree;
}

/** Every call node in the tree (depth first, outermost first). */
export function callsIn(tree: ArmExpression): Extract<ArmExpression, { kind: 'call' }>[] {
  const calls: Extract<ArmExpression, { kind: 'call' }>[] = [];
  const walk = (n: ArmExpression) => {
    if (n.kind === 'call') {
      calls.push(n);
      n.args.forEach(walk);
    } else if (n.kind === 'member') walk(n.object);
    else if (n.kind === 'index') {
      walk(n.object);
      walk(n.index);
    }
  };
  walk(tree);
  return calls;
}

/** The keys of a `createObject('k1', v1, 'k2', v2, ...)` call. */
export function createObjectKeys(call: Extract<ArmExpression, { kind: 'call' }>): string[] {
  if (call.name !== 'createObject') throw new Error(`not createObject: ${call.name}`);
  return call.args.filter((_, i) => i % 2 === 0).map((k) => (k.kind === 'string' ? k.value : '<computed>'));
}

/** `parameters('x')` / `variables('x')` references in the tree, as `parameters:x` / `variables:x`. */
export function referencesIn(tree: ArmExpression): string[] {
  return callsIn(tree)
    .filter((c) => (c.name === 'parameters' || c.name === 'variables') && c.args[0]?.kind === 'string')
    .map((c) => `${c.name}:${(c.args[0] as { value: string }).value}`);
}

/** `variables('v').prop` member reads in the tree, as property names. */
export function memberReadsOf(tree: ArmExpression, variable: string): string[] {
  const reads: string[] = [];
  const walk = (n: ArmExpression) => {
    if (n.kind === 'member') {
      const o = n.object;
      if (
        o.kind === 'call' &&
        o.name === 'variables' &&
        o.args[0]?.kind === 'string' &&
        o.args[0].value === variable
      ) {
        reads.push(n.property);
      }
      walk(o);
    } else if (n.kind === 'call') n.args.forEach(walk);
    else if (n.kind === 'index') {
      walk(n.object);
      walk(n.index);
    }
  };
  walk(tree);
  return reads;
}

/**
 * `reference(<id of deployment D>, ...).outputs.O.value` — how a module reads another module's output —
 * as `{ deployment: D, output: O }`, or undefined for any other expression.
 */
export function moduleOutputRead(tree: ArmExpression): { deployment: string; output: string } | undefined {
  if (tree.kind !== 'member' || tree.property !== 'value') return undefined;
  const output = tree.object;
  if (output.kind !== 'member' || output.object.kind !== 'member' || output.object.property !== 'outputs') {
    return undefined;
  }
  const reference = output.object.object;
  if (reference.kind !== 'call' || reference.name !== 'reference') return undefined;
  const id = reference.args[0];
  if (id?.kind !== 'call' || !/^(extensionResourceId|resourceId|subscriptionResourceId)$/.test(id.name)) {
    return undefined;
  }
  const at = id.args.findIndex((a) => a.kind === 'string' && a.value === 'Microsoft.Resources/deployments');
  const name = id.args[at + 1];
  if (at < 0 || name?.kind !== 'string') return undefined;
  return { deployment: name.value, output: output.property };
}
