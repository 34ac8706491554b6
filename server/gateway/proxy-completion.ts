import type { IncomingMessage, ServerResponse } from "node:http";
import { newId } from "../../lib/ids";
import { AGENT_TIME_HEADER } from "../../lib/signing";
import { holdCoverageMs, meter, offerRates } from "../billing/meter";
import type { RequestOutcome } from "../billing/request-outcome";
import { ServiceError } from "../errors";
import { estimatePromptTokens, holdAmountNanos, MAX_HOLD_MS, tokenBounds, type PlannedAttempt, type TokenBounds } from "./admit";
import type { GatewayDeps } from "./deps";
import { dispatchToAgent, type UpstreamResponse } from "../http/dispatch";
import { holdFunds, type FundsHold } from "./hold-funds";
import type { ProviderErrorReason, RequestObservation } from "./metrics";
import { resolvePreferences } from "./preferences";
import { effectiveBidNanos } from "../market/standing-bids";
import { parseJsonBody, readBody } from "../http/read-body";
import { readCapped } from "../http/read-capped";
import { relayJson, relayStream, type Finish } from "./relay";
import { chatCompletionRequest, completionRequest } from "./schemas";
import { promptTexts } from "./prompt-texts";
import { requestNeeds } from "./request-needs";
import { planOrWait } from "./queue/plan-or-wait";
import { DEFAULT_MAX_TOKENS } from "../../lib/wire/openai";

type Endpoint = "chat.completions" | "completions";
const UPSTREAM_PATH: Record<Endpoint, string> = { "chat.completions": "/v1/chat/completions", completions: "/v1/completions" };
const RTT_EWMA_WEIGHT = 0.2;
const MAX_UPSTREAM_ERROR_BYTES = 64 * 1024;

/**
 * auth → rate limits → validate → route → reserve → dispatch (signed HTTP, failing over before the
 * first byte) → relay → meter → settle (durable queue).
 */
export async function proxyCompletion(deps: GatewayDeps, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, obs?: RequestObservation): Promise<void> {
  // Hang-up handling is attached before the first await: a socket that closes while we wait would
  // never fire a listener attached later (leaking a concurrency slot, or generating for nobody).
  const abort = new AbortController();
  let clientGone = false;
  let releaseLimit: (() => void) | null = null;
  const hangUp = () => {
    releaseLimit?.();
    if (!res.writableFinished) {
      clientGone = true;
      abort.abort();
    }
  };
  res.once("close", hangUp);

  const key = await deps.keys.resolve(req.headers.authorization);
  releaseLimit = deps.limiter.admit(key);
  if (res.destroyed) hangUp();
  if (clientGone) return;
  const raw = await readBody(req);
  const body = endpoint === "chat.completions" ? parseJsonBody(raw, chatCompletionRequest) : parseJsonBody(raw, completionRequest);
  const max_tokens = (endpoint === "chat.completions" ? (body as { max_completion_tokens?: number | null }).max_completion_tokens : undefined) ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
  const prefs = resolvePreferences(body.spotlane, key.routing_defaults);
  // The organization's standing bid is a cap set by its team lead: a request (or key default) may bid lower, never higher.
  prefs.max_price_nanos_per_second = effectiveBidNanos(prefs.max_price_nanos_per_second, await deps.standingBid(key.organizationId, body.model)) ?? undefined;

  const texts = promptTexts(body);
  const attempts = await planOrWait(deps, { modelId: body.model, shape: { prompt_tokens: estimatePromptTokens(texts), max_tokens }, prefs, needs: requestNeeds(endpoint, body), signal: abort.signal });
  // Metering bounds the provider's token counts by these; the hold covers the largest quote within them.
  const bounds = tokenBounds(texts, "messages" in body && Array.isArray(body.messages) ? body.messages.length : 1, max_tokens);
  const hold_nanos = holdAmountNanos(attempts, bounds);
  const requestId = newId("request");
  // max_tokens explicit: the agent generates exactly what the hold was priced for, whatever its own default.
  const { spotlane: _prefs, ...forward } = { ...body, max_tokens };
  // Streams always ask the engine for usage: metering needs the token counts even when the client does not.
  // Built before funds are held: nothing that can throw on the buyer's input may run between hold and try.
  const upstreamBody = JSON.stringify(body.stream ? { ...forward, stream_options: { ...(body.stream_options ?? {}), include_usage: true } } : forward);

  const funds = await holdFunds(deps, key, requestId, hold_nanos);
  // Once the outcome is in the settlement log, the hold ends with its cost; every other way out ends it at 0.
  const metered = { done: false };
  try {
    const deadline_ms = Date.now() + deps.dispatch_deadline_ms;
    let lastFailure = "";
    for (const [i, attempt] of attempts.entries()) {
      const remaining_ms = deadline_ms - Date.now();
      if (remaining_ms <= 0 || clientGone) break;
      obs?.dispatched(); // the gateway's own overhead ends here (first call wins)
      const outcome = await tryAttempt(deps, { attempt, endpoint, requestId: i === 0 ? requestId : `${requestId}.${i}`, upstreamBody, timeout_ms: Math.min(deps.upstream_headers_timeout_ms, remaining_ms), signal: abort.signal });
      if (outcome.kind === "failed") {
        lastFailure = outcome.message;
        deps.metrics?.providerError({ machine_id: attempt.offer.machineId, reason: outcome.reason });
        if (i + 1 < attempts.length) deps.metrics?.failover({ from_machine: attempt.offer.machineId, reason: outcome.reason });
        continue;
      }
      if (outcome.kind === "refused") {
        // The engine judged the request itself invalid (e.g. context length): no other provider would differ.
        res.writeHead(outcome.status, { "content-type": "application/json" }).end(outcome.body);
        return;
      }
      obs?.routed({ model: attempt.offer.modelId, machine_id: attempt.offer.machineId });
      await serve(deps, { attempt, requestId, key, metered, bid_nanos_per_second: prefs.max_price_nanos_per_second ?? null, funds, hold_nanos, bounds, endpoint, stream: body.stream, wantsUsage: body.stream_options?.include_usage === true, upstream: outcome.upstream, dispatch_ms: outcome.dispatch_ms, res, clientGone: () => clientGone, abortUpstream: () => abort.abort(), obs });
      return;
    }
    if (clientGone) return;
    throw new ServiceError("no_provider_available", `No provider for '${body.model}' answered (${attempts.length} tried; last: ${lastFailure}). You were not charged. Retry shortly.`);
  } finally {
    if (!metered.done) await funds.end(0n).catch((err) => deps.logger?.warn({ err, request_id: requestId }, "releasing a hold failed; it lapses on its own"));
  }
}

/**
 * The network round trip of one dispatch: time to response headers minus the time the agent says it
 * held the request (its engine work). Without that header there is no clean sample.
 */
export function rttSample(headers_ms: number, agent_ms_header: string | string[] | undefined): number | null {
  const agent_ms = typeof agent_ms_header === "string" ? Number(agent_ms_header) : NaN;
  if (!Number.isFinite(agent_ms) || agent_ms < 0) return null;
  return Math.max(0, headers_ms - agent_ms);
}

type AttemptOutcome =
  | { kind: "ok"; upstream: UpstreamResponse; dispatch_ms: number }
  | { kind: "failed"; reason: ProviderErrorReason; message: string }
  | { kind: "refused"; status: number; body: string };

/** One dispatch. Connection errors, timeouts, 5xx and 429 before any byte are failover-able. */
async function tryAttempt(
  deps: GatewayDeps,
  a: { attempt: PlannedAttempt; endpoint: Endpoint; requestId: string; upstreamBody: string; timeout_ms: number; signal: AbortSignal },
): Promise<AttemptOutcome> {
  const { offer } = a.attempt;
  deps.inflight.set(offer.offerId, (deps.inflight.get(offer.offerId) ?? 0) + 1);
  const dispatch_ms = performance.now();
  let keep = false;
  try {
    const upstream = await dispatchToAgent(offer, { path: UPSTREAM_PATH[a.endpoint], body: a.upstreamBody, nonce: a.requestId, signal: a.signal, headers_timeout_ms: a.timeout_ms, policy: deps.services.endpoint_policy });
    const headers_ms = performance.now() - dispatch_ms;
    if (upstream.ok) {
      const sample = rttSample(headers_ms, upstream.headers[AGENT_TIME_HEADER]);
      if (sample !== null) {
        const prev = deps.rtt_ms.get(offer.machineId);
        deps.rtt_ms.set(offer.machineId, prev === undefined ? sample : prev + RTT_EWMA_WEIGHT * (sample - prev));
      }
      keep = true;
      return { kind: "ok", upstream, dispatch_ms };
    }
    // An error answer is relayed or summarized, never buffered whole: a hostile provider may send gigabytes.
    const text = await readCapped(upstream.body, MAX_UPSTREAM_ERROR_BYTES).catch(() => "");
    if (upstream.status >= 500 || upstream.status === 429 || upstream.status === 401) {
      // 401 from an agent means its secret rotated under us (it re-registered): another provider may serve.
      return { kind: "failed", reason: upstream.status >= 500 ? "http_5xx" : "http_4xx", message: `HTTP ${upstream.status} ${text.slice(0, 200)}` };
    }
    return { kind: "refused", status: upstream.status, body: text || JSON.stringify({ error: { message: `The provider refused the request (HTTP ${upstream.status}).`, type: "invalid_request_error", param: null, code: null } }) };
  } catch (err) {
    const timeout = (err as Error).name === "TimeoutError";
    return { kind: "failed", reason: timeout ? "headers_timeout" : "connect", message: timeout ? `no answer within ${a.timeout_ms} ms` : (err as Error).message };
  } finally {
    if (!keep) deps.inflight.set(offer.offerId, Math.max(0, (deps.inflight.get(offer.offerId) ?? 1) - 1));
  }
}

/**
 * Relays the answer and meters it where it ends (`finish`): the billed time and cost come from the pure
 * meter (server/billing/meter.ts); the settlement queue only makes them durable. A request still
 * running when its hold's slot time is spent is stopped (the provider is hung up on).
 */
async function serve(
  deps: GatewayDeps,
  s: {
    attempt: PlannedAttempt;
    requestId: string;
    key: { apiKeyId: string; organizationId: string };
    metered: { done: boolean };
    bid_nanos_per_second: bigint | null;
    funds: FundsHold;
    hold_nanos: bigint;
    bounds: TokenBounds;
    endpoint: Endpoint;
    stream: boolean;
    wantsUsage: boolean;
    upstream: UpstreamResponse;
    dispatch_ms: number;
    res: ServerResponse;
    clientGone: () => boolean;
    abortUpstream: () => void;
    obs?: RequestObservation;
  },
): Promise<void> {
  const { offer, prediction } = s.attempt;
  const price = prediction.price_nanos_per_second;
  const rates = offerRates(offer);
  const dispatchedAt = new Date(Date.now() - (performance.now() - s.dispatch_ms));
  const elapsed = () => Math.max(0, Math.round(performance.now() - s.dispatch_ms));
  const base: Omit<RequestOutcome, "status" | "errorCode" | "compute_ms" | "served_ms" | "quote_ms" | "billed_ms" | "ttft_ms" | "prompt_tokens" | "completion_tokens" | "completedAt"> = {
    requestId: s.requestId,
    organizationId: s.key.organizationId,
    apiKeyId: s.key.apiKeyId,
    offerId: offer.offerId,
    machineId: offer.machineId,
    providerOrganizationId: offer.providerOrganizationId,
    modelId: offer.modelId,
    hardwareClass: offer.hardwareClass,
    endpoint: s.endpoint,
    stream: s.stream,
    price_nanos_per_second: price,
    bid_nanos_per_second: s.bid_nanos_per_second,
    dispatchedAt,
    hold: s.funds.kind,
  };
  const finish: Finish = (f) => {
    if (s.metered.done) throw new Error(`request ${s.requestId} finished twice`);
    s.metered.done = true;
    const compute_ms = f.compute_ms ?? elapsed();
    const m = meter({
      status: f.status,
      price_nanos_per_second: price,
      hold_nanos: s.hold_nanos,
      fee_bps: deps.services.platform_fee_bps,
      compute_ms,
      served_ms: f.served_ms,
      first_output_ms: f.first_output_ms === undefined ? compute_ms : f.first_output_ms,
      rates,
      usage: f.usage,
      relayed_events: f.relayed_events,
      bounds: s.bounds,
    });
    const priced = deps.settlements.enqueue({
      ...base,
      status: f.status,
      errorCode: f.errorCode,
      compute_ms,
      served_ms: f.served_ms,
      quote_ms: m.quote_ms,
      billed_ms: m.billed_ms,
      ttft_ms: f.ttft_ms,
      prompt_tokens: m.prompt_tokens,
      completion_tokens: m.completion_tokens,
      completedAt: deps.services.now(),
    });
    // Durable in the log first, then the in-memory hold becomes "cost pending in the lease".
    s.funds.end(priced.cost_nanos).catch((err) => deps.logger?.warn({ err, request_id: s.requestId }, "releasing a hold failed; it lapses on its own"));
    return { cost_nanos: priced.cost_nanos, billed_ms: m.billed_ms };
  };
  // Past what the hold pays for nothing more is billed; stop rather than hold a slot (and the buyer) unbilled.
  let stopped = false;
  const stopTimer = setTimeout(() => {
    stopped = true;
    s.abortUpstream();
    void s.upstream.body.cancel().catch(() => {});
  }, Math.max(0, Math.min(MAX_HOLD_MS, holdCoverageMs(s.hold_nanos, price)) - elapsed()));
  stopTimer.unref();
  const headers = {
    "x-spotlane-request-id": s.requestId,
    "x-spotlane-provider": offer.machineId,
    "x-spotlane-market": `${offer.modelId}@${offer.hardwareClass}`,
    "x-spotlane-price-nanos-per-second": String(price),
  };
  try {
    const ctx = { res: s.res, headers, finish, elapsed, clientGone: s.clientGone, stopped: () => stopped, endpoint: s.endpoint, model: offer.modelId, requestId: s.requestId, obs: s.obs };
    if (s.stream) await relayStream(s.upstream, s.wantsUsage, ctx);
    else await relayJson(s.upstream, ctx);
  } finally {
    clearTimeout(stopTimer);
    deps.inflight.set(offer.offerId, Math.max(0, (deps.inflight.get(offer.offerId) ?? 1) - 1));
  }
}
