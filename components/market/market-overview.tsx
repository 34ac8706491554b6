"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatPricePerSecond } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Card, CardBody, CardHeader } from "../ui/card";
import { DepthChart } from "./depth-chart";
import { MarketList, marketId } from "./market-list";
import { PriceHistoryChart } from "./price-history-chart";
import { formatSlots, formatUtilization, millislotsToSlots } from "./units";

/** Every market's latest clearing tick; the selected market's price history and depth below. */
export function MarketOverview() {
  const trpc = useTRPC();
  const markets = useQuery(trpc.market.markets.queryOptions(undefined, { refetchInterval: 2_000 }));
  const [chosen, setChosen] = useState<string | null>(null);
  const list = markets.data ?? [];
  const selected = list.find((m) => marketId(m) === chosen) ?? list[0] ?? null;
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader title="Markets" description="One price per model and hardware class, cleared every second from asks, bids and recent demand." />
        <CardBody className="px-2">
          {markets.error ? <QueryError error={markets.error} /> : null}
          {markets.data ? <MarketList markets={list} selected={selected ? marketId(selected) : null} onSelect={setChosen} /> : <p className="px-3 text-sm text-slate-500">Loading…</p>}
        </CardBody>
      </Card>
      {selected ? (
        <div className="grid gap-6 lg:grid-cols-2" data-testid="market-detail" data-market={marketId(selected)}>
          <Card>
            <CardHeader
              title={
                <>
                  Price history · <span className="font-mono">{selected.model_id}</span> on {selected.hardware_class}
                </>
              }
              description={
                selected.spot_nanos_per_second === null
                  ? "No live supply right now."
                  : `Spot ${formatPricePerSecond(selected.spot_nanos_per_second)} · ${formatSlots(millislotsToSlots(selected.demand_millislots))} of ${selected.supply_slots} slots in demand (${formatUtilization(selected.utilization)})`
              }
            />
            <CardBody>
              <PriceHistoryChart model_id={selected.model_id} hardware_class={selected.hardware_class} />
            </CardBody>
          </Card>
          <Card>
            <CardHeader title="Depth" description="Supply and demand by price, as the clearing engine sees them now." />
            <CardBody>
              <DepthChart model_id={selected.model_id} hardware_class={selected.hardware_class} />
            </CardBody>
          </Card>
        </div>
      ) : null}
    </div>
  );
}
