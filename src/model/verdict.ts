/**
 * Who must act on a run's findings (pure): the customer, for a cause they own and can change (an NSG
 * rule, a guest firewall, a listener, the probe's configuration, a VM's state), or Microsoft, when every
 * check passed and the probe still fails (`unknown`, which includes the platform's own `Down_Platform`),
 * or when the known causes were fixed and the probe still fails. Only the second gets a support ticket:
 * a ticket about a customer's own NSG rule wastes the customer's and Microsoft's time.
 */
import { idKey } from './ids';
import type { BackendReport, Cause, CauseId, FixKind, FixReport, Note, Report, Verdict } from './report';

/** Who the report asks to act (`nobody` when healthy or resolved). */
export type WhoMustAct = NonNullable<Report['whoMustAct']>;

/** What the decision reads of one backend: its key, probe state, health reason and cause ids. */
export interface BackendForVerdict {
  key: string;
  /** `expected-down`: down by design (not a fault), so it needs nobody unless a cause stands. */
  probeState: BackendReport['probeState'];
  healthReason?: string;
  causes: readonly CauseId[];
  /**
   * Its `unknown` was reached without its guest checked (the Run Command failed, was refused, or could
   * not run): the guest, where most probe failures are (a listener, a firewall), is still to look at,
   * so nothing yet says Microsoft must. See {@link guestLeftUnchecked}.
   */
  guestUnchecked?: boolean;
  /**
   * Nothing found, probe state unknown, and probe-doctor could not see enough to call it fine (its
   * health unread, or a check of it not run): the diagnosis's {@link UNVERIFIED_NOTE}. It needs the
   * customer (to give probe-doctor the access it lacked, or to look), never counts as healthy, and
   * is no case for Microsoft.
   */
  unverified?: boolean;
}

/** The note the diagnosis gives a backend it could not see enough of to call fine (src/app/diagnosis.ts). */
export const UNVERIFIED_NOTE = 'unverified';

/**
 * Whether a backend's causes hold an `unknown` reached without its guest checked: the cause's
 * evidence says `guestChecked: false` (src/diagnose/backend.ts). The platform's own `unknown`
 * (`Down_Platform`) carries no such field: it is Microsoft's whatever the guest.
 */
export function guestLeftUnchecked(causes: readonly Pick<Cause, 'id' | 'evidence'>[]): boolean {
  return uncheckedUnknown(causes) !== undefined;
}

/**
 * The backend's `unknown` reached without its guest checked (see {@link guestLeftUnchecked}), the
 * one cause the verdict, the next steps and the headline all read for it; undefined when there is
 * none, or when the platform's own `unknown` stands on another rule (Microsoft's either way).
 */
export function uncheckedUnknown<C extends Pick<Cause, 'id' | 'evidence'>>(
  causes: readonly C[],
): C | undefined {
  if (causes.some((cause) => cause.id === 'unknown' && cause.evidence?.platform === true)) return undefined;
  return causes.find((cause) => cause.id === 'unknown' && cause.evidence?.guestChecked === false);
}

/** One backend as the decision reads it, from the report's or the diagnosis's entry. */
export function backendForVerdict(backend: {
  key: string;
  probeState: BackendReport['probeState'];
  healthReason?: string;
  causes: readonly Pick<Cause, 'id' | 'evidence'>[];
  notes?: readonly Pick<Note, 'id'>[];
}): BackendForVerdict {
  return {
    key: backend.key,
    probeState: backend.probeState,
    ...(backend.healthReason !== undefined ? { healthReason: backend.healthReason } : {}),
    causes: backend.causes.map((c) => c.id),
    ...(guestLeftUnchecked(backend.causes) ? { guestUnchecked: true } : {}),
    ...(backend.notes?.some((n) => n.id === UNVERIFIED_NOTE) ? { unverified: true } : {}),
  };
}

/** The cause each automatic fix kind removes; a recommendation removes nothing by itself. */
const CAUSE_FIXED_BY: Partial<Record<FixKind, CauseId>> = {
  'nsg-allow-probe': 'nsg-blocks-probe',
  'start-vm': 'vm-not-running',
  'guest-firewall-allow': 'guest-firewall-blocks-probe',
};

/** Fix statuses that mean the change was made (it may have been taken out again since: it did not help). */
const TRIED: ReadonlySet<FixReport['status']> = new Set(['applied', 'rolled-back']);

/** The fix's backends, from its detail (the plan records them as `backendKeys`). */
function backendsOfFix(fix: FixReport): string[] {
  const keys = fix.detail.backendKeys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string').map(idKey) : [];
}

/**
 * Whether the backend needs attention: down, with a cause (a stopped VM is not probed at all), or
 * unverified (probe-doctor could not see enough of it to call it fine).
 */
export function needsAttention(backend: BackendForVerdict): boolean {
  return (
    (backend.probeState === 'down' && backend.healthReason !== 'Down_Admin') ||
    backend.causes.length > 0 ||
    backend.unverified === true
  );
}

/**
 * The backends Microsoft is asked to look at, among those still down: nothing found (`unknown` with
 * the guest checked, or no cause while the load balancer has none that explains it), or every cause
 * found was fixed and the probe still fails. An `unknown` whose guest could not be checked is the
 * customer's first: the guest is where a listener or a firewall would show.
 *
 * @param backends every backend the diagnosis reported
 * @param stillDown keys of the backends not up at the end of the run (all that need attention when
 *   nothing was validated)
 * @param fixes the fixes as the run ends
 * @param loadBalancerCauses the load balancer's own causes: a probe that cannot work explains every
 *   backend behind it
 * @param validated whether validation ran: a fix whose effect nobody could see proves nothing, so
 *   "fixed and still down" counts only then
 */
export function backendsForMicrosoft(
  backends: readonly BackendForVerdict[],
  stillDown: readonly string[],
  fixes: readonly FixReport[],
  loadBalancerCauses: readonly CauseId[],
  validated: boolean,
): string[] {
  const down = new Set(stillDown.map(idKey));
  // Each tried fix answers one finding on each of its backends (one NSG's deny, one guest firewall
  // tool's drop, one stopped VM): counted per cause id, so a backend with two findings of one id (an
  // iptables DROP and a firewalld rich rule) is "all fixed" only when both were tried.
  const fixedCauses = new Map<string, Map<CauseId, number>>();
  for (const fix of fixes.filter((f) => TRIED.has(f.status))) {
    const cause = CAUSE_FIXED_BY[fix.kind];
    if (!cause) continue;
    for (const key of backendsOfFix(fix)) {
      const counts = fixedCauses.get(key) ?? new Map<CauseId, number>();
      counts.set(cause, (counts.get(cause) ?? 0) + 1);
      fixedCauses.set(key, counts);
    }
  }
  const countOf = (ids: readonly CauseId[], id: CauseId) => ids.filter((c) => c === id).length;
  return backends
    .filter((b) => down.has(idKey(b.key)) && needsAttention(b))
    .filter((b) => {
      // Nothing found, but the guest was never looked at: checking it comes before any ticket.
      if (b.causes.includes('unknown')) return b.guestUnchecked !== true;
      // Unverified: probe-doctor could not look, so nothing says Microsoft must.
      if (b.causes.length === 0) return b.unverified !== true && loadBalancerCauses.length === 0;
      const fixed = validated ? fixedCauses.get(idKey(b.key)) : undefined;
      return fixed !== undefined && b.causes.every((c) => (fixed.get(c) ?? 0) >= countOf(b.causes, c));
    })
    .map((b) => b.key);
}

/** What {@link decideVerdict} reads. */
export interface VerdictInput {
  mode: 'observe' | 'fix';
  backends: readonly BackendForVerdict[];
  /** Ids of the load balancer's own causes (an empty pool, a probe that cannot work). */
  loadBalancerCauses: readonly CauseId[];
  fixes: readonly FixReport[];
  /** Keys of the backends still down after validation; undefined when no validation ran. */
  stillDownAfterValidation?: readonly string[];
  /** True when fixes were held for an approval nobody gave (none asked for, or it timed out). */
  approvalPending: boolean;
}

/** The backends still down at the end of the run: validation's word, or every one needing attention. */
export function stillDownAtEnd(input: Pick<VerdictInput, 'backends' | 'stillDownAfterValidation'>): string[] {
  const attention = input.backends.filter(needsAttention).map((b) => b.key);
  if (!input.stillDownAfterValidation) return attention;
  const after = new Set(input.stillDownAfterValidation.map(idKey));
  return attention.filter((k) => after.has(idKey(k)));
}

/**
 * The verdict and who must act:
 * - `healthy`: nothing down, no load-balancer cause; nobody acts.
 * - `resolved`: every backend that was down is up after the fixes; nobody acts.
 * - `escalated` (fix mode only): Microsoft must look at some backend ({@link backendsForMicrosoft});
 *   the support ticket is in the report (and submitted when configured).
 * - `awaiting-approval`: fixes wait for an approval nobody gave; the customer acts by approving.
 * - `action-required`: the customer must make the change the report names; or, in observe mode,
 *   Microsoft must look (`whoMustAct: microsoft`, the ticket built but never submitted: observe mode
 *   never escalates).
 */
export function decideVerdict(input: VerdictInput): {
  verdict: Verdict;
  whoMustAct: WhoMustAct;
  forMicrosoft: string[];
} {
  const attention = input.backends.filter(needsAttention);
  if (attention.length === 0 && input.loadBalancerCauses.length === 0) {
    return { verdict: 'healthy', whoMustAct: 'nobody', forMicrosoft: [] };
  }
  const stillDown = stillDownAtEnd(input);
  if (attention.length > 0 && input.stillDownAfterValidation && stillDown.length === 0) {
    if (input.loadBalancerCauses.length === 0) {
      return { verdict: 'resolved', whoMustAct: 'nobody', forMicrosoft: [] };
    }
  }
  const forMicrosoft = backendsForMicrosoft(
    input.backends,
    stillDown,
    input.fixes,
    input.loadBalancerCauses,
    input.stillDownAfterValidation !== undefined,
  );
  if (forMicrosoft.length > 0) {
    return {
      verdict: input.mode === 'fix' ? 'escalated' : 'action-required',
      whoMustAct: 'microsoft',
      forMicrosoft,
    };
  }
  if (input.approvalPending) return { verdict: 'awaiting-approval', whoMustAct: 'customer', forMicrosoft };
  return { verdict: 'action-required', whoMustAct: 'customer', forMicrosoft };
}
