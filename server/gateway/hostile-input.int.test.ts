import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBuyerBalance } from "../billing/balances";
import { createAgentToken } from "../providers/create-agent-token";
import { DB_KINDS } from "../../test/database";
import { startTestMarketplace, type TestMarketplace } from "../../test/marketplace";
import { TINY_MODEL_ID } from "../../test/tiny-model";

/**
 * The buyer- and agent-side repros of issue #8 (hostile input), each a request that used to be served
 * for free, strand a hold, or answer 500: now a 400 in OpenAI's error shape, with nothing held.
 */
describe.each(DB_KINDS)("hostile input on %s", (kind) => {
  let mp: TestMarketplace;
  let buyer: Awaited<ReturnType<TestMarketplace["createBuyer"]>>;
  let provider: Awaited<ReturnType<TestMarketplace["createProvider"]>>;
  let machineId: string;

  beforeAll(async () => {
    mp = await startTestMarketplace(kind);
    buyer = await mp.createBuyer({ credit_usd: "5" });
    provider = await mp.createProvider();
    machineId = (await mp.startAgent({ agentToken: provider.agentToken, askUsdPerSecond: "0.001", slots: 2 })).machineId()!;
  });
  afterAll(async () => mp?.close());

  const chat = (body: unknown) =>
    fetch(`${mp.baseUrl}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${buyer.apiKey}`, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const agentApi = (path: string, body: unknown) =>
    fetch(`${mp.baseUrl}/agent/v1/machines/${path}`, { method: "POST", headers: { authorization: `Bearer ${provider.agentToken}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const expectOpenAI400 = async (res: Response, param?: string) => {
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; message: string; param: string | null } };
    expect(body.error.type).toBe("invalid_request_error");
    if (param) expect(body.error.param).toBe(param);
    return body.error;
  };
  const expectNothingCharged = async () => {
    await mp.settled();
    const balance = await getBuyerBalance(mp.server.runtime.database.db, buyer.organizationId, new Date());
    expect(balance.balance_nanos).toBe(5_000_000_000n);
    expect(balance.available_nanos).toBe(5_000_000_000n);
  };

  it("refuses a bid beyond $1,000 per second in either form instead of serving it for free", async () => {
    for (const bid of ["99999999999", 99999999999, "1000.000000001", 1000.5, "-1", "1e3"]) {
      const error = await expectOpenAI400(await chat({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 4, spotlane: { max_price_per_second: bid } }), "spotlane.max_price_per_second");
      expect(error.message).toMatch(/1000/);
    }
    await expectNothingCharged();
  });

  it("refuses pathological nesting before any funds are held (180 of them used to freeze a $5 account)", async () => {
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const body = `{"model":"${TINY_MODEL_ID}","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"metadata":{"x":${deep}}}`;
    for (let i = 0; i < 20; i++) await expectOpenAI400(await chat(body));
    // The account still serves: nothing was stranded.
    const ok = await chat({ model: TINY_MODEL_ID, messages: [{ role: "user", content: "hi" }], max_tokens: 4 });
    expect(ok.status).toBe(200);
    await ok.json();
    await mp.settled();
    const after = await getBuyerBalance(mp.server.runtime.database.db, buyer.organizationId, new Date());
    expect(after.balance_nanos).toBeLessThan(5_000_000_000n);
    expect(after.balance_nanos).toBeGreaterThan(4_990_000_000n);
  });

  it("answers a malformed model path with a 400, not a 500", async () => {
    const res = await fetch(`${mp.baseUrl}/v1/models/%E0%A4%A`, { headers: { authorization: `Bearer ${buyer.apiKey}` } });
    await expectOpenAI400(res, "model");
  });

  it("only the token that registered a machine keeps it alive", async () => {
    const other = await createAgentToken(mp.server.runtime.services, { organizationId: provider.organizationId, name: "second" });
    const res = await fetch(`${mp.baseUrl}/agent/v1/machines/heartbeat`, {
      method: "POST",
      headers: { authorization: `Bearer ${other.token}`, "content-type": "application/json" },
      body: JSON.stringify({ machine_id: machineId, offers: [] }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/register again/);
  });

  it("refuses out-of-range agent numbers and control characters with 400s", async () => {
    await expectOpenAI400(await agentApi("heartbeat", { machine_id: machineId, offers: [{ offer_id: "off_x", active_slots: 0, slots: 3_000_000_000 }] }));
    await expectOpenAI400(await agentApi("heartbeat", { machine_id: "mach_\u0000x", offers: [] }));
    await expectOpenAI400(await agentApi("offline", { machine_id: "mach_\u0000x" }));
    await expectOpenAI400(await agentApi("status", { name: "a\u0000b" }));
    const registration = (over: Record<string, unknown>) => ({
      name: "hostile",
      agent_version: "0.0.0",
      endpoint_url: "https://example.com",
      hardware: { hardware_class: "cpu", cpu_model: "x", cpu_cores: 2, memory_mb: 1024, gpus: [] },
      offers: [{ model_id: TINY_MODEL_ID, slots: 1, ask_nanos_per_second: "1000", engine: "x", engine_version: "1", context_size: 512, benchmark: { decode_tokens_per_second: 10, prefill_tokens_per_second: 10, ttft_ms: 10 }, ...over }],
    });
    for (const over of [{ ask_nanos_per_second: "99999999999999999999" }, { ask_nanos_per_second: "1000000000001" }, { ask_nanos_per_second: "0" }, { context_size: 3_000_000_000 }, { model_id: "m\u0000" }]) {
      await expectOpenAI400(await agentApi("register", registration(over)));
    }
  });
});
