"use client";

import { useQuery } from "@tanstack/react-query";
import { formatUsd } from "@/lib/money";
import { formatDateTime, formatInt, formatPricePerSecond } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const STATUS_TONE: Record<string, BadgeTone> = { completed: "green", failed: "red", aborted: "amber" };
const COLUMNS = 8;

/** The organization's last 50 requests with where they ran and what each cost. */
export function RecentRequests() {
  const trpc = useTRPC();
  const recent = useQuery(trpc.buyer.requests.recent.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <Card>
      <CardHeader title="Recent requests" description="Last 50 requests. Cost = locked price × billed time (the slot time served, never more than measured or quoted)." />
      <CardBody className="px-2">
        {recent.error ? <QueryError error={recent.error} /> : null}
        <Table data-testid="requests-table">
          <THead>
            <Tr>
              <Th>Time</Th>
              <Th>Model</Th>
              <Th>Provider machine</Th>
              <Th>Status</Th>
              <Th numeric>Billed / measured</Th>
              <Th numeric>Tokens in / out</Th>
              <Th numeric>Price</Th>
              <Th numeric>Cost</Th>
            </Tr>
          </THead>
          <TBody>
            {!recent.data ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : recent.data.length === 0 ? (
              <EmptyRow colSpan={COLUMNS} data-testid="requests-empty">
                No requests yet. Create an API key and call the API.
              </EmptyRow>
            ) : (
              recent.data.map((r) => (
                <Tr key={r.id} data-testid="request-row" data-request-id={r.id}>
                  <Td className="whitespace-nowrap text-slate-600">{formatDateTime(r.dispatched_at)}</Td>
                  <Td className="font-mono text-xs" data-testid="request-model">
                    {r.model_id}
                  </Td>
                  <Td>
                    <div>{r.machine_name ?? r.machine_id}</div>
                    <div className="text-xs text-slate-500">{r.hardware_class}</div>
                  </Td>
                  <Td>
                    <Badge tone={STATUS_TONE[r.status] ?? "neutral"} title={r.error_code ?? undefined}>
                      {r.status}
                    </Badge>
                  </Td>
                  <Td numeric title="billed slot time / dispatch to last byte">
                    {formatInt(r.billed_ms)} / {formatInt(r.compute_ms)} ms
                  </Td>
                  <Td numeric>
                    {formatInt(r.prompt_tokens)} / {formatInt(r.completion_tokens)}
                  </Td>
                  <Td numeric>{formatPricePerSecond(r.price_nanos_per_second)}</Td>
                  <Td numeric className="font-medium" data-testid="request-cost" data-cost-nanos={r.cost_nanos.toString()}>
                    {formatUsd(r.cost_nanos)}
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </CardBody>
    </Card>
  );
}
