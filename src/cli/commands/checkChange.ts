/**
 * `probe-doctor check-change (--plan FILE | --what-if FILE) (--scenario FILE | --scope IDS...)
 * [--format text|json|markdown]`: for every load balancer the planned change touches, does each
 * probe still reach each backend after it? Exit 0 nothing breaks, 1 something breaks or cannot be
 * decided before apply, 2 bad input.
 */
import type { TokenCredential } from '@azure/core-auth';
import { readFile } from 'node:fs/promises';
import { createClientFactory, createResourceGraphClient, type AzureTarget } from '../../azure/clients';
import { discoverTopology } from '../../azure/discovery';
import { createResourceGraphInventory } from '../../azure/resourceGraph';
import { createSdkTopologyReader } from '../../azure/topologyReader';
import { readEffectiveNsgs } from '../../azure/reads/effective';
import type { ClientsForSubscription } from '../../azure/clients';
import { adminRulesOf } from '../../diagnose/nsg';
import { checkChange, type AdminRulesRead, type GuestListeners } from '../../change/check';
import type { PlannedEdit } from '../../change/changes';
import { formatChangeResult, type ChangeFormat } from '../../change/format';
import { parseTerraformPlan } from '../../change/terraform';
import { parseWhatIf } from '../../change/whatIf';
import { InvalidInputError, isInvalidInputError } from '../../errors';
import { idKey } from '../../model/ids';
import type { Topology } from '../../model/topology';
import { loadScenarioFile } from '../../sandbox/scenario';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { EXIT_ATTENTION, EXIT_OK, type CliIO } from '../main';
import type { RegisterCommand } from './index';
import { liveTarget } from './diagnose';
import { parseScopes } from './sweep';

export interface CheckChangeOptions {
  plan?: string;
  whatIf?: string;
  scenario?: string;
  scope?: string[];
  format?: string;
  /** Live state only (`--scope`): as for diagnose. */
  cloud?: string;
  armEndpoint?: string;
  caFile?: string;
  accessTokenEnv?: string;
}

/** Reads the change file and parses it; a shape error names the file and the JSON path. */
async function readChange(
  path: string,
  option: '--plan' | '--what-if',
  parse: (doc: unknown) => PlannedEdit[],
): Promise<PlannedEdit[]> {
  const doc = await readJsonFile(path, option);
  try {
    return parse(doc);
  } catch (err) {
    if (!isInvalidInputError(err)) throw err;
    throw new InvalidInputError(`${option} ${path}: ${err.message}`, err.where ?? option, { cause: err });
  }
}

/**
 * Exactly one of two options: a message that says which were given and what each is for.
 * @throws InvalidInputError naming both options.
 */
function exactlyOne(
  given: [boolean, boolean],
  names: [string, string],
  what: string,
  uses: [string, string],
): void {
  if (given[0] && given[1]) {
    throw new InvalidInputError(
      `${names[0]} and ${names[1]} were both given; ${what} comes from one of them: ${names[0]} ${uses[0]}, or ${names[1]} ${uses[1]}`,
      names[1],
    );
  }
  if (!given[0] && !given[1]) {
    throw new InvalidInputError(
      `${what} is missing: give ${names[0]} ${uses[0]}, or ${names[1]} ${uses[1]}`,
      names[0],
    );
  }
}

async function readJsonFile(path: string, option: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`${option} ${path}: cannot be read (${(err as Error).message})`, option);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidInputError(`${option} ${path}: not JSON (${(err as Error).message})`, option);
  }
}

/**
 * The Virtual Network Manager security admin rules in effect on each backend: the admin entries of its
 * NIC's effective-NSG answer, the read the diagnosis makes. ARM answers it for a running VM's own NIC
 * only; a backend it does not answer for carries the reason.
 */
async function readAdminRules(
  clientsFor: ClientsForSubscription,
  topologies: readonly Topology[],
): Promise<Record<string, AdminRulesRead>> {
  const byNic = new Map<string, Promise<AdminRulesRead>>();
  const out: Record<string, AdminRulesRead> = {};
  const backends = topologies.flatMap((t) => t.backends);
  await Promise.all(
    backends.map(async (backend) => {
      if (!backend.nicId) {
        out[backend.key] = { ok: false, reason: 'the backend has no network interface in the state' };
        return;
      }
      const key = idKey(backend.nicId);
      let read = byNic.get(key);
      if (!read) {
        read = readEffectiveNsgs(clientsFor, backend.nicId).then(
          (groups): AdminRulesRead => ({ ok: true, rules: adminRulesOf(groups) }),
          (err: unknown): AdminRulesRead => ({ ok: false, reason: (err as Error).message }),
        );
        byNic.set(key, read);
      }
      out[backend.key] = await read;
    }),
  );
  return out;
}

/** Runs `check-change`; resolves to the exit code. */
export async function runCheckChange(
  options: CheckChangeOptions,
  io: CliIO,
  liveCredential?: () => TokenCredential,
): Promise<number> {
  const format = (options.format ?? 'text') as ChangeFormat;
  if (!['text', 'json', 'markdown'].includes(format)) {
    throw new InvalidInputError(
      `--format must be text, json or markdown (got "${options.format}")`,
      '--format',
    );
  }
  exactlyOne([!!options.plan, !!options.whatIf], ['--plan', '--what-if'], 'the planned change', [
    'FILE (terraform show -json plan.out)',
    'FILE (az deployment group what-if --no-pretty-print)',
  ]);
  exactlyOne(
    [!!options.scenario, !!(options.scope && options.scope.length > 0)],
    ['--scenario', '--scope'],
    'the current state',
    ['FILE (a snapshot scenario file)', 'IDS (subscription or resource group ids, read from live Azure)'],
  );
  if (
    options.scenario &&
    (options.cloud || options.armEndpoint || options.caFile || options.accessTokenEnv)
  ) {
    throw new InvalidInputError(
      '--cloud, --arm-endpoint, --ca-file and --access-token-env read live state: they go with --scope, not --scenario',
      '--scenario',
    );
  }
  const edits: PlannedEdit[] = options.plan
    ? await readChange(options.plan, '--plan', parseTerraformPlan)
    : await readChange(options.whatIf as string, '--what-if', parseWhatIf);
  let sandbox: Sandbox | undefined;
  try {
    let target: AzureTarget;
    let loadBalancerIds: string[];
    let guests: Record<string, GuestListeners> | undefined;
    if (options.scenario) {
      const scenario = await loadScenarioFile(options.scenario);
      sandbox = await startSandbox({ scenario });
      target = { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock };
      loadBalancerIds = scenario.resources
        .filter((r) => r.type.toLowerCase() === 'microsoft.network/loadbalancers')
        .map((r) => r.id);
      guests = Object.fromEntries(Object.entries(scenario.guests).map(([id, g]) => [idKey(id), g]));
    } else {
      target = await liveTarget(options, liveCredential);
      if (target.kind === 'live' && target.endpoint)
        io.err(`probe-doctor: ARM endpoint ${target.endpoint}\n`);
      const listed = await createResourceGraphInventory(createResourceGraphClient(target)).listLoadBalancers(
        parseScopes(options.scope ?? []),
      );
      loadBalancerIds = listed.map((l) => l.id);
    }
    const clientsFor = createClientFactory(target);
    const reader = createSdkTopologyReader(clientsFor);
    const topologies: Topology[] = [];
    for (const id of loadBalancerIds) {
      try {
        topologies.push(await discoverTopology(reader, id));
      } catch (err) {
        io.err(`probe-doctor: ${id} cannot be read, left out: ${(err as Error).message}\n`);
      }
    }
    const admin = await readAdminRules(clientsFor, topologies);
    const result = checkChange(topologies, edits, guests, admin);
    io.out(formatChangeResult(result, format));
    return result.checks.some((c) => c.outcome === 'breaks' || c.outcome === 'cannot-decide')
      ? EXIT_ATTENTION
      : EXIT_OK;
  } finally {
    await sandbox?.stop();
  }
}

export const registerCheckChangeCommand: RegisterCommand = (program, ctx) => {
  program
    .command('check-change')
    .description('check a planned network change against the health probes it would break')
    .option('--plan <file>', 'Terraform plan JSON (terraform show -json plan.out)')
    .option('--what-if <file>', 'ARM what-if JSON (az deployment group what-if --no-pretty-print)')
    .option('--scenario <file>', 'the current state from a snapshot scenario file')
    .option('--scope <ids...>', 'the current state from live Azure: subscription or resource group ids')
    .option('--format <format>', 'text (default), json or markdown')
    .option('--cloud <name>', 'with --scope: AzureCloud (default), AzureChinaCloud, AzureUSGovernment')
    .option(
      '--arm-endpoint <url>',
      'with --scope: an ARM endpoint of its own (Azure Stack Hub, a private endpoint)',
    )
    .option(
      '--ca-file <pem>',
      "with --arm-endpoint: the CA certificate that signed the endpoint's certificate",
    )
    .option(
      '--access-token-env <name>',
      'with --scope: use the bearer token in this environment variable instead of the default credential chain',
    )
    .action(async (options: CheckChangeOptions) => {
      ctx.exitCode = await runCheckChange(options, ctx.io, ctx.liveCredential);
    });
};
