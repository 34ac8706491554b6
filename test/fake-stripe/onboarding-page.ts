/**
 * Connect's hosted pages. Onboarding (an account link's URL): the account id, "Agree and submit"
 * (`onboarding-submit`), "Submit without tax information" (`onboarding-submit-no-tax`) and "Cancel"
 * (`onboarding-cancel`, back to refresh_url), each a form POSTing `action` to the same URL (a browser, Playwright,
 * or `fetch` with a form body). Opening a link marks it used: a reload, a second visit or an expired link goes to
 * refresh_url (303), as on Stripe. Submitting goes to return_url (303). The Express dashboard (a login link's URL)
 * shows the account's balance and its payouts.
 */
import type Stripe from "stripe";
import { esc, formatUsd, page, type PageResponse } from "./hosted-page";
import { completeOnboarding, defaultBankAccount } from "./accounts";
import { availableCents } from "./balance";
import type { AccountLinkState, Store } from "./store";

export type OnboardingAction = "submit" | "submit_no_tax" | "cancel";

function redirect(url: string): PageResponse {
  return { status: 303, headers: { location: url, "content-type": "text/plain" }, body: `See ${url}` };
}

/** A link that can no longer be used: opened before, finished, or past expires_at. */
function spent(store: Store, link: AccountLinkState, allowVisited: boolean): boolean {
  if (link.state === "done") return true;
  if (link.state === "visited") return !allowVisited;
  return store.now() >= link.expires_at;
}

function onboardingForm(link: AccountLinkState, account: Stripe.Account, error: string | null): PageResponse {
  const action = `/connect/onboarding/${esc(link.token)}`;
  const button = (value: OnboardingAction, testId: string, label: string) =>
    `<form method="post" action="${action}"><input type="hidden" name="action" value="${value}"><button type="submit" data-testid="${testId}">${esc(label)}</button></form>`;
  const due = (account.requirements?.currently_due ?? []).map((f) => `<li>${esc(f)}</li>`).join("");
  return page(
    "Set up payouts",
    `<h1>Set up payouts with Spotlane</h1>
<p>Connected account <code data-testid="onboarding-account">${esc(account.id)}</code> (${esc(link.type === "account_update" ? "update" : "onboarding")})</p>
<p>Test mode fills in a US individual: name, date of birth, address, SSN last 4 (0000), bank account 000123456789.</p>
${due ? `<details><summary>Stripe needs</summary><ul>${due}</ul></details>` : ""}
${error ? `<p class="error" role="alert" data-testid="onboarding-error">${esc(error)}</p>` : ""}
${button("submit", "onboarding-submit", "Agree and submit")}
${button("submit_no_tax", "onboarding-submit-no-tax", "Submit without tax information")}
${button("cancel", "onboarding-cancel", "Cancel and go back")}`,
    error ? 400 : 200,
  );
}

export function onboardingGet(store: Store, token: string): PageResponse {
  const link = store.accountLinks.get(token);
  if (!link) return page("Not found", "<h1>This link is not valid.</h1>", 404);
  if (spent(store, link, false)) {
    link.state = "done";
    return redirect(link.refresh_url);
  }
  const account = store.accounts.get(link.account);
  if (!account) return page("Not found", "<h1>No such account.</h1>", 404);
  link.state = "visited";
  return onboardingForm(link, account, null);
}

/** The form's answer; a POST without a GET first (a plain HTTP client) counts as opening the link too. */
export function onboardingPost(store: Store, token: string, action: string | undefined): PageResponse {
  const link = store.accountLinks.get(token);
  if (!link) return page("Not found", "<h1>This link is not valid.</h1>", 404);
  if (spent(store, link, true)) {
    link.state = "done";
    return redirect(link.refresh_url);
  }
  const account = store.accounts.get(link.account);
  if (!account) return page("Not found", "<h1>No such account.</h1>", 404);
  if (action !== "submit" && action !== "submit_no_tax" && action !== "cancel") {
    link.state = "visited";
    return onboardingForm(link, account, "Choose Submit or Cancel.");
  }
  link.state = "done";
  if (action === "cancel") return redirect(link.refresh_url);
  completeOnboarding(store, account.id, { tax: action === "submit" });
  return redirect(link.return_url);
}

export function expressDashboardPage(store: Store, accountId: string): PageResponse {
  const account = store.accounts.get(accountId);
  if (!account) return page("Not found", "<h1>No such account.</h1>", 404);
  const payouts = [...store.payouts.values()]
    .filter((p) => store.payoutAccount.get(p.id) === account.id)
    .sort((a, b) => b.created - a.created)
    .map((p) => `<li data-testid="express-payout">${esc(p.id)}: ${formatUsd(p.amount)} — ${esc(p.status)}</li>`)
    .join("");
  const bank = defaultBankAccount(account);
  return page(
    "Express dashboard",
    `<h1>Your Stripe Express dashboard</h1><p>Account <code data-testid="express-account">${esc(account.id)}</code></p>
<p>Available balance</p><p class="amount" data-testid="express-balance">${formatUsd(availableCents(store, account.id))}</p>
${bank ? `<p>Payouts go to ${esc(bank.bank_name ?? "bank")} ••••${esc(bank.last4)}</p>` : ""}
<h2>Payouts</h2><ul>${payouts || "<li>None yet</li>"}</ul>`,
  );
}
