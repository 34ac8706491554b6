import type { ReconciliationItemStatus } from "../../../db/schema";
import { centsToNanos, formatUsd } from "../../../lib/money";

/** One of Stripe's balance transactions as reconciliation reads it (cents, Stripe's sign). */
export type StripeTxn = { id: string; type: string; source: string; amount_cents: number; fee_cents: number; created: Date };

/** One journal entry linked to a Stripe object: its Stripe clearing lines summed (the platform's money at Stripe, negated). */
export type LedgerEntry = { id: string; kind: string; stripe_object_id: string; clearing_nanos: bigint; organization_id: string | null; at: Date };

/** The entry kind that carries Stripe's fees (posted by reconciliation, `stripe_fee:<txn>`). */
export const STRIPE_FEE_KIND = "stripe_fee";

/**
 * Balance transaction types that move money the ledger books (charges, refunds and their failures, dispute
 * adjustments, transfers and their reversals). Anything else (the platform's own `payout` to its bank, a
 * `topup` of platform funds, Stripe-only fee lines) never has a journal entry and is not a mismatch.
 */
export const LEDGER_TXN_TYPES: ReadonlySet<string> = new Set(["charge", "payment", "refund", "refund_failure", "payment_refund", "payment_failure_refund", "adjustment", "transfer", "transfer_refund", "transfer_cancel", "transfer_failure"]);

/** What one Stripe object is reconciled under: its own id, or (an invoice) the invoice id its charges are aliased to. */
export type MatchGroup = { key: string; ledger: LedgerEntry[]; stripe: StripeTxn[]; invoice_charges?: string[] };

export type MatchedItem = {
  status: ReconciliationItemStatus;
  kind: string;
  stripe_object_id: string;
  organization_id: string | null;
  /** The connected account (bank payouts); null = the platform's balance. */
  stripe_account: string | null;
  journal_entry_ids: string[];
  ledger_nanos: bigint | null;
  stripe_nanos: bigint | null;
  description: string;
  occurred_at: Date | null;
  /** A Stripe-only object (no ledger entry ever expected): counted apart, never open. */
  stripe_only: boolean;
};

const KIND_BY_PREFIX: [string, string][] = [
  ["trr_", "transfer_reversal"],
  ["tr_", "transfer"],
  ["ch_", "charge"],
  ["py_", "charge"],
  ["re_", "refund"],
  ["pyr_", "refund"],
  ["dp_", "dispute"],
  ["du_", "dispute"],
  ["in_", "invoice_payment"],
  ["po_", "bank_payout"],
];

export function kindOf(stripe_object_id: string): string {
  return KIND_BY_PREFIX.find(([prefix]) => stripe_object_id.startsWith(prefix))?.[1] ?? "other";
}

/** Ledger side in Stripe's sign: gross = −Σ clearing of the object's own entries, fee = Σ clearing of its fee entries. */
export function ledgerAmounts(entries: LedgerEntry[]): { gross_nanos: bigint; fee_nanos: bigint } {
  let gross_nanos = 0n;
  let fee_nanos = 0n;
  for (const e of entries) {
    if (e.kind === STRIPE_FEE_KIND) fee_nanos += e.clearing_nanos;
    else gross_nanos -= e.clearing_nanos;
  }
  return { gross_nanos, fee_nanos };
}

export function stripeAmounts(txns: StripeTxn[]): { gross_nanos: bigint; fee_nanos: bigint } {
  return {
    gross_nanos: txns.reduce((s, t) => s + centsToNanos(t.amount_cents), 0n),
    fee_nanos: txns.reduce((s, t) => s + centsToNanos(t.fee_cents), 0n),
  };
}

const earliest = (dates: Date[]): Date | null => (dates.length === 0 ? null : new Date(Math.min(...dates.map((d) => d.getTime()))));

function label(g: MatchGroup): string {
  const kind = kindOf(g.key).replace(/_/g, " ");
  const what = `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${g.key}`;
  return g.invoice_charges && g.invoice_charges.length > 0 ? `${what} (paid by ${g.invoice_charges.join(", ")})` : what;
}

/**
 * Compares one Stripe object's ledger entries with its balance transactions: matched when gross and fees agree
 * to the nano-dollar; missing on whichever side has nothing; otherwise an amount mismatch that says which part
 * differs. Amounts on the item are nets (gross less fees) in Stripe's sign. Never throws: a group with only fee
 * entries, or empty, is reported as missing in Stripe.
 */
export function matchGroup(g: MatchGroup): MatchedItem {
  const own = g.ledger.filter((e) => e.kind !== STRIPE_FEE_KIND);
  const base = {
    kind: kindOf(g.key),
    stripe_object_id: g.key,
    organization_id: own.find((e) => e.organization_id !== null)?.organization_id ?? null,
    stripe_account: null,
    journal_entry_ids: g.ledger.map((e) => e.id).sort(),
    occurred_at: earliest([...g.ledger.map((e) => e.at), ...g.stripe.map((t) => t.created)]),
  };
  const l = ledgerAmounts(g.ledger);
  const s = stripeAmounts(g.stripe);
  const ledger_net = l.gross_nanos - l.fee_nanos;
  const stripe_net = s.gross_nanos - s.fee_nanos;
  // Only fee entries (or nothing) and no balance transaction: never thrown (one odd object must not fail the
  // whole run), reported for someone to look at.
  if (own.length === 0 && g.stripe.length === 0) {
    const what = g.ledger.length > 0 ? `the ledger holds only Stripe fee entries (${formatUsd(l.fee_nanos)}) and no entry for the object itself` : "neither the ledger nor Stripe has anything for it";
    return { ...base, status: "missing_in_stripe", stripe_only: false, ledger_nanos: g.ledger.length > 0 ? ledger_net : null, stripe_nanos: null, description: `${label(g)}: ${what}; Stripe has no balance transaction for it.` };
  }
  if (own.length === 0) {
    if (g.stripe.every((t) => !LEDGER_TXN_TYPES.has(t.type))) {
      const types = [...new Set(g.stripe.map((t) => t.type))].join(", ");
      return { ...base, kind: "other", status: "matched", stripe_only: true, ledger_nanos: null, stripe_nanos: stripe_net, description: `${g.key}: Stripe-only ${types} (${formatUsd(stripe_net)} net); the ledger books none.` };
    }
    return { ...base, status: "missing_in_ledger", stripe_only: false, ledger_nanos: null, stripe_nanos: stripe_net, description: `${label(g)}: Stripe moved ${formatUsd(s.gross_nanos)} (fee ${formatUsd(s.fee_nanos)}) but the ledger has no entry for it.` };
  }
  if (g.stripe.length === 0) {
    return { ...base, status: "missing_in_stripe", stripe_only: false, ledger_nanos: ledger_net, stripe_nanos: null, description: `${label(g)}: the ledger booked ${formatUsd(l.gross_nanos)} but Stripe has no balance transaction for it.` };
  }
  const problems: string[] = [];
  if (l.gross_nanos !== s.gross_nanos) problems.push(`amount: ledger ${formatUsd(l.gross_nanos)}, Stripe ${formatUsd(s.gross_nanos)}`);
  if (l.fee_nanos !== s.fee_nanos) problems.push(`fee: ledger ${formatUsd(l.fee_nanos)}, Stripe ${formatUsd(s.fee_nanos)}`);
  if (problems.length > 0) return { ...base, status: "amount_mismatch", stripe_only: false, ledger_nanos: ledger_net, stripe_nanos: stripe_net, description: `${label(g)}: ${problems.join("; ")}.` };
  return { ...base, status: "matched", stripe_only: false, ledger_nanos: ledger_net, stripe_nanos: stripe_net, description: `${label(g)}: ${formatUsd(s.gross_nanos)}, fee ${formatUsd(s.fee_nanos)}.` };
}

/** Groups both sides by reconciliation key (a charge paying an invoice is aliased to the invoice). */
export function groupSides(ledger: LedgerEntry[], stripe: StripeTxn[], alias: ReadonlyMap<string, string>, invoiceCharges: ReadonlyMap<string, string[]>): MatchGroup[] {
  const groups = new Map<string, MatchGroup>();
  const groupOf = (id: string): MatchGroup => {
    const key = alias.get(id) ?? id;
    let g = groups.get(key);
    if (!g) {
      g = { key, ledger: [], stripe: [], ...(invoiceCharges.has(key) ? { invoice_charges: invoiceCharges.get(key) } : {}) };
      groups.set(key, g);
    }
    return g;
  };
  for (const e of ledger) groupOf(e.stripe_object_id).ledger.push(e);
  for (const t of stripe) groupOf(t.source).stripe.push(t);
  return [...groups.values()].sort((a, b) => a.key.localeCompare(b.key));
}
