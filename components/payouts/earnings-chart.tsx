"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { chartRows, formatUtcDay, lastDaysRange, type ChartRow } from "./payout-view";

const RANGES = [
  { label: "7 days", days: 7 },
  { label: "30 days", days: 30 },
  { label: "92 days", days: 92 },
] as const;
const BY = [
  { value: "machine", label: "By machine" },
  { value: "model", label: "By model" },
] as const;

/** Axis ticks: short, and never more precise than a bar can show. */
function usdTick(usd: number): string {
  if (usd === 0) return "$0";
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/** Earnings per UTC day as stacked bars, by machine or by model; exact amounts in the tooltip and the totals below. */
export function EarningsChart() {
  const trpc = useTRPC();
  const [days, setDays] = useState<number>(30);
  const [by, setBy] = useState<"machine" | "model">("machine");
  // Fixed at mount so the query key is stable; the newest day keeps filling while the page stays open.
  const [now] = useState(() => new Date());
  const range = lastDaysRange(now, days);
  const series = useQuery(trpc.payouts.earningsSeries.queryOptions({ ...range, by }, { refetchInterval: 15_000, placeholderData: keepPreviousData }));
  const { rows, groups } = series.data ? chartRows(series.data) : { rows: [] as ChartRow[], groups: [] };

  return (
    <Card data-testid="earnings-chart">
      <CardHeader
        title="Earnings over time"
        description="What your machines earned per UTC day, after the platform fee, exactly as credited in the ledger."
        actions={
          <div className="flex flex-wrap gap-2">
            <div className="flex gap-1" role="group" aria-label="Split earnings">
              {BY.map((o) => (
                <Button key={o.value} size="sm" variant={o.value === by ? "primary" : "secondary"} aria-pressed={o.value === by} onClick={() => setBy(o.value)} data-testid={`earnings-by-${o.value}`}>
                  {o.label}
                </Button>
              ))}
            </div>
            <div className="flex gap-1" role="group" aria-label="Range">
              {RANGES.map((r) => (
                <Button key={r.days} size="sm" variant={r.days === days ? "primary" : "secondary"} aria-pressed={r.days === days} onClick={() => setDays(r.days)}>
                  {r.label}
                </Button>
              ))}
            </div>
          </div>
        }
      />
      <CardBody className="space-y-3">
        {series.error ? <QueryError error={series.error} /> : null}
        <p className="text-sm text-slate-700">
          Total in range:{" "}
          <span className="font-semibold tabular-nums" data-testid="earnings-total" data-nanos={series.data?.total_nanos.toString()}>
            {series.data ? formatUsd(series.data.total_nanos) : "…"}
          </span>
        </p>
        {series.data && groups.length === 0 ? (
          <p className="py-10 text-center text-sm text-slate-500">No earnings in this range yet: they appear here as buyers' requests settle.</p>
        ) : (
          <div className="h-72 w-full" role="img" aria-label={`Earnings per day ${by === "machine" ? "by machine" : "by model"}, last ${days} days`}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 24, left: 16 }}>
                <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
                <XAxis
                  dataKey="day"
                  tickFormatter={(d: string) => d.slice(5)}
                  fontSize={12}
                  stroke="#475569"
                  label={{ value: "Day (UTC)", position: "insideBottom", offset: -16, fontSize: 12, fill: "#334155" }}
                />
                <YAxis tickFormatter={usdTick} fontSize={12} width={72} stroke="#475569" label={{ value: "Earnings (USD)", angle: -90, position: "insideLeft", offset: -8, fontSize: 12, fill: "#334155" }} />
                <Tooltip
                  labelFormatter={(d) => formatUtcDay(String(d))}
                  formatter={(_value, name, item) => {
                    const group = groups.find((g) => g.label === name);
                    const nanos = group ? (item.payload as ChartRow).nanos[group.key] : undefined;
                    return [nanos === undefined ? "" : formatUsd(nanos), name];
                  }}
                />
                <Legend verticalAlign="top" height={28} />
                {groups.map((g) => (
                  <Bar key={g.key} dataKey={g.key} name={g.label} stackId="earnings" fill={g.colour} isAnimationActive={false} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
        {groups.length > 0 ? (
          <ul className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-700" data-testid="earnings-groups">
            {groups.map((g) => (
              <li key={g.key} className="flex items-center gap-1.5" data-key={g.key} data-nanos={g.total_nanos.toString()}>
                <span className="inline-block size-2.5 rounded-sm" style={{ backgroundColor: g.colour }} aria-hidden />
                {g.label}: <span className="tabular-nums">{formatUsd(g.total_nanos)}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </CardBody>
    </Card>
  );
}
