import { describe, expect, it } from "vitest";
import { EventChannel } from "./event-channel";
import { SlotPool } from "./slot-pool";

describe("SlotPool", () => {
  it("hands out free slots, then serves waiters first-in first-out", async () => {
    const pool = new SlotPool(["a", "b"]);
    const signal = new AbortController().signal;
    expect(await pool.acquire(signal)).toBe("a");
    expect(await pool.acquire(signal)).toBe("b");
    const order: string[] = [];
    const first = pool.acquire(signal).then((s) => order.push(`first:${s}`));
    const second = pool.acquire(signal).then((s) => order.push(`second:${s}`));
    expect(pool.queued).toBe(2);
    pool.release("b");
    pool.release("a");
    await Promise.all([first, second]);
    expect(order).toEqual(["first:b", "second:a"]);
    expect(pool.active).toBe(2);
  });

  it("drops an aborted waiter from the queue", async () => {
    const pool = new SlotPool(["only"]);
    await pool.acquire(new AbortController().signal);
    const gone = new AbortController();
    const waiting = pool.acquire(gone.signal);
    gone.abort(new Error("bye"));
    await expect(waiting).rejects.toThrow("bye");
    expect(pool.queued).toBe(0);
    pool.release("only");
    expect(pool.active).toBe(0);
  });

  it("rejects waiters and new acquires once closed", async () => {
    const pool = new SlotPool([1]);
    await pool.acquire(new AbortController().signal);
    const waiting = pool.acquire(new AbortController().signal);
    pool.close(new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    await expect(pool.acquire(new AbortController().signal)).rejects.toThrow("closed");
  });
});

describe("EventChannel", () => {
  it("buffers pushes, then ends or fails once", async () => {
    const channel = new EventChannel<number>();
    const it = channel.iterator(() => {});
    channel.push(1);
    const pending = it.next();
    expect(await pending).toEqual({ value: 1, done: false });
    const later = it.next();
    channel.push(2);
    expect(await later).toEqual({ value: 2, done: false });
    channel.fail(new Error("boom"));
    await expect(it.next()).rejects.toThrow("boom");
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("tells the producer when the consumer leaves early", async () => {
    let left = false;
    const channel = new EventChannel<number>();
    const it = channel.iterator(() => (left = true));
    await it.return!();
    expect(left).toBe(true);
  });
});
