/** The fake's route table type and Stripe's list envelope (newest first, `limit`, `starting_after`). */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { invalidRequest } from "./errors";
import { optInt, optString } from "./params";
import type { Store } from "./store";

/** `account`: the connected account named by the `Stripe-Account` header (checked to exist), or null: the platform. */
export type RouteCtx = { store: Store; params: string[]; body: FormObject; account: string | null };
/**
 * Who a route acts for: `platform` (the default: a Stripe-Account header is refused, the fake models that
 * resource on the platform only), `connected` (the header is required: the fake models it on connected accounts
 * only, e.g. their bank payouts), `either` (the balance).
 */
export type RouteScope = "platform" | "connected" | "either";
export type Route = { method: "GET" | "POST" | "DELETE"; path: RegExp; handler: (ctx: RouteCtx) => object; scope: RouteScope };

export function route(method: Route["method"], pattern: string, handler: Route["handler"], scope: RouteScope = "platform"): Route {
  // "/v1/customers/:id" → ^/v1/customers/([^/]+)$
  const source = pattern.replace(/:[a-z_]+/g, "([^/]+)");
  return { method, path: new RegExp(`^${source}$`), handler, scope };
}

export function listOf<T extends { id?: string; created: number }>(url: string, items: T[], query: FormObject): Stripe.ApiList<T> {
  const limit = optInt(query, "limit") ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest("Invalid limit: must be between 1 and 100", { param: "limit" });
  // Stable newest-first: created ties keep reverse insertion order, like ids in one second on Stripe.
  const sorted = items.map((item, i) => ({ item, i })).sort((a, b) => b.item.created - a.item.created || b.i - a.i).map((x) => x.item);
  const after = optString(query, "starting_after");
  const before = optString(query, "ending_before");
  let start = 0;
  let end = sorted.length;
  if (after) {
    const at = sorted.findIndex((x) => x.id === after);
    if (at === -1) throw invalidRequest(`No such object: '${after}'`, { param: "starting_after", code: "resource_missing" });
    start = at + 1;
  }
  if (before) {
    const at = sorted.findIndex((x) => x.id === before);
    if (at === -1) throw invalidRequest(`No such object: '${before}'`, { param: "ending_before", code: "resource_missing" });
    end = at;
    start = Math.max(0, end - limit);
  }
  const page = sorted.slice(start, Math.min(end, start + limit));
  return { object: "list", data: page, has_more: start + page.length < end, url };
}
