import { checkoutSessionCompleted } from "./checkout-session-completed";
import { checkoutSessionAsyncPaymentSucceeded } from "./checkout-session-async-payment-succeeded";
import { checkoutSessionAsyncPaymentFailed } from "./checkout-session-async-payment-failed";
import { checkoutSessionExpired } from "./checkout-session-expired";
import { paymentIntentSucceeded } from "./payment-intent-succeeded";
import { paymentIntentPaymentFailed } from "./payment-intent-payment-failed";
import { chargeRefunded } from "./charge-refunded";
import { refundCreated } from "./refund-created";
import { refundUpdated } from "./refund-updated";
import { refundFailed } from "./refund-failed";
import { chargeDisputeCreated } from "./charge-dispute-created";
import { chargeDisputeUpdated } from "./charge-dispute-updated";
import { chargeDisputeFundsWithdrawn } from "./charge-dispute-funds-withdrawn";
import { chargeDisputeFundsReinstated } from "./charge-dispute-funds-reinstated";
import { chargeDisputeClosed } from "./charge-dispute-closed";
import { invoiceFinalized } from "./invoice-finalized";
import { invoicePaid } from "./invoice-paid";
import { invoicePaymentFailed } from "./invoice-payment-failed";
import type { StripeEventHandler } from "./types";
import type Stripe from "stripe";

/**
 * Every Stripe event type Spotlane acts on, one handler file each. Events of any other type are stored and
 * marked `ignored`. Subscribe the webhook endpoint to exactly these (README "Payments").
 */
export const STRIPE_EVENT_HANDLERS: { [T in Stripe.Event.Type]?: StripeEventHandler<T> } = {
  "checkout.session.completed": checkoutSessionCompleted,
  "checkout.session.async_payment_succeeded": checkoutSessionAsyncPaymentSucceeded,
  "checkout.session.async_payment_failed": checkoutSessionAsyncPaymentFailed,
  "checkout.session.expired": checkoutSessionExpired,
  "payment_intent.succeeded": paymentIntentSucceeded,
  "payment_intent.payment_failed": paymentIntentPaymentFailed,
  "charge.refunded": chargeRefunded,
  "refund.created": refundCreated,
  "refund.updated": refundUpdated,
  "refund.failed": refundFailed,
  "charge.dispute.created": chargeDisputeCreated,
  "charge.dispute.updated": chargeDisputeUpdated,
  "charge.dispute.funds_withdrawn": chargeDisputeFundsWithdrawn,
  "charge.dispute.funds_reinstated": chargeDisputeFundsReinstated,
  "charge.dispute.closed": chargeDisputeClosed,
  "invoice.finalized": invoiceFinalized,
  "invoice.paid": invoicePaid,
  "invoice.payment_failed": invoicePaymentFailed,
};

