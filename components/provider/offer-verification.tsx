"use client";

import { useQuery } from "@tanstack/react-query";
import type { ProviderOffer } from "@/server/providers/list-machines";
import { formatAgo } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { ThroughputChart } from "./throughput-chart";

const STATUS_TONE: Record<string, BadgeTone> = { verified: "green", unverified: "amber", suspended: "red" };
const CLAIM_CHECK_TEXT: Record<string, string> = {
  plausible: "within memory bandwidth ÷ model size",
  plausible_size_from_model_id: "within memory bandwidth ÷ the size the model id implies",
  plausible_small_model: "within on-chip cache bandwidth ÷ model size",
  plausible_speed_cap: "within the absolute single-stream cap (model size unknown)",
  unknown_hardware: "hardware class not in the bandwidth table: cannot serve until registered as a known class",
  // Offers registered before issue 8 keep these until they register again.
  unchecked_unknown_hardware: "not checked: hardware class not in the bandwidth table",
  unchecked_unknown_model_size: "not checked: the agent did not report the model size",
  unchecked_small_model: "not checked: model small enough to run from on-chip cache",
};

export function formatRate(v: number | null, unit = "tok/s"): string {
  if (v === null) return "—";
  return `${v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)} ${unit}`;
}

export function formatScore(v: number | null): string {
  return v === null ? "—" : `${(v * 100).toFixed(1)}%`;
}

/** The compact "claimed vs verified" cell of an offer row. */
export function ClaimedVsVerified({ offer }: { offer: ProviderOffer }) {
  const verified = offer.verified_decode_tokens_per_second;
  const low = verified !== null && verified < offer.claimed_decode_tokens_per_second * 0.5;
  return (
    <span className="whitespace-nowrap" data-testid="offer-throughput">
      <span className={low ? "text-red-700" : "text-slate-900"}>{formatRate(verified)}</span>
      <span className="text-slate-400"> / {formatRate(offer.claimed_decode_tokens_per_second)}</span>
    </span>
  );
}

/** Everything the provider needs to understand an offer's verification: state, rule, figures, history. */
export function OfferVerification({ offer, now }: { offer: ProviderOffer; now: Date }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.provider.offerHistory.queryOptions({ offerId: offer.id, limit: 100 }, { refetchInterval: 5_000 }));
  return (
    <div className="space-y-3 bg-slate-50 px-4 py-3 text-sm" data-testid="offer-verification" data-verification-status={offer.verification_status}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={STATUS_TONE[offer.verification_status] ?? "neutral"}>{offer.verification_status}</Badge>
        {offer.suspended_reason ? <Badge tone="red">{offer.suspended_reason}</Badge> : null}
        <span className="text-slate-700">{offer.verification_explanation}</span>
      </div>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-1 sm:grid-cols-2 lg:grid-cols-4">
        <Figure label="Decode (verified / claimed)">
          {formatRate(offer.verified_decode_tokens_per_second)} / {formatRate(offer.claimed_decode_tokens_per_second)}
          {offer.claimed_decode_corrected_from !== null ? <span className="text-red-700"> (claimed {formatRate(offer.claimed_decode_corrected_from)}, corrected)</span> : null}
        </Figure>
        <Figure label="Prefill (verified / claimed)">
          {formatRate(offer.verified_prefill_tokens_per_second)} / {formatRate(offer.claimed_prefill_tokens_per_second)}
        </Figure>
        <Figure label="TTFT (verified / claimed)">
          {formatRate(offer.verified_ttft_ms, "ms")} / {formatRate(offer.claimed_ttft_ms, "ms")}
        </Figure>
        <Figure label="Reliability">{formatScore(offer.reliability_score)}</Figure>
        <Figure label="Claim check">
          {CLAIM_CHECK_TEXT[offer.claim_check] ?? offer.claim_check}
          {offer.decode_ceiling_tokens_per_second !== null ? ` (ceiling ${formatRate(offer.decode_ceiling_tokens_per_second)})` : ""}
        </Figure>
        <Figure label="Measured from">
          {offer.verified_observations} recent observations{offer.verified_at ? `, ${formatAgo(offer.verified_at, now)}` : ""}
        </Figure>
        <Figure label="Next canary">{offer.next_canary_at ? (offer.next_canary_at > now ? `in ${Math.ceil((offer.next_canary_at.getTime() - now.getTime()) / 1000)} s` : "due") : "after the agent registers again"}</Figure>
        <Figure label="Model fingerprint">{history.data ? history.data.fingerprint.source.replace("_", " ") : "…"}</Figure>
      </dl>
      {history.error ? <QueryError error={history.error} /> : history.data ? <ThroughputChart history={history.data} /> : null}
      <RecentCanaries offer={offer} now={now} />
    </div>
  );
}

function Figure({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="tabular-nums text-slate-900">{children}</dd>
    </div>
  );
}

function RecentCanaries({ offer, now }: { offer: ProviderOffer; now: Date }) {
  if (offer.recent_canaries.length === 0) return <p className="text-xs text-slate-500">No canaries yet.</p>;
  return (
    <table className="text-xs" data-testid="recent-canaries">
      <thead className="text-slate-500">
        <tr>
          <th className="pr-4 text-left font-medium">Canary</th>
          <th className="pr-4 text-left font-medium">Result</th>
          <th className="pr-4 text-right font-medium">TTFT</th>
          <th className="text-right font-medium">Decode</th>
        </tr>
      </thead>
      <tbody>
        {offer.recent_canaries.map((c) => (
          <tr key={c.at.toISOString()}>
            <td className="pr-4 text-slate-600">{formatAgo(c.at, now)}</td>
            <td className="pr-4">
              {!c.ok ? (
                <span className="text-red-700">failed: {c.error}</span>
              ) : c.identity_match === false ? (
                <span className="text-red-700">wrong model output</span>
              ) : c.identity_match === null ? (
                <span className="text-slate-700">ok (no fingerprint yet)</span>
              ) : (
                <span className="text-emerald-700">ok, model matches</span>
              )}
            </td>
            <td className="pr-4 text-right tabular-nums">{formatRate(c.ttft_ms, "ms")}</td>
            <td className="text-right tabular-nums">{formatRate(c.decode_tokens_per_second)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
