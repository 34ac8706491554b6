import { describe, expect, it } from "vitest";
import { isLoopback, resolveClientIp } from "./client-ip";
import { metricsAccess } from "./metrics-access";

const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { "x-forwarded-for": xff } }) as unknown as Parameters<typeof resolveClientIp>[0];

describe("resolveClientIp", () => {
  it("uses the socket's peer and ignores X-Forwarded-For with no trusted proxy", () => {
    expect(resolveClientIp(req("::ffff:203.0.113.1", "1.1.1.1"), 0)).toBe("203.0.113.1");
  });
  it("takes the address the outermost trusted proxy saw, whatever the client prepended", () => {
    expect(resolveClientIp(req("10.0.0.2", "6.6.6.6, 203.0.113.7"), 1)).toBe("203.0.113.7");
    expect(resolveClientIp(req("10.0.0.3", "6.6.6.6, 203.0.113.7, 10.0.0.2"), 2)).toBe("203.0.113.7");
    expect(resolveClientIp(req("10.0.0.2", "203.0.113.7"), 3)).toBe("203.0.113.7");
    expect(resolveClientIp(req("10.0.0.2", "not-an-ip"), 1)).toBe("10.0.0.2");
    expect(resolveClientIp(req("10.0.0.2"), 1)).toBe("10.0.0.2");
  });
  it("knows loopback", () => {
    expect([isLoopback("127.0.0.1"), isLoopback("::1"), isLoopback("10.0.0.1"), isLoopback(null)]).toEqual([true, true, false, false]);
  });
});

describe("metricsAccess", () => {
  it("is loopback-only without a token and bearer-only with one", () => {
    expect(metricsAccess(undefined, { token: undefined, client_ip: "127.0.0.1" })).toBe("ok");
    expect(metricsAccess(undefined, { token: undefined, client_ip: "203.0.113.1" })).toBe("forbidden");
    expect(metricsAccess(undefined, { token: "t".repeat(16), client_ip: "127.0.0.1" })).toBe("unauthorized");
    expect(metricsAccess(`Bearer ${"t".repeat(16)}`, { token: "t".repeat(16), client_ip: "203.0.113.1" })).toBe("ok");
    expect(metricsAccess(`Bearer ${"u".repeat(16)}`, { token: "t".repeat(16), client_ip: "127.0.0.1" })).toBe("unauthorized");
  });
});
