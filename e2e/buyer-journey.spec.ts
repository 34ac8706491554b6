import OpenAI from "openai";
import { expect, test } from "@playwright/test";

const MODEL = "spotlane-tiny-llama:f32";

/**
 * The buyer's first day, through the real `npm start` stack: sign up → create a key → call the
 * gateway with the official openai client (stream and not) → see each request and its cost on the
 * dashboard → revoke the key → the next call gets 401.
 */
test("sign up, create a key, call the API, see the cost, revoke the key", async ({ page, baseURL }) => {
  const email = `buyer-${Date.now()}@example.com`;

  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Ada Buyer");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByTestId("sign-up-submit").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("balance")).toContainText("$5.00");
  await expect(page.getByTestId("balance-label")).toContainText(/test/i);
  await expect(page.getByTestId("requests-empty")).toBeVisible();

  await page.goto("/dashboard/keys");
  await page.getByTestId("create-key-name").fill("e2e key");
  await page.getByTestId("create-key-submit").click();
  const secret = (await page.getByTestId("new-key-secret").textContent())!.trim();
  expect(secret).toMatch(/^sk-spot-/);

  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: secret, maxRetries: 0 });
  // The demo agent benchmarks, registers and passes its canaries after the server is up; wait until it serves.
  type Listed = { id: string; spotlane: { markets: { live_offers: number }[] } };
  const serving = async () => ((await client.models.list()).data as unknown as Listed[]).filter((m) => m.spotlane.markets.some((mk) => mk.live_offers > 0)).map((m) => m.id);
  await expect.poll(serving, { timeout: 120_000 }).toContain(MODEL);

  const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello from e2e" }], max_tokens: 16 });
  expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0);
  const nonStreamCost = (completion.usage as unknown as { cost_nanos: string }).cost_nanos;
  expect(BigInt(nonStreamCost)).toBeGreaterThan(0n);

  const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Stream it" }], max_tokens: 16, stream: true, stream_options: { include_usage: true } });
  let streamed = "";
  let streamCost: string | null = null;
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) streamCost = (chunk.usage as unknown as { cost_nanos: string }).cost_nanos;
  }
  expect(streamed.length).toBeGreaterThan(0);
  expect(streamCost).toMatch(/^\d+$/);

  await page.goto("/dashboard");
  const rows = page.getByTestId("request-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first().getByTestId("request-model")).toHaveText(MODEL);
  const shownCosts = await page.getByTestId("request-cost").evaluateAll((els) => els.map((e) => e.getAttribute("data-cost-nanos")));
  expect(shownCosts.sort()).toEqual([nonStreamCost, streamCost].sort());
  // The balance dropped by exactly what the two requests cost.
  await expect(page.getByTestId("balance")).not.toContainText("$5.00");

  await page.goto("/dashboard/keys");
  await page.getByTestId("revoke-key").first().click();
  await page.getByTestId("confirm-revoke-key").click();
  await expect(page.getByTestId("api-key-status").first()).toContainText(/revoked/i);

  // Keys are cached for at most a second, so revocation takes effect within about that.
  await expect
    .poll(
      async () => {
        try {
          await client.models.list();
          return 200;
        } catch (err) {
          return (err as { status?: number }).status;
        }
      },
      { timeout: 5_000 },
    )
    .toBe(401);
  await expect(client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "again" }] })).rejects.toMatchObject({ status: 401 });
});
