/**
 * Writes (and rolls back) the NSG allow rule for the probe, one NSG at a time:
 *
 * 1. read the NSG fresh (its rules and etags), under the in-process per-NSG lock;
 * 2. a rule of our name that probe-doctor did not write is never touched (skipped);
 * 3. re-choose the priority from what is there now, and re-prove the rule with the evaluator;
 * 4. our rule already there as wanted: applied, nothing written (a retry, or a second run);
 * 5. audit (before), then PUT the rule alone (never the whole NSG) with If-None-Match: * to create or
 *    If-Match to update; 412 or SecurityRuleConflict: re-read and decide again; 409/429/5xx: back off;
 * 6. re-read the rule to confirm it is there as written, then audit (after).
 *
 * Across processes the lock does not help: the ETag conditions and the retries keep the writes right
 * (a lost race ends in 412 or SecurityRuleConflict and is re-decided on fresh state).
 */
import type { SecurityRuleWrite } from '../azure/writer';
import { ensureError } from '../errors';
import { idKey } from '../model/ids';
import type { FixReport } from '../model/report';
import type { SecurityRuleInfo, Topology } from '../model/topology';
import { parseAllowRuleDetail, proveAllowRule, toSecurityRule, type AllowRuleDetail } from './allowRule';
import { nsgWriteLock } from './keyedLock';
import { isProbeDoctorRule } from './naming';
import type { ApplyDeps, RemediationAuditEvent, RemediationContext } from './ports';
import { choosePriority } from './priority';
import { backoffMs, classifyWriteError, realSleep, retryAfterMs } from './retry';

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

/** One decision on fresh state: a final outcome, or `retry` (re-read and decide again). */
async function attempt(
  deps: ApplyDeps,
  fix: NsgFixInput,
  detail: AllowRuleDetail,
  topology: Topology,
  ctx: RemediationContext,
  progress: { putIssued: boolean },
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
  const wanted = toSecurityRule(detail, priority);
  if (existing && sameRuleContent(existing, wanted)) {
    // An earlier attempt's PUT may have landed before its answer (or the re-read) failed.
    return progress.putIssued
      ? { status: 'applied', extra: { priority, written: true, etag: existing.etag ?? null } }
      : {
          status: 'applied',
          reason: 'the rule was already in place; nothing written',
          extra: { priority, written: false },
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
  const event = (
    phase: 'before' | 'after',
    extra: Partial<RemediationAuditEvent>,
  ): RemediationAuditEvent => ({
    runId: ctx.runId,
    loadBalancerId: ctx.loadBalancerId,
    phase,
    action,
    target: `${nsg.id}/securityRules/${detail.ruleName}`,
    ...extra,
  });
  try {
    await deps.audit?.(
      event('before', { before: existing ?? null, after: { ...wanted, nsgEtag: nsg.etag ?? null } }),
    );
  } catch (err) {
    return {
      status: 'failed',
      reason: `the audit record could not be written, so nothing was changed: ${ensureError(err).message}`,
    };
  }
  progress.putIssued = true;
  await nsgWriter.createSecurityRule(
    nsg.id,
    detail.ruleName,
    toWrite(wanted),
    existing?.etag ? { ifMatch: existing.etag } : { ifNoneMatch: '*' },
  );
  const confirmed = await nsgWriter.getSecurityRule(nsg.id, detail.ruleName);
  if (!confirmed || !sameRuleContent(confirmed, wanted)) {
    return {
      status: 'failed',
      reason: `rule ${detail.ruleName} was written but the re-read ${confirmed ? 'shows different content' : 'does not find it'}`,
    };
  }
  let auditNote: string | undefined;
  try {
    await deps.audit?.(event('after', { before: existing ?? null, after: confirmed }));
  } catch (err) {
    auditNote = `written, but the after-audit failed: ${ensureError(err).message}`;
  }
  return {
    status: 'applied',
    ...(auditNote ? { reason: auditNote } : {}),
    extra: { priority, written: true, etag: confirmed.etag ?? null },
  };
}

/** Runs `decide` until it returns an outcome, re-deciding on 412/conflicts and backing off when busy. */
async function withRetries(
  deps: ApplyDeps,
  what: string,
  decide: () => Promise<Outcome>,
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
      if (kind === 'busy' && n < max) await sleep(backoffMs(n, retryAfterMs(err)));
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
  const detail = parseAllowRuleDetail(fix.detail);
  const progress = { putIssued: false };
  const result = await (deps.lock ?? nsgWriteLock).run(idKey(fix.target), () =>
    withRetries(deps, `writing rule ${detail.ruleName}`, () =>
      attempt(deps, fix, detail, topology, ctx, progress),
    ),
  );
  return {
    kind: 'nsg-allow-probe',
    target: fix.target,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    detail: { ...detail, ...result.extra, attempts: result.attempts, backendKeys: fix.backendKeys },
  };
}

/**
 * Removes a rule probe-doctor wrote (name and description marker both checked) with If-Match; a rule
 * of that name that is not ours, or that is gone, is left alone.
 */
export async function rollbackNsgFix(
  deps: ApplyDeps,
  fix: FixReport,
  ctx: RemediationContext,
  why: string,
): Promise<FixReport> {
  const ruleName = typeof fix.detail.ruleName === 'string' ? fix.detail.ruleName : '';
  const result = await (deps.lock ?? nsgWriteLock).run(idKey(fix.target), () =>
    withRetries(deps, `removing rule ${ruleName}`, async (): Promise<Outcome> => {
      const current = await deps.nsgWriter.getSecurityRule(fix.target, ruleName);
      if (!current) return { status: 'rolled-back', reason: `${why}; the rule was already gone` };
      if (!isProbeDoctorRule(current)) {
        return {
          status: fix.status,
          reason: `rule ${ruleName} is not probe-doctor's any more; left untouched`,
        };
      }
      const target = `${fix.target}/securityRules/${ruleName}`;
      const base = {
        runId: ctx.runId,
        loadBalancerId: ctx.loadBalancerId,
        action: 'delete-rule' as const,
        target,
      };
      try {
        await deps.audit?.({ ...base, phase: 'before', before: current });
      } catch (err) {
        return {
          status: fix.status,
          reason: `not rolled back: the audit record failed: ${ensureError(err).message}`,
        };
      }
      await deps.nsgWriter.deleteSecurityRule(
        fix.target,
        ruleName,
        current.etag ? { ifMatch: current.etag } : {},
      );
      await deps.audit?.({ ...base, phase: 'after', before: current, after: null }).catch(() => undefined);
      return { status: 'rolled-back', reason: why };
    }),
  );
  return {
    ...fix,
    status: result.status,
    ...(result.reason ? { reason: result.reason } : {}),
    detail: { ...fix.detail, rollbackAttempts: result.attempts },
  };
}
