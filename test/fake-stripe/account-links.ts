/**
 * Account links: a URL into Stripe-hosted onboarding for one connected account, single use and valid 300 s.
 * Opening a used or expired link sends the browser to `refresh_url` (303), where the platform must make a new
 * link (real Stripe does this; integrations that cache the URL break). `account_update` links exist only for
 * accounts whose requirements the platform collects (not Express), as on Stripe.
 */
import type Stripe from "stripe";
import { invalidRequest } from "./errors";
import { allowOnly, optEnum, reqString, type ParamSpec } from "./params";
import { route, type Route } from "./router";
import type { AccountLinkState, Store } from "./store";
import { getAccount } from "./accounts";

export const ACCOUNT_LINK_TTL_SECONDS = 300;

const PARAMS: ParamSpec = { account: true, type: true, refresh_url: true, return_url: true, collect: true, collection_options: { fields: true, future_requirements: true } };

function requireUrl(value: string, param: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
    return value;
  } catch {
    throw invalidRequest(`Not a valid URL`, { param, code: "url_invalid" });
  }
}

export function createAccountLink(store: Store, input: { account: string; type: AccountLinkState["type"]; refresh_url: string; return_url: string }): Stripe.AccountLink {
  const account = getAccount(store, input.account, "account");
  if (input.type === "account_update" && account.controller?.requirement_collection !== "application") {
    throw invalidRequest("You cannot create `account_update` type Account Links for accounts where Stripe collects requirements (`controller.requirement_collection` is `stripe`). Use `account_onboarding` instead.", { param: "type" });
  }
  const token = store.id("").slice(1);
  const created = store.now();
  const link: AccountLinkState = { token, account: account.id, type: input.type, refresh_url: input.refresh_url, return_url: input.return_url, created, expires_at: created + ACCOUNT_LINK_TTL_SECONDS, state: "new" };
  store.accountLinks.set(token, link);
  return { object: "account_link", created, expires_at: link.expires_at, url: `${store.apiBase}/connect/onboarding/${token}` };
}

export const accountLinkRoutes: Route[] = [
  route("POST", "/v1/account_links", ({ store, body }) => {
    allowOnly(body, PARAMS);
    const type = optEnum(body, "type", ["account_onboarding", "account_update"] as const);
    if (!type) throw invalidRequest("Missing required param: type.", { param: "type", code: "parameter_missing" });
    return createAccountLink(store, {
      account: reqString(body, "account"),
      type,
      refresh_url: requireUrl(reqString(body, "refresh_url"), "refresh_url"),
      return_url: requireUrl(reqString(body, "return_url"), "return_url"),
    });
  }),
];
