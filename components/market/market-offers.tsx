"use client";

import { useQuery } from "@tanstack/react-query";
import { formatPricePerSecond } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Card, CardBody, CardHeader } from "../ui/card";
import { TBody, THead, Table, Td, Th, Tr } from "../ui/table";

/** Live supply per model, cheapest ask first. */
export function MarketOffers() {
  const trpc = useTRPC();
  const market = useQuery(trpc.market.offers.queryOptions(undefined, { refetchInterval: 5_000 }));
  if (market.error) return <QueryError error={market.error} />;
  if (!market.data) return <p className="text-sm text-slate-500">Loading…</p>;
  if (market.data.length === 0) {
    return (
      <Card>
        <CardBody>
          <p className="text-sm text-slate-600" data-testid="market-empty">
            No live offers right now. Providers appear here while their agents are online.
          </p>
        </CardBody>
      </Card>
    );
  }
  return (
    <div className="space-y-6">
      {market.data.map((m) => (
        <Card key={m.model_id} data-testid="market-model" data-model-id={m.model_id}>
          <CardHeader
            title={<span className="font-mono">{m.model_id}</span>}
            description={`Lowest ask ${formatPricePerSecond(m.lowest_ask_nanos_per_second)} · ${m.active_slots} of ${m.slots} slots busy · ${m.offers.length} offer${m.offers.length === 1 ? "" : "s"}`}
          />
          <CardBody className="px-2">
            <Table>
              <THead>
                <Tr>
                  <Th>Hardware class</Th>
                  <Th numeric>Ask per slot-second</Th>
                  <Th numeric>Slots active / total</Th>
                </Tr>
              </THead>
              <TBody>
                {m.offers.map((o) => (
                  <Tr key={o.offer_id} data-testid="market-offer-row">
                    <Td>{o.hardware_class}</Td>
                    <Td numeric>{formatPricePerSecond(o.ask_nanos_per_second)}</Td>
                    <Td numeric>
                      {o.active_slots} / {o.slots}
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          </CardBody>
        </Card>
      ))}
    </div>
  );
}
