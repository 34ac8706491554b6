/** Products and Prices: inline `price_data` from Checkout, and the pre-created metered price. */
import Stripe from "stripe";
import { invalidRequest, noSuch } from "./errors";
import { allowOnly, metadataOf, optInt, optString, reqString, sub } from "./params";
import { route, type Route } from "./router";
import type { FormObject } from "./form";
import type { Store } from "./store";

export function createProduct(store: Store, name: string, metadata: Record<string, string> = {}): Stripe.Product {
  const product: Stripe.Product = {
    id: store.id("prod"),
    object: "product",
    active: true,
    created: store.now(),
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata,
    name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: store.now(),
    url: null,
  };
  store.products.set(product.id, product);
  return product;
}

export function createPrice(
  store: Store,
  input: { product: string; currency: string; unit_amount: number | null; unit_amount_decimal: string; recurring: Stripe.Price.Recurring | null; active?: boolean },
): Stripe.Price {
  const price: Stripe.Price = {
    id: store.id("price"),
    object: "price",
    active: input.active ?? true,
    billing_scheme: "per_unit",
    created: store.now(),
    currency: input.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: input.product,
    recurring: input.recurring,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: input.recurring ? "recurring" : "one_time",
    unit_amount: input.unit_amount,
    unit_amount_decimal: Stripe.Decimal.from(input.unit_amount_decimal),
  };
  store.prices.set(price.id, price);
  return price;
}

export function getPrice(store: Store, id: string, param?: string): Stripe.Price {
  const p = store.prices.get(id);
  if (!p) throw noSuch("price", id, param);
  return p;
}

/** A one-off price for Checkout's `price_data` (Stripe creates it inactive, bound to that session). */
export function priceFromData(store: Store, data: FormObject, param: string): Stripe.Price {
  const at = (k: string) => (param ? `${param}[${k}]` : k);
  const currency = reqString(data, "currency", at("currency")).toLowerCase();
  if (currency !== "usd") throw invalidRequest("The fake speaks usd only.", { param: at("currency") });
  const unitAmount = optInt(data, "unit_amount", at("unit_amount"));
  const decimal = optString(data, "unit_amount_decimal");
  if (unitAmount === undefined && decimal === undefined) throw invalidRequest(`Missing required param: ${at("unit_amount")}.`, { param: at("unit_amount"), code: "parameter_missing" });
  if (unitAmount !== undefined && unitAmount < 0) throw invalidRequest("This value must be greater than or equal to 0.", { param: at("unit_amount") });
  if (decimal !== undefined && !/^\d+(\.\d{1,12})?$/.test(decimal)) throw invalidRequest(`Invalid decimal: ${decimal}`, { param: at("unit_amount_decimal") });
  const productData = sub(data, "product_data");
  const productId = optString(data, "product");
  let product: string;
  if (productData) product = createProduct(store, reqString(productData, "name", `${at("product_data")}[name]`), metadataOf(productData.metadata)).id;
  else if (productId && store.products.has(productId)) product = productId;
  else if (productId) throw noSuch("product", productId, at("product"));
  else throw invalidRequest(`Missing required param: ${at("product_data")}.`, { param: at("product_data"), code: "parameter_missing" });
  if (unitAmount === undefined && decimal !== undefined && !Number.isInteger(Number(decimal))) {
    throw invalidRequest("The fake needs whole-cent amounts in price_data (use unit_amount).", { param: at("unit_amount_decimal") });
  }
  const cents = unitAmount ?? Number(decimal);
  return createPrice(store, { product, currency, unit_amount: cents, unit_amount_decimal: String(cents), recurring: null, active: false });
}

export const priceRoutes: Route[] = [
  route("GET", "/v1/prices/:id", ({ store, params }) => getPrice(store, params[0] as string)),
  route("GET", "/v1/products/:id", ({ store, params }) => {
    const p = store.products.get(params[0] as string);
    if (!p) throw noSuch("product", params[0] as string);
    return p;
  }),
  route("POST", "/v1/prices", ({ store, body }) => {
    allowOnly(body, { currency: true, unit_amount: true, unit_amount_decimal: true, product: true, product_data: { name: true, metadata: "map" }, metadata: "map", nickname: true });
    return priceFromData(store, body, "");
  }),
];
