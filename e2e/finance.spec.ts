import { expect, test, type Page } from "@playwright/test";
// An independent RFC 4180 reader reads back what csv-stringify wrote.
import { parse as parseCsv } from "csv-parse/sync";
import OpenAI from "openai";
import { readFile } from "node:fs/promises";

/**
 * Issue #11's journey on the embedded default (project "marketplace"): a finance operator (playwright.config.ts
 * puts this email in that marketplace's OPERATOR_EMAILS; signing up makes them admin of their own new organization,
 * which includes the finance role) makes a few real completions, opens the Finance page, sees the roll-forward
 * balanced, downloads the usage CSV of the month shown, and the file's total is the page's, to the nano-dollar. A
 * buyer who is not platform finance gets the page as a 404 and a platform export refused.
 */
const MODEL = "spotlane-tiny-llama:f32";
const FINANCE_EMAIL = "finance-operator@example.com";

async function signUp(page: Page, name: string, email: string): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByTestId("sign-up-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** The month's usage total as the Finance page shows it (null while it is still loading). */
async function usageTotal(page: Page): Promise<bigint | null> {
  const raw = await page.getByTestId("finance-usage-total").getAttribute("data-nanos");
  return raw === null ? null : BigInt(raw);
}

/** "-12.345678901" (the CSV's exact column) → nano-USD, without floats. */
function usdToNanos(usd: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(usd);
  if (!m) throw new Error(`not an exact USD amount: ${usd}`);
  const nanos = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? "").padEnd(9, "0"));
  return m[1] ? -nanos : nanos;
}

test("a finance operator sees the roll-forward balanced and downloads a usage CSV whose total is the page's", async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  await signUp(page, "Fiona Finance", FINANCE_EMAIL);

  // What the month held before this test's own traffic (other specs may have run on this marketplace first).
  await page.goto("/finance");
  const month = new Date().toISOString().slice(0, 7);
  await expect(page.getByTestId("finance-period")).toBeVisible();
  await expect.poll(() => usageTotal(page), { timeout: 30_000 }).not.toBeNull();
  const before = (await usageTotal(page))!;

  // A few real completions through the gateway with a key of the operator's own organization (its test balance).
  await page.goto("/dashboard/keys");
  await page.getByTestId("create-key-name").fill("finance e2e");
  await page.getByTestId("create-key-submit").click();
  const secret = (await page.getByTestId("new-key-secret").textContent())!.trim();
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: secret, maxRetries: 0 });
  type Listed = { id: string; spotlane: { markets: { live_offers: number }[] } };
  const serving = async () => ((await client.models.list()).data as unknown as Listed[]).filter((m) => m.spotlane.markets.some((mk) => mk.live_offers > 0)).map((m) => m.id);
  await expect.poll(serving, { timeout: 150_000 }).toContain(MODEL);
  const mine = new Map<string, bigint>();
  for (let i = 0; i < 3; i++) {
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `Ledger line ${i}` }], max_tokens: 12 }).withResponse();
    const requestId = response.headers.get("x-spotlane-request-id");
    expect(requestId).toMatch(/^req_/);
    mine.set(requestId!, BigInt((data.usage as unknown as { cost_nanos: string }).cost_nanos));
  }
  const spent = [...mine.values()].reduce((s, c) => s + c, 0n);
  expect(spent).toBeGreaterThan(0n);

  // Settlement is asynchronous: the page counts the requests once their journal entries are posted.
  await page.goto(`/finance?month=${month}`);
  await expect(page.getByTestId("finance-period")).toBeVisible();
  await expect
    .poll(
      async () => {
        await page.reload();
        await page.locator('[data-testid="finance-usage-total"][data-nanos]').waitFor({ timeout: 15_000 });
        return usageTotal(page);
      },
      { timeout: 60_000, intervals: [1_000, 2_000] },
    )
    .toBe(before + spent);
  const pageTotal = (await usageTotal(page))!;
  expect(pageTotal).toBeGreaterThan(0n);

  // The roll-forward: buyer credit's section is there, the whole ledger balances, and its usage line is the total.
  const buyerCredit = page.getByTestId("roll-forward-buyer_credit");
  await expect(buyerCredit).toBeVisible();
  await expect(page.getByTestId("roll-forward-balanced")).toContainText("Balanced");
  await expect(page.getByTestId("roll-forward-balanced")).toHaveAttribute("data-balanced", "true");
  await expect(buyerCredit.locator('[data-testid="roll-forward-movement"][data-kind="request_settlement"]')).toHaveAttribute("data-nanos", (-pageTotal).toString());

  // The usage CSV of the month shown: every settled request once, summing exactly to the page's total.
  const link = page.locator('a[data-testid="export-usage"]');
  await expect(link).toHaveAttribute("href", new RegExp(`/api/exports/usage\\.csv\\?.*month=${month}`));
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^spotlane-usage-.*\.csv$/);
  const records: string[][] = parseCsv(await readFile(await download.path(), "utf8"));
  const [header, ...rows] = records;
  const col = (name: string) => {
    const i = header!.indexOf(name);
    expect(i, `column ${name} in ${header!.join(",")}`).toBeGreaterThanOrEqual(0);
    return i;
  };
  const [cost, exact, requestId] = [col("cost_nanos"), col("cost_usd_exact"), col("request_id")];
  expect(rows.reduce((s, r) => s + BigInt(r[cost]!), 0n)).toBe(pageTotal);
  expect(rows.reduce((s, r) => s + usdToNanos(r[exact]!), 0n)).toBe(pageTotal);
  expect(new Set(rows.map((r) => r[requestId])).size).toBe(rows.length);
  // This test's own requests are in it, each at the cost the gateway reported.
  const costs = new Map(rows.map((r) => [r[requestId]!, BigInt(r[cost]!)]));
  for (const [id, nanos] of mine) expect(costs.get(id), id).toBe(nanos);

  // A buyer who is not platform finance (admin of their own organization, not an operator): no Finance page, no platform export.
  const buyerContext = await browser.newContext();
  try {
    const buyer = await buyerContext.newPage();
    await signUp(buyer, "Bob Buyer", `finance-e2e-buyer-${Date.now()}@example.com`);
    const response = await buyer.goto("/finance");
    expect(response!.status()).toBe(404);
    await expect(buyer.getByTestId("finance-usage-total")).toHaveCount(0);
    const journal = await buyer.request.get(`/api/exports/journal.csv?month=${month}`);
    expect(journal.status()).toBe(403);
  } finally {
    await buyerContext.close();
  }
});
