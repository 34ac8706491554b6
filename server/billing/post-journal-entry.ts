import { newId } from "../../lib/ids";
import type { Queryable } from "../../db/client";
import { journalEntries, ledgerLines, type LedgerAccount } from "../../db/schema";
import { openPeriodStart, postingDate } from "../finance/periods/posting-date";

export type JournalLine = { account: LedgerAccount; organizationId: string | null; amount_nanos: bigint };

/** Money between a buyer and Stripe (top-ups, refunds, disputes, invoice payments): the buyer's balance moves by `buyer_delta_nanos`, Stripe clearing by the opposite. */
export function buyerStripeLines(organizationId: string, buyer_delta_nanos: bigint): JournalLine[] {
  return [
    { account: "buyer_balance", organizationId, amount_nanos: buyer_delta_nanos },
    { account: "stripe_clearing", organizationId: null, amount_nanos: -buyer_delta_nanos },
  ];
}

/**
 * Posts one balanced journal entry exactly once: a second call with the same idempotency key
 * posts nothing and returns `posted: false`. Call inside the transaction that owns the business change.
 * An `at` inside a closed period posts at the open period's start instead (`occurred_at` keeps `at`).
 */
export async function postJournalEntry(
  q: Queryable,
  input: { kind: string; idempotencyKey: string; requestId?: string; stripeObjectId?: string | null; memo?: string; lines: JournalLine[]; at: Date },
): Promise<{ posted: boolean; journalEntryId: string | null }> {
  const sum = input.lines.reduce((s, l) => s + l.amount_nanos, 0n);
  if (sum !== 0n) throw new Error(`journal entry ${input.idempotencyKey} does not balance: lines sum to ${sum}`);
  const id = newId("journalEntry");
  const { created_at, occurred_at } = postingDate(input.at, await openPeriodStart(q));
  const inserted = await q
    .insert(journalEntries)
    .values({
      id,
      kind: input.kind,
      idempotencyKey: input.idempotencyKey,
      requestId: input.requestId ?? null,
      stripeObjectId: input.stripeObjectId ?? null,
      memo: input.memo ?? null,
      createdAt: created_at,
      occurredAt: occurred_at,
    })
    .onConflictDoNothing({ target: journalEntries.idempotencyKey })
    .returning({ id: journalEntries.id });
  if (inserted.length === 0) return { posted: false, journalEntryId: null };
  const lines = input.lines.filter((l) => l.amount_nanos !== 0n);
  if (lines.length > 0) {
    await q.insert(ledgerLines).values(
      lines.map((l) => ({ id: newId("ledgerLine"), journalEntryId: id, account: l.account, organizationId: l.organizationId, amountNanos: l.amount_nanos, createdAt: created_at })),
    );
  }
  return { posted: true, journalEntryId: id };
}
