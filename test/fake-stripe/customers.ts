/** Customers: create, retrieve, update, list. */
import type Stripe from "stripe";
import { noSuch } from "./errors";
import { allowOnly, metadataOf, optString, sub, type ParamSpec } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, type Store } from "./store";

const CUSTOMER_PARAMS: ParamSpec = { email: true, name: true, description: true, phone: true, metadata: "map", invoice_settings: { default_payment_method: true } };

export function getCustomer(store: Store, id: string, param?: string): Stripe.Customer {
  const c = store.customers.get(id);
  if (!c) throw noSuch("customer", id, param);
  return c;
}

export function createCustomer(store: Store, input: { email?: string; name?: string; description?: string; metadata?: Record<string, string> }): Stripe.Customer {
  const customer: Stripe.Customer = {
    id: store.id("cus"),
    object: "customer",
    address: null,
    balance: 0,
    created: store.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    email: input.email ?? null,
    invoice_prefix: store.id("").slice(1, 9).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
  store.customers.set(customer.id, customer);
  emit(store, "customer.created", customer);
  return customer;
}

export const customerRoutes: Route[] = [
  route("POST", "/v1/customers", ({ store, body }) => {
    allowOnly(body, CUSTOMER_PARAMS);
    return createCustomer(store, { email: optString(body, "email"), name: optString(body, "name"), description: optString(body, "description"), metadata: metadataOf(body.metadata) });
  }),
  route("GET", "/v1/customers/:id", ({ store, params }) => getCustomer(store, params[0] as string)),
  route("POST", "/v1/customers/:id", ({ store, params, body }) => {
    allowOnly(body, CUSTOMER_PARAMS);
    const customer = getCustomer(store, params[0] as string);
    const previous: Record<string, unknown> = {};
    if (body.metadata !== undefined) {
      previous.metadata = customer.metadata;
      customer.metadata = metadataOf(body.metadata, customer.metadata);
    }
    for (const key of ["email", "name", "description", "phone"] as const) {
      if (body[key] !== undefined) {
        previous[key] = customer[key] ?? null;
        customer[key] = optString(body, key) ?? null;
      }
    }
    const settings = sub(body, "invoice_settings");
    if (settings && settings.default_payment_method !== undefined) {
      const pm = optString(settings, "default_payment_method") ?? null;
      if (pm !== null && store.paymentMethods.get(pm)?.customer !== customer.id) throw noSuch("PaymentMethod", pm, "invoice_settings[default_payment_method]");
      previous.invoice_settings = { ...customer.invoice_settings };
      customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: pm };
    }
    emit(store, "customer.updated", customer, previous);
    return customer;
  }),
  route("GET", "/v1/customers", ({ store, body }) => {
    const email = optString(body, "email");
    return listOf("/v1/customers", [...store.customers.values()].filter((c) => email === undefined || c.email === email), body);
  }),
];
