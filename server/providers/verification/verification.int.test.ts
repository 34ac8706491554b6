import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryRuns, journalEntries, ledgerLines, machines, modelFingerprints, offers, requests, reservations } from "../../../db/schema";
import { AGENT_API_PREFIX, machineStatusResponse, type RegisterMachineRequest } from "../../../lib/wire/agent";
import { createEmbeddedEngine } from "../../../agent/src/engine/embedded";
import type { Engine } from "../../../agent/src/engine/types";
import { runAgent, type RunningAgent } from "../../../agent/src/run-agent";
import { DB_KINDS } from "../../../test/database";
import { startTestMarketplace, tinyModelPath, type TestMarketplace } from "../../../test/marketplace";
import { freePort } from "../../../test/tcp-proxy";
import { makeTinyModel, TINY_MODEL_ID } from "../../../test/tiny-model";
import { listProviderMachines } from "../list-machines";
import { computeReferenceFingerprints } from "./compute-reference-fingerprints";
import { DEFAULT_VERIFICATION_CONFIG } from "./config";
import { CANARY_PATH, CANARY_PROMPTS, PROMPT_SET_VERSION } from "./prompts";
import { median } from "./statistics";
import { offerVerificationHistory } from "./offer-history";
import { seedModelFingerprints } from "./seed-fingerprints";

type Recorded = { method: string; path: string; headerNames: string[]; headers: IncomingHttpHeaders; body: string };

/** An HTTP proxy in front of an agent that records what the marketplace sends it (and streams answers back). */
async function recordingProxy(targetPort: number): Promise<{ url: string; seen: Recorded[]; close(): Promise<void> }> {
  const seen: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const names: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) names.push(req.rawHeaders[i]!.toLowerCase());
      seen.push({ method: req.method!, path: req.url!, headerNames: names.sort(), headers: req.headers, body: body.toString("utf8") });
      const up = httpRequest({ host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on("error", () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeout_ms = 15_000): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An agent on the tiny model outside the harness's defaults: `claimedSlots` registers (and heartbeats)
 * more slots than its engine has — the extra requests queue inside it, one real slot serving them one
 * after another — and `hardwareClass` replaces the detected class.
 */
async function startOwnAgent(mp: TestMarketplace, opts: { agentToken: string; name: string; engineSlots: number; claimedSlots?: number; hardwareClass?: string; modelId?: string }): Promise<RunningAgent> {
  const real = await createEmbeddedEngine({ modelPath: (await makeTinyModel(tinyModelPath())).path, slots: opts.engineSlots, contextSize: 1024 });
  // Warm the engine, so a cold first generation does not pass for its single-stream speed.
  for (const p of CANARY_PROMPTS) for await (const _ of real.generate({ prompt: p.prompt, max_tokens: 8, temperature: 0 }, AbortSignal.timeout(30_000))) void _;
  const claimed = opts.claimedSlots ?? opts.engineSlots;
  const engine: Engine = { info: { ...real.info, slots: claimed }, capabilities: real.capabilities, generate: (req, signal) => real.generate(req, signal), load: () => ({ ...real.load(), slots: claimed }), close: () => real.close() };
  return runAgent({
    serverUrl: mp.baseUrl,
    token: opts.agentToken,
    engine,
    modelId: opts.modelId ?? TINY_MODEL_ID,
    askUsdPerSecond: "0.0001",
    name: opts.name,
    hardwareClass: opts.hardwareClass,
    benchmark: { decode_tokens_per_second: 50, prefill_tokens_per_second: 200, ttft_ms: 20 },
    log: () => {},
  });
}

describe.each(DB_KINDS)("canary verification on %s", (kind) => {
  let mp: TestMarketplace;
  const db = () => mp.server.runtime.database.db;
  const offerOf = async (machineId: string) => (await db().select().from(offers).where(eq(offers.machineId, machineId)))[0]!;
  const runsOf = (offerId: string) => db().select().from(canaryRuns).where(eq(canaryRuns.offerId, offerId)).orderBy(canaryRuns.at);

  let honest: { machineId: string; offerId: string; organizationId: string; agentToken: string };
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let canariesWhenVerified = 0;

  beforeAll(async () => {
    // Recovery from a slow-claim suspension takes 3 steady canaries: keep them half a second apart here.
    mp = await startTestMarketplace(kind, { env: { CANARY_INTERVAL_S: "0.5" } });
    // The operator's reference for the tiny model, from our own copy of it (what `npm start` seeds).
    const engine = await createEmbeddedEngine({ modelPath: (await makeTinyModel(tinyModelPath())).path, slots: 1, contextSize: 1024 });
    const fingerprints = await computeReferenceFingerprints(engine, { max_tokens: DEFAULT_VERIFICATION_CONFIG.max_tokens });
    await engine.close();
    await seedModelFingerprints(db(), { modelId: TINY_MODEL_ID, promptSetVersion: PROMPT_SET_VERSION, fingerprints, now: new Date() });

    // The honest agent sits behind a recording proxy, to compare canaries with buyer traffic on the wire.
    const provider = await mp.createProvider();
    const agentPort = await freePort();
    proxy = await recordingProxy(agentPort);
    const agent = await mp.startAgent({ agentToken: provider.agentToken, name: "honest", port: agentPort, publicUrl: proxy.url, quiet: false });
    const machineId = agent.machineId()!;
    honest = { machineId, offerId: (await offerOf(machineId)).id, organizationId: provider.organizationId, agentToken: provider.agentToken };
    canariesWhenVerified = (await runsOf(honest.offerId)).length;
  });
  afterAll(async () => {
    await mp?.close();
    await proxy?.close();
  });

  it("verifies an honest agent within a bounded number of canaries, at its measured speed", async () => {
    const offer = await offerOf(honest.machineId);
    const runs = await runsOf(offer.id);
    expect(offer.verificationStatus).toBe("verified");
    // The burst: streamed, non-streamed, two more streamed, then both slots at once (6 runs); one more may have been in flight while the harness polled.
    expect(canariesWhenVerified).toBeGreaterThanOrEqual(DEFAULT_VERIFICATION_CONFIG.verify_after_passes);
    expect(canariesWhenVerified).toBeLessThanOrEqual(6 + 1);
    expect(runs.slice(0, 6).every((r) => r.ok && r.identityMatch === true && r.requestId.startsWith("req_"))).toBe(true);
    // Both modes are checked against the same fingerprints (a non-streamed greedy answer is the same text), and every slot was busy once.
    expect(runs.slice(0, 6).map((r) => [r.stream, r.concurrency])).toEqual([[true, 1], [false, 1], [true, 1], [true, 1], [true, 2], [true, 2]]);
    expect(runs[1]!.ttftMs).toBeNull();
    expect(runs[1]!.completionTokens).toBe(DEFAULT_VERIFICATION_CONFIG.max_tokens);
    expect(offer.verifiedDecodeTokensPerSecond).toBeGreaterThan(0);
    expect(offer.verifiedTtftMs).toBeGreaterThan(0);
    expect(offer.verifiedPrefillTokensPerSecond).toBeGreaterThan(0);
    expect(offer.reliabilityScore).toBeGreaterThan(0.5);
    expect(offer.reliabilityScore).toBeLessThanOrEqual(1);
    const [m] = await listProviderMachines(mp.server.runtime.services, { organizationId: honest.organizationId });
    expect(m!.offers[0]).toMatchObject({ verification_status: "verified", gate_reasons: [], recent_canaries: expect.arrayContaining([expect.objectContaining({ ok: true, identity_match: true })]) });
  });

  it("sends canaries that look like buyer traffic on the wire, and never bills them", async () => {
    const buyer = await mp.createBuyer({ credit_usd: "5" });
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    const { response } = await client.completions
      .create({ model: TINY_MODEL_ID, prompt: "Once upon a time", max_tokens: 16, temperature: 0, seed: 7, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const buyerRequestId = response.headers.get("x-spotlane-request-id")!;
    for await (const _ of (await client.completions.create({ model: TINY_MODEL_ID, prompt: "Again", max_tokens: 8, stream: true }))) void _;
    const { response: plain } = await client.completions.create({ model: TINY_MODEL_ID, prompt: "Once upon a time", max_tokens: 16, temperature: 0, seed: 7 }).withResponse();
    const plainRequestId = plain.headers.get("x-spotlane-request-id")!;
    await mp.settled?.();

    const canaryRows = await runsOf(honest.offerId);
    const canaryIds = canaryRows.map((r) => r.requestId);
    const nonceOf = (r: Recorded) => r.headers["x-spotlane-nonce"] as string;
    const buyerSeen = await until("the buyer request at the agent", async () => proxy.seen.find((r) => nonceOf(r) === buyerRequestId));
    const canarySeen = proxy.seen.find((r) => nonceOf(r) === canaryRows.find((c) => c.stream)!.requestId)!;
    expect(canarySeen).toBeDefined();
    // Same method, path, header set and body shape (field names, order and types) as a buyer's streamed completion.
    expect(canarySeen.method).toBe(buyerSeen.method);
    expect(canarySeen.path).toBe(CANARY_PATH);
    expect(canarySeen.path).toBe(buyerSeen.path);
    expect(canarySeen.headerNames).toEqual(buyerSeen.headerNames);
    expect(canarySeen.headers["content-type"]).toBe(buyerSeen.headers["content-type"]);
    expect(nonceOf(canarySeen)).toMatch(/^req_[0-9a-z]{26}$/);
    const shape = (body: string) => Object.entries(JSON.parse(body) as Record<string, unknown>).map(([k, v]) => [k, typeof v]);
    expect(shape(canarySeen.body)).toEqual(shape(buyerSeen.body));
    expect(JSON.parse(canarySeen.body).stream_options).toEqual(JSON.parse(buyerSeen.body).stream_options);
    // Non-streamed canaries look like non-streamed buyer requests the same way.
    const plainSeen = await until("the non-streamed buyer request at the agent", async () => proxy.seen.find((r) => nonceOf(r) === plainRequestId));
    const plainCanarySeen = proxy.seen.find((r) => nonceOf(r) === canaryRows.find((c) => !c.stream)!.requestId)!;
    expect(plainCanarySeen).toBeDefined();
    expect(plainCanarySeen.path).toBe(plainSeen.path);
    expect(plainCanarySeen.headerNames).toEqual(plainSeen.headerNames);
    expect(shape(plainCanarySeen.body)).toEqual(shape(plainSeen.body));
    expect(JSON.parse(plainCanarySeen.body).stream).toBe(false);

    // Never billed: no request rows, reservations or journal entries carry a canary's id; the provider earned only from the buyers.
    expect(canaryIds.length).toBeGreaterThan(0);
    expect(await db().select().from(requests).where(inArray(requests.id, canaryIds))).toEqual([]);
    expect(await db().select().from(journalEntries).where(inArray(journalEntries.requestId, canaryIds))).toEqual([]);
    expect(await db().select().from(reservations).where(inArray(reservations.requestId, canaryIds))).toEqual([]);
    // Settlement is asynchronous: wait until both buyer requests are on the books.
    await until("both buyer requests settled", async () => {
      await mp.settled?.();
      const [c] = await db().select({ n: sql<number>`count(*)::int` }).from(requests).where(eq(requests.offerId, honest.offerId));
      return c!.n >= 3;
    });
    const billed = await db().select({ earned: sql<string>`coalesce(sum(${requests.providerEarningsNanos}), 0)::text`, n: sql<number>`count(*)::int` }).from(requests).where(eq(requests.offerId, honest.offerId));
    const credited = await db()
      .select({ sum: sql<string>`coalesce(sum(${ledgerLines.amountNanos}), 0)::text` })
      .from(ledgerLines)
      .where(and(eq(ledgerLines.account, "provider_earnings"), eq(ledgerLines.organizationId, honest.organizationId)));
    expect(billed[0]!.n).toBe(3);
    expect(credited[0]!.sum).toBe(billed[0]!.earned);
  });

  it("measures an agent that claims 10x its speed at its real speed, corrects the claim, suspends, then lets it recover", async () => {
    const real = (await offerOf(honest.machineId)).verifiedDecodeTokensPerSecond!;
    const liarClaim = real * 10;
    const provider = await mp.createProvider();
    const agent = await mp.startAgent({
      agentToken: provider.agentToken,
      name: "liar",
      benchmark: { decode_tokens_per_second: liarClaim, prefill_tokens_per_second: 5000, ttft_ms: 5 },
      waitUntilVerified: false,
    });
    const machineId = agent.machineId()!;
    const suspended = await until("the liar's suspension", async () => {
      const o = await offerOf(machineId);
      return o.verificationStatus === "suspended" ? o : null;
    });
    expect(suspended.suspendedReason).toBe("too_slow");
    expect(suspended.claimedDecodeCorrectedFrom).toBeCloseTo(liarClaim, 6);
    // Corrected down to what was measured: the liar runs the same model on the same CPU as the honest agent.
    expect(suspended.claimedDecodeTokensPerSecond).toBeLessThan(liarClaim * DEFAULT_VERIFICATION_CONFIG.slow_fraction);
    expect(suspended.verifiedDecodeTokensPerSecond!).toBeGreaterThan(real / 5);
    expect(suspended.verifiedDecodeTokensPerSecond!).toBeLessThan(real * 5);
    const [m] = await listProviderMachines(mp.server.runtime.services, { organizationId: provider.organizationId });
    expect(m!.offers[0]!.gate_reasons).toContain("suspended");
    expect(m!.offers[0]!.verification_explanation).toMatch(/corrected/);

    // Recovery: 3 canaries in a row at ≥ 50% of the corrected claim.
    await mp.waitUntilVerified(machineId, { timeout_ms: 15_000, quiet: false });
    const recovered = await offerOf(machineId);
    expect(recovered.suspendedReason).toBeNull();
    expect(recovered.claimedDecodeTokensPerSecond).toBeLessThan(liarClaim * DEFAULT_VERIFICATION_CONFIG.slow_fraction);
    await agent.drain(2_000);
  });

  it("catches an agent serving other weights under the tiny model's id, and lets it back after a restart with the right model", async () => {
    const provider = await mp.createProvider();
    const impostor = await mp.startAgent({ agentToken: provider.agentToken, name: "impostor", modelSeed: 4242, waitUntilVerified: false });
    const machineId = impostor.machineId()!;
    const suspended = await until("the impostor's suspension", async () => {
      const o = await offerOf(machineId);
      return o.verificationStatus === "suspended" ? o : null;
    });
    expect(suspended.suspendedReason).toBe("identity_mismatch");
    expect(suspended.nextCanaryAt).toBeNull(); // nothing more to learn until the agent restarts
    const runs = await runsOf(suspended.id);
    expect(runs.map((r) => r.identityMatch)).toEqual([false, false]);
    expect(runs.every((r) => r.ok)).toBe(true);
    // Its buyer-facing gate, and what the agent's `status` command shows.
    const status = await fetch(`${mp.baseUrl}${AGENT_API_PREFIX}/machines/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${provider.agentToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "impostor" }),
    });
    expect(status.status).toBe(200);
    const parsed = machineStatusResponse.parse(await status.json());
    expect(parsed.machines).toHaveLength(1);
    expect(parsed.machines[0]!.offers[0]).toMatchObject({ model_id: TINY_MODEL_ID, gate_reasons: ["identity_mismatch"], verification_status: "suspended", suspended_reason: "identity_mismatch" });
    expect(parsed.machines[0]!.offers[0]!.recent_canaries).toHaveLength(2);

    // Restarted with the right model (the same machine name re-registers): 3 matching canaries lift the suspension.
    await impostor.drain(2_000);
    const restarted = await mp.startAgent({ agentToken: provider.agentToken, name: "impostor", quiet: false });
    const back = await offerOf(machineId);
    expect(back.verificationStatus).toBe("verified");
    const after = (await runsOf(back.id)).filter((r) => r.at >= back.lastRegisteredAt);
    expect(after.length).toBeGreaterThanOrEqual(DEFAULT_VERIFICATION_CONFIG.recover_after_passes);
    expect(after.every((r) => r.identityMatch === true)).toBe(true);
    await restarted.drain(2_000);
  });

  it("trusts the first verified offer of a model without a reference, then holds canaries to it", async () => {
    const modelId = "tiny-tofu:f32";
    const provider = await mp.createProvider();
    const agent = await mp.startAgent({ agentToken: provider.agentToken, name: "tofu-first", modelId, quiet: false });
    const offer = await offerOf(agent.machineId()!);
    // Verified on speed alone (no fingerprint to compare with yet), then its outputs became the fingerprints.
    const fps = await db().select().from(modelFingerprints).where(eq(modelFingerprints.modelId, modelId));
    expect(fps.length).toBeGreaterThanOrEqual(DEFAULT_VERIFICATION_CONFIG.verify_after_passes);
    expect(fps.every((f) => f.source === "first_use" && f.establishedByOfferId === offer.id)).toBe(true);
    // Later canaries are judged against them (the same check that caught the impostor above).
    await until("a canary judged against the first-use fingerprint", async () => {
      const runs = await runsOf(offer.id);
      return runs.some((r) => r.at > offer.verifiedAt! && r.identityMatch === true);
    });
    expect((await runsOf(offer.id)).filter((r) => r.identityMatch === false)).toEqual([]);
    await agent.drain(2_000);
  });

  it("rejects a decode claim above memory bandwidth ÷ model size at registration, and flags claims it cannot check", async () => {
    const provider = await mp.createProvider();
    const register = (hardware_class: string, decode: number, model_size_bytes?: number, gpus = 1) => {
      const body: RegisterMachineRequest = {
        name: `plausibility-${hardware_class}-${decode}-${model_size_bytes ?? "none"}-${gpus}`,
        agent_version: "test",
        endpoint_url: "http://127.0.0.1:9",
        hardware: { hardware_class, cpu_model: "test", cpu_cores: 8, memory_mb: 65536, gpus: Array.from({ length: gpus }, () => ({ name: "GPU", memory_mb: 24564, vendor: "nvidia" as const })) },
        offers: [
          {
            model_id: "llama-3.1-8b-instruct:q4_k_m",
            slots: 2,
            ask_nanos_per_second: "100000",
            engine: "llama.cpp",
            engine_version: "test",
            context_size: 4096,
            benchmark: { decode_tokens_per_second: decode, prefill_tokens_per_second: 3000, ttft_ms: 40 },
            ...(model_size_bytes ? { model_size_bytes } : {}),
          },
        ],
      };
      return fetch(`${mp.baseUrl}${AGENT_API_PREFIX}/machines/register`, { method: "POST", headers: { authorization: `Bearer ${provider.agentToken}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    };
    // An RTX 4090 streams 1,008 GB/s; a 4.9 GB model at most ~206 times per second.
    const refused = await register("nvidia-rtx-4090", 2000, 4_920_000_000);
    expect(refused.status).toBe(400);
    const err = (await refused.json()) as { error: { message: string; code: string; param: string } };
    expect(err.error.code).toBe("implausible_claim");
    expect(err.error.param).toBe("offers[0].benchmark.decode_tokens_per_second");
    expect(err.error.message).toMatch(/physically implausible.*1008 GB\/s.*204\.9 times per second/);
    expect(await db().select().from(machines).where(eq(machines.name, "plausibility-nvidia-rtx-4090-2000-4920000000-1"))).toEqual([]);

    // Regression (issue 8, "Self-reported hardware"): none of these skip the check any more.
    // No model size: the model id's 8 B parameters bound it.
    expect((await register("nvidia-rtx-4090", 1e6)).status).toBe(400);
    // A size small enough for caches is still bounded (and for an 8 B model id it is not believed).
    expect((await register("nvidia-rtx-4090", 1e6, 1_000_000)).status).toBe(400);
    expect((await register("nvidia-rtx-4090", 2000, 1_000_000)).status).toBe(400);
    // 64 GPUs count as one tensor-parallel group of 8 (~1,639 tokens/s here), not 64.
    expect((await register("nvidia-rtx-4090", 2000, 4_920_000_000, 64)).status).toBe(400);
    // An unknown class is bounded by the fastest known device (8 TB/s: ~1,626 tokens/s here).
    expect((await register("nvidia-mystery-9000", 2000, 4_920_000_000)).status).toBe(400);

    const ok = await register("nvidia-rtx-4090", 150, 4_920_000_000);
    expect(ok.status).toBe(200);
    const unknown = await register("nvidia-mystery-9000", 1000, 4_920_000_000);
    expect(unknown.status).toBe(200);
    expect((await register("nvidia-rtx-4090", 150)).status).toBe(200);
    const rows = await db().select({ name: machines.name, check: offers.claimCheck, ceiling: offers.decodeCeilingTokensPerSecond }).from(offers).innerJoin(machines, eq(machines.id, offers.machineId)).where(eq(machines.organizationId, provider.organizationId));
    expect(rows.find((r) => r.name === "plausibility-nvidia-rtx-4090-150-4920000000-1")).toMatchObject({ check: "plausible", ceiling: expect.closeTo(204.9, 0) });
    expect(rows.find((r) => r.name === "plausibility-nvidia-mystery-9000-1000-4920000000-1")).toMatchObject({ check: "unknown_hardware", ceiling: expect.closeTo(1626, 0) });
    expect(rows.find((r) => r.name === "plausibility-nvidia-rtx-4090-150-none-1")).toMatchObject({ check: "plausible_size_from_model_id", ceiling: 504 });
  });

  it("measures an agent that registers 4 slots but serves one at a time at its per-stream speed with all 4 busy", async () => {
    // Regression (issue 8, "Billing what was not served"): canaries were single streams, so this agent was verified
    // at its one-slot speed, and routing and quotes believed 4 such streams at once.
    const provider = await mp.createProvider();
    const liar = await startOwnAgent(mp, { agentToken: provider.agentToken, name: "slot-liar", engineSlots: 1, claimedSlots: 4 });
    const machineId = liar.machineId()!;
    await mp.waitUntilVerified(machineId, { timeout_ms: 15_000, quiet: false });
    const offer = await offerOf(machineId);
    expect(offer.registeredSlots).toBe(4);
    const probe = (await runsOf(offer.id)).filter((r) => r.concurrency === 4);
    expect(probe.length).toBeGreaterThanOrEqual(4);
    expect(probe.every((r) => r.ok && r.stream && r.identityMatch === true)).toBe(true);
    // Served one after another: the last stream's first token waited for the others.
    const first = probe.slice(0, 4);
    expect(Math.max(...first.map((r) => r.ttftMs!))).toBeGreaterThan(Math.min(...first.map((r) => r.durationMs!)));

    await until("three single-stream canaries", async () => (await runsOf(offer.id)).filter((r) => r.ok && r.stream && r.concurrency === 1).length >= 3);
    const after = await offerOf(machineId);
    const alone = median((await runsOf(after.id)).filter((r) => r.ok && r.stream && r.concurrency === 1).map((r) => r.decodeTokensPerSecond!))!;
    // Routing and quotes read the per-stream speed with every claimed slot busy: about a quarter of one stream alone
    // on a quiet machine, nearer half on a loaded one (the single-stream canaries slow down too); one stream's own
    // speed, what the old single-stream canaries verified, is about `alone`.
    expect(after.verifiedDecodeTokensPerSecond!).toBeLessThan(alone * 0.75);
    expect(after.verifiedDecodeTokensPerSecond!).toBeGreaterThan(0);
    await liar.drain(2_000);
  });

  it("never lets an unknown hardware class serve, and lets the same machine in once it registers as a known class", async () => {
    // Regression (issue 8, "Self-reported hardware"): a CPU agent registered as `cpu-pricey` was verified, a market of its own.
    const modelId = "tiny-pricey:f32";
    const provider = await mp.createProvider();
    const pricey = await startOwnAgent(mp, { agentToken: provider.agentToken, name: "pricey", engineSlots: 2, hardwareClass: "cpu-pricey", modelId });
    const machineId = pricey.machineId()!;
    const suspended = await until("the unknown class's suspension", async () => {
      const o = await offerOf(machineId);
      return o.verificationStatus === "suspended" && o.nextCanaryAt === null ? o : null;
    });
    expect(suspended).toMatchObject({ hardwareClass: "cpu-pricey", suspendedReason: "unknown_hardware", claimCheck: "unknown_hardware" });
    // The burst ran (the provider sees what was measured), and then nothing until it registers again.
    expect((await runsOf(suspended.id)).length).toBeGreaterThanOrEqual(DEFAULT_VERIFICATION_CONFIG.burst_count);
    const [m] = await listProviderMachines(mp.server.runtime.services, { organizationId: provider.organizationId });
    expect(m!.offers[0]).toMatchObject({ verification_status: "suspended", suspended_reason: "unknown_hardware", gate_reasons: expect.arrayContaining(["suspended"]) });
    expect(m!.offers[0]!.verification_explanation).toMatch(/does not know this machine's hardware class/);
    const buyer = await mp.createBuyer({ credit_usd: "1" });
    const client = new OpenAI({ baseURL: `${mp.baseUrl}/v1`, apiKey: buyer.apiKey, maxRetries: 0 });
    await expect(client.completions.create({ model: modelId, prompt: "hi", max_tokens: 4 })).rejects.toMatchObject({ status: expect.any(Number) });
    expect(await db().select().from(requests).where(and(eq(requests.offerId, suspended.id), eq(requests.status, "completed")))).toEqual([]);

    await pricey.drain(2_000);
    const known = await startOwnAgent(mp, { agentToken: provider.agentToken, name: "pricey", engineSlots: 2, hardwareClass: "cpu", modelId });
    await mp.waitUntilVerified(machineId, { timeout_ms: 15_000, quiet: false });
    expect(await offerOf(machineId)).toMatchObject({ hardwareClass: "cpu", verificationStatus: "verified", suspendedReason: null, claimCheck: "plausible_small_model" });
    const served = await client.completions.create({ model: modelId, prompt: "hi", max_tokens: 4 });
    expect(served.choices[0]!.text.length).toBeGreaterThan(0);
    await known.drain(2_000);
  });

  it("answers the agent's status request for its own machines only", async () => {
    const post = (token: string | null, body: unknown) =>
      fetch(`${mp.baseUrl}${AGENT_API_PREFIX}/machines/status`, { method: "POST", headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" }, body: JSON.stringify(body) });
    const all = machineStatusResponse.parse(await (await post(honest.agentToken, {})).json());
    expect(all.machines.map((m) => m.name)).toEqual(["honest"]);
    const offer = all.machines[0]!.offers[0]!;
    expect(offer).toMatchObject({ offer_id: honest.offerId, gate_reasons: [], slots: 2, ask_nanos_per_second: "100000" });
    expect(offer.verified?.decode_tokens_per_second).toBeGreaterThan(0);
    expect(offer.claimed?.decode_tokens_per_second).toBe(50);
    expect(offer.reliability_score).toBeGreaterThan(0);
    expect((await post(honest.agentToken, { machine_id: honest.machineId })).status).toBe(200);
    expect((await post(honest.agentToken, { name: "impostor" })).status).toBe(404); // another organization's machine
    expect((await post(null, {})).status).toBe(401);

    // The dashboard's history of the same offer: canaries and buyer streams over time, and where the fingerprint came from.
    const history = await offerVerificationHistory(mp.server.runtime.services, { organizationId: honest.organizationId, offerId: honest.offerId });
    expect(history.canaries.length).toBeGreaterThanOrEqual(3);
    expect(history.canaries[0]!.at.getTime()).toBeGreaterThanOrEqual(history.canaries.at(-1)!.at.getTime());
    expect(history.buyer.length).toBeGreaterThanOrEqual(1);
    expect(history.fingerprint).toEqual({ source: "reference", prompts: 3, prompt_set_version: PROMPT_SET_VERSION });
    await expect(offerVerificationHistory(mp.server.runtime.services, { organizationId: "org_someone_else", offerId: honest.offerId })).rejects.toMatchObject({ code: "not_found" });
  });
});
