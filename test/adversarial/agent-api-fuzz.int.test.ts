// Property-based fuzzing of every /agent/v1 body (issue 8, "Then go looking"): register, heartbeat,
// offline and status bodies generated from lib/wire/agent.ts's zod schemas and mutated, sent with a
// real agent token. For every answer: no 5xx, OpenAI-shaped errors without internals. Afterwards:
// what was stored stays in range (slots, asks), heartbeats never raise slots above registration,
// and nothing one provider sent touched another provider's machines.
import fc from "fast-check";
import { Agent } from "node:http";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketplaceClient } from "../../agent/src/marketplace-client";
import { machines, offers } from "../../db/schema";
import { MAX_PRICE_NANOS_PER_SECOND } from "../../lib/money";
import { AGENT_API_PREFIX, heartbeatRequest, machineStatusRequest, registerMachineRequest, type RegisterMachineRequest } from "../../lib/wire/agent";
import { DB_KINDS } from "../database";
import { startTestMarketplace, type TestMarketplace } from "../marketplace";
import { rawRequest } from "./http";
import { expectWellFormedAnswer, fuzzOptions } from "./money-invariants";
import { arbitraryFromZod, hostileValue, mutated, rawDamage, serializeBody } from "./zod-arbitrary";

const MODEL = "fuzz-model:q4_k_m";

const validRegistration = (name: string, slots = 4): RegisterMachineRequest => ({
  name,
  agent_version: "0.1.0",
  // The discard port on loopback: trust mode sends no canaries and this file sends no buyer traffic.
  endpoint_url: "http://127.0.0.1:9",
  hardware: { hardware_class: "cpu", cpu_model: "fuzz", cpu_cores: 2, memory_mb: 4096, gpus: [] },
  offers: [{ model_id: MODEL, slots, ask_nanos_per_second: "1000", engine: "fuzz", engine_version: "1", context_size: 1024, benchmark: { decode_tokens_per_second: 50, prefill_tokens_per_second: 200, ttft_ms: 20 } }],
});

describe.each(DB_KINDS)("adversarial /agent/v1 fuzzing on %s", (kind) => {
  let mp: TestMarketplace;
  let tokenA: string;
  let tokenB: string;
  let a: { machine_id: string; offer_id: string };
  let b: { machine_id: string; offer_id: string };
  let bBefore: { lastHeartbeatAt: Date | null; status: string; slots: number; ask: bigint };

  beforeAll(async () => {
    mp = await startTestMarketplace(kind, { verification: "trust" });
    tokenA = (await mp.createProvider()).agentToken;
    tokenB = (await mp.createProvider()).agentToken;
    const ra = await new MarketplaceClient(mp.baseUrl, tokenA).register(validRegistration("a-main"));
    const rb = await new MarketplaceClient(mp.baseUrl, tokenB).register(validRegistration("b-main"));
    a = { machine_id: ra.machine_id, offer_id: ra.offers[0]!.offer_id };
    b = { machine_id: rb.machine_id, offer_id: rb.offers[0]!.offer_id };
    bBefore = await machineState(b);
  }, 120_000);
  afterAll(async () => mp?.close());

  const db = () => mp.server.runtime.database.db;
  async function machineState(m: { machine_id: string; offer_id: string }) {
    const [row] = await db()
      .select({ lastHeartbeatAt: machines.lastHeartbeatAt, status: machines.status, slots: offers.slots, ask: offers.askNanosPerSecond })
      .from(machines)
      .innerJoin(offers, eq(offers.machineId, machines.id))
      .where(eq(offers.id, m.offer_id));
    return row!;
  }

  const post = (path: string, body: Buffer, token: string) =>
    rawRequest(mp.baseUrl, { method: "POST", path: `${AGENT_API_PREFIX}${path}`, body, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
  const label = (body: string) => (body.length > 400 ? `${body.slice(0, 250)}…(${body.length} chars)` : body);

  const askArb = fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 1_000_000n }).map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: MAX_PRICE_NANOS_PER_SECOND }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom("0", "99999999999999999999", "1000000000001", "1.5", "-1", " 1", "1e3") },
    { weight: 1, arbitrary: hostileValue },
  );
  const urlArb = fc.constantFrom("http://127.0.0.1:9", "http://127.0.0.1:5432", "http://0:5432", "http://[::1]:22", "http://localhost:9/", "http://0x7f.1:9", "http://2130706433:9", "ftp://127.0.0.1/", "javascript:alert(1)", "file:///etc/passwd", "http://user:pw@127.0.0.1:9/x?y#z", "http://127.0.0.1:99999", "http://[::ffff:127.0.0.1]:9");
  const registerBody = (() => {
    const valid = arbitraryFromZod(registerMachineRequest, {
      name: fc.oneof(fc.constantFrom("fuzz-1", "fuzz-2", "b-main"), fc.string({ minLength: 1, maxLength: 20 }).filter((n) => n.trim().length > 0)),
      endpoint_url: urlArb,
      "hardware.hardware_class": fc.oneof(fc.constantFrom("cpu", "nvidia-h100", "apple-m3-max", "cpu-pricey"), fc.string({ minLength: 1, maxLength: 64 })),
      "offers[].model_id": fc.oneof(fc.constant(MODEL), fc.string({ minLength: 1, maxLength: 30 }).filter((n) => n.trim().length > 0)),
      "offers[].ask_nanos_per_second": askArb,
      // Claims a CPU can plausibly make (registration refuses physically impossible ones outright).
      "offers[].benchmark.decode_tokens_per_second": fc.oneof({ weight: 8, arbitrary: fc.double({ min: 0.1, max: 60, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(1e6, 1e300, -1, 0) }),
      "offers[].benchmark.prefill_tokens_per_second": fc.double({ min: 1, max: 2000, noNaN: true }),
      "offers[].model_size_bytes": fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 2 ** 40 })),
    });
    return fc.oneof(valid, mutated(valid));
  })();
  const heartbeatBody = () => {
    const valid = arbitraryFromZod(heartbeatRequest, {
      machine_id: fc.oneof(fc.constant(a.machine_id), fc.constant(b.machine_id), fc.constant("mach_nope")),
      "offers[].offer_id": fc.oneof(fc.constant(a.offer_id), fc.constant(b.offer_id), fc.constant("off_nope")),
      "offers[].slots": fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(1024, 1025, 3_000_000_000, 1e9, 2 ** 53)),
      "offers[].active_slots": fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(-1, 3_000_000_000)),
    });
    return fc.oneof(valid, mutated(valid));
  };

  // Arbitraries that read `a` and `b` are built lazily, after beforeAll registered them.
  let heartbeats: fc.Arbitrary<unknown>;
  let offlines: fc.Arbitrary<unknown>;
  beforeAll(() => {
    heartbeats = heartbeatBody();
    offlines = mutated(fc.record({ machine_id: fc.constantFrom(a.machine_id, b.machine_id, "mach_nope") }));
  });

  /** After any accepted agent call: stored offers stay in range and within their registration. */
  async function expectStoredOffersSane(context: string) {
    const rows = await db().select({ id: offers.id, slots: offers.slots, registered: offers.registeredSlots, active: offers.activeSlots, ask: offers.askNanosPerSecond }).from(offers);
    for (const r of rows) {
      expect(r.slots, `${context}: offer ${r.id} slots`).toBeGreaterThanOrEqual(1);
      expect(r.slots, `${context}: offer ${r.id} slots ≤ registered slots`).toBeLessThanOrEqual(r.registered);
      expect(r.registered, `${context}: offer ${r.id} registered slots`).toBeLessThanOrEqual(1024);
      expect(r.active, `${context}: offer ${r.id} active slots`).toBeGreaterThanOrEqual(0);
      expect(r.ask >= 1n && r.ask <= MAX_PRICE_NANOS_PER_SECOND, `${context}: offer ${r.id} ask ${r.ask} in range`).toBe(true);
    }
  }

  it("POST /machines/register: mutated bodies never get a 5xx; what is stored stays in range", async () => {
    let accepted = 0;
    const refusals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(registerBody, rawDamage, async (value, damage) => {
        const text = serializeBody(value);
        const r = await post("/machines/register", damage(text), tokenA);
        if (r.status !== 200) refusals.set(`${r.status} ${r.text.slice(10, 90)}`, (refusals.get(`${r.status} ${r.text.slice(10, 90)}`) ?? 0) + 1);
        expectWellFormedAnswer(r, `register ${label(text)}`);
        if (r.status === 200) {
          accepted++;
          await expectStoredOffersSane(`register ${label(text)}`);
          const machineId = (JSON.parse(r.text) as { machine_id: string }).machine_id;
          const [m] = await db().select({ url: machines.endpointUrl }).from(machines).where(eq(machines.id, machineId));
          expect(new URL(m!.url).protocol, `register ${label(text)}: only http(s) endpoints are dispatched to`).toMatch(/^https?:$/);
        }
      }),
      fuzzOptions(80),
    );
    // The generator must reach the success path too, or the range checks above check nothing.
    expect(accepted, `refusals: ${JSON.stringify([...refusals].sort((x, y) => y[1] - x[1]).slice(0, 8))}`).toBeGreaterThan(0);
  });

  it("POST /machines/heartbeat: mutated bodies never get a 5xx, never raise slots above registration", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => heartbeats), rawDamage, async (value, damage) => {
        const text = serializeBody(value);
        const r = await post("/machines/heartbeat", damage(text), tokenA);
        expectWellFormedAnswer(r, `heartbeat ${label(text)}`);
        if (r.status === 200) {
          accepted++;
          await expectStoredOffersSane(`heartbeat ${label(text)}`);
        }
      }),
      fuzzOptions(100),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it("POST /machines/offline and /machines/status: mutated bodies never get a 5xx, and never reach another provider", async () => {
    const statusBody = fc.oneof(arbitraryFromZod(machineStatusRequest, { machine_id: fc.constantFrom(a.machine_id, b.machine_id) }), mutated(arbitraryFromZod(machineStatusRequest)));
    await fc.assert(
      fc.asyncProperty(fc.constant(null).chain(() => offlines), statusBody, rawDamage, async (off, status, damage) => {
        const offText = serializeBody(off);
        expectWellFormedAnswer(await post("/machines/offline", damage(offText), tokenA), `offline ${label(offText)}`);
        const statusText = serializeBody(status);
        const r = await post("/machines/status", damage(statusText), tokenA);
        expectWellFormedAnswer(r, `status ${label(statusText)}`);
        // An error may echo the id that was asked about; an answer must not describe the machine.
        if (r.status === 200) expect(r.text, "provider A's status never shows provider B's machine").not.toContain(b.machine_id);
        expect(r.text, "status never shows a machine secret").not.toMatch(/machine_secret|"secret"/);
      }),
      fuzzOptions(60),
    );
  });

  it("the known repros: heartbeat slots 3,000,000,000 and an ask of 20 digits are 400s", async () => {
    const hb = await post("/machines/heartbeat", Buffer.from(JSON.stringify({ machine_id: a.machine_id, offers: [{ offer_id: a.offer_id, active_slots: 0, slots: 3_000_000_000 }] })), tokenA);
    expect(hb.status).toBe(400);
    expectWellFormedAnswer(hb, "heartbeat slots 3e9");
    const reg = validRegistration("repro");
    reg.offers[0]!.ask_nanos_per_second = "99999999999999999999";
    const ask = await post("/machines/register", Buffer.from(JSON.stringify(reg)), tokenA);
    expect(ask.status).toBe(400);
    expectWellFormedAnswer(ask, "ask 1e20");
  });

  it("a heartbeat cannot claim more slots than were registered", async () => {
    const client = new MarketplaceClient(mp.baseUrl, tokenA);
    const reg = await client.register(validRegistration("slots-liar", 2));
    const r = await post("/machines/heartbeat", Buffer.from(JSON.stringify({ machine_id: reg.machine_id, offers: [{ offer_id: reg.offers[0]!.offer_id, active_slots: 0, slots: 1000 }] })), tokenA);
    expectWellFormedAnswer(r, "heartbeat slots 1000 after registering 2");
    const [row] = await db().select({ slots: offers.slots }).from(offers).where(eq(offers.id, reg.offers[0]!.offer_id));
    expect(row!.slots, "slots routing uses after a heartbeat claiming 1000 of 2 registered").toBeLessThanOrEqual(2);
  });

  it("lies about hardware: an impossible decode claim is refused or never routable, whatever fields are left out", async () => {
    const client = new MarketplaceClient(mp.baseUrl, tokenA);
    const lie = (name: string, hardware: Partial<RegisterMachineRequest["hardware"]>, offer: Partial<RegisterMachineRequest["offers"][number]>): RegisterMachineRequest => {
      const r = validRegistration(name);
      r.hardware = { ...r.hardware, ...hardware };
      r.offers = [{ ...r.offers[0]!, model_id: "llama-3.1-8b-instruct:q4_k_m", benchmark: { decode_tokens_per_second: 100_000, prefill_tokens_per_second: 1_000_000, ttft_ms: 1 }, ...offer }];
      return r;
    };
    const lies = [
      lie("lie-no-size", {}, {}),
      lie("lie-small-size", {}, { model_size_bytes: 100 * 1024 * 1024 }),
      lie("lie-unknown-class", { hardware_class: "cpu-pricey" }, {}),
      lie("lie-64-gpus", { hardware_class: "nvidia-h100", gpus: Array.from({ length: 64 }, () => ({ name: "H100", memory_mb: 81_920, vendor: "nvidia" as const })) }, { model_size_bytes: 4_900_000_000 }),
    ];
    for (const body of lies) {
      const r = await post("/machines/register", Buffer.from(JSON.stringify(body)), tokenA);
      expectWellFormedAnswer(r, `register ${body.name}`);
      if (r.status === 400) continue;
      expect(r.status, `${body.name}: ${r.text}`).toBe(200);
      const machineId = (JSON.parse(r.text) as { machine_id: string }).machine_id;
      const status = await client.machineStatus({ machine_id: machineId });
      const gates = status.machines.flatMap((m) => m.offers.flatMap((o) => o.gate_reasons));
      expect(gates.length, `${body.name} was accepted and is routable (gate reasons ${JSON.stringify(gates)})`).toBeGreaterThan(0);
    }
  });

  it("an over-limit body is refused and does not wedge the agent's keep-alive connection", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = Buffer.from(JSON.stringify({ ...validRegistration("too-big"), agent_version: "x".repeat(1024 * 1024) }));
      const refused = await rawRequest(mp.baseUrl, { method: "POST", path: `${AGENT_API_PREFIX}/machines/register`, body: big, agent, headers: { authorization: `Bearer ${tokenA}`, "content-type": "application/json" } });
      expect([400, 413]).toContain(refused.status);
      expectWellFormedAnswer(refused, "1 MiB agent body");
      const next = await rawRequest(mp.baseUrl, { method: "POST", path: `${AGENT_API_PREFIX}/machines/status`, body: "{}", agent, timeout_ms: 3_000, headers: { authorization: `Bearer ${tokenA}`, "content-type": "application/json" } });
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("paths, methods and tokens: never a 5xx", async () => {
    const path = fc.oneof(
      fc.constantFrom("/machines/register", "/machines/heartbeat", "/machines/offline", "/machines/status", "/machines", "/", "/machines/register/", "/machines/%E0%A4%A", "/../../v1/models", "/machines/heartbeat?x=%ZZ"),
      fc.string({ maxLength: 20 }).map((s) => `/${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))}`),
    );
    const token = fc.oneof(fc.constantFrom("", "Bearer", "Bearer nope", `Bearer ${tokenA}x`, `Basic ${tokenA}`, `Bearer ${"a".repeat(5_000)}`), fc.constant(`Bearer ${tokenA}`));
    await fc.assert(
      fc.asyncProperty(path, token, fc.constantFrom("GET", "POST", "PUT", "DELETE"), async (p, t, method) => {
        const r = await rawRequest(mp.baseUrl, { method, path: `${AGENT_API_PREFIX}${p}`, headers: { authorization: t, "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
        expectWellFormedAnswer(r, `${method} ${p} '${t.slice(0, 30)}'`);
      }),
      fuzzOptions(60),
    );
  });

  it("afterwards: provider B's machine was never touched by provider A", async () => {
    const after = await machineState(b);
    expect(after).toEqual(bBefore);
    // And B's own token still works on it.
    await new MarketplaceClient(mp.baseUrl, tokenB).heartbeat({ machine_id: b.machine_id, draining: false, offers: [{ offer_id: b.offer_id, active_slots: 0, slots: 4 }] });
  });
});
