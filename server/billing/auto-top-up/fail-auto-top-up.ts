import { eq } from "drizzle-orm";
import { autoTopUpSettings } from "../../../db/schema";
import type { Queryable, Tx } from "../../../db/client";
import { markTopUpUnpaid } from "../top-ups/credit-top-up";

/** Turns auto top-up off with the reason the Billing page shows; it stays off until the team lead turns it on. */
export async function disableAutoTopUp(q: Queryable, input: { organizationId: string; reason: string; at: Date }): Promise<void> {
  await q
    .update(autoTopUpSettings)
    .set({ enabled: false, disabledReason: input.reason, disabledAt: input.at, updatedAt: input.at })
    .where(eq(autoTopUpSettings.organizationId, input.organizationId));
}

/** A payment was disputed: auto top-up off and the saved card forgotten (charging a disputed card again invites more). */
export async function forgetCardAfterDispute(q: Queryable, input: { organizationId: string; disputeId: string; at: Date }): Promise<void> {
  await q
    .update(autoTopUpSettings)
    .set({ enabled: false, stripePaymentMethodId: null, disabledReason: `A payment was disputed (${input.disputeId}); auto top-up is off and the saved card was removed. Top up by hand to save a card again.`, disabledAt: input.at, updatedAt: input.at })
    .where(eq(autoTopUpSettings.organizationId, input.organizationId));
}

/**
 * An auto top-up's charge failed: the attempt becomes `failed` and auto top-up turns off, in one transaction.
 * Only the call that moves the attempt out of `pending` turns it off, so a repeated or late failure event for
 * an old attempt never turns off auto top-up that the team lead has turned on again since.
 */
export async function failAutoTopUp(tx: Tx, input: { topUpId: string; organizationId: string; reason: string; at: Date }): Promise<{ changed: boolean }> {
  const { changed } = await markTopUpUnpaid(tx, { topUpId: input.topUpId, status: "failed", reason: input.reason, at: input.at });
  if (changed) await disableAutoTopUp(tx, { organizationId: input.organizationId, reason: input.reason, at: input.at });
  return { changed };
}
