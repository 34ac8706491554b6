/**
 * The one shape of the hot-path caches (API keys, offer book, spot prices, standing bids): a value loaded
 * from the database, served from memory while fresh, reloaded in the background once older than
 * `refresh_ms`, and waited for only when absent or older than `max_stale_ms`. One load runs at a time
 * (concurrent callers share it). Pure: the clock and the loader are arguments.
 */
export type RefreshingValueOptions<T> = {
  /** Reads the value; `started_ms` is when this load began (the value's date). */
  load: (started_ms: number) => Promise<T>;
  now_ms: () => number;
  /** Older than this, a read still serves the held value but starts a background reload. */
  refresh_ms: number;
  /** Older than this (or nothing held), a read waits for a load: the staleness a caller can ever see. */
  max_stale_ms: number;
  /** A failed background reload: the held value keeps being served (until `max_stale_ms`). */
  onBackgroundError?: (err: unknown) => void;
};

export type Held<T> = { value: T; loaded_ms: number };

export class RefreshingValue<T> {
  private held: Held<T> | null = null;
  private loading: Promise<T> | null = null;

  constructor(private readonly opts: RefreshingValueOptions<T>) {}

  /** The value, from memory unless absent or far too stale; a failed awaited load rejects. */
  get(): Promise<T> {
    const age_ms = this.age_ms();
    if (!this.held || age_ms > this.opts.max_stale_ms) return this.reload();
    if (age_ms > this.opts.refresh_ms) this.refreshInBackground();
    return Promise.resolve(this.held.value);
  }

  /** What is held now and when its load started, or null before the first load; never loads. */
  peek(): Held<T> | null {
    return this.held;
  }

  /** Milliseconds since the held value's load started; Infinity when nothing is held or after `invalidate`. */
  age_ms(): number {
    return this.held ? this.opts.now_ms() - this.held.loaded_ms : Infinity;
  }

  /** Loads now, or joins the load in flight. */
  reload(): Promise<T> {
    if (this.loading) return this.loading;
    // The value is as old as the load's start, not its end: a change committed while it ran (a revoked
    // key, a machine going offline) must not look fresh for another refresh period.
    const started_ms = this.opts.now_ms();
    // A loader that throws synchronously rejects like one that fails later.
    const loading = new Promise<T>((resolve) => resolve(this.opts.load(started_ms))).then((value) => {
      this.held = { value, loaded_ms: started_ms };
      return value;
    });
    this.loading = loading;
    const clear = () => {
      if (this.loading === loading) this.loading = null;
    };
    void loading.then(clear, clear);
    return loading;
  }

  /**
   * A load that starts after this call: a load already in flight may have started before the change the
   * caller is looking for (a model registered a moment ago), so it is waited out first, whatever its outcome.
   */
  async reloadAfterInflight(): Promise<T> {
    if (this.loading) await this.loading.catch(() => {});
    return this.reload();
  }

  /** Starts a reload unless one is in flight; its failure goes to `onBackgroundError`, never to a caller. */
  refreshInBackground(): void {
    void this.reload().catch((err: unknown) => this.opts.onBackgroundError?.(err));
  }

  /** The held value counts as infinitely old: the next `get` waits for a load. */
  invalidate(): void {
    if (this.held) this.held = { value: this.held.value, loaded_ms: -Infinity };
  }

  /** Settles when no load is in flight (for shutdown); never rejects. */
  async idle(): Promise<void> {
    while (this.loading) await this.loading.catch(() => {});
  }
}

export type RefreshingMapOptions<K, V> = Omit<RefreshingValueOptions<V>, "load"> & {
  load: (key: K, started_ms: number) => Promise<V>;
  /** Past this many keys the map starts over (bounds memory under a flood of distinct keys). */
  max_keys?: number;
};

/** One RefreshingValue per key (an API key's hash, an organization), each loaded and dated on its own. */
export class RefreshingMap<K, V> {
  private values = new Map<K, RefreshingValue<V>>();

  constructor(private readonly opts: RefreshingMapOptions<K, V>) {}

  get(key: K): Promise<V> {
    let value = this.values.get(key);
    if (!value) {
      if (this.values.size >= (this.opts.max_keys ?? 100_000)) this.values.clear();
      const { load, max_keys: _max_keys, ...rest } = this.opts;
      value = new RefreshingValue<V>({ ...rest, load: (started_ms) => load(key, started_ms) });
      this.values.set(key, value);
    }
    return value.get();
  }

  /** One key (or every key) counts as infinitely old. */
  invalidate(key?: K): void {
    if (key === undefined) for (const value of this.values.values()) value.invalidate();
    else this.values.get(key)?.invalidate();
  }

  get size(): number {
    return this.values.size;
  }
}
