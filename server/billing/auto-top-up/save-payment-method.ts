import { usdToNanos } from "../../../lib/money";
import { autoTopUpSettings } from "../../../db/schema";
import type { Queryable } from "../../../db/client";

/** Defaults offered when a first card is saved; auto top-up stays off until the team lead turns it on. */
export const DEFAULT_AUTO_TOP_UP = { threshold_nanos: usdToNanos("5"), amount_nanos: usdToNanos("20") } as const;

/** Keeps the card a paid Checkout saved for off-session use (the latest one wins) for auto top-up. */
export async function savePaymentMethod(q: Queryable, input: { organizationId: string; paymentMethodId: string; at: Date }): Promise<void> {
  await q
    .insert(autoTopUpSettings)
    .values({ organizationId: input.organizationId, enabled: false, thresholdNanos: DEFAULT_AUTO_TOP_UP.threshold_nanos, amountNanos: DEFAULT_AUTO_TOP_UP.amount_nanos, stripePaymentMethodId: input.paymentMethodId, updatedAt: input.at })
    .onConflictDoUpdate({ target: autoTopUpSettings.organizationId, set: { stripePaymentMethodId: input.paymentMethodId, updatedAt: input.at } });
}
