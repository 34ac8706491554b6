// Property-based fuzzing of every /v1 body and path (issue 8, "Then go looking"): bodies generated
// from the gateway's zod schemas, then mutated (wrong types, huge and negative numbers, money as
// 20-digit strings, NaN-ish values, 20,000-deep nesting, NUL and lone surrogates, ~3 MB strings,
// unknown and prototype-polluting fields, broken UTF-8 and truncated JSON). For every answer: no
// 5xx except a deliberate 503, every error OpenAI-shaped without internals; once idle, no hold left,
// the ledger balanced, no balance below zero, and every request that was served is in the ledger.
import fc from "fast-check";
import { Agent } from "node:http";
import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalEntries, requests } from "../../db/schema";
import { updateApiKeySettings } from "../../server/buyers/update-api-key-settings";
import { chatCompletionRequest, completionRequest } from "../../server/gateway/schemas";
import { DB_KINDS } from "../database";
import { startHostileAgent, type HostileAgent } from "../hostile-agent";
import { startTestMarketplace, type TestMarketplace } from "../marketplace";
import { rawRequest, sseErrors, type RawAnswer } from "./http";
import { expectIdleMoneyInvariants, expectWellFormedAnswer, fuzzOptions } from "./money-invariants";
import { arbitraryFromZod, mutated, rawDamage, serializeBody } from "./zod-arbitrary";

const MODEL = "fuzz-model:q4_k_m";
const ASK_NANOS_PER_SECOND = 1_000_000n; // $0.001 per slot-second

/** "status code:param", or the start of the message when an error names no param (for the coverage tally). */
function answerKind(r: RawAnswer): string {
  if (r.status < 400) return String(r.status);
  try {
    const error = (JSON.parse(r.text) as { error?: { code?: unknown; param?: unknown; message?: unknown } }).error;
    return error?.param ? `${r.status} ${String(error.code)}:${String(error.param)}` : `${r.status} ${String(error?.code)}: ${String(error?.message).slice(0, 60)}`;
  } catch {
    return `${r.status} (not JSON)`;
  }
}

describe.each(DB_KINDS)("adversarial /v1 fuzzing on %s", (kind) => {
  let mp: TestMarketplace;
  let agent: HostileAgent;
  let keys: { label: string; apiKey: string; organizationId: string }[] = [];
  const served: string[] = [];
  /** Answers by status and error code, to show what the generators reached. */
  const tally = new Map<string, number>();

  beforeAll(async () => {
    mp = await startTestMarketplace(kind, { verification: "trust" });
    const provider = await mp.createProvider();
    agent = await startHostileAgent({ marketplaceUrl: mp.baseUrl, agentToken: provider.agentToken, modelId: MODEL, askNanosPerSecond: ASK_NANOS_PER_SECOND, slots: 16, behaviour: { kind: "honest" } });
    const leaseBuyer = await mp.createBuyer({ credit_usd: "10" });
    // A key with a monthly limit takes the reservation path instead of the credit lease.
    const limitBuyer = await mp.createBuyer({ credit_usd: "10" });
    await updateApiKeySettings(mp.server.runtime.services, { organizationId: limitBuyer.organizationId, apiKeyId: limitBuyer.apiKeyId, monthly_spend_limit_nanos: 5_000_000_000n });
    keys = [
      { label: "lease", ...leaseBuyer },
      { label: "reservation", ...limitBuyer },
    ];
    // Routable once the offer book has the new offer.
    for (const deadline = Date.now() + 15_000; ; ) {
      const r = await chat(Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 2 })), keys[0]!.apiKey);
      if (r.status === 200) break;
      if (Date.now() > deadline) throw new Error(`the fuzzing provider never became routable: ${r.status} ${r.text}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }, 120_000);
  afterAll(async () => {
    await agent?.close();
    await mp?.close();
  });

  const post = (path: string, body: Buffer, apiKey: string, headers: Record<string, string> = {}) =>
    rawRequest(mp.baseUrl, { method: "POST", path, body, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers } });
  const chat = (body: Buffer, apiKey: string) => post("/v1/chat/completions", body, apiKey);

  /** The per-answer checks; a 200 is remembered so the ledger can be checked for it later. */
  function check(r: RawAnswer, label: string) {
    const key = answerKind(r);
    tally.set(key, (tally.get(key) ?? 0) + 1);
    expectWellFormedAnswer(r, label);
    if (r.status === 200) {
      const id = r.headers["x-spotlane-request-id"];
      expect(typeof id, `a served request names its id: ${label}`).toBe("string");
      served.push(id as string);
      if (r.contentType.startsWith("text/event-stream")) {
        for (const e of sseErrors(r.text)) expectWellFormedAnswer({ ...e, status: 400 }, `mid-stream error of ${label}`);
        expect(r.text.trimEnd().endsWith("data: [DONE]") || sseErrors(r.text).length > 0, `stream ends with [DONE] or an error: ${label}`).toBe(true);
      } else {
        const usage = (JSON.parse(r.text) as { usage?: { cost_nanos?: string } }).usage;
        expect(usage?.cost_nanos, `a served answer carries its cost: ${label}`).toMatch(/^\d+$/);
      }
    }
  }

  const modelField = fc.oneof({ weight: 6, arbitrary: fc.constant(MODEL) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });
  // Half valid (they reach admission, the hold and the provider), half mutated.
  // Refinements are not in JSON Schema: the bid's valid form (a USD amount up to $1,000/s) is given here.
  const bid = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1_000_000_000 }).map((n) => (n / 1e9).toFixed(9)), fc.constantFrom("0.001", "1000", "0.0000001"));
  // Filters that sometimes match the one provider, so filtered requests are served too, not only refused.
  const matching = (value: string) => fc.oneof(fc.constant(value), fc.string({ minLength: 1, maxLength: 12 }));
  const pinned = {
    model: modelField,
    "spotlane.max_price_per_second": bid,
    "spotlane.hardware.only[]": matching("cpu"),
    "spotlane.quantizations[]": matching("q4_k_m"),
  };
  const validChat = arbitraryFromZod(chatCompletionRequest, pinned);
  const validCompletion = arbitraryFromZod(completionRequest, pinned);
  const chatBody = fc.oneof(validChat, mutated(validChat));
  const completionBody = fc.oneof(validCompletion, mutated(validCompletion));
  const label = (body: string) => (body.length > 400 ? `${body.slice(0, 200)}…(${body.length} chars)…${body.slice(-100)}` : body);

  it("POST /v1/chat/completions: mutated bodies never get a 5xx or an internal detail", async () => {
    await fc.assert(
      fc.asyncProperty(chatBody, rawDamage, fc.nat(1), async (value, damage, k) => {
        const text = serializeBody(value);
        check(await chat(damage(text), keys[k]!.apiKey), `chat ${keys[k]!.label} ${label(text)}`);
      }),
      fuzzOptions(200),
    );
  });

  it("POST /v1/completions: mutated bodies never get a 5xx or an internal detail", async () => {
    await fc.assert(
      fc.asyncProperty(completionBody, rawDamage, fc.nat(1), async (value, damage, k) => {
        const text = serializeBody(value);
        check(await post("/v1/completions", damage(text), keys[k]!.apiKey), `completions ${keys[k]!.label} ${label(text)}`);
      }),
      fuzzOptions(120),
    );
  });

  it("the known repros: 20-digit string bid, 20,000-deep metadata, NUL in strings", async () => {
    const base = { model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 2 };
    const cases = [
      JSON.stringify({ ...base, spotlane: { max_price_per_second: "99999999999" } }),
      JSON.stringify({ ...base, spotlane: { max_price_per_second: "99999999999999999999" } }),
      JSON.stringify({ ...base, spotlane: { max_price_per_second: 1e300 } }),
      JSON.stringify({ ...base, spotlane: { max_ttft_ms: 1e300 } }),
      `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"max_tokens":2,"metadata":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
      `{"model":"${MODEL}","messages":[{"role":"user","content":"hi","name":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}],"max_tokens":2}`,
      JSON.stringify({ ...base, model: `${MODEL}\u0000` }),
      JSON.stringify({ ...base, messages: [{ role: "user", content: "a\u0000b\ud800" }] }),
      JSON.stringify({ ...base, max_tokens: 2 ** 53 + 2 }),
      JSON.stringify({ ...base, max_tokens: 1e300 }),
      JSON.stringify({ ...base, stream: true, max_tokens: 3000000000 }),
    ];
    for (const body of cases) for (const k of keys) check(await chat(Buffer.from(body), k.apiKey), `repro ${k.label} ${label(body)}`);
  });

  it("an over-limit body is refused and does not wedge the client's keep-alive connection", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "y".repeat(6 * 1024 * 1024) }] }));
      const refused = await rawRequest(mp.baseUrl, { method: "POST", path: "/v1/chat/completions", body: big, agent, headers: { authorization: `Bearer ${keys[0]!.apiKey}`, "content-type": "application/json" } });
      expect([400, 413]).toContain(refused.status);
      expectWellFormedAnswer(refused, "6 MiB body");
      // Either the gateway closes the connection it did not read to the end, or the connection still works.
      const next = await rawRequest(mp.baseUrl, { path: "/v1/models", agent, timeout_ms: 3_000, headers: { authorization: `Bearer ${keys[0]!.apiKey}` } });
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("GET /v1/models/<id>: any path bytes, broken percent-encodings included", async () => {
    const segment = fc.oneof(
      fc.constantFrom("%E0%A4%A", "%", "%%", "%ZZ", "%00", "%FF%FE", "%C0%AF", "..%2F..%2Fetc%2Fpasswd", "%F0%9F%99%82", encodeURIComponent(MODEL), "a".repeat(8_000)),
      fc.string({ unit: "binary", maxLength: 30 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))),
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("")),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom("GET", "POST", "DELETE", "PUT"), async (seg, method) => {
        const r = await rawRequest(mp.baseUrl, { method, path: `/v1/models/${seg}`, headers: { authorization: `Bearer ${keys[0]!.apiKey}` } });
        expectWellFormedAnswer(r, `${method} /v1/models/${seg.slice(0, 100)}`);
      }),
      fuzzOptions(80),
    );
  });

  it("unknown paths, methods and authorization headers", async () => {
    const auth = fc.oneof(
      fc.constantFrom("", "Bearer", "Bearer ", "Basic abc", `Bearer ${keys[0]!.apiKey}x`, `bearer ${keys[0]!.apiKey.toUpperCase()}`, `Bearer sk-spot-${"a".repeat(5_000)}`, "Bearer sk-spot-'; select 1; --"),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, "")}`),
    );
    const path = fc.constantFrom("/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/embeddings", "/v1/", "/v1//models", "/v1/chat/completions/", "/v1/chat/completions?x=%E0%A4%A", "/v1/%2e%2e/agent/v1/machines/register");
    await fc.assert(
      fc.asyncProperty(auth, path, fc.constantFrom("GET", "POST", "PATCH"), async (a, p, method) => {
        const r = await rawRequest(mp.baseUrl, { method, path: p, headers: { authorization: a, "content-type": "application/json" }, body: method === "GET" ? undefined : '{"model":"x","messages":[{"role":"user","content":"hi"}]}' });
        expectWellFormedAnswer(r, `${method} ${p} with '${a.slice(0, 40)}'`);
        expect(r.status, `${method} ${p} with a bad key`).not.toBe(200);
      }),
      fuzzOptions(40),
    );
  });

  it("bursts of concurrent requests from a small balance, with clients hanging up at random, never overspend", async () => {
    const small = await mp.createBuyer({ credit_usd: "0.05" });
    keys.push({ label: "small", ...small });
    const request = fc.record({ stream: fc.boolean(), max_tokens: fc.integer({ min: 1, max: 2_000_000 }), hang_up_after_ms: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 8, maxLength: 24 }), async (burst) => {
        const answers = await Promise.all(
          burst.map((b) =>
            rawRequest(mp.baseUrl, {
              method: "POST",
              path: "/v1/chat/completions",
              headers: { authorization: `Bearer ${small.apiKey}`, "content-type": "application/json" },
              body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "burst" }], max_tokens: b.max_tokens, stream: b.stream }),
              hang_up_after_ms: b.hang_up_after_ms,
            }),
          ),
        );
        for (const r of answers) if (r.status !== 0) check(r, "burst");
      }),
      fuzzOptions(15),
    );
    await expectIdleMoneyInvariants(mp, [small.organizationId]);
  });

  it("afterwards: no hold left behind, the ledger balanced, every served request settled", async () => {
    await expectIdleMoneyInvariants(mp, keys.map((k) => k.organizationId));
    const db = mp.server.runtime.database.db;
    // The generators must reach the served path (holds, dispatch, settlement), not only validation.
    expect(served.length, `answers: ${JSON.stringify([...tally].sort((x, y) => y[1] - x[1]))}`).toBeGreaterThan(20);
    for (let i = 0; i < served.length; i += 500) {
      const ids = served.slice(i, i + 500);
      const rows = await db.select({ id: requests.id, status: requests.status, cost: requests.costNanos }).from(requests).where(inArray(requests.id, ids));
      expect(rows.length, "every served request has its row (none dead-lettered or lost)").toBe(ids.length);
      const entries = await db.select({ n: sql<number>`count(*)::int` }).from(journalEntries).where(inArray(journalEntries.requestId, ids));
      expect(entries[0]!.n, "every served request has its journal entry").toBe(rows.length);
    }
    const bad = await db.select({ id: requests.id, cost: requests.costNanos, earn: requests.providerEarningsNanos, fee: requests.platformFeeNanos }).from(requests).where(sql`${requests.costNanos} <> ${requests.providerEarningsNanos} + ${requests.platformFeeNanos} or ${requests.costNanos} < 0`);
    expect(bad, "buyer debit = provider credit + fee, never negative").toEqual([]);
  });
});
