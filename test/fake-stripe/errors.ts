/**
 * Stripe's error JSON (`{ error: { type, code, message, param, decline_code, payment_intent, … } }`) with its
 * HTTP status, so the real SDK turns each into its own class (StripeCardError, StripeInvalidRequestError, …).
 */
import type Stripe from "stripe";

export type StripeErrorBody = {
  type: "invalid_request_error" | "card_error" | "api_error" | "idempotency_error";
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  charge?: string;
  payment_intent?: Stripe.PaymentIntent;
  payment_method?: Stripe.PaymentMethod;
  doc_url?: string;
  request_log_url?: string;
};

export class FakeStripeError extends Error {
  /**
   * `saved`: Stripe stores an idempotent result only once the endpoint started executing (a card decline is
   * saved and replayed; a parameter validation error is not).
   */
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly saved = false,
  ) {
    super(body.message);
  }
}

export function invalidRequest(message: string, opts: { param?: string; code?: string; status?: number } = {}): FakeStripeError {
  return new FakeStripeError(opts.status ?? 400, {
    type: "invalid_request_error",
    message,
    ...(opts.code ? { code: opts.code, doc_url: `https://stripe.com/docs/error-codes/${opts.code.replace(/_/g, "-")}` } : {}),
    ...(opts.param ? { param: opts.param } : {}),
  });
}

/** `No such customer: 'cus_123'` — 404 on a path id, 400 when the id came in a parameter (as Stripe does). */
export function noSuch(kind: string, id: string, param?: string): FakeStripeError {
  return invalidRequest(`No such ${kind}: '${id}'`, { code: "resource_missing", status: param ? 400 : 404, ...(param ? { param } : {}) });
}
