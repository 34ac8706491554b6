"use client";

import { formatUsd } from "@/lib/money";
import type { PaymentAdjustmentView } from "@/server/billing/adjustments/list-payment-adjustments";
import { formatDateTime } from "../format";
import { QueryError } from "../query-state";
import { Badge, type BadgeTone } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const COLUMNS = 5;

function tone(a: PaymentAdjustmentView): BadgeTone {
  if (a.status === "succeeded" || a.status === "won") return "green";
  if (a.status === "failed" || a.status === "canceled" || a.status === "lost") return "red";
  return "amber";
}

/** Refunds and disputes of the organization's payments: each moved the balance by its amount, once. */
export function AdjustmentsTable({ adjustments, error }: { adjustments: PaymentAdjustmentView[] | undefined; error: unknown }) {
  return (
    <Card>
      <CardHeader
        title="Refunds and disputes"
        description="A refund or a dispute takes its amount back from the balance (even credit already spent: the balance then goes below zero); a won dispute gives it back."
      />
      <CardBody className="px-2">
        {error ? <QueryError error={error} /> : null}
        <Table data-testid="adjustments-table">
          <THead>
            <Tr>
              <Th>Opened</Th>
              <Th>Kind</Th>
              <Th numeric>Amount</Th>
              <Th>Status</Th>
              <Th>Stripe id</Th>
            </Tr>
          </THead>
          <TBody>
            {!adjustments ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : adjustments.length === 0 ? (
              <EmptyRow colSpan={COLUMNS} data-testid="adjustments-empty">
                No refunds or disputes.
              </EmptyRow>
            ) : (
              adjustments.map((a) => (
                <Tr key={a.id} data-testid="adjustment-row" data-adjustment-id={a.id}>
                  <Td className="whitespace-nowrap text-slate-600">{formatDateTime(a.created_at)}</Td>
                  <Td>{a.kind === "refund" ? "Refund" : "Dispute"}</Td>
                  <Td numeric>{formatUsd(a.amount_nanos)}</Td>
                  <Td>
                    <Badge tone={tone(a)} data-testid="adjustment-status">
                      {a.status.replaceAll("_", " ")}
                    </Badge>
                    {a.reason ? <div className="mt-1 text-xs text-slate-500">{a.reason.replaceAll("_", " ")}</div> : null}
                  </Td>
                  <Td className="font-mono text-xs">{a.id}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </CardBody>
    </Card>
  );
}
