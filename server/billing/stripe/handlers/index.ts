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
import { transferCreated } from "./transfer-created";
import { transferUpdated } from "./transfer-updated";
import { transferReversed } from "./transfer-reversed";
import { accountUpdated } from "./account-updated";
import { accountApplicationDeauthorized } from "./account-application-deauthorized";
import { payoutCreated } from "./payout-created";
import { payoutUpdated } from "./payout-updated";
import { payoutPaid } from "./payout-paid";
import { payoutFailed } from "./payout-failed";
import { payoutCanceled } from "./payout-canceled";
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
  // Transfers are the platform's objects (server/billing/payouts/README.md).
  "transfer.created": transferCreated,
  "transfer.updated": transferUpdated,
  "transfer.reversed": transferReversed,
};

/**
 * Connected accounts' events (`event.account` set): their account and their own bank payouts. Subscribe a Connect
 * endpoint (or the same one, "Listen to events on Connected accounts") to exactly these (README "Payouts").
 */
export const STRIPE_CONNECT_EVENT_HANDLERS: { [T in Stripe.Event.Type]?: StripeEventHandler<T> } = {
  "account.updated": accountUpdated,
  "account.application.deauthorized": accountApplicationDeauthorized,
  "payout.created": payoutCreated,
  "payout.updated": payoutUpdated,
  "payout.paid": payoutPaid,
  "payout.failed": payoutFailed,
  "payout.canceled": payoutCanceled,
};

