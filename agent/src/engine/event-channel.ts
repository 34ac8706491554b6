// A push-to-pull bridge: the generation loop pushes events without waiting for the consumer,
// so an abort stops generation (and frees the slot) even while the consumer is busy elsewhere.

export class EventChannel<T> {
  private readonly buffered: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private ended = false;
  private error: { value: unknown } | null = null;

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
    } else {
      this.buffered.push(item);
    }
  }

  end(): void {
    this.finish(null);
  }

  fail(err: unknown): void {
    this.finish({ value: err });
  }

  private finish(error: { value: unknown } | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (error) reject(error.value);
      else resolve({ value: undefined, done: true });
    }
  }

  /** `onReturn` runs when the consumer leaves early (break/return/throw in for-await). */
  iterator(onReturn: () => void): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.buffered.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) {
          if (this.error) {
            const { value } = this.error;
            this.error = null; // report the failure once
            return Promise.reject(value);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.waiting = { resolve, reject };
        });
      },
      return: () => {
        if (!this.ended) onReturn();
        this.ended = true;
        this.buffered.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
