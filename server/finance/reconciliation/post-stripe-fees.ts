import { inArray } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { journalEntries } from "../../../db/schema";
import { centsToNanos } from "../../../lib/money";
import { postJournalEntry } from "../../billing/post-journal-entry";
import { STRIPE_FEE_KIND, type StripeTxn } from "./match";

export const stripeFeeKey = (txnId: string) => `stripe_fee:${txnId}`;

/**
 * Stripe's fee on a balance transaction, as platform expense: Stripe kept it out of the platform's balance
 * (stripe_clearing +fee, platform_expense −fee), so the source's −Σ stripe_clearing is Stripe's net. Keyed per
 * balance transaction: posted once, however many runs see it. Dated when Stripe took it (postJournalEntry
 * moves it into the open period when that month is closed). Returns the nanos posted now.
 */
export async function postStripeFees(db: Db, txns: StripeTxn[], onPosted: (fee_nanos: bigint) => void = () => {}): Promise<bigint> {
  let posted_nanos = 0n;
  const withFee = txns.filter((t) => t.fee_cents !== 0);
  // Most fees were posted by an earlier run: skip those without a transaction each.
  const done = new Set<string>();
  for (let i = 0; i < withFee.length; i += 500) {
    const keys = withFee.slice(i, i + 500).map((t) => stripeFeeKey(t.id));
    for (const r of await db.select({ key: journalEntries.idempotencyKey }).from(journalEntries).where(inArray(journalEntries.idempotencyKey, keys))) done.add(r.key);
  }
  for (const t of withFee) {
    if (done.has(stripeFeeKey(t.id))) continue;
    const fee_nanos = centsToNanos(t.fee_cents);
    const { posted } = await db.transaction((tx) =>
      postJournalEntry(tx, {
        kind: STRIPE_FEE_KIND,
        idempotencyKey: stripeFeeKey(t.id),
        stripeObjectId: t.source,
        memo: `Stripe fee on ${t.id} (${t.type} ${t.source})`,
        at: t.created,
        lines: [
          { account: "stripe_clearing", organizationId: null, amount_nanos: fee_nanos },
          { account: "platform_expense", organizationId: null, amount_nanos: -fee_nanos },
        ],
      }),
    );
    if (posted) {
      posted_nanos += fee_nanos;
      onPosted(fee_nanos);
    }
  }
  return posted_nanos;
}
