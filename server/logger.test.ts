import type { IncomingMessage } from "node:http";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, loggerFromEnv, requestIdOf, requestLogger } from "./logger";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

const fakeReq = (headers: Record<string, string> = {}) => ({ method: "POST", url: "/v1/chat/completions?x=1", headers }) as unknown as IncomingMessage;

describe("logger", () => {
  it("writes JSON lines with level names, request ids, and redacted secrets", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: "info", destination });
    const child = requestLogger(log, fakeReq({ "x-request-id": "abc-123" }));
    child.info({ machineSecret: "s3cret", apiKey: "sk-spot-x", n: 1 }, "dispatched");
    child.debug("not at info");
    child.error({ err: new Error("boom") }, "failed");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: "info", msg: "dispatched", req_id: "abc-123", method: "POST", path: "/v1/chat/completions", machineSecret: "[redacted]", apiKey: "[redacted]", n: 1 });
    expect(typeof lines[0]!.time).toBe("string");
    expect(lines[1]).toMatchObject({ level: "error", err: { type: "Error", message: "boom", stack: expect.any(String) } });
  });

  it("takes its level from env and is silent under test runners", () => {
    const { lines, destination } = capture();
    loggerFromEnv({ LOG_LEVEL: "warn", NODE_ENV: "production" }, destination).info("dropped");
    loggerFromEnv({ LOG_LEVEL: "warn", NODE_ENV: "production" }, destination).warn("kept");
    loggerFromEnv({ LOG_LEVEL: "debug", NODE_ENV: "test" }, destination).error("silent in tests");
    expect(lines.map((l) => l.msg)).toEqual(["kept"]);
  });

  it("accepts only sane caller request ids", () => {
    expect(requestIdOf(fakeReq({ "x-request-id": "req_01J" }))).toBe("req_01J");
    expect(requestIdOf(fakeReq({ "x-request-id": "bad id\nwith newline" }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(fakeReq())).toMatch(/^[0-9a-f-]{36}$/);
  });
});
