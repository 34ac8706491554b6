"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatDateTime, formatPricePerSecond } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { ConfirmButton } from "../ui/confirm-button";
import { Field } from "../ui/input";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

/**
 * The organization's standing bids: per model, the most it pays per slot-second. Usage under a bid enters
 * the market's demand at that price; when the spot rises above it, requests are refused rather than
 * overcharged. Without a bid the organization pays the spot price.
 */
export function StandingBids() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const bids = useQuery(trpc.standingBids.list.queryOptions());
  // Offered models as suggestions; any model id may be bid on.
  const markets = useQuery(trpc.market.markets.queryOptions(undefined, { refetchInterval: 10_000 }));
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.standingBids.list.queryKey() });
  const set = useMutation(trpc.standingBids.set.mutationOptions({ onSuccess: () => void invalidate() }));
  const remove = useMutation(trpc.standingBids.remove.mutationOptions({ onSettled: () => void invalidate() }));
  const [model, setModel] = useState("");
  const [price, setPrice] = useState("");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      await set.mutateAsync({ model_id: model.trim(), max_price_usd_per_second: price.trim() });
      setModel("");
      setPrice("");
    } catch {
      // Shown from the mutation's error below.
    }
  }

  const spotOf = (model_id: string) => (markets.data ?? []).filter((m) => m.model_id === model_id && m.spot_nanos_per_second !== null).map((m) => m.spot_nanos_per_second!);
  const models = [...new Set((markets.data ?? []).map((m) => m.model_id))];

  return (
    <Card data-testid="standing-bids">
      <CardHeader
        title="Standing bids"
        description="The most your organization pays per slot-second for a model, on any hardware. Above it, requests are refused (price_above_bid) instead of charged more. A request's own spotlane.max_price_per_second can only lower it."
      />
      <CardBody className="space-y-4">
        <form onSubmit={(e) => void onSubmit(e)} className="flex flex-wrap items-end gap-3">
          <div className="min-w-60 flex-1">
            <Field id="bid-model" label="Model" placeholder="llama-3.1-8b-instruct:q4_k_m" list="bid-models" value={model} onChange={(e) => setModel(e.target.value)} required maxLength={200} data-testid="bid-model" />
            <datalist id="bid-models">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </div>
          <div className="w-48">
            <Field id="bid-price" label="Max USD per slot-second" placeholder="0.0002" inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} required pattern="\d+(\.\d{1,9})?" data-testid="bid-price" />
          </div>
          <Button type="submit" disabled={set.isPending || !model.trim() || !price.trim()} data-testid="bid-submit">
            {set.isPending ? "Saving…" : "Set bid"}
          </Button>
        </form>
        {set.error ? <QueryError error={set.error} /> : null}
        {bids.error ? <QueryError error={bids.error} /> : null}
        {remove.error ? <QueryError error={remove.error} /> : null}
        <Table>
          <THead>
            <Tr>
              <Th>Model</Th>
              <Th numeric>Your max per slot-second</Th>
              <Th numeric>Spot now</Th>
              <Th>Updated</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </Tr>
          </THead>
          <TBody>
            {!bids.data ? (
              <EmptyRow colSpan={5}>Loading…</EmptyRow>
            ) : bids.data.length === 0 ? (
              <EmptyRow colSpan={5}>No standing bids: you pay the spot price, whatever it is.</EmptyRow>
            ) : (
              bids.data.map((b) => {
                const spots = spotOf(b.model_id);
                const above = spots.length > 0 && spots.every((s) => s > b.bid_nanos_per_second);
                return (
                  <Tr key={b.model_id} data-testid="bid-row" data-model-id={b.model_id}>
                    <Td className="font-mono">{b.model_id}</Td>
                    <Td numeric data-testid="bid-amount">
                      {formatPricePerSecond(b.bid_nanos_per_second)}
                    </Td>
                    <Td numeric className={above ? "text-red-700" : undefined} title={above ? "Every market of this model is above your bid: requests are refused" : undefined}>
                      {spots.length === 0 ? "—" : spots.map((s) => formatPricePerSecond(s)).join(", ")}
                    </Td>
                    <Td>{formatDateTime(b.updated_at)}</Td>
                    <Td className="text-right">
                      <ConfirmButton
                        label="Remove"
                        confirmLabel="Remove bid"
                        pending={remove.isPending && remove.variables?.model_id === b.model_id}
                        onConfirm={() => remove.mutate({ model_id: b.model_id })}
                        testId="remove-bid"
                      />
                    </Td>
                  </Tr>
                );
              })
            )}
          </TBody>
        </Table>
      </CardBody>
    </Card>
  );
}
