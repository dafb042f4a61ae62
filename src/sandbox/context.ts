/**
 * Everything a request handler may touch in one running sandbox.
 */
import type { SandboxClock } from './clock';
import type { LockTable, OperationStore } from './lro';
import type { SandboxState } from './state';
import type { SupportTicketStore } from './support';
import type { TimeModel } from './timeModel';
import type { SandboxViews } from './views';

/** Tunables of the emulation; defaults in server.ts. */
export interface SandboxBehaviour {
  /** "Still running" polls before a POST action (health, effective NSGs, Run Command...) answers. */
  actionPolls: number;
  /** "Still running" polls before a write (security rule PUT/DELETE, VM start, ticket) finishes. */
  writePolls: number;
  /** Items per list page; 0 = one page. Small values exercise the clients' nextLink handling. */
  pageSize: number;
}

export interface SandboxContext {
  readonly state: SandboxState;
  readonly views: SandboxViews;
  readonly operations: OperationStore;
  readonly locks: LockTable;
  readonly tickets: SupportTicketStore;
  readonly behaviour: SandboxBehaviour;
  /** The sandbox's time: wall time standalone, the local host's clock in-process (clock.ts). */
  readonly clock: SandboxClock;
  /** How long each kind of request and operation takes on that clock (timeModel.ts). */
  readonly time: TimeModel;
  /** `https://127.0.0.1:PORT` once listening. */
  readonly endpoint: () => string;
}
