"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd } from "../../lib/money";
import type { FinanceDay } from "../../server/finance/reports/types";
import { formatUtcDay } from "../payouts/payout-view";
import { Card, CardBody, CardHeader } from "../ui/card";
import { SERIES_COLOURS, SERIES_LABELS, dayRows, seriesTotalNanos, usdTick, type DayRow, type SeriesKey } from "./finance-view";

function DailyChart({ days, keys, title, testId }: { days: readonly FinanceDay[]; keys: readonly SeriesKey[]; title: string; testId: string }) {
  const rows = dayRows(days, keys);
  return (
    <figure className="space-y-2" data-testid={testId}>
      <figcaption className="text-sm font-medium text-slate-900">{title}</figcaption>
      <div className="h-64 w-full" role="img" aria-label={`${title} per UTC day`}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 24, left: 16 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} fontSize={12} stroke="#475569" label={{ value: "Day (UTC)", position: "insideBottom", offset: -16, fontSize: 12, fill: "#334155" }} />
            <YAxis tickFormatter={usdTick} fontSize={12} width={72} stroke="#475569" label={{ value: "USD", angle: -90, position: "insideLeft", offset: -8, fontSize: 12, fill: "#334155" }} />
            <Tooltip
              labelFormatter={(d) => formatUtcDay(String(d))}
              formatter={(_value, name, item) => {
                const key = keys.find((k) => SERIES_LABELS[k] === name);
                const nanos = key ? (item.payload as DayRow).nanos[key] : undefined;
                return [nanos === undefined ? "" : formatUsd(nanos), name];
              }}
            />
            <Legend verticalAlign="top" height={28} />
            {keys.map((k) => (
              <Line key={k} type="monotone" dataKey={k} name={SERIES_LABELS[k]} stroke={SERIES_COLOURS[k]} strokeWidth={2} dot={false} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ul className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-700">
        {keys.map((k) => {
          const total = seriesTotalNanos(days, k);
          return (
            <li key={k} className="flex items-center gap-1.5" data-series={k} data-nanos={total.toString()}>
              <span className="inline-block size-2.5 rounded-sm" style={{ backgroundColor: SERIES_COLOURS[k] }} aria-hidden />
              {SERIES_LABELS[k]}: <span className="tabular-nums">{formatUsd(total)}</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

/** The period by UTC day: what was earned (usage, fees, Stripe's fees) and how money moved (top-ups, refunds, payouts). */
export function DailyCharts({ days }: { days: readonly FinanceDay[] | undefined }) {
  return (
    <Card data-testid="finance-charts">
      <CardHeader title="By day" description="Every UTC day of the period; exact amounts in the tooltips and the totals under each chart." />
      <CardBody className="grid gap-6 lg:grid-cols-2">
        {!days ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : (
          <>
            <DailyChart days={days} keys={["usage_nanos", "fees_nanos", "stripe_fees_nanos"]} title="Usage and fees" testId="finance-chart-usage" />
            <DailyChart days={days} keys={["top_ups_nanos", "refunds_nanos", "payouts_nanos"]} title="Top-ups, refunds and payouts" testId="finance-chart-flows" />
          </>
        )}
      </CardBody>
    </Card>
  );
}
