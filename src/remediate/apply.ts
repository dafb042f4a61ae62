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
import type { PlannedFix } from '../model/fixPlan';
import {
  buildGuestFirewallAllowScript,
  guestFirewallCommands,
  parseGuestFirewallAllowOutput,
  parseGuestFirewallPersistence,
  parseFirewalldHalves,
  firewalldUndo,
  type NftChainRef,
} from './guestFirewall';
import { scriptSha256 } from '../guest/scripts';
import { applyNsgFix, mayHaveWritten, rollbackNsgFix, settleLostWrite } from './nsgApply';

export { mayHaveWritten } from './nsgApply';
import type { ApplyDeps, RemediationAuditEvent, RemediationContext } from './ports';
import { EXHAUSTED_NOTE, backoffMs, classifyWriteError, realSleep, retryAfterMs } from './retry';

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

/** A VM action's outcome: a final report (nothing more to do), or what was done for the after-audit. */
type VmStep = { done: FixReport } | { extra: Record<string, unknown> };

/**
 * Runs a VM action with the busy-retry rule, audited before and after. `check` runs first (a fresh
 * read that may end the fix before anything is written); `body` does the change and may confirm it.
 */
async function vmAction(
  deps: ApplyDeps,
  fix: PlannedFix,
  ctx: RemediationContext,
  action: RemediationAuditEvent['action'],
  body: () => Promise<VmStep>,
  before: Record<string, unknown> = fix.detail,
): Promise<FixReport> {
  const base = { runId: ctx.runId, loadBalancerId: ctx.loadBalancerId, action, target: fix.target };
  try {
    await deps.audit({ ...base, phase: 'before', before });
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
      const step = await body();
      if ('done' in step) return step.done;
      try {
        await deps.audit({ ...base, phase: 'after', before, after: step.extra });
      } catch (err) {
        return report(fix, 'applied', `applied, but the after-audit failed: ${ensureError(err).message}`, {
          ...step.extra,
          attempts: n,
        });
      }
      return report(fix, 'applied', undefined, { ...step.extra, attempts: n });
    } catch (err) {
      // Only what the pipeline does not retry is retried here (src/remediate/retry.ts): a 409 from
      // Run Command (another script still runs on the VM) or from the VM (another operation).
      const kind = classifyWriteError(err);
      if (kind !== 'busy' || n >= max) {
        const note = kind === 'exhausted' ? ` (${EXHAUSTED_NOTE})` : '';
        return report(
          fix,
          'failed',
          `${action} on ${fix.target} failed: ${ensureError(err).message}${note}`,
          {
            attempts: n,
          },
        );
      }
      await sleep(backoffMs(n, retryAfterMs(err)));
    }
  }
}

/**
 * Starts a VM only when its power state, read now, is still the one planned on (stopped or
 * deallocated); confirms it is running afterwards. Both states go into the audit records.
 */
async function startVm(deps: ApplyDeps, fix: PlannedFix, ctx: RemediationContext): Promise<FixReport> {
  const writer = deps.vmWriter;
  const powerState = deps.vmPowerState;
  if (!writer) return report(fix, 'skipped', 'no VM writer is configured; start the VM by hand');
  if (!powerState) {
    return report(
      fix,
      'skipped',
      "the VM's power state cannot be read, so it is not started; start the VM by hand",
    );
  }
  const planned = typeof fix.detail.powerState === 'string' ? fix.detail.powerState : undefined;
  const now = await powerState(fix.target);
  if (now === 'running') {
    return report(fix, 'skipped', 'the VM is already running; nothing started', { powerStateBefore: now });
  }
  if (planned !== undefined && now.toLowerCase() !== planned.toLowerCase()) {
    return report(
      fix,
      'skipped',
      `the VM's power state changed since the plan (${planned} then, ${now} now); nothing started: re-check before acting`,
      { powerStateBefore: now },
    );
  }
  return vmAction(
    deps,
    fix,
    ctx,
    'start-vm',
    async () => {
      await writer.startVm(fix.target);
      const after = await powerState(fix.target);
      if (after !== 'running') {
        return {
          done: report(
            fix,
            'failed',
            `the start completed but the VM's power state is ${after}, not running`,
            {
              powerStateBefore: now,
              powerStateAfter: after,
            },
          ),
        };
      }
      return { extra: { started: true, powerStateBefore: now, powerStateAfter: after } };
    },
    { ...fix.detail, powerState: now },
  );
}

function guestFirewall(
  deps: ApplyDeps,
  fix: PlannedFix,
  ctx: RemediationContext,
): Promise<FixReport> | FixReport {
  const run = deps.runCommand;
  if (!run) return report(fix, 'skipped', 'Run Command is not configured; add the firewall rule by hand');
  const os = fix.detail.os === 'windows' ? 'windows' : 'linux';
  const script = buildGuestFirewallAllowScript(
    os,
    Number(fix.detail.port),
    typeof fix.detail.tool === 'string' ? fix.detail.tool : undefined,
    fix.detail.nft as NftChainRef | undefined,
  );
  return vmAction(deps, fix, ctx, 'guest-firewall-allow', async () => {
    const { stdout, stderr } = parseRunCommandResult(await run(fix.target, script));
    const result = parseGuestFirewallAllowOutput(stdout);
    if (result === 'added' || result === 'present') {
      // The tool the script chose (auto picks one) decides the undo and whether a reboot keeps the
      // rule: docs/runbook.md sends a person to `undo` in the fix's detail.
      const tool =
        /^tool=(\S+)\s*$/m.exec(stdout)?.[1] ?? (os === 'windows' ? 'windows-firewall' : undefined);
      const persist = parseGuestFirewallPersistence(stdout) ?? 'none';
      const commands = guestFirewallCommands(
        os,
        Number(fix.detail.port),
        tool,
        fix.detail.nft as NftChainRef | undefined,
      );
      // firewalld: which halves this run added (runtime, permanent); the undo takes out those only.
      const halves = parseFirewalldHalves(stdout);
      // The script says it (firewalld: whether the permanent set holds the rule now, whoever added it).
      const persistent = persist !== 'none';
      const undo = halves ? firewalldUndo(Number(fix.detail.port), halves) : commands.undo;
      return {
        extra: {
          result,
          tool: commands.tool,
          ...(halves
            ? { added: [halves.runtime && 'runtime', halves.permanent && 'permanent'].filter(Boolean) }
            : {}),
          persistent,
          persistence: persistent ? persist : `does not survive a reboot: ${commands.persistence}`,
          // What ran in the guest, for the audit trail (FixApplied's `after`), as BackendChecked names a check's.
          runCommand: script.commandId,
          scriptSha256: scriptSha256(script),
          // Nothing to undo where the rule was already there: it is the owner's.
          ...(result === 'added' ? { undo } : {}),
        },
      };
    }
    throw new Error(
      result === 'no-tool'
        ? 'no firewall tool found in the guest'
        : result === 'unsupported'
          ? 'the guest firewall is native nftables and the table and chain that drop the probe are unknown; add the rule by hand'
          : `the script reported no result (stderr: ${stderr.trim().slice(0, 200) || 'empty'})`,
    );
  });
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
    case 'start-vm':
      return startVm(deps, fix, ctx);
    case 'guest-firewall-allow':
      return guestFirewall(deps, fix, ctx);
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
 * Rolls back the NSG rules this run wrote when NONE of their backends came back (and
 * `rollbackOnFailure` is set): a rule this run created is removed, a rule it only widened is restored
 * to its version from before the run (never deleted). A rule that brought back even one backend stays.
 * Every other fix is returned as it was, except a write whose answer was lost and that is kept: it is
 * settled by a fresh read ({@link settleLostWrite}). A rolled-back rule is reported `rolled-back`.
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
      if (
        !ctx.rollbackOnFailure ||
        !mayHaveWritten(fix) ||
        keys.length === 0 ||
        !keys.every((k) => down.has(k))
      ) {
        // Kept: a write whose answer was lost is settled now, so a rule of this run's that stays in
        // place is claimed and has its after-record.
        return settleLostWrite(deps, fix, ctx);
      }
      return rollbackNsgFix(
        deps,
        fix,
        ctx,
        `the rule did not bring ${keys.length} of ${keys.length} backend(s) back`,
      );
    }),
  );
}
