import { expect, test, type Browser, type Page } from "@playwright/test";
// An independent RFC 4180 reader reads back what csv-stringify wrote.
import { parse as parseCsv } from "csv-parse/sync";
import OpenAI from "openai";
import { readFile } from "node:fs/promises";
import { splitPlatformFee } from "../lib/money";
import { killAgentClis, runAgentCli, type Cli } from "../test/agent-cli";

/**
 * Issue #10's journey in Stripe mode (playwright.config.ts, project "payments"; fake Stripe on E2E_FAKE_STRIPE_PORT
 * delivering every webhook three times, shuffled): a provider signs up, onboards on the fake's hosted Connect page,
 * runs its own agent, earns from a buyer's requests, asks for an early payout, and sees it paid with its Stripe
 * transfer id; the month's statement (on screen and CSV) matches the ledger and the fake's transfer to the cent.
 * Then it earns more and an operator's payout run ("Run payouts now", the scheduled run's code path) pays that too.
 * The marketplace runs with PAYOUT_HOLD_DAYS=0 and PAYOUT_MINIMUM_USD=0.01, so a few requests are payable at once.
 */
const FAKE_API = `http://127.0.0.1:${process.env.E2E_FAKE_STRIPE_PORT ?? 12111}`;
const FAKE_SECRET_KEY = "sk_test_spotlane_e2e";
/** The tiny model `npm start` made for the demo, served under a model id of this provider's own: all its traffic is theirs. */
const MODEL_PATH = ".data/e2e-stripe/models/spotlane-tiny.gguf";
const MODEL = "spotlane-payouts-llama:f32";
/** USD per slot-second: high, so a handful of short requests earns more than the minimum payout. */
const ASK_USD_PER_SECOND = "1";
const NANOS_PER_CENT = 10_000_000n;
/** The marketplace's PLATFORM_FEE_BPS (the default: the config sets none). */
const PLATFORM_FEE_BPS = 1000;

const unique = (name: string) => `${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}@example.com`;

/** The Stripe-mode marketplace's OPERATOR_EMAILS (playwright.config.ts); its data dir is fresh every run. */
const OPERATOR_EMAIL = "payouts-operator@example.com";

async function signUp(page: Page, name: string, email = unique(name)): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByTestId("sign-up-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** An amount's exact nano-USD from its element (null while the page is still loading it). */
async function nanosOf(page: Page, testId: string): Promise<bigint | null> {
  const raw = await page.getByTestId(testId).first().getAttribute("data-nanos");
  return raw === null ? null : BigInt(raw);
}

/** A buyer in its own browser context: signs up, tops up $20 on the fake's Checkout page, and gets an API key. */
async function fundedBuyerKey(browser: Browser): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await signUp(page, "Bea Buyer");
    await page.goto("/dashboard/billing");
    await page.getByTestId("top-up-amount").fill("20");
    await page.getByTestId("top-up-submit").click();
    await expect(page).toHaveURL(/\/checkout\/pay\/cs_/);
    await page.getByTestId("pay-card").click();
    await expect(page.getByTestId("top-up-result")).toHaveAttribute("data-status", "paid");
    await page.goto("/dashboard/keys");
    await page.getByTestId("create-key-name").fill("payouts e2e");
    await page.getByTestId("create-key-submit").click();
    return (await page.getByTestId("new-key-secret").textContent())!.trim();
  } finally {
    await context.close();
  }
}


/** "-12.345678901" (the CSV's exact column) → nano-USD, without floats. */
function usdToNanos(usd: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(usd);
  if (!m) throw new Error(`not an exact USD amount: ${usd}`);
  const nanos = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? "").padEnd(9, "0"));
  return m[1] ? -nanos : nanos;
}

let agent: Cli | null = null;
test.afterAll(() => killAgentClis());

test("a provider onboards on Stripe's page, earns from a buyer, is paid out, and the statement matches the ledger", async ({ page, browser, baseURL }) => {
  test.setTimeout(300_000);
  await signUp(page, "Paula Provider");

  // Payouts → Set up payouts → the fake's hosted Connect onboarding → back, enabled.
  await page.getByRole("link", { name: "Payouts", exact: true }).click();
  await expect(page).toHaveURL(/\/dashboard\/payouts$/);
  await expect(page.getByTestId("payout-account")).toHaveAttribute("data-state", "not_started");
  await expect(page.getByTestId("payouts-not-configured")).toHaveCount(0);
  await expect(page.getByTestId("request-early-payout")).toBeDisabled();
  await page.getByTestId("setup-payouts").click();
  await expect(page).toHaveURL(/\/connect\/onboarding\//);
  await page.getByTestId("onboarding-submit").click();
  await expect(page).toHaveURL(/\/dashboard\/payouts/);
  await expect(page.getByTestId("payout-account")).toHaveAttribute("data-state", "enabled");
  await expect(page.getByTestId("payout-tax")).toHaveAttribute("data-status", "on_file");
  await expect(page.getByTestId("express-dashboard")).toBeVisible();
  await expect(page).toHaveURL(/\/dashboard\/payouts$/);

  // The provider's own agent, serving the demo's tiny model under its own id at a high ask.
  await page.goto("/dashboard/provider");
  await page.getByTestId("create-token-name").fill("payouts e2e");
  await page.getByTestId("create-token-submit").click();
  const token = (await page.getByTestId("new-agent-token").textContent())!.trim();
  agent = runAgentCli(["--server", baseURL!, "--token", token, "--model", MODEL_PATH, "--model-id", MODEL, "--ask", ASK_USD_PER_SECOND, "--slots", "1", "--name", "paula-box", "--host", "127.0.0.1"]);

  // A buyer pays for a few requests; every one is routed to Paula's only offer of this model.
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: await fundedBuyerKey(browser), maxRetries: 0 });
  const earn = async (n: number, tag: string): Promise<bigint> => {
    let earned = 0n;
    for (let i = 0; i < n; i++) {
      const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `Pay the provider ${tag} ${i}` }], max_tokens: 24 });
      earned += splitPlatformFee(BigInt((completion.usage as unknown as { cost_nanos: string }).cost_nanos), PLATFORM_FEE_BPS).provider_nanos;
    }
    return earned;
  };
  type Listed = { id: string; spotlane: { markets: { live_offers: number }[] } };
  const serving = async () => ((await client.models.list()).data as unknown as Listed[]).filter((m) => m.spotlane.markets.some((mk) => mk.live_offers > 0)).map((m) => m.id);
  await expect.poll(serving, { timeout: 150_000, message: `agent never came online:\n${agent.stdout()}\n${agent.stderr()}` }).toContain(MODEL);
  // What the provider earns, exactly: each request's cost less the platform fee (the settlement's own split).
  const earnedByRequests = await earn(6, "early");
  expect(earnedByRequests).toBeGreaterThan(2n * NANOS_PER_CENT);

  // Earnings are payable at once (no hold here), to the nano what the requests earned; pay all of it out early, in whole cents.
  await page.goto("/dashboard/payouts");
  await expect.poll(() => nanosOf(page, "payout-payable"), { timeout: 30_000 }).toBe(earnedByRequests);
  await expect(page.getByTestId("payout-on-hold")).toHaveAttribute("data-nanos", "0");
  const payable = earnedByRequests;
  const expectedPayout = payable - (payable % NANOS_PER_CENT);
  await expect(page.getByTestId("request-early-payout")).toBeEnabled();
  await page.getByTestId("request-early-payout").click();
  await expect(page.getByTestId("early-payout-result")).toBeVisible();

  // The payout: sent (a Stripe transfer), then paid out to the bank, each step through Stripe's webhooks.
  const row = page.getByTestId("payout-row").first();
  await expect(row).toHaveAttribute("data-status", "paid", { timeout: 60_000 });
  await expect(row.getByTestId("payout-amount")).toHaveAttribute("data-nanos", expectedPayout.toString());
  const transferId = (await row.getByTestId("payout-transfer-id").textContent())!.trim();
  expect(transferId).toMatch(/^tr_/);
  await expect(row.getByTestId("payout-bank-id")).toHaveText(/^po_/);
  const payoutId = (await row.getAttribute("data-payout-id"))!;

  // Stripe (the fake) holds exactly one transfer for this payout, of exactly that many cents, to this provider.
  const listed = (await (await fetch(`${FAKE_API}/v1/transfers?transfer_group=${payoutId}`, { headers: { authorization: `Bearer ${FAKE_SECRET_KEY}` } })).json()) as { data: { id: string; amount: number; amount_reversed: number }[] };
  expect(listed.data.map((t) => [t.id, BigInt(t.amount) * NANOS_PER_CENT, t.amount_reversed])).toEqual([[transferId, expectedPayout, 0]]);

  // Buckets after the payout: the sub-cent rest stays payable; the payout is paid out, nothing in transit.
  await expect.poll(() => nanosOf(page, "payout-paid-out"), { timeout: 30_000 }).toBe(expectedPayout);
  await expect(page.getByTestId("payout-in-transit")).toHaveAttribute("data-nanos", "0");
  const balance = (await nanosOf(page, "payout-balance"))!;
  expect(balance).toBe(payable - expectedPayout);

  // This month's statement: a new provider opens at zero; its lines sum to the closing balance, which is the ledger's.
  const statement = page.getByTestId("statement");
  await expect(statement.getByTestId("statement-total-payout")).toHaveAttribute("data-nanos", (-expectedPayout).toString(), { timeout: 30_000 });
  await expect(statement.getByTestId("statement-opening")).toHaveAttribute("data-nanos", "0");
  await expect(statement.getByTestId("statement-closing")).toHaveAttribute("data-nanos", balance.toString());
  await expect(statement.getByTestId("statement-transferred")).toHaveAttribute("data-nanos", expectedPayout.toString());
  const lineNanos = await statement.getByTestId("statement-line").evaluateAll((els) => els.map((e) => ({ kind: e.getAttribute("data-kind"), nanos: e.getAttribute("data-nanos") })));
  expect(lineNanos.reduce((s, l) => s + BigInt(l.nanos!), 0n)).toBe(balance);
  const earned = lineNanos.filter((l) => l.kind === "earnings").reduce((s, l) => s + BigInt(l.nanos!), 0n);
  expect(earned).toBe(payable);
  await expect(statement.getByTestId("statement-earned")).toHaveAttribute("data-nanos", earned.toString());
  expect(lineNanos.filter((l) => l.kind === "payout").map((l) => BigInt(l.nanos!))).toEqual([-expectedPayout]);
  // The chart's total for the same days agrees with the statement's earnings.
  await expect(page.getByTestId("earnings-total")).toHaveAttribute("data-nanos", earned.toString());

  // The CSV: its exact amounts (opening + lines) sum to its closing row, which is the statement's.
  const [download] = await Promise.all([page.waitForEvent("download"), statement.getByTestId("statement-download").click()]);
  expect(download.suggestedFilename()).toMatch(/^spotlane-statement-\d{4}-\d{2}\.csv$/);
  const [header, ...rows] = parseCsv(await readFile(await download.path(), "utf8"));
  const col = (name: string) => header!.findIndex((h) => h.startsWith(name));
  const type = col("row_type");
  const exact = col("amount_usd_exact");
  expect(exact).toBeGreaterThan(0);
  const sum = (t: string) => rows.filter((r) => r[type] === t).reduce((s, r) => s + usdToNanos(r[exact]!), 0n);
  expect(sum("opening")).toBe(0n);
  expect(sum("line")).toBe(balance);
  expect(sum("closing")).toBe(balance);
  expect(rows.filter((r) => r[type] === "line" && r[col("kind")] === "payout").map((r) => [r[col("stripe_transfer_id")] || r[col("reference")], usdToNanos(r[exact]!)])).toEqual([
    [expect.stringMatching(/^(tr_|pyt_)/), -expectedPayout],
  ]);

  // More earnings, paid by a payout run: an operator's "Run payouts now" runs the scheduled run's code.
  const earnedLater = await earn(4, "run");
  await page.reload();
  await expect.poll(() => nanosOf(page, "payout-payable"), { timeout: 30_000 }).toBe(balance + earnedLater);
  const runPayout = balance + earnedLater - ((balance + earnedLater) % NANOS_PER_CENT);
  const operatorContext = await browser.newContext();
  try {
    const ops = await operatorContext.newPage();
    await signUp(ops, "Olga Operator", OPERATOR_EMAIL);
    await ops.goto("/operations");
    await ops.getByTestId("run-payouts").click();
    await ops.getByTestId("confirm-run-payouts").click();
    await expect(ops.getByTestId("run-payouts-result")).toContainText("1 payout(s)");
    await expect(ops.getByTestId("payout-run").first()).toBeVisible();
  } finally {
    await operatorContext.close();
  }
  await page.reload();
  const runRow = page.getByTestId("payout-row").first();
  await expect(runRow).not.toHaveAttribute("data-payout-id", payoutId, { timeout: 30_000 });
  await expect(runRow).toHaveAttribute("data-status", "paid", { timeout: 60_000 });
  await expect(runRow.getByTestId("payout-amount")).toHaveAttribute("data-nanos", runPayout.toString());
  await expect.poll(() => nanosOf(page, "payout-paid-out"), { timeout: 30_000 }).toBe(expectedPayout + runPayout);
  // Stripe holds exactly one transfer per payout, each of exactly its amount.
  const runPayoutId = (await runRow.getAttribute("data-payout-id"))!;
  for (const [id, nanos] of [[payoutId, expectedPayout], [runPayoutId, runPayout]] as const) {
    const group = (await (await fetch(`${FAKE_API}/v1/transfers?transfer_group=${id}`, { headers: { authorization: `Bearer ${FAKE_SECRET_KEY}` } })).json()) as { data: { amount: number }[] };
    expect(group.data.map((t) => BigInt(t.amount) * NANOS_PER_CENT)).toEqual([nanos]);
  }
});
