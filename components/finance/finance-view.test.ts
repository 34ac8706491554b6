import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FinanceDay } from "../../server/finance/reports/types";
import { ROLL_FORWARD_SECTIONS, type RollForwardSection } from "../../server/finance/roll-forward/types";
import { contrastRatio } from "../payouts/payout-view";
import { SERIES_COLOURS, dayRows, netRevenueNanos, rollForwardProblems, seriesTotalNanos, usageTotalNanos, usdTick } from "./finance-view";

function section(key: RollForwardSection["key"], opening: bigint, movements: [string, bigint][], closing?: bigint): RollForwardSection {
  const sum = movements.reduce((s, [, n]) => s + n, 0n);
  return { key, label: key, accounts: [], opening_nanos: opening, movements: movements.map(([kind, amount_nanos]) => ({ kind, label: kind, amount_nanos, entries: 1 })), closing_nanos: closing ?? opening + sum, opening_source: "ledger" };
}

describe("roll-forward figures", () => {
  it("usage is the buyer credit settlement movement, negated; net revenue is fees plus Stripe's fees", () => {
    const rf = {
      balanced: true,
      sections: [
        section("buyer_credit", 10_000n, [["top_up", 5_000n], ["request_settlement", -1_234n]]),
        section("platform_revenue", 0n, [["request_settlement", 123n]]),
        section("platform_expense", 0n, [["stripe_fee", -45n]]),
      ],
    };
    expect(usageTotalNanos(rf)).toBe(1_234n);
    expect(netRevenueNanos(rf)).toEqual({ revenue_nanos: 123n, expense_nanos: -45n, net_nanos: 78n });
    expect(usageTotalNanos({ sections: [] })).toBe(0n);
  });

  it("reports balanced exactly when every section adds up and the closings sum to zero", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.bigInt({ min: -1_000_000_000_000n, max: 1_000_000_000_000n }), { maxLength: 4 }), { minLength: ROLL_FORWARD_SECTIONS.length, maxLength: ROLL_FORWARD_SECTIONS.length }), fc.bigInt({ min: -5n, max: 5n }), (moves, skew) => {
        // Each movement is a two-sided entry: +n on one section, −n on the next, so the ledger sums to zero.
        const perSection = ROLL_FORWARD_SECTIONS.map(() => [] as [string, bigint][]);
        moves.forEach((ms, i) => ms.forEach((n, j) => {
          perSection[i]!.push([`k${j}a`, n]);
          perSection[(i + 1) % perSection.length]!.push([`k${j}b${i}`, -n]);
        }));
        const sections = ROLL_FORWARD_SECTIONS.map((key, i) => section(key, 0n, perSection[i]!));
        expect(rollForwardProblems({ sections, balanced: true })).toEqual([]);
        sections[0] = { ...sections[0]!, closing_nanos: sections[0]!.closing_nanos + skew };
        const problems = rollForwardProblems({ sections, balanced: skew === 0n });
        expect(problems.length === 0).toBe(skew === 0n);
      }),
    );
  });

  it("names the section that does not add up", () => {
    const problems = rollForwardProblems({ balanced: false, sections: [section("buyer_credit", 0n, [["top_up", 10n]], 9n), section("stripe_clearing", 0n, [["top_up", -10n]])] });
    expect(problems[0]).toMatch(/^buyer_credit: .*\$0\.000000001/);
    expect(problems[1]).toMatch(/sum to -\$0\.000000001/);
  });
});

describe("daily charts", () => {
  it("use colours at least 3:1 on white, distinct within each chart", () => {
    for (const c of Object.values(SERIES_COLOURS)) expect(contrastRatio(c, "#ffffff"), c).toBeGreaterThanOrEqual(3);
    for (const keys of [["usage_nanos", "fees_nanos", "stripe_fees_nanos"], ["top_ups_nanos", "refunds_nanos", "payouts_nanos"]] as const) {
      expect(new Set(keys.map((k) => SERIES_COLOURS[k])).size).toBe(keys.length);
    }
  });
  it("keep exact nanos beside the drawn floats, and total exactly", () => {
    const day = (d: string, usage: bigint): FinanceDay => ({ day: d, usage_nanos: usage, fees_nanos: usage / 10n, top_ups_nanos: 0n, refunds_nanos: 0n, payouts_nanos: 0n, stripe_fees_nanos: 0n, requests: 1 });
    const days = [day("2026-11-01", 123_456_789_012n), day("2026-11-02", 1n)];
    const rows = dayRows(days, ["usage_nanos"]);
    expect(rows[0]).toEqual({ day: "2026-11-01", nanos: { usage_nanos: 123_456_789_012n }, usage_nanos: 123.456789012 });
    expect(seriesTotalNanos(days, "usage_nanos")).toBe(123_456_789_013n);
    expect([usdTick(0), usdTick(12.345), usdTick(0.0123), usdTick(-2)]).toEqual(["$0", "$12.35", "$0.012", "-$2.00"]);
  });
});
