/**
 * Connected accounts (v1 Accounts with `controller` properties; the deprecated `type` is accepted too): create,
 * retrieve, update, list, Express login links. A new account owes Stripe's onboarding fields for a US individual
 * (`requirements.currently_due` and `past_due`, disabled_reason `requirements.past_due`), cannot receive
 * transfers (`capabilities.transfers: "inactive"`) nor be paid out until the hosted onboarding page is submitted
 * (onboarding-page.ts → completeOnboarding). Every change after creation emits `account.updated` as a Connect event
 * (`event.account` set, `previous_attributes`). Knobs: completeOnboarding, requireMore, deauthorize.
 */
import type Stripe from "stripe";
import type { FormObject } from "./form";
import { FakeStripeError, invalidRequest, noSuch } from "./errors";
import { allowOnly, metadataOf, optBool, optString, sub, type ParamSpec } from "./params";
import { listOf, route, type Route } from "./router";
import { emit, snapshot, type Store } from "./store";

const BUSINESS_PROFILE: ParamSpec = { name: true, url: true, mcc: true, product_description: true, support_email: true, support_url: true, support_phone: true };
const SETTINGS: ParamSpec = { payouts: { schedule: { interval: true, delay_days: true, weekly_anchor: true, monthly_anchor: true }, statement_descriptor: true, debit_negative_balances: true } };
const CREATE_PARAMS: ParamSpec = {
  type: true,
  controller: { fees: { payer: true }, losses: { payments: true }, requirement_collection: true, stripe_dashboard: { type: true } },
  capabilities: { transfers: { requested: true }, card_payments: { requested: true } },
  settings: SETTINGS,
  country: true,
  email: true,
  metadata: "map",
  business_profile: BUSINESS_PROFILE,
  business_type: true,
  default_currency: true,
};
const UPDATE_PARAMS: ParamSpec = { metadata: "map", email: true, business_profile: BUSINESS_PROFILE, settings: SETTINGS };

/** What Stripe asks of a new US individual on an Express account with the transfers capability, sorted as Stripe sorts. */
export const ONBOARDING_FIELDS = [
  "business_profile.mcc",
  "business_profile.url",
  "business_type",
  "external_account",
  "individual.address.city",
  "individual.address.line1",
  "individual.address.postal_code",
  "individual.address.state",
  "individual.dob.day",
  "individual.dob.month",
  "individual.dob.year",
  "individual.email",
  "individual.first_name",
  "individual.last_name",
  "individual.phone",
  "individual.ssn_last_4",
  "tos_acceptance.date",
  "tos_acceptance.ip",
] as const;

/** Under the 1099 threshold a US individual may be paid before giving tax information; Stripe asks for it later. */
export const DEFERRED_TAX_FIELDS = ["individual.ssn_last_4"] as const;

function emptyRequirements(): Stripe.Account.Requirements {
  return { alternatives: [], current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] };
}

/** Stripe's 403 for an account the platform does not control: unknown (in a Stripe-Account header) or disconnected. */
export function accountAccessError(store: Store, accountId: string): FakeStripeError {
  const key = store.secretKey;
  const masked = `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
  return new FakeStripeError(403, {
    type: "invalid_request_error",
    code: "account_invalid",
    message: `The provided key '${masked}' does not have access to account '${accountId}' (or that account does not exist). Application access may have been revoked.`,
  });
}

export function getAccount(store: Store, id: string, param?: string): Stripe.Account {
  const a = store.accounts.get(id);
  if (!a) throw noSuch("account", id, param);
  if (store.deauthorized.has(id)) throw accountAccessError(store, id);
  return a;
}

/** The Express dashboard and Stripe-collected requirements: what Spotlane creates (STRIPE.md "Providers: Connect"). */
export function isExpress(account: Stripe.Account): boolean {
  return account.controller?.stripe_dashboard?.type === "express";
}

export function transfersActive(account: Stripe.Account): boolean {
  return account.capabilities?.transfers === "active";
}

function controllerOf(body: FormObject): Stripe.Account.Controller {
  const legacyType = optString(body, "type");
  const c = sub(body, "controller");
  if (legacyType && c) throw invalidRequest("You cannot specify both `type` and `controller` when creating an account.", { param: "type" });
  if (legacyType) {
    // The deprecated account types, as their controller properties.
    const legacy: Record<string, Stripe.Account.Controller> = {
      express: { fees: { payer: "application_express" }, is_controller: true, losses: { payments: "application" }, requirement_collection: "stripe", stripe_dashboard: { type: "express" }, type: "application" },
      custom: { fees: { payer: "application_custom" }, is_controller: true, losses: { payments: "application" }, requirement_collection: "application", stripe_dashboard: { type: "none" }, type: "application" },
      standard: { fees: { payer: "account" }, is_controller: true, losses: { payments: "stripe" }, requirement_collection: "stripe", stripe_dashboard: { type: "full" }, type: "application" },
    };
    const found = legacy[legacyType];
    if (!found) throw invalidRequest(`Invalid type: must be one of express, custom, standard`, { param: "type" });
    return found;
  }
  if (!c) throw invalidRequest("You must specify either `type` or `controller` when creating an account (fake-stripe models controller-based accounts).", { param: "controller" });
  const fees = sub(c, "fees");
  const losses = sub(c, "losses");
  const dashboard = sub(c, "stripe_dashboard");
  return {
    fees: { payer: (fees && optString(fees, "payer")) ?? "account" },
    is_controller: true,
    losses: { payments: (losses && optString(losses, "payments")) ?? "stripe" },
    requirement_collection: optString(c, "requirement_collection") ?? "stripe",
    stripe_dashboard: { type: (dashboard && optString(dashboard, "type")) ?? "full" },
    type: "application",
  };
}

function accountType(c: Stripe.Account.Controller): Stripe.Account.Type {
  const dash = c.stripe_dashboard?.type;
  if (dash === "express" && c.requirement_collection === "stripe") return "express";
  if (dash === "none" && c.requirement_collection === "application") return "custom";
  if (dash === "full") return "standard";
  return "none";
}

function businessProfile(body: FormObject | undefined, base: Stripe.Account.BusinessProfile | null | undefined): Stripe.Account.BusinessProfile {
  const b: Stripe.Account.BusinessProfile = base
    ? { ...base }
    : { mcc: null, minority_owned_business_designation: null, name: null, product_description: null, specified_commercial_transactions_act_url: null, support_address: null, support_email: null, support_phone: null, support_url: null, url: null };
  if (!body) return b;
  for (const key of ["name", "url", "mcc", "product_description", "support_email", "support_url", "support_phone"] as const) {
    if (body[key] !== undefined) b[key] = optString(body, key) ?? null;
  }
  return b;
}

function applyPayoutSettings(settings: Stripe.Account.Settings, body: FormObject | undefined): void {
  const payouts = body && sub(body, "payouts");
  if (!payouts || !settings.payouts) return;
  const schedule = sub(payouts, "schedule");
  if (schedule) {
    const interval = optString(schedule, "interval");
    if (interval && !["manual", "daily", "weekly", "monthly"].includes(interval)) throw invalidRequest("Invalid settings[payouts][schedule][interval]: must be one of manual, daily, weekly, monthly", { param: "settings[payouts][schedule][interval]" });
    const next: Stripe.Account.Settings.Payouts.Schedule = { ...settings.payouts.schedule, ...(interval ? { interval } : {}) };
    const delay = optString(schedule, "delay_days");
    if (delay !== undefined) next.delay_days = Number(delay);
    const weekly = optString(schedule, "weekly_anchor");
    if (weekly) next.weekly_anchor = weekly;
    settings.payouts.schedule = next;
  }
  if (payouts.statement_descriptor !== undefined) settings.payouts.statement_descriptor = optString(payouts, "statement_descriptor") ?? null;
  const debit = optBool(payouts, "debit_negative_balances", "settings[payouts][debit_negative_balances]");
  if (debit !== undefined) settings.payouts.debit_negative_balances = debit;
}

export function createAccount(store: Store, body: FormObject): Stripe.Account {
  allowOnly(body, CREATE_PARAMS);
  const controller = controllerOf(body);
  const country = optString(body, "country") ?? "US";
  if (country !== "US") throw invalidRequest("fake-stripe models US connected accounts only (the platform is in the US).", { param: "country" });
  const id = store.id("acct").slice(0, 21);
  const caps = sub(body, "capabilities");
  const requested = (name: string) => {
    const c = caps && sub(caps, name);
    return c ? optBool(c, "requested", `capabilities[${name}][requested]`) === true : false;
  };
  const capabilities: Stripe.Account.Capabilities = {};
  if (requested("transfers")) capabilities.transfers = "inactive";
  if (requested("card_payments")) capabilities.card_payments = "inactive";
  const profileBody = sub(body, "business_profile");
  const profile = businessProfile(profileBody, null);
  const businessType = optString(body, "business_type") ?? null;
  // Fields given at creation are not asked for again.
  const given = new Set<string>([...(profile.mcc ? ["business_profile.mcc"] : []), ...(profile.url ? ["business_profile.url"] : []), ...(businessType ? ["business_type"] : [])]);
  const due = ONBOARDING_FIELDS.filter((f) => !given.has(f));
  const settings: Stripe.Account.Settings = {
    branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
    card_payments: { decline_on: { avs_failure: false, cvc_failure: false }, statement_descriptor_prefix: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
    dashboard: { display_name: profile.name, timezone: "Etc/UTC" },
    payments: { statement_descriptor: null, statement_descriptor_kana: null, statement_descriptor_kanji: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
    payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: "daily" }, statement_descriptor: null },
  };
  applyPayoutSettings(settings, sub(body, "settings"));
  const account: Stripe.Account = {
    id,
    object: "account",
    business_profile: profile,
    business_type: businessType,
    capabilities,
    charges_enabled: false,
    controller,
    country,
    created: store.now(),
    default_currency: optString(body, "default_currency") ?? "usd",
    details_submitted: false,
    email: optString(body, "email") ?? null,
    external_accounts: { object: "list", data: [], has_more: false, url: `/v1/accounts/${id}/external_accounts` },
    future_requirements: emptyRequirements(),
    metadata: metadataOf(body.metadata),
    payouts_enabled: false,
    requirements: { ...emptyRequirements(), currently_due: [...due], eventually_due: [...due], past_due: [...due], disabled_reason: "requirements.past_due" },
    settings,
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: accountType(controller),
  };
  store.accounts.set(id, account);
  return account;
}

/** Emits account.updated for `account` with what changed (`previous`): a Connect event about that account. */
export function accountUpdated(store: Store, account: Stripe.Account, previous: Record<string, unknown>): void {
  emit(store, "account.updated", account, previous, account.id);
}

function bankAccount(store: Store, account: Stripe.Account): Stripe.BankAccount {
  return {
    id: store.id("ba"),
    object: "bank_account",
    account: account.id,
    account_holder_name: null,
    account_holder_type: "individual",
    account_type: "checking",
    available_payout_methods: ["standard"],
    bank_name: "STRIPE TEST BANK",
    country: "US",
    currency: "usd",
    default_for_currency: true,
    fingerprint: store.id("").slice(1, 17),
    last4: "6789",
    metadata: {},
    routing_number: "110000000",
    status: "new",
  };
}

/** The account's default bank account (where its payouts go), or null before onboarding added one. */
export function defaultBankAccount(account: Stripe.Account): Stripe.BankAccount | null {
  const found = account.external_accounts?.data.find((x): x is Stripe.BankAccount => x.object === "bank_account" && x.default_for_currency === true);
  return found ?? null;
}

/**
 * The provider submitted the onboarding form: details submitted, a bank account, transfers and payouts enabled.
 * `tax: false` ("Submit without tax information"): still enabled, but the SSN is eventually due (a US individual
 * under the 1099 threshold may be paid first).
 */
export function completeOnboarding(store: Store, accountId: string, opts: { tax?: boolean } = {}): Stripe.Account {
  const account = store.accounts.get(accountId);
  if (!account) throw new Error(`fake-stripe: no such account ${accountId}`);
  const previous = snapshot({ details_submitted: account.details_submitted, payouts_enabled: account.payouts_enabled, charges_enabled: account.charges_enabled, capabilities: account.capabilities, requirements: account.requirements, business_type: account.business_type, tos_acceptance: account.tos_acceptance });
  if (!defaultBankAccount(account)) {
    const bank = bankAccount(store, account);
    account.external_accounts = { object: "list", data: [bank], has_more: false, url: `/v1/accounts/${account.id}/external_accounts` };
    emit(store, "account.external_account.created", bank, undefined, account.id);
  }
  account.details_submitted = true;
  account.business_type = account.business_type ?? "individual";
  account.business_profile = { ...businessProfile(undefined, account.business_profile), mcc: account.business_profile?.mcc ?? "7372" };
  account.tos_acceptance = { date: store.now(), ip: "127.0.0.1", user_agent: "fake-stripe onboarding" };
  const caps: Stripe.Account.Capabilities = { ...account.capabilities };
  if (caps.transfers !== undefined) caps.transfers = "active";
  if (caps.card_payments !== undefined) caps.card_payments = "active";
  account.capabilities = caps;
  account.payouts_enabled = true;
  // A recipient (transfers only) never takes charges: charges_enabled follows card_payments, as on Stripe.
  account.charges_enabled = caps.card_payments === "active";
  account.requirements = { ...emptyRequirements(), eventually_due: opts.tax === false ? [...DEFERRED_TAX_FIELDS] : [] };
  account.future_requirements = emptyRequirements();
  accountUpdated(store, account, previous);
  return account;
}

/**
 * Stripe asks for more (a verification, a document, a threshold crossed): `fields` become currently due by a
 * deadline 14 days out; `disable`: they are past due instead, payouts and transfers stop until provided.
 */
export function requireMore(store: Store, accountId: string, fields: string[], opts: { disable?: boolean } = {}): Stripe.Account {
  const account = store.accounts.get(accountId);
  if (!account) throw new Error(`fake-stripe: no such account ${accountId}`);
  if (fields.length === 0) throw new Error("fake-stripe: requireMore needs at least one field");
  const previous = snapshot({ requirements: account.requirements, payouts_enabled: account.payouts_enabled, capabilities: account.capabilities });
  const before = account.requirements ?? emptyRequirements();
  const eventually = [...new Set([...(before.eventually_due ?? []), ...fields])].sort();
  account.requirements = {
    ...before,
    currently_due: [...fields],
    eventually_due: eventually,
    past_due: opts.disable ? [...fields] : [],
    current_deadline: opts.disable ? null : store.now() + 14 * 86_400,
    disabled_reason: opts.disable ? "requirements.past_due" : null,
  };
  if (opts.disable) {
    account.payouts_enabled = false;
    account.charges_enabled = false;
    account.capabilities = { ...account.capabilities, ...(account.capabilities?.transfers !== undefined ? { transfers: "inactive" } : {}) };
  }
  accountUpdated(store, account, previous);
  return account;
}

/** The provider disconnected the platform (Express: "Disconnect" in their dashboard): the platform loses access. */
export function deauthorize(store: Store, accountId: string): void {
  if (!store.accounts.has(accountId)) throw new Error(`fake-stripe: no such account ${accountId}`);
  store.deauthorized.add(accountId);
  emit(store, "account.application.deauthorized", { id: "ca_fakeSpotlanePlatform", object: "application", name: "Spotlane" }, undefined, accountId);
}

function updateAccount(store: Store, account: Stripe.Account, body: FormObject): Stripe.Account {
  allowOnly(body, UPDATE_PARAMS);
  const previous: Record<string, unknown> = {};
  if (body.metadata !== undefined) {
    previous.metadata = account.metadata ?? {};
    account.metadata = metadataOf(body.metadata, account.metadata ?? {});
  }
  if (body.email !== undefined) {
    previous.email = account.email;
    account.email = optString(body, "email") ?? null;
  }
  const profile = sub(body, "business_profile");
  if (profile) {
    previous.business_profile = snapshot(account.business_profile ?? null);
    account.business_profile = businessProfile(profile, account.business_profile);
  }
  const settings = sub(body, "settings");
  if (settings && account.settings) {
    previous.settings = snapshot(account.settings);
    applyPayoutSettings(account.settings, settings);
  }
  if (Object.keys(previous).length > 0) accountUpdated(store, account, previous);
  return account;
}

export const accountRoutes: Route[] = [
  route("POST", "/v1/accounts", ({ store, body }) => createAccount(store, body)),
  route("GET", "/v1/accounts/:id", ({ store, params }) => getAccount(store, params[0] as string)),
  route("POST", "/v1/accounts/:id", ({ store, params, body }) => updateAccount(store, getAccount(store, params[0] as string), body)),
  route("GET", "/v1/accounts", ({ store, body }) => listOf("/v1/accounts", [...store.accounts.values()].map((a) => ({ ...a, created: a.created ?? 0 })), body)),
  route("POST", "/v1/accounts/:id/login_links", ({ store, params, body }) => {
    allowOnly(body, {});
    const account = getAccount(store, params[0] as string);
    if (!isExpress(account)) throw invalidRequest("Login links can only be created for accounts with access to the Express Dashboard.", { param: "account" });
    // Stripe refuses until the provider finished onboarding (there is no dashboard to log in to yet).
    if (!account.details_submitted) throw invalidRequest("Cannot create a login link for an account that has not completed onboarding.", { param: "account" });
    const link: Stripe.LoginLink = { object: "login_link", created: store.now(), url: `${store.apiBase}/connect/express/${account.id}` };
    return link;
  }),
];
