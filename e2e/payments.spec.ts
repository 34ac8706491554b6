import OpenAI from "openai";
import { expect, test, type Page } from "@playwright/test";

/**
 * Issue #9's journey in Stripe mode (playwright.config.ts, project "payments"): a marketplace started by
 * `npm start` with STRIPE_* pointing at the in-repo fake, which serves the hosted Checkout page and delivers
 * every webhook three times, shuffled.
 */
const MODEL = "spotlane-tiny-llama:f32";
const USD_NANOS = 1_000_000_000n;

async function signUp(page: Page, name: string): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(`${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}@example.com`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByTestId("sign-up-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** The Billing page's ledger balance, exact, from the element's nano-USD attribute. */
async function balanceNanos(page: Page): Promise<bigint | null> {
  const raw = await page.getByTestId("billing-balance-amount").getAttribute("data-nanos");
  return raw === null ? null : BigInt(raw);
}

test("top up $20 through Checkout, see exactly $20.00 more, and pay for a request out of it", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  await signUp(page, "Pat Payer");

  await page.getByRole("link", { name: "Billing", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard\/billing$/);
  await expect(page.getByTestId("billing-mode")).toHaveAttribute("data-mode", "prepaid");
  await expect(page.getByTestId("payments-not-configured")).toHaveCount(0);
  await expect(page.getByTestId("billing-balance-amount")).toHaveAttribute("data-nanos", /^-?\d+$/);
  const before = (await balanceNanos(page))!;
  // Stripe mode: a new organization gets no test credit.
  expect(before).toBe(0n);

  // The form checks the amount before anything is sent.
  await page.getByTestId("top-up-amount").fill("20.001");
  await page.getByTestId("top-up-submit").click();
  await expect(page.getByTestId("top-up-error")).toContainText("whole cents");
  await page.getByTestId("top-up-amount").fill("20");
  await page.getByTestId("top-up-submit").click();

  // Stripe's (the fake's) hosted Checkout page.
  await expect(page).toHaveURL(/\/checkout\/pay\/cs_/);
  await expect(page.getByTestId("amount")).toContainText("20.00");
  await page.getByTestId("pay-card").click();

  // Back on the Billing page: confirmed at once, and exactly $20.00 more however many webhooks arrive.
  await expect(page).toHaveURL(/\/dashboard\/billing\?.*session_id=cs_/);
  await expect(page.getByTestId("top-up-result")).toHaveAttribute("data-status", "paid");
  await expect(page.getByTestId("top-up-result")).toContainText("Payment received: $20.00 added");
  await expect.poll(() => balanceNanos(page)).toBe(before + 20n * USD_NANOS);
  await expect(page.getByTestId("top-up-row").first().getByTestId("top-up-status")).toHaveAttribute("data-status", "paid");
  await expect(page.getByTestId("top-up-receipt").first()).toBeVisible();
  // The webhooks (3 copies of each, shuffled) land within a few seconds of the payment: still exactly $20.00.
  await page.waitForTimeout(3_000);
  await page.reload();
  await expect.poll(() => balanceNanos(page)).toBe(before + 20n * USD_NANOS);
  await expect(page.getByTestId("balance-line")).toHaveCount(1);
  await expect(page.getByTestId("balance-line").first()).toHaveAttribute("data-kind", "top_up");

  // A key, then one request through the gateway with the official client.
  await page.goto("/dashboard/keys");
  await page.getByTestId("create-key-name").fill("payments e2e");
  await page.getByTestId("create-key-submit").click();
  const secret = (await page.getByTestId("new-key-secret").textContent())!.trim();
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: secret, maxRetries: 0 });
  type Listed = { id: string; spotlane: { markets: { live_offers: number }[] } };
  const serving = async () => ((await client.models.list()).data as unknown as Listed[]).filter((m) => m.spotlane.markets.some((mk) => mk.live_offers > 0)).map((m) => m.id);
  await expect.poll(serving, { timeout: 150_000 }).toContain(MODEL);
  const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Paid for by Stripe" }], max_tokens: 16 });
  const cost = BigInt((completion.usage as unknown as { cost_nanos: string }).cost_nanos);
  expect(cost).toBeGreaterThan(0n);

  // The balance falls by exactly that request's cost, to the nano-dollar.
  await page.goto("/dashboard/billing");
  await expect.poll(() => balanceNanos(page)).toBe(before + 20n * USD_NANOS - cost);
  await expect(page.getByTestId("balance-line").first()).toHaveAttribute("data-kind", "request_settlement");
  await expect(page.getByTestId("balance-line").first()).toHaveAttribute("data-amount-nanos", (-cost).toString());
});

test("a declined card shows the error on the Checkout page; cancelling comes back with nothing charged", async ({ page }) => {
  // The demo buyer of a Stripe-mode `npm start` has no test credit either.
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("demo-buyer@spotlane.local");
  await page.getByLabel("Password").fill("spotlane-demo");
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/dashboard/billing");
  await expect(page.getByTestId("billing-balance-amount")).toHaveAttribute("data-nanos", "0");

  await page.getByTestId("top-up-amount").fill("5");
  await page.getByTestId("top-up-submit").click();
  await expect(page).toHaveURL(/\/checkout\/pay\/cs_/);
  await page.getByTestId("pay-declined").click();
  await expect(page.getByTestId("pay-error")).toContainText(/declined/i);
  // The session stays open: the buyer may try another card, or leave.
  await expect(page.getByTestId("pay-card")).toBeVisible();
  await page.getByTestId("cancel").click();

  await expect(page).toHaveURL(/\/dashboard\/billing\?.*cancelled=1/);
  await expect(page.getByTestId("top-up-result")).toContainText("Top-up cancelled");
  await expect(page.getByTestId("billing-balance-amount")).toHaveAttribute("data-nanos", "0");
  await expect(page.getByTestId("top-up-row").first().getByTestId("top-up-status")).toHaveAttribute("data-status", "pending");
});
