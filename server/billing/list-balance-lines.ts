import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { journalEntries, ledgerLines, paymentAdjustments, topUps } from "../../db/schema";
import type { ServiceContext } from "../context";

export const BALANCE_LINES_MAX_LIMIT = 200;

/** Where a line's money came from or went, as far as the ledger and Stripe ids tell. */
export type BalanceLineRefs = {
  request_id: string | null;
  top_up_id: string | null;
  /** The Stripe object the entry is keyed by: a refund (re_…), dispute (dp_…) or invoice (in_…). */
  stripe_object_id: string | null;
  stripe_payment_intent_id: string | null;
  stripe_charge_id: string | null;
};

export type BalanceLine = BalanceLineRefs & {
  /** The ledger line id; also the cursor for the next (older) page. */
  id: string;
  at: Date;
  /** The journal entry's kind: request_settlement, top_up, refund, dispute_withdrawn, test_credit_grant, … */
  kind: string;
  memo: string | null;
  amount_nanos: bigint;
  /** The buyer balance right after this line, ordering lines by (time, id). */
  balance_after_nanos: bigint;
};

/**
 * What a journal entry's idempotency key names (the keys are deterministic and documented where they are
 * posted: `top_up:<id>`, `refund:<re_…>[:reversed]`, `dispute:<dp_…>:withdrawn|reinstated`,
 * `invoice:<in_…>:paid`, `settle:<req_…>`). Pure, so the Billing page's references never need a join per kind.
 */
export function refsFromIdempotencyKey(key: string): { top_up_id: string | null; stripe_object_id: string | null } {
  // A clawback (and its release) points at the refund or dispute it came from: `clawback:refund:<re>[:released]`.
  const [prefix, id] = (key.startsWith("clawback:") ? key.slice("clawback:".length) : key).split(":");
  if (prefix === "top_up" && id) return { top_up_id: id, stripe_object_id: null };
  if ((prefix === "refund" || prefix === "dispute" || prefix === "invoice") && id && /^(re|dp|in)_[A-Za-z0-9]+$/.test(id)) return { top_up_id: null, stripe_object_id: id };
  return { top_up_id: null, stripe_object_id: null };
}

/**
 * The ledger lines that moved an organization's buyer balance, newest first, `limit` at a time. `cursor` is
 * the id of the last line of the previous page; an unknown or foreign cursor gives an empty page (never
 * another organization's lines). The running balance is exact: the sum of every line up to the page's newest
 * one, then walked down the page.
 */
export async function listBalanceLines(ctx: ServiceContext, input: { organizationId: string; cursor?: string | null; limit: number }): Promise<{ lines: BalanceLine[]; next_cursor: string | null }> {
  const limit = Math.max(1, Math.min(BALANCE_LINES_MAX_LIMIT, Math.trunc(input.limit)));
  const ours = and(eq(ledgerLines.account, "buyer_balance"), eq(ledgerLines.organizationId, input.organizationId));
  // The cursor row is looked up inside the organization's own lines, so a foreign id matches nothing.
  const before = input.cursor
    ? sql`(${ledgerLines.createdAt}, ${ledgerLines.id}) < (select c.created_at, c.id from ledger_lines c where c.id = ${input.cursor} and c.account = 'buyer_balance' and c.organization_id = ${input.organizationId})`
    : undefined;
  const rows = await ctx.db
    .select({
      id: ledgerLines.id,
      at: ledgerLines.createdAt,
      amount_nanos: ledgerLines.amountNanos,
      kind: journalEntries.kind,
      memo: journalEntries.memo,
      request_id: journalEntries.requestId,
      idempotency_key: journalEntries.idempotencyKey,
    })
    .from(ledgerLines)
    .innerJoin(journalEntries, eq(journalEntries.id, ledgerLines.journalEntryId))
    .where(before ? and(ours, before) : ours)
    .orderBy(desc(ledgerLines.createdAt), desc(ledgerLines.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  if (page.length === 0) return { lines: [], next_cursor: null };

  const [upTo] = await ctx.db
    .select({ total: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
    .from(ledgerLines)
    .where(and(ours, sql`(${ledgerLines.createdAt}, ${ledgerLines.id}) <= (select c.created_at, c.id from ledger_lines c where c.id = ${page[0]!.id})`));
  let balance = BigInt(upTo?.total ?? "0");

  const refs = page.map((r) => refsFromIdempotencyKey(r.idempotency_key));
  const adjustmentIds = [...new Set(refs.map((r) => r.stripe_object_id).filter((id): id is string => id !== null && (id.startsWith("re_") || id.startsWith("dp_"))))];
  const adjustmentRows = adjustmentIds.length
    ? await ctx.db
        .select({ id: paymentAdjustments.id, topUpId: paymentAdjustments.topUpId, charge: paymentAdjustments.stripeChargeId })
        .from(paymentAdjustments)
        .where(and(inArray(paymentAdjustments.id, adjustmentIds), eq(paymentAdjustments.organizationId, input.organizationId)))
    : [];
  // A refund or dispute points at the top-up whose charge it concerns: its payment ids are shown too.
  const topUpIds = [...new Set([...refs.map((r) => r.top_up_id), ...adjustmentRows.map((a) => a.topUpId)].filter((id): id is string => id !== null))];
  const topUpRows = topUpIds.length
    ? await ctx.db
        .select({ id: topUps.id, pi: topUps.stripePaymentIntentId, charge: topUps.stripeChargeId })
        .from(topUps)
        .where(and(inArray(topUps.id, topUpIds), eq(topUps.organizationId, input.organizationId)))
    : [];
  const topUpById = new Map(topUpRows.map((t) => [t.id, t]));
  const adjustmentById = new Map(adjustmentRows.map((a) => [a.id, a]));

  const lines = page.map((r, i): BalanceLine => {
    const ref = refs[i]!;
    const adjustment = ref.stripe_object_id ? adjustmentById.get(ref.stripe_object_id) : undefined;
    const topUpId = ref.top_up_id ?? adjustment?.topUpId ?? null;
    const topUp = topUpId ? topUpById.get(topUpId) : undefined;
    const line: BalanceLine = {
      id: r.id,
      at: r.at,
      kind: r.kind,
      memo: r.memo,
      amount_nanos: r.amount_nanos,
      balance_after_nanos: balance,
      request_id: r.request_id,
      top_up_id: topUpId,
      stripe_object_id: ref.stripe_object_id,
      stripe_payment_intent_id: topUp?.pi ?? null,
      stripe_charge_id: topUp?.charge ?? adjustment?.charge ?? null,
    };
    balance -= r.amount_nanos;
    return line;
  });
  return { lines, next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
}
