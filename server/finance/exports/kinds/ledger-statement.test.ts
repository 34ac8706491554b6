import { describe, expect, it } from "vitest";
import { ServiceError } from "../../../errors";
import { monthPeriod } from "../../period";
import { statementColumns, statementMonth } from "./ledger-statement";
import { amountColumns } from "./text-row-columns";

describe("statementMonth", () => {
  it("names a calendar month, December into January included", () => {
    expect(statementMonth(monthPeriod("2026-11"))).toBe("2026-11");
    expect(statementMonth(monthPeriod("2026-12"))).toBe("2026-12");
  });
  it("refuses anything else", () => {
    const nov = monthPeriod("2026-11");
    for (const period of [
      { start: nov.start, end: new Date("2026-11-15T00:00:00Z") },
      { start: new Date("2026-11-01T00:00:00.001Z"), end: nov.end },
      { start: nov.start, end: monthPeriod("2026-12").end },
    ]) {
      expect(() => statementMonth(period)).toThrow(ServiceError);
    }
  });
});

describe("statement columns", () => {
  it("per account: opening, one per kind, other, closing; exact USD beside every amount, cents beside opening and closing", () => {
    const headers = statementColumns([{ account: "buyer_balance", prefix: "", kinds: ["top_up"] }]).map((c) => c.header);
    expect(headers).toEqual([
      "organization_id", "month",
      "opening_nanos", "opening_usd_exact", "opening_usd_rounded",
      "top_up_nanos", "top_up_usd_exact",
      "other_nanos", "other_usd_exact",
      "closing_nanos", "closing_usd_exact", "closing_usd_rounded",
    ]);
  });
  it("writes an amount as the ledger's text, exact and rounded; a null amount as empty cells", () => {
    const cols = amountColumns("amount", { rounded: true });
    expect(cols.map((c) => c.cell({ amount_nanos: "-12345678901" }))).toEqual(["-12345678901", "-12.345678901", "-12.35"]);
    expect(cols.map((c) => c.cell({ amount_nanos: null }))).toEqual(["", "", ""]);
  });
});
