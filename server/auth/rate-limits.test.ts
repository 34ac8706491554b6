import { hashPassword, verifyPassword } from "better-auth/crypto";
import { describe, expect, it } from "vitest";
import { createPasswordHashing } from "./password-hashing";
import { createMemoryRateLimitStorage } from "./rate-limits";

describe("createMemoryRateLimitStorage", () => {
  it("allows max per window per key, then says how long to wait, and starts again after the window", async () => {
    let now = 1_000_000;
    const store = createMemoryRateLimitStorage(() => now);
    const rule = { window: 60, max: 3 };
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await store.consume("1.2.3.4|/sign-in/email", rule));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[3]!.retryAfter).toBe(60);
    expect((await store.consume("5.6.7.8|/sign-in/email", rule)).allowed).toBe(true);
    now += 59_000;
    expect(await store.consume("1.2.3.4|/sign-in/email", rule)).toEqual({ allowed: false, retryAfter: 1 });
    now += 1_000;
    expect((await store.consume("1.2.3.4|/sign-in/email", rule)).allowed).toBe(true);
  });
});

describe("createPasswordHashing", () => {
  it("hashes in better-auth's format, one scrypt at a time", async () => {
    const hashing = createPasswordHashing();
    const hashes = Promise.all([hashing.hash("password-1"), hashing.hash("password-2"), hashing.hash("password-3")]);
    expect(hashing.pending()).toBe(3);
    const [h1, h2] = await hashes;
    expect(hashing.pending()).toBe(0);
    expect(await verifyPassword({ hash: h1, password: "password-1" })).toBe(true);
    expect(await hashing.verify({ hash: await hashPassword("old"), password: "old" })).toBe(true);
    expect(await hashing.verify({ hash: h2, password: "password-1" })).toBe(false);
  });

  it("refuses past its queue instead of queueing without bound", async () => {
    const hashing = createPasswordHashing({ max_waiting: 1 });
    const first = hashing.hash("a");
    const second = hashing.hash("b");
    await expect(hashing.hash("c")).rejects.toMatchObject({ statusCode: 429 });
    await Promise.all([first, second]);
  });
});
