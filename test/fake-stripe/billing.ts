/**
 * Billing Meters and meter events (v1), validated like Stripe: string values of ≤ 15 significant digits,
 * timestamps within the past 35 days and ≤ 5 minutes ahead, and a duplicate `identifier` refused with 400
 * `duplicate_meter_event`. One meter (event_name "spotlane_usage_nanos", sum) and its metered Price
 * (0.0000001 cents per nano-USD) exist from the start.
 */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, optInt, optString, reqString, sub } from "./params";
import { listOf, route, type Route } from "./router";
import type { Store } from "./store";
import { createPrice, createProduct } from "./prices";
import { isDecimalString, significantDigits } from "./decimal";

export const DEFAULT_METER_EVENT_NAME = "spotlane_usage_nanos";
/** Cents per nano-USD: 1 nano-USD = 1e-9 USD = 1e-7 cents. */
export const METERED_UNIT_AMOUNT_DECIMAL = "0.0000001";

const PAST_WINDOW_S = 35 * 86_400;
const FUTURE_WINDOW_S = 5 * 60;

export function createMeter(store: Store, input: { display_name: string; event_name: string; formula: Stripe.Billing.Meter.DefaultAggregation.Formula; customer_key: string; value_key: string }): Stripe.Billing.Meter {
  if ([...store.meters.values()].some((m) => m.event_name === input.event_name && m.status === "active")) {
    throw invalidRequest(`An active meter with event_name '${input.event_name}' already exists.`, { param: "event_name" });
  }
  const meter: Stripe.Billing.Meter = {
    id: store.id("mtr_test"),
    object: "billing.meter",
    created: store.now(),
    customer_mapping: { event_payload_key: input.customer_key, type: "by_id" },
    default_aggregation: { formula: input.formula },
    display_name: input.display_name,
    event_name: input.event_name,
    event_time_window: null,
    livemode: false,
    status: "active",
    status_transitions: { deactivated_at: null },
    updated: store.now(),
    value_settings: { event_payload_key: input.value_key },
  };
  store.meters.set(meter.id, meter);
  return meter;
}

export function createDefaultMeter(store: Store): { meter: Stripe.Billing.Meter; price: Stripe.Price } {
  const meter = createMeter(store, { display_name: "Spotlane usage (nano-USD)", event_name: DEFAULT_METER_EVENT_NAME, formula: "sum", customer_key: "stripe_customer_id", value_key: "value" });
  const product = createProduct(store, "Spotlane inference usage");
  const price = createPrice(store, {
    product: product.id,
    currency: "usd",
    unit_amount: null,
    unit_amount_decimal: METERED_UNIT_AMOUNT_DECIMAL,
    recurring: { interval: "month", interval_count: 1, meter: meter.id, trial_period_days: null, usage_type: "metered" },
  });
  return { meter, price };
}

function activeMeterFor(store: Store, eventName: string): Stripe.Billing.Meter | undefined {
  return [...store.meters.values()].find((m) => m.event_name === eventName && m.status === "active");
}

function createMeterEvent(store: Store, body: FormObject): Stripe.Billing.MeterEvent {
  allowOnly(body, { event_name: true, payload: "map", identifier: true, timestamp: true });
  const eventName = reqString(body, "event_name");
  const meter = activeMeterFor(store, eventName);
  if (!meter) throw invalidRequest(`No active meter found for event_name '${eventName}'.`, { param: "event_name", code: "resource_missing" });
  const payload = sub(body, "payload") as Record<string, string> | undefined;
  if (!payload) throw invalidRequest("Missing required param: payload.", { param: "payload", code: "parameter_missing" });
  const customerKey = meter.customer_mapping.event_payload_key;
  const valueKey = meter.value_settings.event_payload_key;
  const customer = payload[customerKey];
  if (!customer) throw invalidRequest(`Missing required param: payload[${customerKey}].`, { param: `payload[${customerKey}]`, code: "parameter_missing" });
  if (!store.customers.has(customer)) throw noSuch("customer", customer, `payload[${customerKey}]`);
  const value = payload[valueKey];
  if (value === undefined && meter.default_aggregation.formula !== "count") throw invalidRequest(`Missing required param: payload[${valueKey}].`, { param: `payload[${valueKey}]`, code: "parameter_missing" });
  if (value !== undefined) {
    if (!isDecimalString(value) || value.startsWith("-")) throw invalidRequest(`Invalid payload[${valueKey}]: '${value}' must be a non-negative number as a string.`, { param: `payload[${valueKey}]` });
    if (significantDigits(value) > 15) throw invalidRequest(`Invalid payload[${valueKey}]: '${value}' has more than 15 significant digits.`, { param: `payload[${valueKey}]` });
  }
  const now = store.now();
  const timestamp = optInt(body, "timestamp") ?? now;
  if (timestamp < now - PAST_WINDOW_S) throw invalidRequest("Meter event timestamps must be within the past 35 days.", { param: "timestamp", code: "timestamp_too_far_in_past" });
  if (timestamp > now + FUTURE_WINDOW_S) throw invalidRequest("Meter event timestamps must be no more than 5 minutes in the future.", { param: "timestamp", code: "timestamp_in_future" });
  const identifier = optString(body, "identifier") ?? store.id("mev").slice(4);
  if (identifier.length > 100) throw invalidRequest("identifier must be at most 100 characters.", { param: "identifier" });
  if (store.meterEvents.some((e) => e.identifier === identifier)) {
    throw invalidRequest(`An event already exists with identifier ${identifier}.`, { param: "identifier", code: "duplicate_meter_event" });
  }
  const event: Stripe.Billing.MeterEvent = { object: "billing.meter_event", created: now, event_name: eventName, identifier, livemode: false, payload: { ...payload }, timestamp };
  store.meterEvents.push(event);
  return event;
}

export const meterRoutes: Route[] = [
  route("POST", "/v1/billing/meter_events", ({ store, body }) => createMeterEvent(store, body)),
  route("POST", "/v1/billing/meters", ({ store, body }) => {
    allowOnly(body, { display_name: true, event_name: true, default_aggregation: { formula: true }, customer_mapping: { event_payload_key: true, type: true }, value_settings: { event_payload_key: true }, event_time_window: true });
    const formula = reqString(sub(body, "default_aggregation") ?? {}, "formula", "default_aggregation[formula]");
    if (formula !== "sum" && formula !== "count" && formula !== "last") throw invalidRequest("Invalid default_aggregation[formula]", { param: "default_aggregation[formula]" });
    return createMeter(store, {
      display_name: reqString(body, "display_name"),
      event_name: reqString(body, "event_name"),
      formula,
      customer_key: optString(sub(body, "customer_mapping") ?? {}, "event_payload_key") ?? "stripe_customer_id",
      value_key: optString(sub(body, "value_settings") ?? {}, "event_payload_key") ?? "value",
    });
  }),
  route("GET", "/v1/billing/meters/:id", ({ store, params }) => {
    const m = store.meters.get(params[0] as string);
    if (!m) throw noSuch("billing.meter", params[0] as string);
    return m;
  }),
  route("GET", "/v1/billing/meters", ({ store, body }) => {
    const status = optString(body, "status");
    return listOf("/v1/billing/meters", [...store.meters.values()].filter((m) => !status || m.status === status), body);
  }),
];
