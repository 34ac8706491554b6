// A fixed set of slots (context sequences) handed out first-come, first-served. Waiters queue
// in FIFO order so a burst cannot starve an early request; an aborted waiter leaves the queue.

type Waiter<T> = { resolve: (item: T) => void; reject: (err: unknown) => void; signal: AbortSignal; onAbort: () => void };

export class SlotPool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closedError: Error | null = null;
  readonly size: number;

  constructor(items: readonly T[]) {
    this.free = [...items];
    this.size = items.length;
  }

  get active(): number {
    return this.size - this.free.length;
  }

  get queued(): number {
    return this.waiters.length;
  }

  acquire(signal: AbortSignal): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (signal.aborted) return Promise.reject(signal.reason);
    const item = this.free.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.signal.removeEventListener("abort", waiter.onAbort);
      waiter.resolve(item);
    } else {
      this.free.push(item);
    }
  }

  /** Rejects every waiter and all later acquires with `err`. */
  close(err: Error): void {
    this.closedError = err;
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal.removeEventListener("abort", waiter.onAbort);
      waiter.reject(err);
    }
  }
}
