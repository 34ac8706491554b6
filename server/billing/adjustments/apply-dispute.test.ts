import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { disputeMovements } from "./apply-dispute";

const bt = (amount: number, fee = 0, currency = "usd") => ({ amount, fee, net: amount - fee, currency }) as unknown as Stripe.BalanceTransaction;

describe("disputeMovements", () => {
  it("reads a withdrawal from a negative balance transaction, by amount (the dispute fee is the platform's)", () => {
    expect(disputeMovements({ balance_transactions: [bt(-2000, 1500)] })).toEqual({ withdrawn_cents: 2000, reinstated_cents: 0, currencies: ["usd"] });
  });
  it("reads a won dispute's reinstatement from the positive one, whatever order they are listed in", () => {
    expect(disputeMovements({ balance_transactions: [bt(2000, -1500), bt(-2000, 1500)] })).toEqual({ withdrawn_cents: 2000, reinstated_cents: 2000, currencies: ["usd"] });
  });
  it("moves nothing before Stripe withdraws (an inquiry), and names every currency it saw", () => {
    expect(disputeMovements({ balance_transactions: [] })).toEqual({ withdrawn_cents: 0, reinstated_cents: 0, currencies: [] });
    expect(disputeMovements({ balance_transactions: [bt(-100, 0, "eur")] }).currencies).toEqual(["eur"]);
  });
});
