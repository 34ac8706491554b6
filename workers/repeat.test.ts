import { describe, expect, it } from "vitest";
import { repeatEvery } from "./repeat";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("repeatEvery", () => {
  it("never overlaps ticks, survives a throw, and stop waits for the tick in progress", async () => {
    let active = 0;
    let maxActive = 0;
    let ticks = 0;
    const errors: unknown[] = [];
    const loop = repeatEvery({
      interval_ms: 1,
      immediate: true,
      onError: (err) => errors.push(err),
      tick: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        ticks++;
        await sleep(5);
        active--;
        if (ticks === 2) throw new Error("boom");
      },
    });
    await sleep(60);
    await loop.stop();
    const stoppedAt = ticks;
    await sleep(20);
    expect(maxActive).toBe(1);
    expect(errors).toHaveLength(1);
    expect(ticks).toBeGreaterThan(2);
    expect(ticks).toBe(stoppedAt);
    // stop() resolved only once the tick that was running had finished.
    expect(active).toBe(0);
  });
});
