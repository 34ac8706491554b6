import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import type { RollForward, RollForwardSection } from "../../server/finance/roll-forward/types";
import { ExportsCard } from "./exports-card";
import { RevenueSummary } from "./revenue-summary";
import { RollForwardCard } from "./roll-forward-card";

// components/ui/money-stat.tsx imports through the "@/" alias, which only Next resolves.
vi.mock("@/lib/money", () => import("../../lib/money"));

// The attributes the e2e test reads (brief: finance-ui), checked on the rendered markup.

function section(key: RollForwardSection["key"], opening: bigint, movements: [string, bigint][], closingSkew = 0n): RollForwardSection {
  const sum = movements.reduce((s, [, n]) => s + n, 0n);
  return { key, label: key, accounts: [], opening_nanos: opening, movements: movements.map(([kind, amount_nanos]) => ({ kind, label: kind, amount_nanos, entries: 2 })), closing_nanos: opening + sum + closingSkew, opening_source: "frozen" };
}

const period = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const rollForward = (skew = 0n): RollForward => ({
  period,
  balanced: skew === 0n,
  closed: false,
  late_entries: 3,
  sections: [
    section("buyer_credit", 7_000_000_000n, [["top_up", 5_000_000_000n], ["request_settlement", -1_234_567_891n]], skew),
    section("provider_payables", 0n, [["request_settlement", 1_111_111_102n]]),
    section("platform_revenue", -100n, [["request_settlement", 123_456_789n]]),
    section("platform_expense", 0n, [["stripe_fee", -45_000_000n]]),
    section("stripe_clearing", -6_999_999_900n, [["top_up", -5_000_000_000n], ["stripe_fee", 45_000_000n]]),
    section("test_credit", 0n, []),
  ],
});

describe("the roll-forward card", () => {
  it("carries each section's opening and closing, each movement's amount, and says Balanced", () => {
    const html = renderToStaticMarkup(createElement(RollForwardCard, { rollForward: rollForward() }));
    expect(html).toContain('data-testid="roll-forward-buyer_credit" data-opening-nanos="7000000000" data-closing-nanos="10765432109"');
    expect(html).toMatch(/data-testid="roll-forward-movement" data-kind="request_settlement" data-nanos="-1234567891"/);
    expect(html).toMatch(/data-testid="roll-forward-balanced"[^>]*>Balanced/);
    expect(html).toContain("Opening from the closed month&#x27;s frozen balances");
    expect(html).toMatch(/data-testid="roll-forward-late-entries" data-count="3"/);
    for (const key of ["provider_payables", "platform_revenue", "platform_expense", "stripe_clearing", "test_credit"]) expect(html).toContain(`data-testid="roll-forward-${key}"`);
  });
  it("says what does not add up", () => {
    const html = renderToStaticMarkup(createElement(RollForwardCard, { rollForward: rollForward(1n) }));
    expect(html).not.toMatch(/data-testid="roll-forward-balanced"[^>]*>Balanced/);
    expect(html).toContain("buyer_credit: opening + movements − closing = -$0.000000001");
  });
});

describe("the revenue tiles", () => {
  it("show usage charged (the negated settlement movement) and net revenue exactly", () => {
    const html = renderToStaticMarkup(createElement(RevenueSummary, { rollForward: rollForward() }));
    expect(html).toMatch(/data-testid="finance-usage-total" data-nanos="1234567891"[^>]*>\$1\.234567891</);
    expect(html).toMatch(/data-testid="finance-net-revenue" data-nanos="78456789"/);
  });
});

describe("the exports card", () => {
  it("links every export for a month, and disables the statements on a custom range", () => {
    const month = renderToStaticMarkup(createElement(ExportsCard, { period: { kind: "month", month: "2026-11" } }));
    expect(month).toContain('href="/api/exports/usage.csv?month=2026-11"');
    expect(month).toMatch(/<a href="\/api\/exports\/buyer-statements\.csv\?month=2026-11"[^>]*data-testid="export-buyer-statements"/);
    const range = renderToStaticMarkup(createElement(ExportsCard, { period: { kind: "range", from: new Date("2026-11-03T00:00:00Z"), to: new Date("2026-11-10T00:00:00Z") } }));
    expect(range).toContain('href="/api/exports/journal.csv?from=2026-11-03T00%3A00%3A00.000Z&amp;to=2026-11-10T00%3A00%3A00.000Z"');
    expect(range).not.toContain('data-testid="export-provider-statements"');
    expect(range).toContain('data-testid="export-provider-statements-disabled"');
  });
});
