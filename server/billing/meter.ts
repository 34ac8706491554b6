import { requestCostNanos, splitPlatformFee } from "../../lib/money";

/**
 * PURE: what a finished request bills (README "Pricing rules", billed time; DESIGN §4). The gateway
 * calls `meter` where a request ends (server/gateway/proxy-completion.ts); the settlement queue only
 * makes the result durable.
 *
 *   billed_ms = min(the gateway's measured time less waiting it saw beyond the quoted first token,
 *                   the slot time the agent reports it served,
 *                   the quote: the request's time at the offer's verified rates × 1.25,
 *                   what the hold covers)
 *   cost = price × billed_ms / 1000, rounded half-up once; buyer debit = provider credit + fee.
 */

/** The tolerance over verified speed a provider is paid for; beyond it the time is the provider's cost. */
export const QUOTE_TOLERANCE_NUM = 5;
export const QUOTE_TOLERANCE_DEN = 4;
/** requests.quote_ms is a 32-bit column. */
const MAX_QUOTE_MS = 2_147_483_647;
/**
 * Prompt-token bound from bytes: every tokenizer in use (byte-level BPE, SentencePiece with byte
 * fallback) spends at least one byte of text per token, so the text's UTF-8 length bounds its tokens;
 * chat templates add their own (role headers, end-of-turn markers, default system prompts), bounded
 * generously per message and per request.
 */
export const TEMPLATE_TOKENS_PER_MESSAGE = 16;
export const TEMPLATE_TOKENS_PER_REQUEST = 64;

/** The speeds a quote is made at: the marketplace's measurements, the claims only while unmeasured. */
export type OfferRates = { ttft_ms: number; prefill_tokens_per_second: number; decode_tokens_per_second: number };

export function offerRates(o: {
  verified_ttft_ms: number | null;
  verified_prefill_tokens_per_second: number | null;
  verified_decode_tokens_per_second: number | null;
  claimed_ttft_ms: number;
  claimed_prefill_tokens_per_second: number;
  claimed_decode_tokens_per_second: number;
}): OfferRates {
  return {
    ttft_ms: o.verified_ttft_ms ?? o.claimed_ttft_ms,
    prefill_tokens_per_second: o.verified_prefill_tokens_per_second ?? o.claimed_prefill_tokens_per_second,
    decode_tokens_per_second: o.verified_decode_tokens_per_second ?? o.claimed_decode_tokens_per_second,
  };
}

export function promptTokensBound(prompt_bytes: number, messages: number): number {
  return prompt_bytes + TEMPLATE_TOKENS_PER_MESSAGE * Math.max(1, messages) + TEMPLATE_TOKENS_PER_REQUEST;
}

const msFor = (tokens: number, per_second: number) => (Math.max(0, tokens) * 1000) / Math.max(per_second, 1e-6);
const tolerated = (ms: number) => Math.min(MAX_QUOTE_MS, Math.ceil((Math.max(0, ms) * QUOTE_TOLERANCE_NUM) / QUOTE_TOLERANCE_DEN));

/** quote_ms = ceil(1.25 × (TTFT + prompt ÷ prefill rate + completion ÷ decode rate)). */
export function quoteMs(rates: OfferRates, tokens: { prompt_tokens: number; completion_tokens: number }): number {
  return tolerated(rates.ttft_ms + msFor(tokens.prompt_tokens, rates.prefill_tokens_per_second) + msFor(tokens.completion_tokens, rates.decode_tokens_per_second));
}

/** The quote's share before the first token: waiting beyond it, seen by the gateway, is never billed. */
export function firstTokenQuoteMs(rates: OfferRates, prompt_tokens: number): number {
  return tolerated(rates.ttft_ms + msFor(prompt_tokens, rates.prefill_tokens_per_second));
}

/** The most ms a hold of `hold_nanos` pays for at `price` (price × ms / 1000 ≤ hold, so rounding cannot pass it). */
export function holdCoverageMs(hold_nanos: bigint, price_nanos_per_second: bigint): number {
  if (price_nanos_per_second <= 0n) return Number.MAX_SAFE_INTEGER;
  const ms = (hold_nanos * 1000n) / price_nanos_per_second;
  return ms > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ms);
}

export type BillStatus = "completed" | "aborted" | "failed";

/** Cost of billed time, split; a failed request costs nothing (the provider is not paid for a broken answer). */
export function priceBilled(status: BillStatus, price_nanos_per_second: bigint, billed_ms: number, fee_bps: number) {
  const cost_nanos = status === "failed" ? 0n : requestCostNanos(price_nanos_per_second, billed_ms);
  return { cost_nanos, ...splitPlatformFee(cost_nanos, fee_bps) };
}

export type MeterInput = {
  status: BillStatus;
  price_nanos_per_second: bigint;
  hold_nanos: bigint;
  fee_bps: number;
  /** Dispatch → last byte, measured by the gateway. */
  compute_ms: number;
  /** Slot time the agent reports (null: it did not say). */
  served_ms: number | null;
  /**
   * Dispatch → the first output the gateway relayed (stream TTFT); the whole of `compute_ms` when it
   * relayed nothing; null when it cannot see (a whole JSON answer arriving at once).
   */
  first_output_ms: number | null;
  rates: OfferRates;
  /** Token counts the provider reported (null: none); bounded below by what the gateway knows. */
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** Output events the gateway relayed: the completion estimate when the provider reported no usage. */
  relayed_events: number;
  /** `max_tokens` the gateway forwarded and priced the hold with; the prompt-token bound from its bytes. */
  bounds: { max_tokens: number; prompt_tokens: number };
};

export type Metered = {
  prompt_tokens: number;
  completion_tokens: number;
  quote_ms: number;
  billed_ms: number;
  cost_nanos: bigint;
  provider_nanos: bigint;
  fee_nanos: bigint;
};

const wholeMs = (ms: number) => (Number.isFinite(ms) ? Math.max(0, Math.floor(ms)) : 0);

export function meter(m: MeterInput): Metered {
  const prompt_tokens = Math.min(m.usage?.prompt_tokens ?? m.bounds.prompt_tokens, m.bounds.prompt_tokens);
  const completion_tokens = Math.min(m.usage?.completion_tokens ?? m.relayed_events, m.bounds.max_tokens);
  const quote_ms = quoteMs(m.rates, { prompt_tokens, completion_tokens });
  const compute_ms = wholeMs(m.compute_ms);
  const unbilledWait = m.first_output_ms === null ? 0 : Math.max(0, wholeMs(m.first_output_ms) - firstTokenQuoteMs(m.rates, prompt_tokens));
  const bounds = [compute_ms - unbilledWait, quote_ms, holdCoverageMs(m.hold_nanos, m.price_nanos_per_second)];
  if (m.served_ms !== null) bounds.push(wholeMs(m.served_ms));
  const billed_ms = m.status === "failed" ? 0 : Math.max(0, Math.min(...bounds));
  const recorded = m.usage === null ? { prompt_tokens: 0, completion_tokens: 0 } : { prompt_tokens, completion_tokens };
  return { ...recorded, quote_ms, billed_ms, ...priceBilled(m.status, m.price_nanos_per_second, billed_ms, m.fee_bps) };
}
