import type { OfferVerificationHistory } from "@/server/providers/verification/offer-history";

const W = 560;
const H = 160;
const PAD = { left: 44, right: 8, top: 10, bottom: 20 };

/**
 * Decode speed over time as the marketplace measured it: each canary (green passed, red failed or
 * wrong model) and each streamed buyer request (blue), against the claim (dashed) and the verified
 * median (solid). Plain SVG: a handful of points needs no chart library.
 */
export function ThroughputChart({ history }: { history: OfferVerificationHistory }) {
  const canaries = history.canaries.filter((c) => c.decode_tokens_per_second !== null);
  const buyer = history.buyer.filter((b) => b.decode_tokens_per_second !== null);
  const times = [...canaries.map((c) => c.at.getTime()), ...buyer.map((b) => b.at.getTime())];
  if (times.length === 0) return <p className="text-xs text-slate-500">No measurements yet: the first canaries go out within seconds of registration.</p>;
  const claim = history.claimed_decode_tokens_per_second;
  const rates = [...canaries.map((c) => c.decode_tokens_per_second!), ...buyer.map((b) => b.decode_tokens_per_second!), claim, history.claimed_decode_corrected_from ?? 0];
  const yMax = Math.max(...rates) * 1.1 || 1;
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const label = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0));
  return (
    <figure className="space-y-1" data-testid="throughput-chart">
      <svg viewBox={`0 0 ${W} ${H}`} className="h-40 w-full max-w-2xl" role="img" aria-label="Decode tokens per second over time: measured vs claimed">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(yMax * f)} y2={y(yMax * f)} className="stroke-slate-100" />
            <text x={PAD.left - 4} y={y(yMax * f) + 3} textAnchor="end" className="fill-slate-400 text-[9px]">
              {label(yMax * f)}
            </text>
          </g>
        ))}
        <line x1={PAD.left} x2={W - PAD.right} y1={y(claim)} y2={y(claim)} strokeDasharray="4 3" className="stroke-slate-500" />
        {history.claimed_decode_corrected_from !== null ? (
          <line x1={PAD.left} x2={W - PAD.right} y1={y(history.claimed_decode_corrected_from)} y2={y(history.claimed_decode_corrected_from)} strokeDasharray="2 4" className="stroke-red-400" />
        ) : null}
        {history.verified_decode_tokens_per_second !== null ? (
          <line x1={PAD.left} x2={W - PAD.right} y1={y(history.verified_decode_tokens_per_second)} y2={y(history.verified_decode_tokens_per_second)} className="stroke-emerald-600" />
        ) : null}
        {buyer.map((b, i) => (
          <circle key={`b${i}`} cx={x(b.at.getTime())} cy={y(b.decode_tokens_per_second!)} r={2.5} className="fill-sky-500" />
        ))}
        {canaries.map((c, i) => (
          <circle key={`c${i}`} cx={x(c.at.getTime())} cy={y(c.decode_tokens_per_second!)} r={3} className={c.ok && c.identity_match !== false ? "fill-emerald-500" : "fill-red-500"} />
        ))}
      </svg>
      <figcaption className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-500">
        <span>● <span className="text-emerald-600">canary</span> / <span className="text-red-600">failed or wrong model</span></span>
        <span className="text-sky-600">● buyer stream</span>
        <span>– – claimed{history.claimed_decode_corrected_from !== null ? " (corrected; red: original claim)" : ""}</span>
        <span className="text-emerald-700">— verified median</span>
      </figcaption>
    </figure>
  );
}
