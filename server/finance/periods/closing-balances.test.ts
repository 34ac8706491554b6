import { describe, expect, it } from "vitest";
import { rollForwardProblems, totalsByAccount, type AccountBalance } from "./closing-balances";
import { postingDate } from "./posting-date";

const b = (account: string, organization_id: string | null, amount_nanos: bigint): AccountBalance => ({ account, organization_id, amount_nanos });

describe("rollForwardProblems", () => {
  it("accepts closing = opening + movements per (account, organization) on a ledger that sums to zero", () => {
    const opening = [b("buyer_balance", "org_a", 100n), b("stripe_clearing", null, -100n)];
    const movements = [b("buyer_balance", "org_a", -40n), b("platform_revenue", null, 40n)];
    const closing = [b("buyer_balance", "org_a", 60n), b("stripe_clearing", null, -100n), b("platform_revenue", null, 40n)];
    expect(rollForwardProblems(opening, movements, closing)).toEqual([]);
  });

  it("names each balance that does not roll forward, and a ledger that does not sum to zero", () => {
    const opening = [b("buyer_balance", "org_a", 100n), b("stripe_clearing", null, -100n)];
    const closing = [b("buyer_balance", "org_a", 99n), b("buyer_balance", "org_b", 1n), b("stripe_clearing", null, -100n)];
    const problems = rollForwardProblems(opening, [], closing);
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toMatch(/buyer_balance\/org_a: opening \+ movements = 100, closing = 99/);
    expect(rollForwardProblems([], [], [b("buyer_balance", null, 5n)]).join()).toMatch(/sums to 5/);
  });

  it("keeps the platform's balance (organization null) apart from an organization's", () => {
    expect(rollForwardProblems([b("x", null, 1n), b("x", "", -1n)], [], [b("x", null, 1n), b("x", "", -1n)])).toEqual([]);
  });
});

describe("totalsByAccount", () => {
  it("sums per account as decimal strings", () => {
    expect(totalsByAccount([b("buyer_balance", "a", 2n ** 70n), b("buyer_balance", "b", 1n), b("stripe_clearing", null, -(2n ** 70n) - 1n)])).toEqual({ buyer_balance: (2n ** 70n + 1n).toString(), stripe_clearing: (-(2n ** 70n) - 1n).toString() });
  });
});

describe("postingDate", () => {
  it("moves an instant inside a closed period to the open period's start, keeping when it happened", () => {
    const open = new Date("2026-11-01T00:00:00Z");
    const late = new Date("2026-10-31T23:59:59.999Z");
    expect(postingDate(late, open)).toEqual({ created_at: open, occurred_at: late });
    expect(postingDate(open, open)).toEqual({ created_at: open, occurred_at: null });
    expect(postingDate(late, null)).toEqual({ created_at: late, occurred_at: null });
  });
});
