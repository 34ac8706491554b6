"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatUsd } from "@/lib/money";
import type { PayoutView } from "@/server/billing/payouts/types";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { formatDateTimeZone } from "./payout-view";

const PAGE = 20;
const COLUMNS = 6;

const STATUS: Record<PayoutView["status"], { label: string; tone: BadgeTone }> = {
  pending: { label: "Sending", tone: "amber" },
  transferred: { label: "In transit", tone: "blue" },
  paid: { label: "Paid", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  reversed: { label: "Reversed", tone: "red" },
};
const BANK_STATUS: Record<NonNullable<PayoutView["bank_status"]>, string> = {
  pending: "Bank payout pending",
  in_transit: "On its way to your bank",
  paid: "In your bank",
  failed: "Bank payout failed",
  canceled: "Bank payout canceled",
};
const TRIGGER: Record<PayoutView["trigger"], string> = { scheduled: "Scheduled run", early: "Early (requested)", operator: "Run by the platform" };

function When({ label, at }: { label: string; at: Date | null }) {
  if (!at) return null;
  return (
    <div>
      <span className="text-slate-500">{label}</span> {formatDateTimeZone(at)}
    </div>
  );
}

/** A payout's status: a `paid` transfer whose bank payout has arrived reads "Paid"; the detail names the bank side. */
function statusOf(p: PayoutView): PayoutView["status"] {
  return p.status === "transferred" && p.bank_status === "paid" ? "paid" : p.status;
}

/** Every payout newest first: amounts, status, the Stripe transfer and bank payout ids, reasons for failures, times with their zone. */
export function PayoutHistory() {
  const trpc = useTRPC();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1) ?? null;
  const page = useQuery(trpc.payouts.history.queryOptions({ cursor, limit: PAGE }, { refetchInterval: cursor ? false : 5_000, placeholderData: keepPreviousData }));
  const rows = page.data?.payouts;
  return (
    <Card>
      <CardHeader title="Payout history" description="Each payout is one Stripe transfer to your connected account, then one payout from there to your bank." />
      <CardBody className="space-y-3 px-2">
        {page.error ? <QueryError error={page.error} /> : null}
        <Table data-testid="payout-history">
          <THead>
            <Tr>
              <Th>Payout</Th>
              <Th>Status</Th>
              <Th numeric>Amount</Th>
              <Th>Stripe transfer</Th>
              <Th>Bank payout</Th>
              <Th>When</Th>
            </Tr>
          </THead>
          <TBody>
            {!rows ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : rows.length === 0 ? (
              <EmptyRow colSpan={COLUMNS}>No payouts yet.</EmptyRow>
            ) : (
              rows.map((p) => {
                const status = statusOf(p);
                return (
                  <Tr key={p.id} data-testid="payout-row" data-payout-id={p.id} data-status={status} data-transfer-status={p.status}>
                    <Td>
                      <div className="font-mono text-xs">{p.id}</div>
                      <div className="text-xs text-slate-500">{TRIGGER[p.trigger]}</div>
                    </Td>
                    <Td>
                      <Badge tone={STATUS[status].tone} data-testid="payout-status">
                        {STATUS[status].label}
                      </Badge>
                      {p.failure_reason ? (
                        <div className="mt-1 max-w-xs text-xs text-red-700" data-testid="payout-failure">
                          {p.failure_reason}
                        </div>
                      ) : null}
                    </Td>
                    <Td numeric>
                      <span data-testid="payout-amount" data-nanos={p.amount_nanos.toString()}>
                        {formatUsd(p.amount_nanos)}
                      </span>
                      {p.amount_reversed_nanos > 0n ? (
                        <div className="text-xs text-red-700" data-testid="payout-reversed" data-nanos={p.amount_reversed_nanos.toString()}>
                          −{formatUsd(p.amount_reversed_nanos)} reversed
                        </div>
                      ) : null}
                    </Td>
                    <Td className="font-mono text-xs" data-testid="payout-transfer-id">
                      {p.stripe_transfer_id ?? "—"}
                    </Td>
                    <Td className="text-xs">
                      <div className="font-mono" data-testid="payout-bank-id">
                        {p.bank_payout_id ?? "—"}
                      </div>
                      {p.bank_status ? <div className="text-slate-600">{BANK_STATUS[p.bank_status]}</div> : null}
                      {p.bank_failure_message ? <div className="max-w-xs text-red-700">{p.bank_failure_message}</div> : null}
                      {p.bank_arrival_at && p.bank_status !== "paid" ? <div className="text-slate-500">Expected {formatDateTimeZone(p.bank_arrival_at)}</div> : null}
                    </Td>
                    <Td className="text-xs whitespace-nowrap">
                      <When label="Created" at={p.created_at} />
                      <When label="Transferred" at={p.transferred_at} />
                      <When label="Paid" at={p.paid_at} />
                    </Td>
                  </Tr>
                );
              })
            )}
          </TBody>
        </Table>
        <div className="flex justify-between px-3">
          <Button size="sm" variant="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </Button>
          <Button size="sm" variant="secondary" disabled={!page.data?.next_cursor} onClick={() => page.data?.next_cursor && setCursors((c) => [...c, page.data.next_cursor!])}>
            Older
          </Button>
        </div>
      </CardBody>
    </Card>
  );
}
