"use client";

import { formatUsd } from "@/lib/money";
import type { InvoiceView } from "@/server/billing/billing-overview";
import { formatDateTime } from "../format";
import { QueryError } from "../query-state";
import { Badge, type BadgeTone } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const STATUS_TONE: Record<string, BadgeTone> = { paid: "green", open: "amber", uncollectible: "red", void: "neutral", draft: "neutral" };
const COLUMNS = 5;

/** Monthly Stripe invoices of an invoiced organization: metered usage, billed at the end of each period. */
export function InvoicesTable({ invoices, error }: { invoices: InvoiceView[] | undefined; error: unknown }) {
  return (
    <Card>
      <CardHeader title="Invoices" description="Your usage is reported to Stripe hourly and invoiced monthly. A past-due invoice stops new requests until it is paid." />
      <CardBody className="px-2">
        {error ? <QueryError error={error} /> : null}
        <Table data-testid="invoices-table">
          <THead>
            <Tr>
              <Th>Period</Th>
              <Th numeric>Due</Th>
              <Th numeric>Paid</Th>
              <Th>Status</Th>
              <Th>Invoice</Th>
            </Tr>
          </THead>
          <TBody>
            {!invoices ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : invoices.length === 0 ? (
              <EmptyRow colSpan={COLUMNS}>No invoices yet: the first one comes at the end of the billing period.</EmptyRow>
            ) : (
              invoices.map((i) => (
                <Tr key={i.id} data-testid="invoice-row" data-invoice-id={i.id}>
                  <Td className="whitespace-nowrap text-slate-600">
                    {i.period_start && i.period_end ? `${formatDateTime(i.period_start)} – ${formatDateTime(i.period_end)}` : formatDateTime(i.created_at)}
                  </Td>
                  <Td numeric>{formatUsd(i.amount_due_nanos)}</Td>
                  <Td numeric>{formatUsd(i.amount_paid_nanos)}</Td>
                  <Td>
                    <Badge tone={STATUS_TONE[i.status] ?? "neutral"} data-testid="invoice-status">
                      {i.status}
                    </Badge>
                  </Td>
                  <Td>
                    {i.hosted_invoice_url ? (
                      <a href={i.hosted_invoice_url} target="_blank" rel="noreferrer" className="text-sm underline">
                        View{i.status === "open" ? " and pay" : ""}
                      </a>
                    ) : (
                      <span className="font-mono text-xs text-slate-500">{i.id}</span>
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
