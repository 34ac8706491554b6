"use client";

import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { depthPoints } from "./depth-points";
import { formatSlots, formatUsdAxis, nanosToUsdNumber } from "./units";

/**
 * The book now: supply S(p) (live slots with ask ≤ p), the capacity the market aims to use at that price
 * (S(p) × target utilization) and demand D(p) (slots willing to pay p). The spot is the lowest price where
 * capacity meets demand, subject to the per-tick move bound.
 */
export function DepthChart({ model_id, hardware_class }: { model_id: string; hardware_class: string }) {
  const trpc = useTRPC();
  const depth = useQuery(trpc.market.depth.queryOptions({ model_id, hardware_class }, { refetchInterval: 5_000 }));
  if (depth.error) return <QueryError error={depth.error} />;
  if (!depth.data) return <p className="py-10 text-center text-sm text-slate-500">Loading…</p>;
  const data = depthPoints(depth.data);
  if (data.length === 0) return <p className="py-10 text-center text-sm text-slate-500">The book is empty: no live supply and no recent demand.</p>;
  const spot = depth.data.spot_nanos_per_second;
  return (
    <div data-testid="market-depth">
      <div className="h-72 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
            <XAxis dataKey="price_usd" type="number" domain={["dataMin", "dataMax"]} tickFormatter={formatUsdAxis} fontSize={12} />
            <YAxis fontSize={12} width={40} allowDecimals />
            <Tooltip labelFormatter={(p) => `at $${Number(p)}/s`} formatter={(value, name) => [formatSlots(Number(value)), name]} />
            <Legend />
            <Line dataKey="supply_slots" name="Supply (slots)" type="stepAfter" stroke="#059669" dot={false} isAnimationActive={false} />
            <Line dataKey="capacity_slots" name={`Capacity at ${depth.data.target_utilization_bps / 100}% target`} type="stepAfter" stroke="#059669" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
            <Line dataKey="demand_slots" name="Demand (slots)" type="stepBefore" stroke="#d97706" dot={false} isAnimationActive={false} />
            {spot !== null ? <ReferenceLine x={nanosToUsdNumber(spot)} stroke="#0f172a" label={{ value: "spot", position: "insideTopLeft", fontSize: 12 }} /> : null}
          </LineChart>
        </ResponsiveContainer>
      </div>
      {depth.data.truncated ? <p className="text-xs text-slate-500">Showing the 200 levels nearest the price on each side.</p> : null}
    </div>
  );
}
