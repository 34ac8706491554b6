"use client";

import type { MarketState } from "@/server/market/market-data";
import { formatPricePerSecond } from "../format";
import { Badge } from "../ui/badge";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { formatSlots, formatUtilization, millislotsToSlots } from "./units";

export const marketId = (m: { model_id: string; hardware_class: string }) => `${m.model_id}@${m.hardware_class}`;

function MarketStatus({ market }: { market: MarketState }) {
  if (market.stale) return <Badge tone="neutral">no recent tick</Badge>;
  if (market.spot_nanos_per_second === null) return <Badge tone="neutral">no supply</Badge>;
  if (market.shortage) return <Badge tone="red">shortage</Badge>;
  if (market.spot_nanos_per_second > (market.lowest_ask_nanos_per_second ?? 0n)) return <Badge tone="amber">above lowest ask</Badge>;
  return <Badge tone="green">at lowest ask</Badge>;
}

/** One row per market (model × hardware class) from its latest clearing tick; a row selects the market. */
export function MarketList({ markets, selected, onSelect }: { markets: MarketState[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <Table data-testid="market-list">
      <THead>
        <Tr>
          <Th>Model</Th>
          <Th>Hardware class</Th>
          <Th numeric>Spot per slot-second</Th>
          <Th numeric title="Slots whose ask ≤ spot / all live slots">Supply (slots)</Th>
          <Th numeric title="Average slots held by demand willing to pay the spot">Demand (slots)</Th>
          <Th numeric>Utilization</Th>
          <Th>Status</Th>
        </Tr>
      </THead>
      <TBody>
        {markets.length === 0 ? (
          <EmptyRow colSpan={7}>No market has been cleared yet. Markets appear once a provider offers a model.</EmptyRow>
        ) : (
          markets.map((m) => {
            const id = marketId(m);
            const isSelected = id === selected;
            return (
              <Tr
                key={id}
                data-testid="market-row"
                data-market={id}
                aria-selected={isSelected}
                tabIndex={0}
                onClick={() => onSelect(id)}
                onKeyDown={(e) => (e.key === "Enter" || e.key === " " ? onSelect(id) : undefined)}
                className={isSelected ? "cursor-pointer bg-slate-100" : "cursor-pointer hover:bg-slate-50"}
              >
                <Td className="font-mono">{m.model_id}</Td>
                <Td>{m.hardware_class}</Td>
                <Td numeric data-testid="market-spot">
                  {m.spot_nanos_per_second === null ? "—" : formatPricePerSecond(m.spot_nanos_per_second)}
                </Td>
                <Td numeric>
                  {m.supply_slots} / {m.total_supply_slots}
                </Td>
                <Td numeric>{formatSlots(millislotsToSlots(m.demand_millislots))}</Td>
                <Td numeric>{m.supply_slots > 0 ? formatUtilization(m.utilization) : "—"}</Td>
                <Td>
                  <MarketStatus market={m} />
                </Td>
              </Tr>
            );
          })
        )}
      </TBody>
    </Table>
  );
}
