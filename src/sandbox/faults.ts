/**
 * Fault injection: the sandbox misbehaves the way ARM does (latency, 429 with Retry-After, 500/503,
 * 409 on writes), reproducibly. Every decision draws from one seeded generator in request order, so
 * the same seed and the same requests give the same faults. Long-running-operation polls are never
 * faulted: that keeps an LRO's outcome a function of the seed alone, not of poll timing.
 */
import type { Faults } from './scenario';
import { faultsSchema } from './scenario';

/** What a request is, for fault purposes. */
export type RequestKind = 'read' | 'write' | 'poll';

/** What to do to one request. */
export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'server'; status: 500 | 503; retryAfterSeconds: number }
  | { kind: 'conflict' };

/** mulberry32: tiny, fast, and good enough to spread faults; determinism is what matters here. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides faults for a stream of requests. Settings can change at run time (a test injects mid-run). */
export class FaultInjector {
  private faults: Faults;
  private random: () => number;

  constructor(faults?: Partial<Faults>) {
    this.faults = faultsSchema.parse(faults ?? {});
    this.random = seededRandom(this.faults.seed);
  }

  /** Replaces the settings (validated, defaults filled) and restarts the generator from the seed. */
  set(faults?: Partial<Faults>): void {
    this.faults = faultsSchema.parse(faults ?? {});
    this.random = seededRandom(this.faults.seed);
  }

  get current(): Readonly<Faults> {
    return this.faults;
  }

  get latencyMs(): number {
    return this.faults.latencyMs;
  }

  /**
   * One decision per request. Throttling is checked first (ARM's gateway throttles before the
   * resource provider sees the request), then server errors, then write conflicts. Each check draws
   * only when its rate is above zero, so turning one fault on does not reshuffle the others' runs.
   * With `operations` set, a request of another operation is never faulted and draws nothing.
   */
  decide(kind: RequestKind, operation?: string): FaultDecision {
    if (kind === 'poll') return { kind: 'none' };
    const f = this.faults;
    if (f.operations && !f.operations.some((o) => o.toLowerCase() === operation?.toLowerCase())) {
      return { kind: 'none' };
    }
    if (f.throttleRate > 0 && this.random() < f.throttleRate) {
      return { kind: 'throttle', retryAfterSeconds: f.retryAfterSeconds };
    }
    if (f.serverErrorRate > 0 && this.random() < f.serverErrorRate) {
      return {
        kind: 'server',
        status: this.random() < 0.5 ? 500 : 503,
        retryAfterSeconds: f.retryAfterSeconds,
      };
    }
    if (kind === 'write' && f.conflictRate > 0 && this.random() < f.conflictRate) {
      return { kind: 'conflict' };
    }
    return { kind: 'none' };
  }
}
