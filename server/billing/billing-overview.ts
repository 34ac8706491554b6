import { desc, eq } from "drizzle-orm";
import { organizationBilling, stripeInvoices, type BillingStanding } from "../../db/schema";
import type { ServiceContext } from "../context";
import { getAutoTopUpSettings, type AutoTopUpSettingsView } from "./auto-top-up/get-auto-top-up-settings";
import { getBuyerBalance } from "./balances";

/**
 * How an organization pays: `test_credit` (no Stripe keys: the embedded default's local test balance, nothing
 * is ever charged), `prepaid` (Stripe top-ups) or `invoiced` (postpaid usage against a credit limit).
 */
export type BillingMode = "test_credit" | "prepaid" | "invoiced";

export type BillingOverview = {
  stripe_configured: boolean;
  mode: BillingMode;
  /** The ledger's buyer balance; below zero after a refund or dispute of credit already spent. */
  balance_nanos: bigint;
  /** Held by requests in flight (reservations, gateways' credit leases, open dead letters). */
  in_flight_nanos: bigint;
  /** What admission may still spend (for invoiced organizations this includes the credit limit). */
  available_nanos: bigint;
  /** What the organization owes while the balance is below zero (0 otherwise). */
  receivable_nanos: bigint;
  /** Bounds of one top-up; null without Stripe. */
  top_up_min_nanos: bigint | null;
  top_up_max_nanos: bigint | null;
  auto_top_up: AutoTopUpSettingsView | null;
  invoicing: { credit_limit_nanos: bigint; standing: BillingStanding; standing_reason: string | null } | null;
};

/** Everything the Billing page's header needs in one call: balance, what is owed, and how the organization pays. */
export async function getBillingOverview(ctx: ServiceContext, organizationId: string): Promise<BillingOverview> {
  const balance = await getBuyerBalance(ctx.db, organizationId, ctx.now());
  const [billing] = await ctx.db.select().from(organizationBilling).where(eq(organizationBilling.organizationId, organizationId));
  const stripe = ctx.stripe ?? null;
  // Invoicing needs Stripe (a metered subscription); a leftover row without keys is still the local test balance.
  const mode: BillingMode = !stripe ? "test_credit" : billing?.mode === "invoiced" ? "invoiced" : "prepaid";
  return {
    stripe_configured: stripe !== null,
    mode,
    balance_nanos: balance.balance_nanos,
    in_flight_nanos: balance.held_nanos,
    available_nanos: balance.available_nanos,
    receivable_nanos: balance.balance_nanos < 0n ? -balance.balance_nanos : 0n,
    top_up_min_nanos: stripe?.top_up_min_nanos ?? null,
    top_up_max_nanos: stripe?.top_up_max_nanos ?? null,
    auto_top_up: stripe ? await getAutoTopUpSettings(ctx, organizationId) : null,
    invoicing: mode === "invoiced" && billing ? { credit_limit_nanos: billing.creditLimitNanos, standing: billing.standing, standing_reason: billing.standingReason } : null,
  };
}

export type InvoiceView = {
  id: string;
  status: string;
  amount_due_nanos: bigint;
  amount_paid_nanos: bigint;
  period_start: Date | null;
  period_end: Date | null;
  hosted_invoice_url: string | null;
  created_at: Date;
};

/** The organization's Stripe invoices as last seen by the invoice webhooks, newest first. */
export async function listOrganizationInvoices(ctx: ServiceContext, input: { organizationId: string; limit: number }): Promise<InvoiceView[]> {
  return ctx.db
    .select({
      id: stripeInvoices.id,
      status: stripeInvoices.status,
      amount_due_nanos: stripeInvoices.amountDueNanos,
      amount_paid_nanos: stripeInvoices.amountPaidNanos,
      period_start: stripeInvoices.periodStart,
      period_end: stripeInvoices.periodEnd,
      hosted_invoice_url: stripeInvoices.hostedInvoiceUrl,
      created_at: stripeInvoices.stripeCreatedAt,
    })
    .from(stripeInvoices)
    .where(eq(stripeInvoices.organizationId, input.organizationId))
    .orderBy(desc(stripeInvoices.stripeCreatedAt), desc(stripeInvoices.id))
    .limit(Math.max(1, Math.min(100, Math.trunc(input.limit))));
}
