/** A counting semaphore: at most `n` tasks at once (bounded connection setup, max_parallel). */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly n: number) {
    if (!(n >= 1)) throw new Error('limiter size must be >= 1');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** Runs fn over items with at most `n` in flight; results in input order (settled, never throws). */
export async function mapLimit<T, R>(
  items: readonly T[],
  n: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const lim = new Limiter(Math.max(1, n));
  return Promise.allSettled(items.map((it, i) => lim.run(() => fn(it, i))));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
