/**
 * Long-running operations with ARM's protocol. A started operation is answered with 202 (or 201/200
 * for a PUT) and headers pointing back at the sandbox:
 *
 * - `Azure-AsyncOperation: .../providers/{ns}/locations/{loc}/operations/{id}`: answers
 *   `{ status: 'InProgress' | 'Succeeded' | 'Failed' }`;
 * - `Location: .../providers/{ns}/locations/{loc}/operationResults/{id}`: answers 202 while running,
 *   then 200 with the result (empty when there is none).
 *
 * This is what @azure/core-lro polls (mode "OperationLocation" or "ResourceLocation").
 *
 * When an operation finishes:
 * - with a duration (the time model, timeModel.ts, at a scale above 0): at `startedAt + duration` on
 *   the sandbox's clock, polled or not (a Run Command's script ends whether anyone looks). Until then
 *   every answer carries `Retry-After` with the whole seconds left, as ARM's async-operation pattern
 *   does (async-operations.md: "the number of seconds to wait before checking the status").
 * - without one (scale 0, the in-process default): after a fixed number of "still running" polls
 *   (the sandbox's behaviour), `Retry-After: 0`; a client that walks away releases its locks after
 *   {@link OPERATION_EXPIRY_MS}.
 */
import type { SandboxHttpError } from './httpError';

/** An operation without a duration that nobody polls stops holding its locks after this long. */
export const OPERATION_EXPIRY_MS = 30_000;

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface Operation {
  readonly id: string;
  readonly namespace: string;
  readonly subscriptionId: string;
  readonly location: string;
  /** The api-version of the request that started it; its URLs carry the same. */
  readonly apiVersion: string;
  status: OperationStatus;
  /** Polls still to answer "in progress" before the operation finishes. */
  pollsLeft: number;
  /** Body of the final 200 on the Location URL; undefined for a void operation. */
  readonly result?: unknown;
  /** `result`'s text, when it was serialized ahead (an action's result is final when it starts). */
  readonly resultJson?: Promise<Buffer>;
  readonly error?: SandboxHttpError;
  readonly startTime: string;
  endTime?: string;
  readonly createdAtMs: number;
  /** Sandbox time its result is there; equal to `createdAtMs` for an operation without a duration. */
  readonly doneAtMs: number;
  /** Runs once when the operation finishes (releases locks, flips provisioningState). */
  readonly onDone?: () => void;
}

export interface StartOperation {
  namespace: string;
  subscriptionId: string;
  location: string;
  apiVersion: string;
  pollsBeforeDone: number;
  /** Sandbox ms from start to result (timeModel.ts); 0 or omitted: finished by polls instead. */
  durationMs?: number;
  /** Sandbox time the request arrived (before its ARM latency); default: now. */
  startedAtMs?: number;
  result?: unknown;
  /** `result`'s text, being serialized while the operation runs; see {@link Operation.resultJson}. */
  resultJson?: Promise<Buffer>;
  error?: SandboxHttpError;
  onDone?: () => void;
}

/** The operations of one sandbox, and the URLs that report on them. */
export class OperationStore {
  private readonly operations = new Map<string, Operation>();
  /** Operations with a duration still running: {@link settleDue} ends them when their time is up. */
  private readonly timed = new Set<Operation>();
  private counter = 0;

  constructor(
    private readonly endpoint: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  start(input: StartOperation): Operation {
    this.counter += 1;
    // GUID-shaped and sequential: readable in logs and reproducible between runs.
    const id = `00000000-0000-0000-0000-${this.counter.toString(16).padStart(12, '0')}`;
    const startedAt = Math.min(input.startedAtMs ?? this.now(), this.now());
    const duration = input.durationMs !== undefined && input.durationMs > 0 ? input.durationMs : 0;
    const op: Operation = {
      id,
      namespace: input.namespace,
      subscriptionId: input.subscriptionId,
      location: input.location,
      apiVersion: input.apiVersion,
      status: 'InProgress',
      // Time decides when there is time; the poll count only paces an operation without a duration.
      pollsLeft: duration > 0 ? 0 : Math.max(0, input.pollsBeforeDone),
      result: input.result,
      resultJson: input.resultJson,
      error: input.error,
      startTime: new Date(startedAt).toISOString(),
      createdAtMs: startedAt,
      doneAtMs: startedAt + duration,
      onDone: input.onDone,
    };
    this.operations.set(id, op);
    if (duration > 0) this.timed.add(op);
    return op;
  }

  /**
   * Ends every operation whose time is up, polled or not (called before each request is answered),
   * so what it changes (a rule's provisioningState, a VM's power state) shows when Azure's would.
   */
  settleDue(): void {
    for (const op of this.timed) {
      if (this.now() >= op.doneAtMs) this.finish(op);
    }
  }

  /**
   * `Azure-AsyncOperation` URL of an operation, in the provider's own shape (its RBAC read action
   * differs: Microsoft.Support/operationsstatus/read, Microsoft.{Network,Compute}/locations/operations/read).
   */
  asyncOperationUrl(op: Operation): string {
    if (/^microsoft\.support$/i.test(op.namespace)) {
      return `${this.endpoint()}/subscriptions/${op.subscriptionId}/providers/${op.namespace}/operationsStatus/${op.id}?api-version=${op.apiVersion}`;
    }
    return this.url(op, 'operations');
  }

  /**
   * `Location` URL of an operation. Network answers on `operationResults`; Compute on the same
   * `operations` URL with `monitor=true` (Microsoft's RunCommand example); Support on
   * `operationResults` without a location (Microsoft's SupportTickets_Create example).
   */
  locationUrl(op: Operation): string {
    if (/^microsoft\.compute$/i.test(op.namespace)) return `${this.url(op, 'operations')}&monitor=true`;
    if (/^microsoft\.support$/i.test(op.namespace)) {
      return `${this.endpoint()}/subscriptions/${op.subscriptionId}/providers/${op.namespace}/operationResults/${op.id}?api-version=${op.apiVersion}`;
    }
    return this.url(op, 'operationResults');
  }

  private url(op: Operation, kind: string): string {
    return `${this.endpoint()}/subscriptions/${op.subscriptionId}/providers/${op.namespace}/locations/${op.location}/${kind}/${op.id}?api-version=${op.apiVersion}`;
  }

  get(id: string): Operation | undefined {
    return this.operations.get(id.toLowerCase());
  }

  /** One poll: answers "in progress" while polls or time are left, then finishes the operation. */
  poll(id: string): Operation | undefined {
    const op = this.get(id);
    if (!op || op.status !== 'InProgress') return op;
    if (op.pollsLeft > 0) {
      op.pollsLeft -= 1;
      return op;
    }
    if (this.timeLeftMs(op) > 0) return op;
    this.finish(op);
    return op;
  }

  /** Sandbox ms until the operation's result is there (0 when it is, or when it has no duration). */
  timeLeftMs(op: Operation): number {
    return op.status === 'InProgress' ? Math.max(0, op.doneAtMs - this.now()) : 0;
  }

  /** True when the operation runs on time (a duration), not on a poll count. */
  hasDuration(op: Operation): boolean {
    return op.doneAtMs > op.createdAtMs;
  }

  /**
   * True while the operation holds its resources: one with a duration until its time is up (polled
   * or not); one without, until it is polled to the end or abandoned for {@link OPERATION_EXPIRY_MS}.
   */
  isActive(op: Operation): boolean {
    if (op.status !== 'InProgress') return false;
    const ended = this.hasDuration(op)
      ? this.now() >= op.doneAtMs
      : this.now() - op.createdAtMs > OPERATION_EXPIRY_MS;
    if (ended) {
      this.finish(op);
      return false;
    }
    return true;
  }

  private finish(op: Operation): void {
    this.timed.delete(op);
    if (op.status !== 'InProgress') return;
    op.status = op.error ? 'Failed' : 'Succeeded';
    op.endTime = new Date(this.hasDuration(op) ? op.doneAtMs : this.now()).toISOString();
    op.onDone?.();
  }
}

/**
 * The `Retry-After` value (seconds, as text) for an operation: the whole seconds left, rounded down,
 * so a client that waits it arrives at or before the end (lroResponses.ts holds an early poll for the
 * sub-second rest, which the header cannot say). "0" for an operation without a duration.
 */
export function retryAfterSeconds(store: OperationStore, op: Operation): string {
  return String(Math.floor(store.timeLeftMs(op) / 1000));
}

/** ARM's async-operation status body. */
export function asyncOperationBody(op: Operation): Record<string, unknown> {
  const body: Record<string, unknown> = { name: op.id, status: op.status, startTime: op.startTime };
  if (op.endTime) body.endTime = op.endTime;
  if (op.status === 'Failed' && op.error) body.error = op.error.toBody().error;
  return body;
}

/**
 * Exclusive access per resource (an NSG being written, a VM running a script): a second operation on
 * a key whose holder is still active is refused by the caller.
 */
export class LockTable {
  private readonly holders = new Map<string, Operation>();

  constructor(private readonly store: OperationStore) {}

  /** The active operation holding `key`, if any. */
  holder(key: string): Operation | undefined {
    const op = this.holders.get(key);
    if (op && this.store.isActive(op)) return op;
    this.holders.delete(key);
    return undefined;
  }

  hold(key: string, op: Operation): void {
    if (op.status === 'InProgress') this.holders.set(key, op);
  }
}
