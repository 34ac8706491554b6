import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToNanos } from "../../../lib/money";
import { groupSides, kindOf, matchGroup, STRIPE_FEE_KIND, type LedgerEntry, type StripeTxn } from "./match";

const at = new Date(Date.UTC(2026, 10, 5));
let n = 0;
const txn = (source: string, type: string, amount_cents: number, fee_cents = 0): StripeTxn => ({ id: `txn_${++n}`, type, source, amount_cents, fee_cents, created: at });
/** The ledger's mirror of Stripe's balance transactions, as the billing code and the fee posting book them. */
const mirror = (t: StripeTxn): LedgerEntry[] => [
  { id: `je_${++n}`, kind: "top_up", stripe_object_id: t.source, clearing_nanos: -centsToNanos(t.amount_cents), organization_id: "org_1", at },
  ...(t.fee_cents !== 0 ? [{ id: `je_${++n}`, kind: STRIPE_FEE_KIND, stripe_object_id: t.source, clearing_nanos: centsToNanos(t.fee_cents), organization_id: null, at }] : []),
];

describe("reconciliation matching", () => {
  it("names Stripe objects by their id's prefix (a reversal is not a transfer)", () => {
    expect([kindOf("trr_1"), kindOf("tr_1"), kindOf("ch_1"), kindOf("re_1"), kindOf("dp_1"), kindOf("in_1"), kindOf("po_1"), kindOf("txn_1")]).toEqual(["transfer_reversal", "transfer", "charge", "refund", "dispute", "invoice_payment", "bank_payout", "other"]);
  });

  it("a ledger that mirrors Stripe's balance transactions always matches, net to the nano; any one cent off is a mismatch", () => {
    const cents = fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((c) => c !== 0);
    fc.assert(
      fc.property(fc.array(fc.record({ amount: cents, fee: fc.integer({ min: 0, max: 5_000 }) }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.boolean(), (parts, pick, onFee) => {
        const txns = parts.map((p) => txn("ch_x", "charge", p.amount, p.fee));
        const ledger = txns.flatMap(mirror);
        const item = matchGroup({ key: "ch_x", ledger, stripe: txns });
        const net = txns.reduce((s, t) => s + centsToNanos(t.amount_cents - t.fee_cents), 0n);
        expect(item).toMatchObject({ status: "matched", ledger_nanos: net, stripe_nanos: net, stripe_only: false });
        // Stripe changes one transaction's amount or fee by a cent afterwards.
        const i = pick % txns.length;
        const changed = txns.map((t, j) => (j !== i ? t : onFee ? { ...t, fee_cents: t.fee_cents + 1 } : { ...t, amount_cents: t.amount_cents + 1 }));
        const off = matchGroup({ key: "ch_x", ledger, stripe: changed });
        expect(off.status).toBe("amount_mismatch");
        expect(off.description).toContain(onFee ? "fee:" : "amount:");
        expect(off.description).not.toContain(onFee ? "amount:" : "fee:");
      }),
    );
  });

  it("missing on either side, and Stripe-only money that is never a mismatch", () => {
    const planted = txn("ch_planted", "charge", 700, 50);
    expect(matchGroup({ key: "ch_planted", ledger: [], stripe: [planted] })).toMatchObject({ status: "missing_in_ledger", ledger_nanos: null, stripe_nanos: centsToNanos(650) });
    const ghost = mirror(txn("ch_ghost", "charge", 900));
    expect(matchGroup({ key: "ch_ghost", ledger: ghost, stripe: [] })).toMatchObject({ status: "missing_in_stripe", ledger_nanos: centsToNanos(900), stripe_nanos: null, organization_id: "org_1" });
    for (const type of ["payout", "topup", "stripe_fee"]) {
      expect(matchGroup({ key: "x_1", ledger: [], stripe: [txn("x_1", type, -100)] })).toMatchObject({ status: "matched", kind: "other", stripe_only: true });
    }
  });

  it("an invoice's charge is matched under the invoice its entry names", () => {
    const charge = txn("ch_inv", "charge", 1200, 65);
    const entry: LedgerEntry = { id: "je_inv", kind: "invoice_payment", stripe_object_id: "in_1", clearing_nanos: -centsToNanos(1200), organization_id: "org_1", at };
    const fee: LedgerEntry = { id: "je_fee", kind: STRIPE_FEE_KIND, stripe_object_id: "ch_inv", clearing_nanos: centsToNanos(65), organization_id: null, at };
    const groups = groupSides([entry, fee], [charge], new Map([["ch_inv", "in_1"]]), new Map([["in_1", ["ch_inv"]]]));
    expect(groups).toHaveLength(1);
    const item = matchGroup(groups[0]!);
    expect(item).toMatchObject({ status: "matched", kind: "invoice_payment", stripe_object_id: "in_1", journal_entry_ids: ["je_fee", "je_inv"] });
    expect(item.description).toContain("paid by ch_inv");
  });

  it("a group with only fee entries, or nothing at all, is reported as an item, never thrown", () => {
    const fee: LedgerEntry = { id: "je_orphanfee", kind: STRIPE_FEE_KIND, stripe_object_id: "ch_orphan", clearing_nanos: centsToNanos(65), organization_id: null, at };
    const [group] = groupSides([fee], [], new Map(), new Map());
    const item = matchGroup(group!);
    expect(item).toMatchObject({ status: "missing_in_stripe", kind: "charge", stripe_object_id: "ch_orphan", journal_entry_ids: ["je_orphanfee"], ledger_nanos: -centsToNanos(65), stripe_nanos: null, stripe_only: false });
    expect(item.description).toMatch(/only Stripe fee entries \(\$0\.65\)/);
    expect(matchGroup({ key: "in_empty", ledger: [], stripe: [] })).toMatchObject({ status: "missing_in_stripe", ledger_nanos: null, stripe_nanos: null, journal_entry_ids: [], occurred_at: null });
  });
});
