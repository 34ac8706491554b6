import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ServiceError } from "../errors";
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody } from "./read-body";

describe("JSON bodies", () => {
  it("measures nesting without recursion, however deep", () => {
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan("plain", 0)).toBe(false);
  });

  it("refuses pathological nesting with a 400 naming the limit, before any schema or handler walks it", () => {
    const deep = `{"metadata":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    expect(() => parseJsonBody(deep, z.looseObject({}))).toThrow(ServiceError);
    expect(() => parseJsonBody(deep, z.looseObject({}))).toThrow(/nests deeper than 64/);
    const ok = JSON.stringify({ tools: [{ function: { parameters: { type: "object", properties: { a: { type: "array", items: { type: "string" } } } } } }] });
    expect(parseJsonBody(ok, z.looseObject({}))).toEqual(JSON.parse(ok));
  });
});
