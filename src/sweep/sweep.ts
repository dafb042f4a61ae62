/**
 * The fleet sweep: list every load balancer in the scopes (Resource Graph), read each one from ARM
 * and read its probe health (the same reads the remediation's `readProbeHealth` makes), and for each
 * load balancer with a backend down start or join its remediation: the one orchestration per load
 * balancer the alert and HTTP triggers use (`instanceIdFor`), so a sweep never runs a second
 * remediation beside one in progress. Load balancers are handled a bounded number at a time.
 */
import type { LoadBalancer } from '@azure/arm-network';
import { readProbeHealth } from '../app/health';
import type { LoadBalancerInventory, ListedLoadBalancer } from '../azure/resourceGraph';
import { mapLoadBalancer } from '../azure/map';
import type { AzureReader } from '../azure/reader';
import type { ScopeChecker } from '../azure/scopeCheck';
import type { AllowedScope } from '../config';
import { ensureError, isAzureCallError } from '../errors';
import { isInScope } from '../triggers/scope';
import type { WorkflowInput } from '../workflow/contracts';
import {
  classifyHealth,
  healthUnreadable,
  type LoadBalancerHealthSummary,
  type SweepState,
} from './classify';

/** What happened to a load balancer's remediation. */
export interface SweepRemediation {
  /** The orchestration instance id (the same for every trigger of this load balancer). */
  instanceId?: string;
  outcome: 'started' | 'joined' | 'failed';
  error?: string;
  /** The run's verdict, when the caller waited for it (the CLI does: its runs live in its process). */
  verdict?: string;
}

/** One load balancer in the sweep report. */
export interface SweepEntry extends LoadBalancerHealthSummary {
  loadBalancerId: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  sku?: 'Basic' | 'Standard' | 'Gateway';
  /** Present only for `down`: the remediation the sweep started or joined. */
  remediation?: SweepRemediation;
}

/**
 * A scope the sweep could not look into, so its empty answer means nothing: `not-found` (ARM: 404,
 * no such subscription or group, or one of another tenant), `no-access` (403), `cannot-list`
 * (Resource Graph refused the query for it: 400 or 403), `unchecked` (ARM could not say).
 */
export interface ScopeProblem {
  scope: string;
  problem: 'not-found' | 'no-access' | 'cannot-list' | 'unchecked';
  reason: string;
}

/** The sweep report: every load balancer in scope, and totals. */
export interface SweepReport {
  sweepId: string;
  mode: 'observe' | 'fix';
  /** The scopes as `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<name>`. */
  scopes: string[];
  /** Scopes that could not be looked into (empty when every scope was): see {@link ScopeProblem}. */
  scopeProblems: ScopeProblem[];
  loadBalancers: SweepEntry[];
  totals: Record<SweepState, number> & {
    loadBalancers: number;
    started: number;
    joined: number;
    failedToStart: number;
    /** Scopes in `scopeProblems`. */
    scopesNotVisible: number;
  };
}

/** The ports the sweep works through. */
export interface SweepDeps {
  inventory: LoadBalancerInventory;
  /** ARM GET of a load balancer (throws an AzureCallError on failure). */
  readLoadBalancer(id: string): Promise<LoadBalancer>;
  reader: AzureReader;
  /** Starts the load balancer's orchestration, or joins the one in progress. */
  startOrJoin(input: WorkflowInput): Promise<{ instanceId: string; joined: boolean }>;
  /**
   * Asks ARM whether a scope Resource Graph listed nothing in exists and can be read (Resource Graph's
   * empty answer cannot tell). Without it an empty scope is reported `unchecked`.
   */
  scopeChecker?: ScopeChecker;
}

export interface SweepOptions {
  sweepId: string;
  scopes: readonly AllowedScope[];
  mode: 'observe' | 'fix';
  /** Load balancers read (and remediations started) at the same time. */
  concurrency: number;
  /**
   * At most this many load balancers begun per second (undefined: no pacing). Each costs two ARM
   * reads and one POST per probed rule, so 8/s stays under the token bucket's refill of 25 reads and
   * 10 writes per second per subscription (docs/sweep.md).
   */
  loadBalancersPerSecond?: number;
  /** Waits, for the pacing; tests and benchmarks pass their own. */
  sleep?: (ms: number) => Promise<void>;
  /** Called as each load balancer is done, for progress output. */
  onEntry?: (entry: SweepEntry) => void;
}

/** Scope text as ARM spells it. */
export function scopeText(scope: AllowedScope): string {
  return `/subscriptions/${scope.subscriptionId}${scope.resourceGroup ? `/resourceGroups/${scope.resourceGroup}` : ''}`;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the input order in the result. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function whyUnreadable(err: unknown): string {
  if (isAzureCallError(err) && err.statusCode === 404) {
    return 'Resource Graph lists it but ARM does not have it (deleted since? Resource Graph can lag ARM by minutes)';
  }
  if (isAzureCallError(err) && err.statusCode === 403) {
    return `the principal may not read it (403 ${err.code ?? 'AuthorizationFailed'})`;
  }
  return ensureError(err).message;
}

async function sweepOne(
  listed: ListedLoadBalancer,
  deps: SweepDeps,
  options: SweepOptions,
): Promise<SweepEntry> {
  const base = {
    loadBalancerId: listed.id,
    name: listed.name,
    subscriptionId: listed.subscriptionId,
    resourceGroup: listed.resourceGroup,
  };
  let mapped;
  try {
    // Resource Graph can lag: what the sweep acts on is read from ARM.
    mapped = mapLoadBalancer(await deps.readLoadBalancer(listed.id));
  } catch (err) {
    return { ...base, state: 'cannot-read', reason: whyUnreadable(err) };
  }
  const withSku = { ...base, sku: mapped.loadBalancer.sku };
  const skip = healthUnreadable(mapped);
  if (skip) return { ...withSku, ...skip };
  const problems: { ruleId: string; message: string }[] = [];
  const health = await readProbeHealth(deps.reader, mapped, (p) => problems.push(p));
  const summary = classifyHealth(mapped, { health, problems });
  const entry: SweepEntry = { ...withSku, ...summary };
  if (summary.state !== 'down') return entry;
  try {
    const outcome = await deps.startOrJoin({
      loadBalancerId: mapped.loadBalancer.id,
      mode: options.mode,
      requestedBy: `sweep:${options.sweepId}`,
    });
    entry.remediation = { instanceId: outcome.instanceId, outcome: outcome.joined ? 'joined' : 'started' };
  } catch (err) {
    entry.remediation = { outcome: 'failed', error: ensureError(err).message };
  }
  return entry;
}

/** Default pace: see {@link SweepOptions.loadBalancersPerSecond}. */
export const DEFAULT_LOAD_BALANCERS_PER_SECOND = 8;

/** Hands out start times `1000 / perSecond` ms apart; resolves when the caller's turn comes. */
export function createPacer(
  perSecond: number | undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => number = () => Date.now(),
): () => Promise<void> {
  if (!perSecond || perSecond <= 0) return () => Promise.resolve();
  const gap = 1000 / perSecond;
  let next = 0;
  return async () => {
    const at = Math.max(now(), next);
    next = at + gap;
    const wait = at - now();
    if (wait > 0) await sleep(wait);
  };
}

/**
 * True when a person should look: a backend down, a probed pool with no backends, a load balancer
 * that could not be read, a remediation that could not be started, or a scope that could not be
 * looked into.
 */
export function needsAttention(report: Pick<SweepReport, 'totals'>): boolean {
  const t = report.totals;
  return (
    t.down > 0 ||
    t['no-backends'] > 0 ||
    t['cannot-read'] > 0 ||
    t.failedToStart > 0 ||
    t.scopesNotVisible > 0
  );
}

/** A Resource Graph refusal that concerns the scopes asked about (400, 403), not the whole sweep. */
const refusesScope = (err: unknown): boolean =>
  isAzureCallError(err) && (err.statusCode === 400 || err.statusCode === 403);

/**
 * Lists the load balancers one subscription at a time, so a subscription Resource Graph refuses is a
 * problem of its scopes while the others are swept. Any other failure (no credential, an outage)
 * stops the sweep, as before.
 */
async function listBySubscription(
  deps: SweepDeps,
  scopes: readonly AllowedScope[],
): Promise<{ listed: ListedLoadBalancer[]; problems: ScopeProblem[] }> {
  const bySubscription = new Map<string, AllowedScope[]>();
  for (const scope of scopes) {
    const key = scope.subscriptionId.toLowerCase();
    bySubscription.set(key, [...(bySubscription.get(key) ?? []), scope]);
  }
  const listed: ListedLoadBalancer[] = [];
  const problems: ScopeProblem[] = [];
  for (const group of bySubscription.values()) {
    try {
      listed.push(...(await deps.inventory.listLoadBalancers(group)));
    } catch (err) {
      if (!refusesScope(err)) throw err;
      for (const scope of group) {
        problems.push({
          scope: scopeText(scope),
          problem: 'cannot-list',
          reason: `Resource Graph refused to list its load balancers: ${ensureError(err).message}`,
        });
      }
    }
  }
  return { listed, problems };
}

/**
 * The scopes Resource Graph listed nothing in that ARM says do not exist or cannot be read: there,
 * "no load balancer" means "could not look", not "nothing to check".
 */
async function emptyScopeProblems(
  deps: SweepDeps,
  scopes: readonly AllowedScope[],
  listed: readonly ListedLoadBalancer[],
  refused: readonly ScopeProblem[],
): Promise<ScopeProblem[]> {
  const empty = scopes.filter(
    (scope) =>
      !refused.some((p) => p.scope === scopeText(scope)) && !listed.some((lb) => isInScope(lb.id, [scope])),
  );
  const problems: ScopeProblem[] = [];
  for (const scope of empty) {
    const seen = deps.scopeChecker
      ? await deps.scopeChecker.check(scope)
      : ({ visible: false, problem: 'unchecked', reason: 'no scope check was configured' } as const);
    if (!seen.visible) problems.push({ scope: scopeText(scope), problem: seen.problem, reason: seen.reason });
  }
  return problems;
}

/**
 * Sweeps the scopes; never throws for one load balancer or for a scope Resource Graph refuses, only
 * when the inventory cannot be listed at all.
 */
export async function runSweep(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const inventory = await listBySubscription(deps, options.scopes);
  const listed = inventory.listed
    // The query is scoped already; this keeps a too-wide answer from ever reaching a remediation.
    .filter((lb) => isInScope(lb.id, options.scopes));
  const scopeProblems = [
    ...inventory.problems,
    ...(await emptyScopeProblems(deps, options.scopes, listed, inventory.problems)),
  ];
  const unique = [...new Map(listed.map((lb) => [lb.id.toLowerCase(), lb])).values()];
  const pace = createPacer(options.loadBalancersPerSecond, options.sleep);
  const entries = await mapBounded(unique, options.concurrency, async (lb) => {
    await pace();
    const entry = await sweepOne(lb, deps, options);
    options.onEntry?.(entry);
    return entry;
  });
  return {
    sweepId: options.sweepId,
    mode: options.mode,
    scopes: options.scopes.map(scopeText),
    scopeProblems,
    loadBalancers: entries,
    totals: totalsOf(entries, scopeProblems),
  };
}

/**
 * The report once its remediations' verdicts are known (the CLI waits for them; the timer does not).
 * A `down` load balancer whose run ends `healthy` had every down backend down by design (the run's
 * diagnosis saw what the health answer cannot: an AKS `externalTrafficPolicy: Local` node with no
 * endpoint, a passive AG listener node): it is `expected-down`, not a fault, and needs no one.
 */
export function withRunVerdicts(report: SweepReport): SweepReport {
  const entries = report.loadBalancers.map((e): SweepEntry => {
    if (e.state !== 'down') return e;
    const run = e.remediation?.instanceId ?? 'remediation';
    if (e.remediation?.verdict === 'healthy') {
      return {
        ...e,
        state: 'expected-down',
        reason: `its run (${run}) found every down backend down by design`,
      };
    }
    // Fixed and proved by its run (fix mode): nothing is down any more; the change is the run's to review.
    if (e.remediation?.verdict === 'resolved') {
      return {
        ...e,
        state: 'resolved',
        reason: `its run (${run}) fixed it: every backend that was down validated up`,
      };
    }
    return e;
  });
  return { ...report, loadBalancers: entries, totals: totalsOf(entries, report.scopeProblems) };
}

function totalsOf(
  entries: readonly SweepEntry[],
  scopeProblems: readonly ScopeProblem[],
): SweepReport['totals'] {
  const count = (state: SweepState) => entries.filter((e) => e.state === state).length;
  const outcome = (o: SweepRemediation['outcome']) =>
    entries.filter((e) => e.remediation?.outcome === o).length;
  return {
    loadBalancers: entries.length,
    healthy: count('healthy'),
    down: count('down'),
    'expected-down': count('expected-down'),
    resolved: count('resolved'),
    'not-probed': count('not-probed'),
    'no-backends': count('no-backends'),
    'cannot-read': count('cannot-read'),
    started: outcome('started'),
    joined: outcome('joined'),
    failedToStart: outcome('failed'),
    scopesNotVisible: scopeProblems.length,
  };
}
