/** A run as every step and audit event names it. */

/** Correlation for audit events, passed to every activity. */
export interface RunContext {
  /** One per execution (src/workflow/runId.ts); the instance id is one per load balancer. */
  runId: string;
  loadBalancerId: string;
  alertId?: string;
  /** Observe writes nothing; fix applies the safe fixes. Carried so every audit event can say it. */
  mode: 'observe' | 'fix';
  /** What started the run: an Azure Monitor alert, the HTTP API, or the CLI. */
  trigger: 'alert' | 'http' | 'cli' | 'sweep';
}
