/**
 * Priority choice for the allow rule. The nearest free number just below the blocking rule's (higher
 * precedence) is taken, so the new rule outranks the blocker and nothing else changes order: every
 * rule that already came before the blocker still comes before the new rule, apart from the used
 * numbers in between, which cannot match the probe (had one matched, it would have decided first).
 */
import type { NsgInfo, RuleDirection } from '../model/topology';

/** Custom rules go from 100 to 4096 (a lower number wins). */
export const MIN_RULE_PRIORITY = 100;
export const MAX_RULE_PRIORITY = 4096;

/**
 * The free priority nearest below `blockingPriority`, or undefined when none exists (the blocker sits
 * at 100, or every number from 100 up to it is taken). A rule named `ownRuleName` does not count as
 * taken: it is the rule being rewritten.
 */
export function choosePriority(
  nsg: Pick<NsgInfo, 'securityRules'>,
  blockingPriority: number,
  direction: RuleDirection = 'Inbound',
  ownRuleName?: string,
): number | undefined {
  const own = ownRuleName?.toLowerCase();
  const taken = new Set(
    nsg.securityRules
      .filter((r) => r.direction === direction && r.name.toLowerCase() !== own)
      .map((r) => r.priority),
  );
  const start = Math.min(blockingPriority - 1, MAX_RULE_PRIORITY);
  for (let p = start; p >= MIN_RULE_PRIORITY; p--) {
    if (!taken.has(p)) return p;
  }
  return undefined;
}
