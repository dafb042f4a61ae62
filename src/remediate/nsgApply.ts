/**
 * Writes (and rolls back) the NSG allow rule for the probe, one NSG at a time:
 *
 * 1. read the NSG fresh (its rules and etags), under the in-process per-NSG lock;
 * 2. a rule of our name that probe-doctor did not write is never touched (skipped);
 * 3. re-choose the priority from what is there now, and re-prove the rule with the evaluator;
 * 4. our rule already there (a retry, or a second run): the destination wanted is the UNION of what it
 *    allows and what this run needs, so a second run never re-blocks backends an earlier run fixed;
 *    when that is already what it says: applied, nothing written;
 * 5. audit (before), then PUT the rule alone (never the whole NSG) with If-None-Match: * to create or
 *    If-Match to update; 412 or SecurityRuleConflict: re-read and decide again; 409 or the RP's
 *    RetryableError: back off; 429/5xx the SDK pipeline already retried: report (retry.ts);
 * 6. re-read the rule to confirm it is there as written, then audit (after).
 *
 * The detail records whether this run created the rule (`created`) or changed one that was there
 * (`previousRule`), so a rollback deletes only what this run created and otherwise restores the
 * previous version.
 *
 * Across processes the lock does not help: the ETag conditions and the retries keep the writes right
 * (a lost race ends in 412 or SecurityRuleConflict and is re-decided on fresh state).
 */
import type { SecurityRuleWrite } from '../azure/writer';
import { ensureError } from '../errors';
import { idKey } from '../model/ids';
import type { FixReport } from '../model/report';
import type { SecurityRuleInfo, Topology } from '../model/topology';
import { proveAllowRule, readAllowRuleDetail, toSecurityRule, type AllowRuleDetail } from './allowRule';
import { nsgWriteLock } from './keyedLock';
import { allowRuleDescription, isProbeDoctorRule, isWrittenBy } from './naming';
import type { ApplyDeps, RemediationAuditEvent, RemediationContext } from './ports';
import { choosePriority } from './priority';
import {
  EXHAUSTED_NOTE,
  backoffMs,
  classifyWriteError,
  realSleep,
  retryAfterMs,
  writeRefused,
  writeUnauthorized,
} from './retry';

/** The fix to apply: the planned entry's kind, target, detail and the backends it is for. */
export interface NsgFixInput {
  target: string;
  detail: Record<string, unknown>;
  backendKeys: string[];
}

const DEFAULT_ATTEMPTS = 5;

const sorted = (values: readonly string[]) => [...values].map((v) => v.toLowerCase()).sort();
const sameList = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** Whether a stored rule says what we want (the description, which names the run, is ignored). */
export function sameRuleContent(
  stored: SecurityRuleInfo,
  wanted: Omit<SecurityRuleInfo, 'id' | 'etag'>,
): boolean {
  return (
    stored.priority === wanted.priority &&
    stored.direction === wanted.direction &&
    stored.access === wanted.access &&
    stored.protocol.toLowerCase() === wanted.protocol.toLowerCase() &&
    sameList(stored.sourceAddressPrefixes, wanted.sourceAddressPrefixes) &&
    sameList(stored.sourcePortRanges, wanted.sourcePortRanges) &&
    sameList(stored.destinationAddressPrefixes, wanted.destinationAddressPrefixes) &&
    sameList(stored.destinationPortRanges, wanted.destinationPortRanges) &&
    sameList(stored.destinationApplicationSecurityGroupIds, wanted.destinationApplicationSecurityGroupIds) &&
    sameList(stored.sourceApplicationSecurityGroupIds, wanted.sourceApplicationSecurityGroupIds)
  );
}

function toWrite(rule: Omit<SecurityRuleInfo, 'id' | 'etag'>): SecurityRuleWrite {
  return {
    priority: rule.priority,
    direction: rule.direction,
    access: rule.access,
    protocol: rule.protocol,
    sourceAddressPrefixes: rule.sourceAddressPrefixes,
    sourcePortRanges: rule.sourcePortRanges,
    destinationAddressPrefixes: rule.destinationAddressPrefixes,
    destinationPortRanges: rule.destinationPortRanges,
    sourceApplicationSecurityGroupIds: rule.sourceApplicationSecurityGroupIds,
    destinationApplicationSecurityGroupIds: rule.destinationApplicationSecurityGroupIds,
    ...(rule.description !== undefined ? { description: rule.description } : {}),
  };
}

type Outcome = { status: FixReport['status']; reason?: string; extra?: Record<string, unknown> };

/** What one apply has done so far, across its retries. */
interface Progress {
  /**
   * The description this run's write carries (it names the run's owner id): read back, it proves a
   * rule is this run's own write. A rule of our name with any other description is not.
   */
  description: string;
  /** A PUT was sent; when it threw, whether it landed is unknown until a re-read shows the rule. */
  putIssued: boolean;
  /** The rule as it was right before our (last) PUT: null when it did not exist. */
  before?: SecurityRuleInfo | null;
  /**
   * Set when a failure the pipeline had already retried left this run's PUT in doubt: the attempts
   * that follow only settle it (claim our rule by its description) and never send the PUT again.
   */
  settling?: string;
}

/** `a` then the members of `b` not in it (case-insensitive), so the stored order is kept. */
function union(a: readonly string[], b: readonly string[]): string[] {
  const seen = new Set(a.map((v) => v.toLowerCase()));
  return [...a, ...b.filter((v) => !seen.has(v.toLowerCase()))];
}

/** What to record for a rollback: whether this run created the rule, or the version it replaced. */
function history(before: SecurityRuleInfo | null | undefined): Record<string, unknown> {
  return before ? { created: false, previousRule: toWrite(before) } : { created: true, previousRule: null };
}

/** The audit record of one rule write, before or after. */
function ruleEvent(
  ctx: RemediationContext,
  nsgId: string,
  ruleName: string,
  action: 'create-rule' | 'update-rule',
  phase: 'before' | 'after',
  extra: Partial<RemediationAuditEvent>,
): RemediationAuditEvent {
  return {
    runId: ctx.runId,
    loadBalancerId: ctx.loadBalancerId,
    phase,
    action,
    target: `${nsgId}/securityRules/${ruleName}`,
    ...extra,
  };
}

/** The fields of a written rule the report keeps. */
function writtenFields(
  rule: Pick<
    SecurityRuleInfo,
    'priority' | 'destinationAddressPrefixes' | 'destinationApplicationSecurityGroupIds'
  >,
) {
  return {
    priority: rule.priority,
    destinationAddressPrefixes: rule.destinationAddressPrefixes,
    destinationApplicationSecurityGroupIds: rule.destinationApplicationSecurityGroupIds,
  };
}

/** One decision on fresh state: a final outcome, or `retry` (re-read and decide again). */
async function attempt(
  deps: ApplyDeps,
  fix: NsgFixInput,
  detail: AllowRuleDetail,
  topology: Topology,
  ctx: RemediationContext,
  progress: Progress,
): Promise<Outcome> {
  const { nsgWriter } = deps;
  const nsg = await nsgWriter.getNsg(fix.target);
  const existing = nsg.securityRules.find((r) => r.name.toLowerCase() === detail.ruleName.toLowerCase());
  if (existing && !isProbeDoctorRule(existing)) {
    return {
      status: 'skipped',
      reason: `NSG ${nsg.name} already has a rule named ${existing.name} that probe-doctor did not create; it is left untouched`,
    };
  }
  if (existing && progress.putIssued && isWrittenBy(existing, progress.description)) {
    // Our earlier PUT landed though its answer (or the polls after it) was lost: the description,
    // which only this run writes, proves it. The after-record is still owed.
    const action = progress.before ? 'update-rule' : 'create-rule';
    const auditNote = await afterAudit(
      deps,
      ruleEvent(ctx, nsg.id, detail.ruleName, action, 'after', {
        before: progress.before ?? null,
        after: existing,
      }),
    );
    return {
      status: 'applied',
      reason: `written; the answer to the write was lost and a re-read shows this run's rule${auditNote ? `, but ${auditNote}` : ''}`,
      extra: {
        ...writtenFields(existing),
        written: true,
        etag: existing.etag ?? null,
        description: progress.description,
        ...history(progress.before),
      },
    };
  }
  if (progress.settling !== undefined) {
    // The fresh read does not show this run's rule: the write in doubt is not (yet) there. Not sent
    // again: what stopped it had already outlasted the pipeline's retries.
    return { status: 'failed', reason: progress.settling };
  }
  const blocker = nsg.securityRules.find(
    (r) => r.name.toLowerCase() === detail.blockingRuleName.toLowerCase(),
  );
  if (!blocker) {
    return {
      status: 'skipped',
      reason: `the blocking rule ${detail.blockingRuleName} is no longer in NSG ${nsg.name}; nothing written`,
    };
  }
  const priority = choosePriority(nsg, blocker.priority, 'Inbound', detail.ruleName);
  if (priority === undefined) {
    return {
      status: 'skipped',
      reason: `no free priority in NSG ${nsg.name} outranks ${blocker.name} (${blocker.priority}) any more; nothing written`,
    };
  }
  const planned = { ...toSecurityRule(detail, priority), description: progress.description };
  const prefixes = union(existing?.destinationAddressPrefixes ?? [], planned.destinationAddressPrefixes);
  const asgIds = union(
    existing?.destinationApplicationSecurityGroupIds ?? [],
    planned.destinationApplicationSecurityGroupIds,
  );
  if (prefixes.length > 0 && asgIds.length > 0) {
    // ARM refuses a rule with both; narrowing either half would re-block what it allows now.
    return {
      status: 'skipped',
      reason: `rule ${detail.ruleName} in NSG ${nsg.name} allows ${[...(existing?.destinationAddressPrefixes ?? []), ...(existing?.destinationApplicationSecurityGroupIds ?? [])].join(', ')} and this run needs ${[...planned.destinationAddressPrefixes, ...planned.destinationApplicationSecurityGroupIds].join(', ')}; one rule cannot hold both addresses and application security groups, so nothing is written`,
    };
  }
  const wanted = {
    ...planned,
    destinationAddressPrefixes: prefixes,
    destinationApplicationSecurityGroupIds: asgIds,
  };
  if (existing && sameRuleContent(existing, wanted)) {
    // Another run (or an earlier one) wrote what this run needs. It is not this run's write, so this
    // run neither claims it nor ever rolls it back.
    return {
      status: 'applied',
      reason: 'the rule was already in place; nothing written',
      extra: { ...writtenFields(wanted), written: false },
    };
  }
  const fresh: Topology = { ...topology, nsgs: { ...topology.nsgs, [idKey(nsg.id)]: nsg } };
  const backends = topology.backends.filter((b) => fix.backendKeys.includes(b.key));
  const probe = topology.probes.find((p) => p.port === detail.port) ?? {
    id: '',
    name: `port ${detail.port}`,
    protocol: 'Tcp' as const,
    port: detail.port,
    intervalInSeconds: 5,
  };
  const unproven = proveAllowRule(fresh, nsg.id, wanted, backends, probe);
  if (unproven) return { status: 'skipped', reason: `not written: ${unproven}` };

  const action = existing ? 'update-rule' : 'create-rule';
  try {
    await deps.audit(
      ruleEvent(ctx, nsg.id, detail.ruleName, action, 'before', {
        before: existing ?? null,
        after: { ...wanted, nsgEtag: nsg.etag ?? null },
      }),
    );
  } catch (err) {
    return {
      status: 'failed',
      reason: `the audit record could not be written, so nothing was changed: ${ensureError(err).message}`,
    };
  }
  // A PUT of an earlier attempt whose answer never came stays in doubt, whatever this one is answered.
  const earlierInDoubt = progress.putIssued;
  progress.putIssued = true;
  progress.before = existing ?? null;
  // A throw here leaves the outcome unknown (the PUT may have landed before a poll failed): the next
  // attempt re-reads and claims the rule only when it carries this run's description.
  let stored: SecurityRuleInfo;
  try {
    stored = await nsgWriter.createSecurityRule(
      nsg.id,
      detail.ruleName,
      toWrite(wanted),
      existing?.etag ? { ifMatch: existing.etag } : { ifNoneMatch: '*' },
    );
  } catch (err) {
    // ARM refused the PUT for want of a role: no try of it landed, so it leaves no write in doubt of its
    // own. Not a 412 or 409: that may answer the pipeline's retry of a try that did land.
    if (writeUnauthorized(err)) progress.putIssued = earlierInDoubt;
    throw err;
  }
  // ARM's own answer to this run's PUT: the rule is in place and it is ours. Record it now, so no
  // later failure (a throttled re-read) can leave the write without its after-record.
  const auditNote = await afterAudit(
    deps,
    ruleEvent(ctx, nsg.id, detail.ruleName, action, 'after', { before: existing ?? null, after: stored }),
  );
  const ours = {
    ...writtenFields(wanted),
    written: true,
    description: progress.description,
    ...history(existing),
  };
  let confirmed: SecurityRuleInfo | undefined;
  try {
    confirmed = await nsgWriter.getSecurityRule(nsg.id, detail.ruleName);
  } catch (err) {
    return {
      status: 'applied',
      reason: `written (ARM's answer to the write shows the rule); the confirming re-read failed: ${ensureError(err).message}${auditNote ? `; ${auditNote}` : ''}`,
      extra: { ...ours, etag: stored.etag ?? null },
    };
  }
  if (!confirmed || !sameRuleContent(confirmed, wanted)) {
    return {
      status: 'failed',
      reason: `rule ${detail.ruleName} was written but the re-read ${confirmed ? 'shows different content' : 'does not find it'}`,
      extra: { ...ours, etag: confirmed?.etag ?? null },
    };
  }
  return {
    status: 'applied',
    ...(auditNote ? { reason: `written, but ${auditNote}` } : {}),
    extra: { ...ours, etag: confirmed.etag ?? null },
  };
}

/** Writes the after-record; a failure is returned as text for the fix's reason, never swallowed. */
async function afterAudit(deps: ApplyDeps, event: RemediationAuditEvent): Promise<string | undefined> {
  try {
    await deps.audit(event);
    return undefined;
  } catch (err) {
    return `the after-audit failed: ${ensureError(err).message}`;
  }
}

/**
 * Runs `decide` until it returns an outcome, re-deciding on 412/conflicts and backing off when busy.
 * `writeInDoubt` says whether a PUT of this fix was sent and its answer never came: then even a failure
 * the pipeline already retried is followed by another attempt, because the next attempt is not the
 * same call again but a fresh read that settles the write (our rule, by its description, or none),
 * which only this loop knows is owed.
 */
async function withRetries(
  deps: ApplyDeps,
  what: string,
  decide: () => Promise<Outcome>,
  writeInDoubt: (err: unknown, reason: string) => boolean = () => false,
): Promise<Outcome & { attempts: number }> {
  const max = deps.maxAttempts ?? DEFAULT_ATTEMPTS;
  const sleep = deps.sleep ?? realSleep;
  let last = '';
  for (let n = 1; n <= max; n++) {
    try {
      return { ...(await decide()), attempts: n };
    } catch (err) {
      const kind = classifyWriteError(err);
      last = ensureError(err).message;
      if (kind === 'fatal') return { status: 'failed', reason: `${what} failed: ${last}`, attempts: n };
      // The pipeline already retried this one (src/remediate/retry.ts): another round would stack.
      if (kind === 'exhausted' && !writeInDoubt(err, `${what} failed: ${last} (${EXHAUSTED_NOTE})`)) {
        return { status: 'failed', reason: `${what} failed: ${last} (${EXHAUSTED_NOTE})`, attempts: n };
      }
      if ((kind === 'busy' || kind === 'exhausted') && n < max) await sleep(backoffMs(n, retryAfterMs(err)));
    }
  }
  return { status: 'failed', reason: `${what} gave up after ${max} attempts: ${last}`, attempts: max };
}

/** Applies one `nsg-allow-probe` fix, serialized per NSG in this process. */
export async function applyNsgFix(
  deps: ApplyDeps,
  fix: NsgFixInput,
  topology: Topology,
  ctx: RemediationContext,
): Promise<FixReport> {
  const read = readAllowRuleDetail(fix.detail);
  if (!read.ok) {
    return {
      kind: 'nsg-allow-probe',
      target: fix.target,
      status: 'failed',
      reason: read.error,
      detail: fix.detail,
    };
  }
  const detail = read.value;
  const progress: Progress = {
    putIssued: false,
    description: allowRuleDescription(topology.loadBalancer.name, detail.port, ctx.ownerId ?? ctx.runId),
  };
  const result = await (deps.lock ?? nsgWriteLock).run(idKey(fix.target), () =>
    withRetries(
      deps,
      `writing rule ${detail.ruleName}`,
      () => attempt(deps, fix, detail, topology, ctx, progress),
      (err, reason) => {
        if (!progress.putIssued || (progress.settling === undefined && writeRefused(err))) return false;
        progress.settling ??= reason;
        return true;
      },
    ),
  );
  // Gave up after a PUT whose answer never came: the rule may be in place. Not claimed (nothing proves
  // it), but what a rollback needs to find it, by this run's description, is kept.
  const unknown =
    result.status === 'failed' && progress.putIssued && result.extra?.written === undefined
      ? {
          written: false,
          writeOutcome: 'unknown',
          description: progress.description,
          ...history(progress.before),
        }
      : {};
  return {
    kind: 'nsg-allow-probe',
    target: fix.target,
    status: result.status,
    ...(result.reason
      ? {
          reason:
            'writeOutcome' in unknown
              ? `${result.reason}; the answer to a write was lost, so the rule may be in place`
              : result.reason,
        }
      : {}),
    detail: {
      ...detail,
      ...unknown,
      ...result.extra,
      attempts: result.attempts,
      backendKeys: fix.backendKeys,
    },
  };
}

/** Kept here for the remediation's callers; it reads the report's fix alone (src/model/report.ts). */
export { mayHaveWritten } from '../model/report';

/** The detail without `writeOutcome` (once a read has settled it). */
function withoutWriteOutcome(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(detail).filter(([key]) => key !== 'writeOutcome'));
}

/**
 * Settles a fix whose write's answer was lost (`writeOutcome: 'unknown'`) and that is kept: a fresh
 * read of the rule decides. When it carries this run's description the write is this run's: the
 * after-record it is owed is written and the fix becomes `applied` (`written: true`). Otherwise the
 * fix stays as it was, with what the read showed. A read that fails leaves it unknown.
 */
export async function settleLostWrite(
  deps: ApplyDeps,
  fix: FixReport,
  ctx: RemediationContext,
): Promise<FixReport> {
  if (fix.kind !== 'nsg-allow-probe' || fix.detail.writeOutcome !== 'unknown') return fix;
  const read = readAllowRuleDetail(fix.detail);
  if (!read.ok) return fix;
  const { ruleName, description } = read.value;
  let current: SecurityRuleInfo | undefined;
  try {
    current = await deps.nsgWriter.getSecurityRule(fix.target, ruleName);
  } catch (err) {
    return { ...fix, reason: `${fix.reason ?? ''}; re-reading it failed: ${ensureError(err).message}` };
  }
  if (!current || !isWrittenBy(current, description)) {
    const rest = withoutWriteOutcome(fix.detail);
    return {
      ...fix,
      reason: `${fix.reason ?? ''}; a re-read shows ${current ? "another run's rule" : 'no rule'}, so this run's write did not land`,
      detail: { ...rest, written: false },
    };
  }
  const previous = (fix.detail.previousRule ?? null) as SecurityRuleWrite | null;
  const note = await afterAudit(deps, {
    runId: ctx.runId,
    loadBalancerId: ctx.loadBalancerId,
    phase: 'after',
    action: fix.detail.created === true ? 'create-rule' : 'update-rule',
    target: `${fix.target}/securityRules/${ruleName}`,
    before: previous,
    after: current,
  });
  const rest = withoutWriteOutcome(fix.detail);
  return {
    ...fix,
    status: 'applied',
    reason: `written; the answer to the write was lost and a later re-read shows this run's rule${note ? `, but ${note}` : ''}`,
    detail: { ...rest, ...writtenFields(current), written: true, etag: current.etag ?? null },
  };
}

/**
 * Undoes the rule write of one fix, with If-Match on the rule as it is now:
 * - this run created the rule (`created`): it is deleted;
 * - this run widened a rule of ours that was there before (`previousRule`): that version is put back,
 *   never deleted;
 * - a rule that is not this run's write (its description does not carry this run's owner id), or that
 *   changed since this run wrote it, is left alone; so is a rule whose write's answer was lost and
 *   that a re-read shows is not there or not ours.
 * `why` says why (the caller's words); this adds what was done.
 */
export async function rollbackNsgFix(
  deps: ApplyDeps,
  fix: FixReport,
  ctx: RemediationContext,
  why: string,
): Promise<FixReport> {
  const read = readAllowRuleDetail(fix.detail);
  if (!read.ok) return { ...fix, reason: `not rolled back: ${read.error}` };
  const detail = read.value;
  const { ruleName } = detail;
  const previous = fix.detail.previousRule as SecurityRuleWrite | null | undefined;
  const created = fix.detail.created === true;
  if (!created && !previous) {
    return {
      ...fix,
      reason: `not rolled back: this run did not record the rule's state before it wrote ${ruleName}`,
    };
  }
  const written = toSecurityRule(detail, detail.priority);
  const result = await (deps.lock ?? nsgWriteLock).run(idKey(fix.target), () =>
    withRetries(deps, `rolling back rule ${ruleName}`, async (): Promise<Outcome> => {
      const current = await deps.nsgWriter.getSecurityRule(fix.target, ruleName);
      const lost = fix.detail.writeOutcome === 'unknown';
      if (!current && lost) {
        return { status: fix.status, reason: `${fix.reason ?? ''}; a re-read shows it did not land` };
      }
      if (!current) {
        return created
          ? { status: 'rolled-back', reason: `${why}; the rule was already gone` }
          : { status: fix.status, reason: `rule ${ruleName} is gone; there is nothing to restore` };
      }
      if (!isWrittenBy(current, detail.description)) {
        // Only this run's own write is undone: a rule of our name that another run wrote (or rewrote
        // since) carries another description, and that run may rely on it.
        return {
          status: fix.status,
          reason: isProbeDoctorRule(current)
            ? `rule ${ruleName} is not this run's write (its description names another run); left untouched`
            : `rule ${ruleName} is not probe-doctor's any more; left untouched`,
        };
      }
      // A lost write's priority may have been re-chosen: its description alone identifies it.
      if (!lost && !sameRuleContent(current, written)) {
        return {
          status: fix.status,
          reason: `rule ${ruleName} changed since this run wrote it (another run may rely on it); left as it is`,
        };
      }
      const target = `${fix.target}/securityRules/${ruleName}`;
      const base = {
        runId: ctx.runId,
        loadBalancerId: ctx.loadBalancerId,
        action: created ? ('delete-rule' as const) : ('update-rule' as const),
        target,
      };
      try {
        await deps.audit({ ...base, phase: 'before', before: current, after: created ? null : previous });
      } catch (err) {
        return {
          status: fix.status,
          reason: `not rolled back: the audit record failed: ${ensureError(err).message}`,
        };
      }
      const conditions = current.etag ? { ifMatch: current.etag } : {};
      if (created) {
        await deps.nsgWriter.deleteSecurityRule(fix.target, ruleName, conditions);
      } else {
        await deps.nsgWriter.createSecurityRule(
          fix.target,
          ruleName,
          previous as SecurityRuleWrite,
          conditions,
        );
      }
      const done = created
        ? `${why}, so it was removed (rollbackOnFailure)`
        : `${why}, so the version from before this run was restored (rollbackOnFailure)`;
      const note = await afterAudit(deps, {
        ...base,
        phase: 'after',
        before: current,
        after: created ? null : previous,
      });
      return { status: 'rolled-back', reason: note ? `${done}; ${note}` : done };
    }),
  );
  return {
    ...fix,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    detail: { ...fix.detail, rollbackAttempts: result.attempts },
  };
}
