/** What the diagnosis found: causes per backend and for the load balancer. */
import type { BackendReport, Cause, Note } from './report';

export interface Diagnosis {
  /** Causes that belong to the load balancer (empty pool, a probe that cannot work). */
  causes: Cause[];
  /** One entry per backend, down or not. */
  backends: (BackendReport & { key: string })[];
  /** Load-balancer-level observations that are not causes (floating IP, probe port differs). */
  notes?: Note[];
}
