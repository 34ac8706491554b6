import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { organizationBilling, stripeCustomers, stripeInvoices } from "../../../db/schema";
import { centsToNanos, formatUsd } from "../../../lib/money";
import type { ServiceContext } from "../../context";
import { buyerStripeLines, postJournalEntry } from "../post-journal-entry";
import type { StripeBilling } from "../stripe/client";

/**
 * Invoice statuses only move forward, whatever order events are processed in (two handlers re-reading one
 * invoice at different moments must not let the older read win): draft → open → uncollectible → paid | void.
 */
const rank = (column: "excluded.status" | '"stripe_invoices"."status"') =>
  sql.raw(`(case ${column} when 'draft' then 0 when 'open' then 1 when 'uncollectible' then 2 when 'paid' then 3 when 'void' then 3 else 0 end)`);

export type SyncInvoiceResult =
  | { applied: false; reason: string }
  | { applied: true; organizationId: string; status: string; credited_now: boolean; standing: "good" | "past_due" };

/** The subscription that billed the invoice, when it is a subscription's (ours are the only ones: metered usage). */
function subscriptionOf(invoice: Stripe.Invoice): string | null {
  const sub = invoice.parent?.subscription_details?.subscription;
  if (!sub) return null;
  return typeof sub === "string" ? sub : sub.id;
}

/**
 * The one function behind `invoice.finalized`, `invoice.paid` and `invoice.payment_failed`: re-reads the
 * invoice from Stripe (never the event body), records its latest state, credits the balance once when paid
 * (journal key `invoice:<id>:paid`), and derives the organization's standing from every invoice it knows:
 * past due while any invoice Stripe tried and failed to charge is still open (or written off as uncollectible).
 * Derived, not event-ordered: a late or repeated event cannot put an older standing back.
 * `payment_failed`: the event itself says a charge failed (in case the read shows `attempted` still false).
 */
export async function syncInvoice(ctx: ServiceContext & { stripe: StripeBilling }, input: { invoiceId: string; eventCreatedAt: Date; paymentFailed?: boolean }): Promise<SyncInvoiceResult> {
  const invoice = await ctx.stripe.client.invoices.retrieve(input.invoiceId);
  // Checkout top-ups create one-off invoices (invoice_creation) for the same customer: those are credited as top-ups.
  if (!subscriptionOf(invoice)) return { applied: false, reason: "not a subscription invoice (top-up receipts are credited as top-ups)" };
  const customerId = typeof invoice.customer === "string" ? invoice.customer : invoice.customer?.id;
  if (!customerId) return { applied: false, reason: "invoice without a customer" };
  const [customer] = await ctx.db.select().from(stripeCustomers).where(eq(stripeCustomers.stripeCustomerId, customerId));
  if (!customer) return { applied: false, reason: `customer ${customerId} is not one of ours` };
  const organizationId = customer.organizationId;
  // Only the subscription Spotlane created for this organization (its metadata, copied onto every invoice it
  // bills) is usage: another product billed to the same customer must never become inference credit or debt.
  if (invoice.parent?.subscription_details?.metadata?.organization_id !== organizationId) return { applied: false, reason: "not a Spotlane usage subscription (its metadata names no organization of ours)" };
  const status = invoice.status ?? "draft";
  const attempted = invoice.attempted || (input.paymentFailed === true && status === "open");
  const amount_paid_nanos = centsToNanos(invoice.amount_paid);
  const at = ctx.now();

  return ctx.db.transaction(async (tx) => {
    // One organization's invoices are applied one at a time, so the standing derived below sees every committed row.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"invoice-standing:" + organizationId}))`);
    await tx
      .insert(stripeInvoices)
      .values({
        id: invoice.id,
        organizationId,
        status,
        amountDueNanos: centsToNanos(invoice.amount_due),
        amountPaidNanos: amount_paid_nanos,
        attempted,
        periodStart: new Date(invoice.period_start * 1000),
        periodEnd: new Date(invoice.period_end * 1000),
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
        stripeCreatedAt: new Date(invoice.created * 1000),
        updatedAt: at,
      })
      .onConflictDoUpdate({
        target: stripeInvoices.id,
        set: {
          status: sql`case when ${rank("excluded.status")} >= ${rank(`"stripe_invoices"."status"`)} then excluded.status else ${stripeInvoices.status} end`,
          amountDueNanos: sql`excluded.amount_due_nanos`,
          amountPaidNanos: sql`greatest(excluded.amount_paid_nanos, ${stripeInvoices.amountPaidNanos})`,
          attempted: sql`${stripeInvoices.attempted} or excluded.attempted`,
          hostedInvoiceUrl: sql`coalesce(excluded.hosted_invoice_url, ${stripeInvoices.hostedInvoiceUrl})`,
          updatedAt: at,
        },
      });

    let credited_now = false;
    if (status === "paid" && amount_paid_nanos > 0n) {
      const posted = await postJournalEntry(tx, {
        kind: "invoice_payment",
        idempotencyKey: `invoice:${invoice.id}:paid`,
        stripeObjectId: invoice.id,
        memo: `Invoice ${invoice.number ?? invoice.id} paid`,
        at: invoice.status_transitions?.paid_at ? new Date(invoice.status_transitions.paid_at * 1000) : input.eventCreatedAt,
        lines: buyerStripeLines(organizationId, amount_paid_nanos),
      });
      credited_now = posted.posted;
    }

    const [failed] = await tx
      .select({ id: stripeInvoices.id, amountDueNanos: stripeInvoices.amountDueNanos, stripeCreatedAt: stripeInvoices.stripeCreatedAt })
      .from(stripeInvoices)
      .where(and(eq(stripeInvoices.organizationId, organizationId), eq(stripeInvoices.attempted, true), inArray(stripeInvoices.status, ["open", "uncollectible"])))
      .orderBy(desc(stripeInvoices.stripeCreatedAt))
      .limit(1);
    const standing = failed ? ("past_due" as const) : ("good" as const);
    const standingReason = failed ? `The payment of invoice ${failed.id} (${formatUsd(failed.amountDueNanos)}, issued ${failed.stripeCreatedAt.toISOString().slice(0, 10)}) failed. Pay it from the Billing page.` : null;
    await tx
      .insert(organizationBilling)
      .values({ organizationId, standing, standingReason, standingEventAt: input.eventCreatedAt, updatedAt: at })
      .onConflictDoUpdate({
        target: organizationBilling.organizationId,
        set: { standing, standingReason, standingEventAt: sql`greatest(${organizationBilling.standingEventAt}, ${input.eventCreatedAt.toISOString()}::timestamptz)`, updatedAt: at },
      });
    return { applied: true, organizationId, status, credited_now, standing };
  });
}
