/**
 * PaymentMethods: cards and US bank accounts, each with an off-session behaviour (succeed, decline, need
 * 3-D Secure). Checkout's hosted page creates them; tests may also use Stripe's test tokens
 * (`card[token]=tok_visa | tok_chargeDeclined | tok_authenticationRequired`).
 */
import type Stripe from "stripe";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, metadataOf, optString, reqString, sub } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type PaymentMethodBehaviour, type Store } from "./store";
import { getCustomer } from "./customers";

export type PaymentMethodKind = "card" | "us_bank_account";

const TEST_TOKENS: Record<string, { last4: string; behaviour: PaymentMethodBehaviour }> = {
  tok_visa: { last4: "4242", behaviour: "succeed" },
  tok_chargeDeclined: { last4: "0002", behaviour: "card_declined" },
  tok_authenticationRequired: { last4: "3184", behaviour: "authentication_required" },
};

export function getPaymentMethod(store: Store, id: string, param?: string): Stripe.PaymentMethod {
  const pm = store.paymentMethods.get(id);
  if (!pm) throw noSuch("PaymentMethod", id, param);
  return pm;
}

export function createPaymentMethod(
  store: Store,
  input: { kind: PaymentMethodKind; last4: string; behaviour: PaymentMethodBehaviour; email?: string | null; name?: string | null; metadata?: Record<string, string> },
): Stripe.PaymentMethod {
  const pm: Stripe.PaymentMethod = {
    id: store.id("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: null, email: input.email ?? null, name: input.name ?? null, phone: null, tax_id: null },
    created: store.now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: input.metadata ?? {},
    type: input.kind,
    ...(input.kind === "card"
      ? {
          card: {
            brand: "visa",
            checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
            country: "US",
            display_brand: "visa",
            exp_month: 12,
            exp_year: 2034,
            fingerprint: `fp${input.last4}`,
            funding: "credit",
            generated_from: null,
            last4: input.last4,
            networks: { available: ["visa"], preferred: null },
            regulated_status: "unregulated",
            three_d_secure_usage: { supported: true },
            wallet: null,
          },
        }
      : {
          us_bank_account: {
            account_holder_type: "individual",
            account_type: "checking",
            bank_name: "STRIPE TEST BANK",
            financial_connections_account: null,
            fingerprint: `fpba${input.last4}`,
            last4: input.last4,
            networks: { preferred: "ach", supported: ["ach"] },
            routing_number: "110000000",
            status_details: null,
          },
        }),
  };
  store.paymentMethods.set(pm.id, pm);
  store.paymentMethodBehaviour.set(pm.id, input.behaviour);
  return pm;
}

export function attachPaymentMethod(store: Store, pm: Stripe.PaymentMethod, customerId: string): void {
  if (pm.customer === customerId) return;
  if (pm.customer !== null) throw invalidRequest("The payment method you provided has already been attached to a customer.", { code: "payment_method_unexpected_state" });
  pm.customer = customerId;
  emit(store, "payment_method.attached", pm);
}

export const paymentMethodRoutes: Route[] = [
  route("POST", "/v1/payment_methods", ({ store, body }) => {
    allowOnly(body, { type: true, card: { token: true }, billing_details: { email: true, name: true }, metadata: "map" });
    if (reqString(body, "type") !== "card") throw invalidRequest("The fake creates card PaymentMethods only (use card[token]).", { param: "type" });
    const token = reqString(sub(body, "card") ?? {}, "token", "card[token]");
    const known = TEST_TOKENS[token];
    if (!known) throw invalidRequest(`No such token: '${token}'`, { param: "card[token]", code: "resource_missing" });
    const details = sub(body, "billing_details") ?? {};
    return createPaymentMethod(store, { kind: "card", ...known, email: optString(details, "email"), name: optString(details, "name"), metadata: metadataOf(body.metadata) });
  }),
  route("GET", "/v1/payment_methods/:id", ({ store, params }) => getPaymentMethod(store, params[0] as string)),
  route("GET", "/v1/payment_methods", ({ store, body }) => {
    const customer = reqString(body, "customer");
    return listOf("/v1/payment_methods", [...store.paymentMethods.values()].filter((pm) => pm.customer === customer), body);
  }),
  route("GET", "/v1/customers/:id/payment_methods", ({ store, params, body }) => {
    const customer = getCustomer(store, params[0] as string);
    const type = optString(body, "type");
    return listOf(`/v1/customers/${customer.id}/payment_methods`, [...store.paymentMethods.values()].filter((pm) => pm.customer === customer.id && (!type || pm.type === type)), body);
  }),
  route("POST", "/v1/payment_methods/:id/attach", ({ store, params, body }) => {
    allowOnly(body, { customer: true });
    const pm = getPaymentMethod(store, params[0] as string);
    attachPaymentMethod(store, pm, getCustomer(store, reqString(body, "customer"), "customer").id);
    return pm;
  }),
  route("POST", "/v1/payment_methods/:id/detach", ({ store, params, body }) => {
    allowOnly(body, {});
    const pm = getPaymentMethod(store, params[0] as string);
    if (pm.customer === null) throw invalidRequest("The payment method you provided is not attached to a customer so detachment is impossible.", { code: "payment_method_unexpected_state" });
    const previous = { customer: pm.customer };
    pm.customer = null;
    emit(store, "payment_method.detached", pm, previous);
    return pm;
  }),
];
