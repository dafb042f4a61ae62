/**
 * What remediation needs from Azure, as ports: the adapters (src/azure/) take injected SDK clients, and
 * tests run them against the sandbox.
 */
import type { AzureReader } from '../azure/reader';
import type { AzureWriter } from '../azure/writer';
import type { NsgInfo } from '../model/topology';
import type { KeyedLock } from './keyedLock';

/** NSG rule writes, plus a fresh read of the whole NSG (its rules and etag) to choose a priority. */
export interface NsgRuleWriter extends Pick<
  AzureWriter,
  'getSecurityRule' | 'createSecurityRule' | 'deleteSecurityRule'
> {
  /** The NSG as it is now (never a cached copy): its custom rules, with their etags. */
  getNsg(nsgId: string): Promise<NsgInfo>;
}

/** One audit record of a change: called before the write (with the before-state) and after it. */
export interface RemediationAuditEvent {
  runId: string;
  loadBalancerId: string;
  phase: 'before' | 'after';
  action: 'create-rule' | 'update-rule' | 'delete-rule' | 'start-vm' | 'guest-firewall-allow';
  target: string;
  before?: unknown;
  after?: unknown;
}

/** Correlation of one run's changes. */
export interface RemediationContext {
  runId: string;
  loadBalancerId: string;
  /**
   * What this run's rule writes carry in their description to prove, on a re-read, that they are its
   * own (src/remediate/naming.ts `writeOwnerId`). Default: `runId`.
   */
  ownerId?: string;
}

export type AuditHook = (event: RemediationAuditEvent) => Promise<void>;

/** Reads a VM's (or scale set VM's) current power state, e.g. `running`, `deallocated`, `starting`. */
export type VmPowerStateReader = (vmId: string) => Promise<string>;

/** What {@link applyFixes} and {@link rollbackFixes} use. */
export interface ApplyDeps {
  nsgWriter: NsgRuleWriter;
  /** VM start (compute `beginStart`), for the opt-in start-vm fix. */
  vmWriter?: Pick<AzureWriter, 'startVm'>;
  /**
   * The VM's power state as the instance view says now (`running`, `deallocated`, ...), read before
   * and after a start; without it the start-vm fix is skipped (src/azure/vmPowerState.ts adapts it).
   */
  vmPowerState?: VmPowerStateReader;
  /** Run Command, for the opt-in guest firewall fix. */
  runCommand?: AzureReader['runCommand'];
  /**
   * Called before (must succeed, or nothing is written) and after each change. Required: there is no
   * unaudited write path. A failing after-record becomes the fix's reason.
   */
  audit: AuditHook;
  /** Backoff wait; tests pass one that does not sleep. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The per-NSG lock; default the process-wide one. Tests pass separate locks to act as two processes
   * (then only the ETag conditions and the conflict retries keep the writes right).
   */
  lock?: KeyedLock;
  /** Attempts per write before reporting `failed` (default 5). */
  maxAttempts?: number;
}
