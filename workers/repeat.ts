/**
 * Runs `tick` every `interval_ms`, never two at once: the next one is scheduled when the previous one has
 * finished, so a slow tick (a Stripe call, a busy database) delays the next instead of piling up. A throw goes
 * to `onError` (unless stopping) and the loop goes on. `stop` waits for a tick in progress.
 */
export function repeatEvery(opts: {
  interval_ms: number;
  tick: (stopping: () => boolean) => Promise<void>;
  onError: (err: unknown) => void;
  /** Run the first tick at once rather than after one interval. */
  immediate?: boolean;
}): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const stopping = () => stopped;
  const run = () => {
    running = opts
      .tick(stopping)
      .catch((err: unknown) => {
        if (!stopped) opts.onError(err);
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(run, opts.interval_ms);
      });
  };
  if (opts.immediate) run();
  else timer = setTimeout(run, opts.interval_ms);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
