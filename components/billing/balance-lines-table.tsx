"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import clsx from "clsx";
import { useState } from "react";
import { formatUsd } from "@/lib/money";
import type { BalanceLine } from "@/server/billing/list-balance-lines";
import { formatDateTime } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const PAGE_LINES = 25;
const COLUMNS = 5;

const KIND_LABEL: Record<string, string> = {
  request_settlement: "Request",
  top_up: "Top-up",
  test_credit_grant: "Local test credit",
  refund: "Refund",
  // The journal's kinds (db/schema/ledger.ts), not the idempotency keys' suffixes.
  refund_reversal: "Refund reversed",
  dispute_withdrawal: "Dispute: funds withdrawn",
  dispute_reinstatement: "Dispute won: funds reinstated",
  invoice_payment: "Invoice paid",
  clawback: "Provider earnings returned (refund or dispute)",
  clawback_release: "Returned earnings released",
};

function Reference({ line }: { line: BalanceLine }) {
  const ids = [line.request_id, line.top_up_id, line.stripe_object_id, line.stripe_payment_intent_id, line.stripe_charge_id].filter((id): id is string => id !== null);
  if (ids.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <div className="space-y-0.5 font-mono text-xs text-slate-600">
      {[...new Set(ids)].map((id) => (
        <div key={id}>{id}</div>
      ))}
    </div>
  );
}

/** Every ledger line that moved the balance, newest first, with the balance after it; 25 a page. */
export function BalanceLinesTable() {
  const trpc = useTRPC();
  // Cursors of the pages above the one shown (empty = the newest page, which refreshes on its own).
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1) ?? null;
  const page = useQuery(trpc.billing.balanceLines.queryOptions({ cursor, limit: PAGE_LINES }, { refetchInterval: cursor ? false : 5_000, placeholderData: keepPreviousData }));
  const lines = page.data?.lines;
  return (
    <Card>
      <CardHeader title="Balance history" description="The ledger lines that moved your balance. Each request's cost is one line, exact to the nano-dollar." />
      <CardBody className="space-y-3 px-2">
        {page.error ? <QueryError error={page.error} /> : null}
        <Table data-testid="balance-lines-table">
          <THead>
            <Tr>
              <Th>Time</Th>
              <Th>What</Th>
              <Th numeric>Amount</Th>
              <Th numeric>Balance after</Th>
              <Th>Reference</Th>
            </Tr>
          </THead>
          <TBody>
            {!lines ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : lines.length === 0 ? (
              <EmptyRow colSpan={COLUMNS} data-testid="balance-lines-empty">
                Nothing has moved the balance yet.
              </EmptyRow>
            ) : (
              lines.map((l) => (
                <Tr key={l.id} data-testid="balance-line" data-kind={l.kind} data-amount-nanos={l.amount_nanos.toString()}>
                  <Td className="whitespace-nowrap text-slate-600">{formatDateTime(l.at)}</Td>
                  <Td>
                    <div>{KIND_LABEL[l.kind] ?? l.kind}</div>
                    {l.memo && l.memo !== KIND_LABEL[l.kind] ? <div className="text-xs text-slate-500">{l.memo}</div> : null}
                  </Td>
                  <Td numeric className={clsx("font-medium", l.amount_nanos < 0n ? "text-slate-800" : "text-emerald-700")}>
                    {l.amount_nanos > 0n ? "+" : ""}
                    {formatUsd(l.amount_nanos)}
                  </Td>
                  <Td numeric className={l.balance_after_nanos < 0n ? "text-red-700" : undefined} data-testid="balance-line-after">
                    {formatUsd(l.balance_after_nanos)}
                  </Td>
                  <Td>
                    <Reference line={l} />
                  </Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
        <div className="flex justify-end gap-2 px-3">
          <Button variant="secondary" size="sm" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="balance-lines-newer">
            Newer
          </Button>
          <Button
            variant="secondary"
            size="sm"
            disabled={!page.data?.next_cursor || page.isPlaceholderData}
            onClick={() => {
              const next = page.data?.next_cursor;
              if (next) setCursors((c) => [...c, next]);
            }}
            data-testid="balance-lines-older"
          >
            Older
          </Button>
        </div>
      </CardBody>
    </Card>
  );
}
