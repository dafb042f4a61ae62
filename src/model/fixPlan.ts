/** A fix as planned: the report's fix plus what the workflow decides with. */
import type { FixReport } from './report';

export interface PlannedFix extends FixReport {
  /** True when policy says a person must approve this fix first. */
  needsApproval: boolean;
  /** The backends this fix is for. */
  backendKeys: string[];
}
