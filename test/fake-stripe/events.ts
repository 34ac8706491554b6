/**
 * Events: retrieve and list (`type`, `types[]`, `created[gte]`), as stored when each state change happened. Each
 * account sees its own: the platform's events without Stripe-Account, a connected account's with it.
 */
import { noSuch } from "./errors";
import { optInt, optString, sub } from "./params";
import { listOf, route, type Route } from "./router";

export const eventRoutes: Route[] = [
  route("GET", "/v1/events/:id", ({ store, params, account }) => {
    const event = store.events.find((e) => e.id === params[0] && (e.account ?? null) === account);
    if (!event) throw noSuch("event", params[0] as string);
    return event;
  }, "either"),
  route("GET", "/v1/events", ({ store, body, account }) => {
    const type = optString(body, "type");
    const types = Array.isArray(body.types) ? body.types.filter((t): t is string => typeof t === "string") : null;
    const created = sub(body, "created");
    const gte = created ? optInt(created, "gte", "created[gte]") : undefined;
    const matches = store.events.filter((e) => (e.account ?? null) === account && (!type || e.type === type || (type.endsWith("*") && e.type.startsWith(type.slice(0, -1)))) && (!types || types.includes(e.type)) && (gte === undefined || e.created >= gte));
    return listOf("/v1/events", matches, body);
  }, "either"),
];
