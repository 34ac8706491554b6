"use client";

import { formatUsd } from "@/lib/money";
import type { TopUpView } from "@/server/billing/top-ups/list-top-ups";
import { formatDateTime } from "../format";
import { QueryError } from "../query-state";
import { Badge, type BadgeTone } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const STATUS_TONE: Record<TopUpView["status"], BadgeTone> = { paid: "green", pending: "amber", failed: "red", expired: "neutral" };
const COLUMNS = 5;

/** Every top-up with its state: paid ones link Stripe's receipt, pending ones can still be paid. */
export function TopUpHistory({ topUps, error }: { topUps: TopUpView[] | undefined; error: unknown }) {
  return (
    <Card>
      <CardHeader title="Top-ups" description="Credit is added only when Stripe confirms the payment, exactly once." />
      <CardBody className="px-2">
        {error ? <QueryError error={error} /> : null}
        <Table data-testid="top-ups-table">
          <THead>
            <Tr>
              <Th>Started</Th>
              <Th>Kind</Th>
              <Th numeric>Amount</Th>
              <Th>Status</Th>
              <Th>Receipt</Th>
            </Tr>
          </THead>
          <TBody>
            {!topUps ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : topUps.length === 0 ? (
              <EmptyRow colSpan={COLUMNS} data-testid="top-ups-empty">
                No top-ups yet.
              </EmptyRow>
            ) : (
              topUps.map((t) => (
                <Tr key={t.id} data-testid="top-up-row" data-top-up-id={t.id}>
                  <Td className="whitespace-nowrap text-slate-600">{formatDateTime(t.created_at)}</Td>
                  <Td>{t.kind === "auto" ? "Auto top-up" : "Checkout"}</Td>
                  <Td numeric data-testid="top-up-amount-cell">
                    {formatUsd(t.amount_nanos)}
                  </Td>
                  <Td>
                    <Badge tone={STATUS_TONE[t.status]} data-testid="top-up-status" data-status={t.status}>
                      {t.status}
                    </Badge>
                    {t.failure_reason ? <div className="mt-1 text-xs text-red-700">{t.failure_reason}</div> : null}
                  </Td>
                  <Td>
                    {t.receipt_url ? (
                      <a href={t.receipt_url} target="_blank" rel="noreferrer" className="text-sm underline" data-testid="top-up-receipt">
                        Receipt
                      </a>
                    ) : t.checkout_url ? (
                      <a href={t.checkout_url} className="text-sm underline" data-testid="top-up-pay">
                        Pay now
                      </a>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
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
