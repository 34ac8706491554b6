import { describe, expect, it } from "vitest";
import { refsFromIdempotencyKey } from "./list-balance-lines";

describe("refsFromIdempotencyKey", () => {
  it("names the top-up or Stripe object each journal key is made of", () => {
    expect(refsFromIdempotencyKey("top_up:tu_01abc")).toEqual({ top_up_id: "tu_01abc", stripe_object_id: null });
    expect(refsFromIdempotencyKey("refund:re_3Abc9")).toEqual({ top_up_id: null, stripe_object_id: "re_3Abc9" });
    expect(refsFromIdempotencyKey("refund:re_3Abc9:reversed")).toEqual({ top_up_id: null, stripe_object_id: "re_3Abc9" });
    expect(refsFromIdempotencyKey("dispute:dp_1x:withdrawn")).toEqual({ top_up_id: null, stripe_object_id: "dp_1x" });
    expect(refsFromIdempotencyKey("invoice:in_9z:paid")).toEqual({ top_up_id: null, stripe_object_id: "in_9z" });
  });

  it("names nothing for keys that carry no payment reference", () => {
    for (const key of ["settle:req_01abc", "test-credit:org_1", "refund:not-a-stripe-id", "dispute:", "top_up", ""]) expect(refsFromIdempotencyKey(key), key).toEqual({ top_up_id: null, stripe_object_id: null });
  });
});
