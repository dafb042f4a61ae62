/**
 * An in-process async lock per key (one NSG): two orchestrations in one host never write the same NSG
 * at once. It does not reach across processes: there, the ETag conditions (If-None-Match / If-Match)
 * and the conflict retries keep writes correct, and a Durable Functions entity lock
 * (`context.df.lock`) around the apply activity is the production serializer.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier `run` with the same key has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      // Forget the key once nobody queued behind us, so the map does not grow without bound.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** The process-wide lock for NSG writes. */
export const nsgWriteLock = new KeyedLock();
