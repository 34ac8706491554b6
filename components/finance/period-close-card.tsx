"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatInt } from "../format";
import { formatDateTimeZone } from "../payouts/payout-view";
import { errorMessage, QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { ConfirmButton } from "../ui/confirm-button";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { monthName } from "./finance-period";

const COLUMNS = 5;

/**
 * Closed months, and "Close <month>" for the one month that may be closed next (closes are contiguous and final):
 * two clicks, and the reason in words when it cannot be closed yet.
 */
export function PeriodCloseCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const periods = useQuery(trpc.finance.periods.queryOptions());
  const close = useMutation(
    trpc.finance.closePeriod.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.finance.periods.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.finance.overview.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.finance.audit.queryKey() }),
        ]),
    }),
  );
  const next = periods.data?.next_closeable ?? null;

  return (
    <Card data-testid="period-close">
      <CardHeader
        title="Period close"
        description="Closing a month freezes its closing balances as the next month's opening; afterwards the database refuses any entry dated inside it, and late events post into the open month with a reference to what they correct."
        actions={
          next ? (
            next.closeable ? (
              <ConfirmButton label={`Close ${monthName(next.month)}`} confirmLabel={`Close ${monthName(next.month)} for good`} pending={close.isPending} onConfirm={() => close.mutate({ month: next.month })} testId="close-period" />
            ) : (
              <Button variant="secondary" size="sm" disabled data-testid="close-period" aria-describedby="close-period-reason">
                Close {monthName(next.month)}
              </Button>
            )
          ) : null
        }
      />
      <CardBody className="space-y-3">
        {periods.error ? <QueryError error={periods.error} /> : null}
        {close.error ? <Alert tone="error">Could not close the month: {errorMessage(close.error)}</Alert> : null}
        {close.data ? (
          <Alert data-testid="close-period-result">
            Closed {monthName(close.data.month)}: {formatInt(close.data.journal_entry_count)} journal entries, {formatInt(close.data.ledger_line_count)} ledger lines frozen.
          </Alert>
        ) : null}
        {periods.data && !next ? <p className="text-sm text-slate-600">Nothing is posted yet, so there is no month to close.</p> : null}
        {next && !next.closeable ? (
          <p id="close-period-reason" className="text-sm text-slate-700" data-testid="close-period-reason">
            {monthName(next.month)} cannot be closed yet: {next.reason ?? "it has not ended."}
          </p>
        ) : null}
        {periods.data && periods.data.late_entries_in_open_period > 0 ? (
          <p className="text-sm text-amber-900">
            {formatInt(periods.data.late_entries_in_open_period)} late {periods.data.late_entries_in_open_period === 1 ? "entry" : "entries"} posted into the open period for events inside a closed month.
          </p>
        ) : null}
        <Table data-testid="closed-periods">
          <THead>
            <Tr>
              <Th>Month</Th>
              <Th>Closed</Th>
              <Th>By</Th>
              <Th numeric>Entries</Th>
              <Th numeric>Lines</Th>
            </Tr>
          </THead>
          <TBody>
            {!periods.data ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : periods.data.closed.length === 0 ? (
              <EmptyRow colSpan={COLUMNS}>No month has been closed yet.</EmptyRow>
            ) : (
              periods.data.closed.map((p) => (
                <Tr key={p.month} data-testid="closed-period" data-month={p.month}>
                  <Td>{monthName(p.month)}</Td>
                  <Td className="text-xs">{formatDateTimeZone(p.closed_at)}</Td>
                  <Td className="text-xs">{p.closed_by_email ?? "System"}</Td>
                  <Td numeric>{formatInt(p.journal_entry_count)}</Td>
                  <Td numeric>{formatInt(p.ledger_line_count)}</Td>
                </Tr>
              ))
            )}
          </TBody>
        </Table>
      </CardBody>
    </Card>
  );
}
