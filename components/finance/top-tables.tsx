"use client";

import { formatUsd } from "../../lib/money";
import type { FinanceReports, TopOrganization } from "../../server/finance/reports/types";
import { formatInt } from "../format";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

function OrganizationsTable({ rows, amountLabel, empty, testId }: { rows: TopOrganization[] | undefined; amountLabel: string; empty: string; testId: string }) {
  return (
    <Table data-testid={testId}>
      <THead>
        <Tr>
          <Th>Organization</Th>
          <Th numeric>Requests</Th>
          <Th numeric>{amountLabel}</Th>
        </Tr>
      </THead>
      <TBody>
        {!rows ? (
          <EmptyRow colSpan={3}>Loading…</EmptyRow>
        ) : rows.length === 0 ? (
          <EmptyRow colSpan={3}>{empty}</EmptyRow>
        ) : (
          rows.map((o) => (
            <Tr key={o.organization_id} data-organization-id={o.organization_id} data-nanos={o.amount_nanos.toString()}>
              <Td>
                <div>{o.name}</div>
                <div className="font-mono text-xs text-slate-500">{o.organization_id}</div>
              </Td>
              <Td numeric>{formatInt(o.requests)}</Td>
              <Td numeric>{formatUsd(o.amount_nanos)}</Td>
            </Tr>
          ))
        )}
      </TBody>
    </Table>
  );
}

/** Who spent, who earned, and which markets made the platform its fees, in the period. */
export function TopTables({ reports }: { reports: FinanceReports | undefined }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card>
        <CardHeader title="Top buyers" description="By what they were charged for usage." />
        <CardBody>
          <OrganizationsTable rows={reports?.top_buyers} amountLabel="Charged" empty="No usage in this period." testId="finance-top-buyers" />
        </CardBody>
      </Card>
      <Card>
        <CardHeader title="Top providers" description="By what they earned, after the platform fee." />
        <CardBody>
          <OrganizationsTable rows={reports?.top_providers} amountLabel="Earned" empty="No earnings in this period." testId="finance-top-providers" />
        </CardBody>
      </Card>
      <Card className="lg:col-span-2">
        <CardHeader title="Markets by revenue" description="Each market (model × hardware class) by the platform fee it earned." />
        <CardBody>
          <Table data-testid="finance-markets">
            <THead>
              <Tr>
                <Th>Model</Th>
                <Th>Hardware</Th>
                <Th numeric>Requests</Th>
                <Th numeric>Usage</Th>
                <Th numeric>Platform fees</Th>
              </Tr>
            </THead>
            <TBody>
              {!reports ? (
                <EmptyRow colSpan={5}>Loading…</EmptyRow>
              ) : reports.markets.length === 0 ? (
                <EmptyRow colSpan={5}>No usage in this period.</EmptyRow>
              ) : (
                reports.markets.map((m) => (
                  <Tr key={`${m.model_id}:${m.hardware_class}`} data-fees-nanos={m.fees_nanos.toString()} data-usage-nanos={m.usage_nanos.toString()}>
                    <Td className="font-mono text-xs">{m.model_id}</Td>
                    <Td className="font-mono text-xs">{m.hardware_class}</Td>
                    <Td numeric>{formatInt(m.requests)}</Td>
                    <Td numeric>{formatUsd(m.usage_nanos)}</Td>
                    <Td numeric>{formatUsd(m.fees_nanos)}</Td>
                  </Tr>
                ))
              )}
            </TBody>
          </Table>
        </CardBody>
      </Card>
    </div>
  );
}
