import { and, eq, or } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../../../db/client";
import { connectedAccounts, PAYOUT_TRIGGERS, payouts, type PayoutTrigger } from "../../../db/schema";
import { newId } from "../../../lib/ids";
import type { ServiceContext } from "../../context";
import { postJournalEntry } from "../post-journal-entry";
import { payoutAmountNanos, payoutPolicy, type PayoutPolicy } from "./policy";
import { getProviderPayoutBalances } from "./provider-balances";
import type { CreatePayoutOutcome } from "./types";

const createInput = z.object({
  organizationId: z.string().min(1).max(64),
  trigger: z.enum(PAYOUT_TRIGGERS),
  runId: z.string().min(1).max(64).nullable(),
});

export type ConnectedAccountRow = typeof connectedAccounts.$inferSelect;

/**
 * Locks the organization's connected account row for the rest of the transaction. Every claim of a provider's
 * money takes this lock first, so concurrent claims (two runs, a run and an early request) run one after the
 * other and the second computes payable after the first's entry is committed.
 */
export async function lockConnectedAccount(tx: Tx, organizationId: string): Promise<ConnectedAccountRow | null> {
  const [row] = await tx.select().from(connectedAccounts).where(eq(connectedAccounts.organizationId, organizationId)).for("update");
  return row ?? null;
}

/** Stripe accepts a transfer to the account and can pay it out to the provider's bank (README "Journal entries"). */
export function accountCanReceivePayouts(account: Pick<ConnectedAccountRow, "payoutsEnabled" | "transfersCapability"> | null): boolean {
  return account !== null && account.payoutsEnabled && account.transfersCapability === "active";
}

/**
 * The claim itself, for a caller that holds the account's lock (lockConnectedAccount) in `tx`: payable computed
 * inside the transaction, the payout row inserted `pending`, and `payout:<id>` moving the amount from
 * provider_earnings to provider_in_transit. The two unique indexes (one pending payout per organization; one
 * payout per run and organization) are the last word: a conflicting insert inserts nothing and is `in_progress`.
 */
export async function claimPayout(
  tx: Tx,
  input: { account: ConnectedAccountRow; trigger: PayoutTrigger; runId: string | null; now: Date; policy: PayoutPolicy },
): Promise<CreatePayoutOutcome> {
  const { account, now } = input;
  const organizationId = account.organizationId;
  const [busy] = await tx
    .select({ id: payouts.id })
    .from(payouts)
    .where(and(eq(payouts.organizationId, organizationId), input.runId === null ? eq(payouts.status, "pending") : or(eq(payouts.status, "pending"), eq(payouts.runId, input.runId))))
    .limit(1);
  if (busy) return { outcome: "in_progress" };

  const { payable_nanos } = await getProviderPayoutBalances(tx, { organizationId, now, policy: input.policy });
  const amount_nanos = payoutAmountNanos(payable_nanos, input.policy);
  if (amount_nanos === null) return { outcome: "below_minimum", payable_nanos };

  const payoutId = newId("payout");
  const [inserted] = await tx
    .insert(payouts)
    .values({ id: payoutId, organizationId, stripeAccountId: account.stripeAccountId, runId: input.runId, trigger: input.trigger, amountNanos: amount_nanos, status: "pending", createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning({ id: payouts.id });
  if (!inserted) return { outcome: "in_progress" };
  await postJournalEntry(tx, {
    kind: "payout",
    idempotencyKey: `payout:${payoutId}`,
    memo: `payout ${payoutId} to ${account.stripeAccountId}`,
    at: now,
    lines: [
      { account: "provider_earnings", organizationId, amount_nanos: -amount_nanos },
      { account: "provider_in_transit", organizationId, amount_nanos },
    ],
  });
  return { outcome: "created", payoutId, amount_nanos };
}

/**
 * Claims what a provider organization may be paid now (README "The transfer", step 1), in one transaction:
 * lock its connected account, refuse an account Stripe cannot pay yet, then claimPayout. It calls no Stripe:
 * the caller enqueues `payout-transfer` for a created payout after this commits (a crash in between leaves a
 * pending payout that findResumablePayouts hands back to the worker).
 */
export async function createPayout(ctx: ServiceContext, input: { organizationId: string; trigger: PayoutTrigger; runId: string | null }): Promise<CreatePayoutOutcome> {
  const { organizationId, trigger, runId } = createInput.parse(input);
  const now = ctx.now();
  const policy = payoutPolicy(ctx);
  return ctx.db.transaction(async (tx) => {
    const account = await lockConnectedAccount(tx, organizationId);
    if (!account || !accountCanReceivePayouts(account)) return { outcome: "account_not_ready" } as const;
    return claimPayout(tx, { account, trigger, runId, now, policy });
  });
}
