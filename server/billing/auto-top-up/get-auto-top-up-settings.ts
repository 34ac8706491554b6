import { and, desc, eq } from "drizzle-orm";
import { autoTopUpSettings, topUps, type TopUpStatus } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { savedCardDetails, type CardDetails } from "./card-details";
import { DEFAULT_AUTO_TOP_UP } from "./save-payment-method";

export type AutoTopUpSettingsView = {
  enabled: boolean;
  threshold_nanos: bigint;
  amount_nanos: bigint;
  has_payment_method: boolean;
  card: CardDetails | null;
  /** Why auto top-up turned itself off (a decline, 3-D Secure, …); null once the team lead turns it on again. */
  disabled_reason: string | null;
  disabled_at: Date | null;
  /** The latest auto top-up: `at` is when it was attempted. */
  last_attempt: { status: TopUpStatus; amount_nanos: bigint; failure_reason: string | null; at: Date } | null;
};

/** The organization's auto top-up settings as the Billing page shows them (defaults until a card is saved). */
export async function getAutoTopUpSettings(ctx: ServiceContext, organizationId: string): Promise<AutoTopUpSettingsView> {
  const [row] = await ctx.db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.organizationId, organizationId));
  const [last] = await ctx.db
    .select()
    .from(topUps)
    .where(and(eq(topUps.organizationId, organizationId), eq(topUps.kind, "auto")))
    .orderBy(desc(topUps.createdAt), desc(topUps.id))
    .limit(1);
  const paymentMethodId = row?.stripePaymentMethodId ?? null;
  return {
    enabled: row?.enabled ?? false,
    threshold_nanos: row?.thresholdNanos ?? DEFAULT_AUTO_TOP_UP.threshold_nanos,
    amount_nanos: row?.amountNanos ?? DEFAULT_AUTO_TOP_UP.amount_nanos,
    has_payment_method: paymentMethodId !== null,
    card: paymentMethodId && ctx.stripe ? await savedCardDetails(ctx.stripe, paymentMethodId) : null,
    disabled_reason: row?.disabledReason ?? null,
    disabled_at: row?.disabledAt ?? null,
    last_attempt: last ? { status: last.status, amount_nanos: last.amountNanos, failure_reason: last.failureReason, at: last.createdAt } : null,
  };
}
