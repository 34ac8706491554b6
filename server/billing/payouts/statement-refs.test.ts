import { describe, expect, it } from "vitest";
import { refsFromPayoutKey, statementLineKind } from "./statement-refs";

describe("statement references from idempotency keys", () => {
  it("names the payout of a claim, a transfer and a failure", () => {
    expect(refsFromPayoutKey("payout:pyt_01abc")).toEqual({ payout_id: "pyt_01abc", stripe_reversal_id: null, clawback_source: null });
    expect(refsFromPayoutKey("payout:pyt_01abc:failed").payout_id).toBe("pyt_01abc");
    expect(refsFromPayoutKey("payout:pyt_01abc:transferred").payout_id).toBe("pyt_01abc");
    // The transfer's Stripe idempotency key is not a journal key: it names nothing here.
    expect(refsFromPayoutKey("payout:pyt_01abc:transfer").payout_id).toBeNull();
  });

  it("names a reversal's Stripe id and a clawback's source, keeping the colons of the source key", () => {
    expect(refsFromPayoutKey("transfer_reversal:trr_9")).toEqual({ payout_id: null, stripe_reversal_id: "trr_9", clawback_source: null });
    expect(refsFromPayoutKey("clawback:refund:re_1").clawback_source).toBe("refund:re_1");
    expect(refsFromPayoutKey("clawback:refund:re_1:released").clawback_source).toBe("refund:re_1");
    expect(refsFromPayoutKey("clawback:dispute:dp_2:withdrawn").clawback_source).toBe("dispute:dp_2:withdrawn");
    expect(refsFromPayoutKey("clawback:dispute:dp_2:withdrawn:released").clawback_source).toBe("dispute:dp_2:withdrawn");
  });

  it("other keys name nothing", () => {
    for (const key of ["settle:req_1", "top_up:tu_1", "refund:re_1", "payout:", "transfer_reversal:", "clawback:"]) {
      expect(refsFromPayoutKey(key)).toEqual({ payout_id: null, stripe_reversal_id: null, clawback_source: null });
    }
  });

  it("maps entry kinds to line kinds, unknown kinds to other (shown, never dropped)", () => {
    expect(statementLineKind("request_settlement")).toBe("earnings");
    for (const k of ["clawback", "clawback_release", "payout", "payout_failure", "payout_reversal"] as const) expect(statementLineKind(k)).toBe(k);
    expect(statementLineKind("payout_transfer")).toBe("other");
    expect(statementLineKind("operator_correction")).toBe("other");
  });
});
