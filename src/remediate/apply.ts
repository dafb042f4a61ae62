/**
 * Applies planned fixes (ApplyFixes activity) and rolls back the NSG rules that did not help. Each fix
 * ends as a {@link FixReport}; one failing fix never stops the others. Observe mode writes nothing.
 *
 * The activity is shaped so that the orchestrator can later hold a durable entity lock per NSG
 * (`context.df.lock`) around it: all writes to one NSG happen inside one call, keyed by `target`.
 */
import { ensureError } from '../errors';
import { parseRunCommandResult } from '../guest/parse/runCommand';
import type { FixReport } from '../model/report';
import type { Topology } from '../model/topology';
import type { PlannedFix } from '../workflow/contracts';
import { buildGuestFirewallAllowScript, parseGuestFirewallAllowOutput } from './guestFirewall';
import { applyNsgFix, rollbackNsgFix } from './nsgApply';
import type { ApplyDeps, RemediationAuditEvent, RemediationContext } from './ports';
import { backoffMs, classifyWriteError, realSleep, retryAfterMs } from './retry';

export type { ApplyDeps, RemediationContext } from './ports';

const report = (
  fix: PlannedFix,
  status: FixReport['status'],
  reason?: string,
  extra: Record<string, unknown> = {},
): FixReport => ({
  kind: fix.kind,
  target: fix.target,
  status,
  ...(reason !== undefined ? { reason } : {}),
  detail: { ...fix.detail, ...extra, backendKeys: fix.backendKeys },
});

/** Runs a VM action with the busy-retry rule, audited before and after. */
async function vmAction(
  deps: ApplyDeps,
  fix: PlannedFix,
  ctx: RemediationContext,
  action: RemediationAuditEvent['action'],
  body: () => Promise<Record<string, unknown>>,
): Promise<FixReport> {
  const base = { runId: ctx.runId, loadBalancerId: ctx.loadBalancerId, action, target: fix.target };
  try {
    await deps.audit?.({ ...base, phase: 'before', before: fix.detail });
  } catch (err) {
    return report(
      fix,
      'failed',
      `the audit record could not be written, so nothing was changed: ${ensureError(err).message}`,
    );
  }
  const max = deps.maxAttempts ?? 5;
  const sleep = deps.sleep ?? realSleep;
  for (let n = 1; ; n++) {
    try {
      const extra = await body();
      await deps.audit?.({ ...base, phase: 'after', after: extra }).catch(() => undefined);
      return report(fix, 'applied', undefined, { ...extra, attempts: n });
    } catch (err) {
      // A 409 from Run Command means another script still runs on the VM: wait like any busy answer.
      if (classifyWriteError(err) !== 'busy' || n >= max) {
        return report(fix, 'failed', `${action} on ${fix.target} failed: ${ensureError(err).message}`, {
          attempts: n,
        });
      }
      await sleep(backoffMs(n, retryAfterMs(err)));
    }
  }
}

async function applyOne(
  deps: ApplyDeps,
  fix: PlannedFix,
  topology: Topology,
  ctx: RemediationContext,
): Promise<FixReport> {
  switch (fix.kind) {
    case 'nsg-allow-probe':
      return applyNsgFix(deps, fix, topology, ctx);
    case 'start-vm': {
      const writer = deps.vmWriter;
      if (!writer) return report(fix, 'skipped', 'no VM writer is configured; start the VM by hand');
      return vmAction(deps, fix, ctx, 'start-vm', async () => {
        await writer.startVm(fix.target);
        return { started: true };
      });
    }
    case 'guest-firewall-allow': {
      const run = deps.runCommand;
      if (!run) return report(fix, 'skipped', 'Run Command is not configured; add the firewall rule by hand');
      const os = fix.detail.os === 'windows' ? 'windows' : 'linux';
      const script = buildGuestFirewallAllowScript(
        os,
        Number(fix.detail.port),
        typeof fix.detail.tool === 'string' ? fix.detail.tool : undefined,
      );
      return vmAction(deps, fix, ctx, 'guest-firewall-allow', async () => {
        const { stdout, stderr } = parseRunCommandResult(await run(fix.target, script));
        const result = parseGuestFirewallAllowOutput(stdout);
        if (result === 'added' || result === 'present') return { result };
        throw new Error(
          result === 'no-tool'
            ? 'no firewall tool found in the guest'
            : `the script reported no result (stderr: ${stderr.trim().slice(0, 200) || 'empty'})`,
        );
      });
    }
    default:
      // Recommendations are for a person; nothing to apply.
      return report(fix, fix.status, fix.reason);
  }
}

/**
 * Applies the fixes. Observe mode, or a fix that is not `planned`, is reported unchanged: nothing is
 * written. Fixes run concurrently; writes to one NSG are serialized.
 */
export async function applyFixes(
  deps: ApplyDeps,
  fixes: readonly PlannedFix[],
  ctx: RemediationContext & { mode: 'observe' | 'fix'; topology: Topology },
): Promise<FixReport[]> {
  return Promise.all(
    fixes.map(async (fix) => {
      if (ctx.mode === 'observe' || fix.status !== 'planned') return report(fix, fix.status, fix.reason);
      try {
        return await applyOne(deps, fix, ctx.topology, ctx);
      } catch (err) {
        return report(fix, 'failed', ensureError(err).message);
      }
    }),
  );
}

/**
 * Removes the NSG rules probe-doctor added whose backends are still down (when `rollbackOnFailure`
 * is set); every other fix is returned as it was. A rolled-back rule is reported `rolled-back`.
 */
export async function rollbackFixes(
  deps: ApplyDeps,
  fixes: readonly FixReport[],
  ctx: RemediationContext & { stillDown: readonly string[]; rollbackOnFailure: boolean },
): Promise<FixReport[]> {
  const down = new Set(ctx.stillDown);
  return Promise.all(
    fixes.map(async (fix) => {
      const keys = Array.isArray(fix.detail.backendKeys) ? (fix.detail.backendKeys as string[]) : [];
      const written = fix.detail.written === true;
      if (
        !ctx.rollbackOnFailure ||
        fix.kind !== 'nsg-allow-probe' ||
        fix.status !== 'applied' ||
        !written ||
        !keys.some((k) => down.has(k))
      ) {
        return fix;
      }
      const still = keys.filter((k) => down.has(k)).length;
      return rollbackNsgFix(
        deps,
        fix,
        ctx,
        `the rule did not bring ${still} of ${keys.length} backend(s) back, so it was removed (rollbackOnFailure)`,
      );
    }),
  );
}
