import { describe, expect, it } from "vitest";
import { hasPrefix, newId } from "./ids";

describe("newId", () => {
  it("is prefixed, lower-case, unique and time-sortable across the pool refill", () => {
    const ids = Array.from({ length: 2000 }, () => newId("request"));
    expect(ids.every((id) => /^req_[0-9a-hjkmnp-tv-z]{26}$/.test(id) && hasPrefix(id, "request"))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map((id) => id.slice(4, 14))).toEqual(ids.map((id) => id.slice(4, 14)).sort());
  });
});
