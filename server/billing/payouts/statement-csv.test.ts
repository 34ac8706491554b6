import fc from "fast-check";
// An independent RFC 4180 reader reads back what csv-stringify wrote.
import { parse as parseCsv } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { usdToNanos } from "../../../lib/money";
import { exactUsd, roundedCentsUsd, spreadsheetSafe } from "../../finance/exports/csv-cells";
import { STATEMENT_CSV_COLUMNS, statementToCsv } from "./statement-csv";
import { parseStatementMonth } from "./statement-period";
import { STATEMENT_LINE_KINDS, type ProviderStatement, type StatementLine, type StatementLineKind } from "./statement-types";


const EXACT = "amount_usd_exact (authoritative)";

const lineArb: fc.Arbitrary<StatementLine> = fc
  .record({
    dayOfMonth: fc.integer({ min: 1, max: 30 }),
    ms: fc.integer({ min: 0, max: 86_399_999 }),
    kind: fc.constantFrom(...STATEMENT_LINE_KINDS),
    text: fc.string({ maxLength: 12 }),
    amount_nanos: fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
    requests: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ dayOfMonth, ms, kind, text, amount_nanos, requests }) => {
    const day = new Date(Date.UTC(2026, 10, dayOfMonth));
    return {
      day,
      at: new Date(day.getTime() + ms),
      kind,
      description: `line, "${text}"\n`,
      model_id: kind === "earnings" ? `=${text}` : null,
      machine_id: kind === "earnings" ? "mach_1" : null,
      machine_label: kind === "earnings" ? `box, ${text}` : null,
      reference: kind === "earnings" ? null : "pyt_1",
      payout_id: null,
      stripe_transfer_id: null,
      stripe_reversal_id: null,
      journal_entry_id: null,
      requests: kind === "earnings" ? requests : 0,
      amount_nanos,
    };
  });

function statementOf(opening: bigint, lines: StatementLine[]): ProviderStatement {
  const totals = Object.fromEntries(STATEMENT_LINE_KINDS.map((k) => [k, 0n])) as Record<StatementLineKind, bigint>;
  for (const l of lines) totals[l.kind] += l.amount_nanos;
  const { start, end } = parseStatementMonth("2026-11");
  return { organizationId: "org_1", month: "2026-11", start, end, opening_balance_nanos: opening, lines, totals, closing_balance_nanos: lines.reduce((s, l) => s + l.amount_nanos, opening), transferred_nanos: 5n };
}

describe("statement CSV", () => {
  it("renders amounts exactly to nine decimals and rounded to cents (half away from zero)", () => {
    expect(exactUsd(1n)).toBe("0.000000001");
    expect(exactUsd(-12_345_678_901n)).toBe("-12.345678901");
    expect(exactUsd(0n)).toBe("0.000000000");
    expect(roundedCentsUsd(5_000_000n)).toBe("0.01");
    expect(roundedCentsUsd(4_999_999n)).toBe("0.00");
    expect(roundedCentsUsd(-12_345_678_901n)).toBe("-12.35");
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (n) => {
        expect(usdToNanos(exactUsd(n))).toBe(n);
      }),
    );
  });

  it("guards provider text that a spreadsheet would run as a formula", () => {
    expect(spreadsheetSafe("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(spreadsheetSafe("@x")).toBe("'@x");
    expect(spreadsheetSafe("  =1+1")).toBe("'  =1+1");
    expect(spreadsheetSafe("\n=1+1")).toBe("'\n=1+1");
    expect(spreadsheetSafe("\uFF1DHYPERLINK(1)")).toBe("'\uFF1DHYPERLINK(1)");
    expect(spreadsheetSafe("llama 3 = fast")).toBe("llama 3 = fast");
    expect(spreadsheetSafe("llama-3")).toBe("llama-3");
    expect(spreadsheetSafe(null)).toBe("");
  });

  it("one header, opening, lines, a total per kind, closing: the exact column sums to the closing row, byte-stable", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }), fc.array(lineArb, { maxLength: 25 }), (opening, lines) => {
        const statement = statementOf(opening, lines);
        const csv = statementToCsv(statement);
        expect(statementToCsv(structuredClone(statement))).toBe(csv);
        const [header, ...rows] = parseCsv(csv);
        expect(header).toEqual([...STATEMENT_CSV_COLUMNS]);
        for (const r of rows) expect(r).toHaveLength(STATEMENT_CSV_COLUMNS.length);
        const col = (name: string) => header!.indexOf(name);
        const types = rows.map((r) => r[col("row_type")]);
        expect(types).toEqual(["opening", ...lines.map(() => "line"), ...STATEMENT_LINE_KINDS.map(() => "total"), "closing", "transferred"]);
        const amount = (r: string[]) => usdToNanos(r[col(EXACT)]!);
        const summed = rows.filter((r) => r[0] === "opening" || r[0] === "line").reduce((s, r) => s + amount(r), 0n);
        expect(summed).toBe(amount(rows.find((r) => r[0] === "closing")!));
        expect(summed).toBe(statement.closing_balance_nanos);
        const totalRows = rows.filter((r) => r[0] === "total");
        expect(totalRows.map((r) => r[col("kind")])).toEqual([...STATEMENT_LINE_KINDS]);
        expect(totalRows.reduce((s, r) => s + amount(r), 0n)).toBe(statement.closing_balance_nanos - opening);
        // Text survives quoting (commas, quotes, newlines), and provider text cannot start a formula.
        rows.filter((r) => r[0] === "line").forEach((r, i) => {
          expect(r[col("description")]).toBe(lines[i]!.description);
          if (lines[i]!.kind === "earnings") expect(r[col("model")]).toBe(`'${lines[i]!.model_id}`);
        });
      }),
    );
  });
});
