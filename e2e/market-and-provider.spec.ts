import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { expect, test } from "@playwright/test";

const MODEL = "spotlane-tiny-llama:f32";
type Listed = { id: string; spotlane: { markets: { hardware_class: string; spot_price_nanos_per_second: string | null; live_offers: number }[] } };

/** The demo's credentials, written by `npm start` into its data dir (playwright.config.ts: .data/e2e). */
const demo = () => JSON.parse(readFileSync(".data/e2e/demo-credentials.json", "utf8")) as { baseUrl: string; apiKey: string };

test("the demo provider sees its verified machine, and the spot price rises under load", async ({ page, baseURL }) => {
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: demo().apiKey, maxRetries: 0 });
  const spot = async () => {
    const m = ((await client.models.list()).data as unknown as Listed[]).find((x) => x.id === MODEL);
    const market = m?.spotlane.markets.find((mk) => mk.live_offers > 0);
    return market?.spot_price_nanos_per_second ? BigInt(market.spot_price_nanos_per_second) : null;
  };
  await expect.poll(spot, { timeout: 120_000 }).not.toBeNull();
  const before = (await spot())!;

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("demo-provider@spotlane.local");
  await page.getByLabel("Password").fill("spotlane-demo");
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto("/dashboard/provider");
  const machine = page.getByTestId("machine-card").first();
  await expect(machine.getByTestId("machine-status")).toContainText(/online/i);
  await expect(machine.getByTestId("offer-row").first()).toContainText(/serving/i);
  await machine.getByTestId("offer-verification-toggle").first().click();
  await expect(machine.getByTestId("offer-verification").first()).toHaveAttribute("data-verification-status", "verified");

  // Load the endpoint: more streams than the demo's 2 slots can hold at its target utilization.
  let stop = false;
  const load = Array.from({ length: 8 }, async () => {
    while (!stop) {
      const s = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "load" }], max_tokens: 120, stream: true }).catch(() => null);
      if (s) for await (const _ of s) void _;
    }
  });
  try {
    await expect.poll(async () => ((await spot()) ?? 0n) > before, { timeout: 30_000, intervals: [500] }).toBe(true);
  } finally {
    stop = true;
    await Promise.all(load);
  }

  await page.goto("/market");
  const row = page.getByTestId("market-row").filter({ hasText: MODEL }).first();
  await expect(row.getByTestId("market-spot")).toBeVisible();
  await expect(page.getByTestId("price-history")).toBeVisible();
});
