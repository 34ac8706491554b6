"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { formatSlots, formatUsdAxis, millislotsToSlots, nanosToUsdNumber } from "./units";

const RANGES = [
  { label: "5 min", span_ms: 5 * 60_000, refetch_ms: 2_000 },
  { label: "1 hour", span_ms: 3_600_000, refetch_ms: 10_000 },
  { label: "24 hours", span_ms: 24 * 3_600_000, refetch_ms: 60_000 },
] as const;

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Spot price (left axis) with supply and demand in slots (right axis) over a chosen range. */
export function PriceHistoryChart({ model_id, hardware_class }: { model_id: string; hardware_class: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[0]);
  const history = useQuery(trpc.market.history.queryOptions({ model_id, hardware_class, span_ms: range.span_ms }, { refetchInterval: range.refetch_ms }));
  const data = (history.data?.points ?? []).map((p) => ({
    t: p.at.getTime(),
    spot: p.spot_nanos_per_second === null ? null : nanosToUsdNumber(p.spot_nanos_per_second),
    supply: p.supply_slots,
    total_supply: p.total_supply_slots,
    demand: millislotsToSlots(p.demand_millislots),
  }));
  return (
    <div className="space-y-3" data-testid="price-history">
      <div className="flex items-center gap-2" role="group" aria-label="History range">
        {RANGES.map((r) => (
          <Button key={r.label} size="sm" variant={r === range ? "primary" : "secondary"} aria-pressed={r === range} onClick={() => setRange(r)}>
            {r.label}
          </Button>
        ))}
        {history.data ? <span className="text-xs text-slate-500">{history.data.bucket_ms / 1000} s per point</span> : null}
      </div>
      {history.error ? <QueryError error={history.error} /> : null}
      {data.length === 0 ? (
        <p className="py-10 text-center text-sm text-slate-500">{history.isLoading ? "Loading…" : "No ticks in this range yet."}</p>
      ) : (
        <div className="h-72 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
              <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
              <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => TIME.format(t)} fontSize={12} />
              <YAxis yAxisId="price" tickFormatter={formatUsdAxis} fontSize={12} width={80} domain={["auto", "auto"]} />
              <YAxis yAxisId="slots" orientation="right" fontSize={12} width={40} allowDecimals />
              <Tooltip
                labelFormatter={(t) => TIME.format(Number(t))}
                formatter={(value, name) => (name === "Spot $/s" ? [`$${Number(value)}`, name] : [formatSlots(Number(value)), name])}
              />
              <Legend />
              <Line yAxisId="price" dataKey="spot" name="Spot $/s" stroke="#0f172a" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
              <Line yAxisId="slots" dataKey="supply" name="Supply at spot (slots)" stroke="#059669" dot={false} isAnimationActive={false} type="stepAfter" />
              <Line yAxisId="slots" dataKey="total_supply" name="All live slots" stroke="#6ee7b7" strokeDasharray="4 3" dot={false} isAnimationActive={false} type="stepAfter" />
              <Line yAxisId="slots" dataKey="demand" name="Demand (slots)" stroke="#d97706" dot={false} isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}
