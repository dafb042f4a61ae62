/** What validation after the fixes saw. */
import type { RuleHealth } from './health';
import type { BackendValidation } from './report';

export interface ValidationResult {
  health: RuleHealth[];
  /** Keys of the backends still down. */
  stillDown: string[];
  /** Per backend: the peer TCP test, the re-read health, and why they disagree when they do. */
  backends?: BackendValidation[];
  /**
   * Keys of backends still climbing to the healthy threshold (Down_Probe_ApproachingHealthyThreshold):
   * not judged yet; the orchestrator waits one more probe interval and validates again.
   */
  recovering?: string[];
}
