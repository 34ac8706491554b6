import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRollForward, type RollForwardFacts, type SectionOrOther } from "./build-roll-forward";
import { ROLL_FORWARD_SECTIONS } from "./types";

const period = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const facts = (over: Partial<RollForwardFacts> = {}): RollForwardFacts => ({
  period,
  frozen_opening: null,
  ledger_before: new Map<SectionOrOther, bigint>([["buyer_credit", 100n], ["stripe_clearing", -100n]]),
  ledger_within: new Map<SectionOrOther, bigint>([["buyer_credit", -30n], ["provider_payables", 25n], ["platform_revenue", 5n]]),
  movements: [
    { section: "buyer_credit", kind: "request_settlement", amount_nanos: -40n, entries: 2 },
    { section: "buyer_credit", kind: "top_up", amount_nanos: 10n, entries: 1 },
    { section: "provider_payables", kind: "request_settlement", amount_nanos: 25n, entries: 2 },
    { section: "platform_revenue", kind: "request_settlement", amount_nanos: 5n, entries: 2 },
  ],
  closed: false,
  late_entries: 0,
  ...over,
});

describe("buildRollForward", () => {
  it("sums opening + movements into closing, in the fixed section and kind order", () => {
    const rf = buildRollForward(facts());
    expect(rf.balanced).toBe(true);
    expect(rf.sections.map((s) => s.key)).toEqual([...ROLL_FORWARD_SECTIONS]);
    const buyer = rf.sections[0]!;
    expect(buyer).toMatchObject({ opening_nanos: 100n, closing_nanos: 70n, opening_source: "ledger", accounts: ["buyer_balance"] });
    expect(buyer.movements.map((m) => m.kind)).toEqual(["top_up", "request_settlement"]);
    expect(rf.sections.find((s) => s.key === "platform_expense")).toMatchObject({ opening_nanos: 0n, movements: [], closing_nanos: 0n });
  });

  it("takes a frozen opening when there is one, and is unbalanced when it disagrees with the ledger", () => {
    const frozen = new Map<SectionOrOther, bigint>([["buyer_credit", 100n], ["stripe_clearing", -100n]]);
    const ok = buildRollForward(facts({ frozen_opening: frozen }));
    expect(ok.balanced).toBe(true);
    expect(ok.sections.every((s) => s.opening_source === "frozen")).toBe(true);
    const off = buildRollForward(facts({ frozen_opening: new Map<SectionOrOther, bigint>([["buyer_credit", 101n], ["stripe_clearing", -101n]]) }));
    expect(off.balanced).toBe(false);
    expect(off.sections[0]!.opening_nanos).toBe(101n);
  });

  it("is unbalanced when movements miss part of the period, when lines sit outside every section, or when the ledger does not sum to zero", () => {
    expect(buildRollForward(facts({ ledger_within: new Map<SectionOrOther, bigint>([["buyer_credit", -31n], ["provider_payables", 25n], ["platform_revenue", 5n]]) })).balanced).toBe(false);
    expect(buildRollForward(facts({ ledger_before: new Map<SectionOrOther, bigint>([["buyer_credit", 100n], ["stripe_clearing", -100n], ["other", 1n]]) })).balanced).toBe(false);
    expect(buildRollForward(facts({ ledger_before: new Map<SectionOrOther, bigint>([["buyer_credit", 100n], ["stripe_clearing", -99n]]) })).balanced).toBe(false);
  });

  it("balances whenever the facts come from one balanced ledger", () => {
    const section = fc.constantFrom(...ROLL_FORWARD_SECTIONS);
    const line = fc.record({ section, kind: fc.constantFrom("top_up", "refund", "x"), amount: fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), before: fc.boolean() });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const rest = lines.reduce((s, l) => s + l.amount, 0n);
        const all = [...lines, { section: "stripe_clearing" as const, kind: "top_up", amount: -rest, before: false }];
        const sum = (filter: (l: (typeof all)[number]) => boolean) => {
          const m = new Map<SectionOrOther, bigint>();
          for (const l of all.filter(filter)) m.set(l.section, (m.get(l.section) ?? 0n) + l.amount);
          return m;
        };
        const groups = new Map<string, { section: SectionOrOther; kind: string; amount_nanos: bigint; entries: number }>();
        for (const l of all.filter((l) => !l.before)) {
          const g = groups.get(`${l.section}|${l.kind}`) ?? { section: l.section, kind: l.kind, amount_nanos: 0n, entries: 0 };
          g.amount_nanos += l.amount;
          g.entries += 1;
          groups.set(`${l.section}|${l.kind}`, g);
        }
        const rf = buildRollForward(facts({ ledger_before: sum((l) => l.before), ledger_within: sum((l) => !l.before), movements: [...groups.values()] }));
        expect(rf.balanced).toBe(true);
        for (const s of rf.sections) expect(s.closing_nanos).toBe(s.opening_nanos + s.movements.reduce((t, m) => t + m.amount_nanos, 0n));
      }),
      { numRuns: 200 },
    );
  });
});
