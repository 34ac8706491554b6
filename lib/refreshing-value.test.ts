import { describe, expect, it } from "vitest";
import { RefreshingMap, RefreshingValue } from "./refreshing-value";

type Deferred<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise's callbacks run. */
const flush = () => new Promise((r) => setImmediate(r));

/** A RefreshingValue over a fake clock whose loads are deferreds the test settles by hand. */
function harness(opts: { refresh_ms?: number; max_stale_ms?: number } = {}) {
  const clock = { ms: 1_000 };
  const loads: { started_ms: number; d: Deferred<string> }[] = [];
  const errors: unknown[] = [];
  const value = new RefreshingValue<string>({
    load: (started_ms) => {
      const d = deferred<string>();
      loads.push({ started_ms, d });
      return d.promise;
    },
    now_ms: () => clock.ms,
    refresh_ms: opts.refresh_ms ?? 100,
    max_stale_ms: opts.max_stale_ms ?? 400,
    onBackgroundError: (err) => errors.push(err),
  });
  return { clock, loads, errors, value };
}

describe("RefreshingValue", () => {
  it("waits for the first load; concurrent callers share it (single-flight)", async () => {
    const { loads, value } = harness();
    const a = value.get();
    const b = value.get();
    expect(loads).toHaveLength(1);
    loads[0]!.d.resolve("v1");
    expect(await Promise.all([a, b])).toEqual(["v1", "v1"]);
    expect(value.peek()).toEqual({ value: "v1", loaded_ms: 1_000 });
  });

  it("serves from memory while fresh, without loading", async () => {
    const { clock, loads, value } = harness();
    const first = value.get();
    loads[0]!.d.resolve("v1");
    await first;
    clock.ms += 100; // exactly refresh_ms: still fresh
    expect(await value.get()).toBe("v1");
    expect(loads).toHaveLength(1);
  });

  it("past refresh_ms serves the held value at once and reloads in the background, one load at a time", async () => {
    const { clock, loads, value } = harness();
    const first = value.get();
    loads[0]!.d.resolve("v1");
    await first;
    clock.ms += 150;
    expect(await value.get()).toBe("v1"); // not waiting on the pending reload
    expect(await value.get()).toBe("v1");
    expect(loads).toHaveLength(2);
    loads[1]!.d.resolve("v2");
    await flush();
    expect(await value.get()).toBe("v2");
    expect(loads).toHaveLength(2);
  });

  it("past max_stale_ms a read waits for the load", async () => {
    const { clock, loads, value } = harness();
    const first = value.get();
    loads[0]!.d.resolve("v1");
    await first;
    clock.ms += 401;
    let settled = false;
    const read = value.get().then((v) => ((settled = true), v));
    await flush();
    expect(settled).toBe(false);
    loads[1]!.d.resolve("v2");
    expect(await read).toBe("v2");
  });

  it("dates the snapshot from when its load started, so a change committed during the load does not look fresh", async () => {
    const { clock, loads, value } = harness();
    const first = value.get(); // starts at 1,000
    clock.ms += 300; // the query takes 300 ms
    loads[0]!.d.resolve("v1");
    await first;
    expect(value.peek()!.loaded_ms).toBe(1_000);
    expect(value.age_ms()).toBe(300);
    // 150 ms after the load ended, the snapshot is 450 ms old: past max_stale_ms, so the next read waits.
    clock.ms += 150;
    const read = value.get();
    expect(loads).toHaveLength(2);
    expect(loads[1]!.started_ms).toBe(1_450);
    loads[1]!.d.resolve("v2");
    expect(await read).toBe("v2");
  });

  it("a failed background reload does not reject the caller: the last value keeps being served, the error is reported", async () => {
    const { clock, loads, errors, value } = harness();
    const first = value.get();
    loads[0]!.d.resolve("v1");
    await first;
    clock.ms += 150;
    expect(await value.get()).toBe("v1");
    const boom = new Error("database down");
    loads[1]!.d.reject(boom);
    await flush();
    expect(errors).toEqual([boom]);
    expect(await value.get()).toBe("v1"); // still within max_stale_ms: served, and a new reload starts
    expect(loads).toHaveLength(3);
    loads[2]!.d.resolve("v2");
    await flush();
    expect(value.peek()).toEqual({ value: "v2", loaded_ms: 1_150 });
  });

  it("a failed awaited load rejects its callers and the next read tries again", async () => {
    const { loads, errors, value } = harness();
    const a = value.get();
    const b = value.get();
    loads[0]!.d.reject(new Error("down"));
    await expect(a).rejects.toThrow("down");
    await expect(b).rejects.toThrow("down");
    expect(errors).toEqual([]); // awaited failures go to the caller, not the background handler
    const c = value.get();
    expect(loads).toHaveLength(2);
    loads[1]!.d.resolve("v1");
    expect(await c).toBe("v1");
  });

  it("a loader that throws synchronously rejects like one that fails later", async () => {
    const value = new RefreshingValue<string>({
      load: () => {
        throw new Error("sync");
      },
      now_ms: () => 0,
      refresh_ms: 1,
      max_stale_ms: 2,
    });
    await expect(value.get()).rejects.toThrow("sync");
    await expect(value.get()).rejects.toThrow("sync");
  });

  it("invalidate makes the next read wait for a load; peek never loads", async () => {
    const { loads, value } = harness();
    expect(value.peek()).toBeNull();
    expect(value.age_ms()).toBe(Infinity);
    const first = value.get();
    loads[0]!.d.resolve("v1");
    await first;
    value.invalidate();
    expect(value.age_ms()).toBe(Infinity);
    expect(value.peek()!.value).toBe("v1");
    const read = value.get();
    expect(loads).toHaveLength(2);
    loads[1]!.d.resolve("v2");
    expect(await read).toBe("v2");
  });

  it("reloadAfterInflight waits out a load already running, then reads afresh", async () => {
    const { clock, loads, value } = harness();
    const first = value.get(); // started before the change the caller looks for
    clock.ms += 10;
    const fresh = value.reloadAfterInflight();
    loads[0]!.d.reject(new Error("whatever its outcome"));
    await first.catch(() => {});
    await flush();
    expect(loads).toHaveLength(2);
    expect(loads[1]!.started_ms).toBe(1_010);
    loads[1]!.d.resolve("v2");
    expect(await fresh).toBe("v2");
  });

  it("idle settles once no load is in flight, and never rejects", async () => {
    const { loads, value } = harness();
    const read = value.get().catch(() => {});
    let idle = false;
    const done = value.idle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false);
    loads[0]!.d.reject(new Error("down"));
    await read;
    await done;
    expect(idle).toBe(true);
  });
});

describe("RefreshingMap", () => {
  it("loads, dates and single-flights each key on its own; invalidates one key or all", async () => {
    let now_ms = 0;
    const loads: { key: string; started_ms: number; d: Deferred<number> }[] = [];
    const map = new RefreshingMap<string, number>({
      load: (key, started_ms) => {
        const d = deferred<number>();
        loads.push({ key, started_ms, d });
        return d.promise;
      },
      now_ms: () => now_ms,
      refresh_ms: 500,
      max_stale_ms: 1_000,
    });
    const a1 = map.get("a");
    const a2 = map.get("a");
    now_ms = 5;
    const b = map.get("b");
    expect(loads.map((l) => [l.key, l.started_ms])).toEqual([
      ["a", 0],
      ["b", 5],
    ]);
    loads[0]!.d.resolve(1);
    loads[1]!.d.resolve(2);
    expect(await Promise.all([a1, a2, b])).toEqual([1, 1, 2]);
    expect(await map.get("a")).toBe(1);
    expect(loads).toHaveLength(2);

    map.invalidate("a");
    const a3 = map.get("a");
    expect(await map.get("b")).toBe(2);
    expect(loads).toHaveLength(3);
    loads[2]!.d.resolve(10);
    expect(await a3).toBe(10);

    map.invalidate();
    const pending = [map.get("a"), map.get("b")];
    expect(loads).toHaveLength(5);
    loads[3]!.d.resolve(11);
    loads[4]!.d.resolve(12);
    expect(await Promise.all(pending)).toEqual([11, 12]);
  });

  it("starts over past max_keys, bounding memory under a flood of distinct keys", async () => {
    const map = new RefreshingMap<string, string>({ load: async (key) => key, now_ms: () => 0, refresh_ms: 1, max_keys: 3, max_stale_ms: 2 });
    for (const k of ["a", "b", "c"]) await map.get(k);
    expect(map.size).toBe(3);
    await map.get("d");
    expect(map.size).toBe(1);
  });
});
