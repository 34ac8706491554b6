import { eq } from "drizzle-orm";
import { z } from "zod";
import { autoTopUpSettings } from "../../../db/schema";
import { formatUsd, NANOS_PER_CENT } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { requireStripe } from "../stripe/client";
import { getAutoTopUpSettings, type AutoTopUpSettingsView } from "./get-auto-top-up-settings";
import { getBillingTerms } from "../invoicing/billing-terms";

export const NO_SAVED_CARD_MESSAGE = "Pay one top-up by card first; its card is saved for auto top-up.";

const updateInput = z.object({
  organizationId: z.string().min(1).max(64),
  enabled: z.boolean(),
  threshold_nanos: z.bigint(),
  amount_nanos: z.bigint(),
});

/**
 * Saves the team lead's auto top-up settings. The amount is one charge, so it obeys the top-up bounds and is
 * whole cents (what is charged is exactly what is credited); the threshold is at most the largest top-up.
 * Turning it on needs a card saved by a paid Checkout, and clears the reason it last turned itself off.
 */
export async function updateAutoTopUpSettings(ctx: ServiceContext, input: { organizationId: string; enabled: boolean; threshold_nanos: bigint; amount_nanos: bigint }): Promise<AutoTopUpSettingsView> {
  const { organizationId, enabled, threshold_nanos, amount_nanos } = updateInput.parse(input);
  const { stripe } = requireStripe(ctx);
  const min = stripe.top_up_min_nanos;
  const max = stripe.top_up_max_nanos;
  if (amount_nanos < min || amount_nanos > max || amount_nanos % NANOS_PER_CENT !== 0n) {
    throw new ServiceError("invalid_input", `The auto top-up amount must be whole cents from ${formatUsd(min)} to ${formatUsd(max)}.`, { param: "amount" });
  }
  if (threshold_nanos < 0n || threshold_nanos > max) {
    throw new ServiceError("invalid_input", `The auto top-up threshold must be from $0.00 to ${formatUsd(max)}.`, { param: "threshold" });
  }
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.organizationId, organizationId)).for("update");
    if (enabled && !row?.stripePaymentMethodId) throw new ServiceError("conflict", NO_SAVED_CARD_MESSAGE);
    const billing = await getBillingTerms(tx, organizationId);
    if (enabled && billing.mode === "invoiced") throw new ServiceError("conflict", "This organization is invoiced for its usage; auto top-up is for prepaid credit.");
    const cleared = enabled ? { disabledReason: null, disabledAt: null } : {};
    await tx
      .insert(autoTopUpSettings)
      .values({ organizationId, enabled, thresholdNanos: threshold_nanos, amountNanos: amount_nanos, updatedAt: now })
      .onConflictDoUpdate({ target: autoTopUpSettings.organizationId, set: { enabled, thresholdNanos: threshold_nanos, amountNanos: amount_nanos, updatedAt: now, ...cleared } });
  });
  return getAutoTopUpSettings(ctx, organizationId);
}
