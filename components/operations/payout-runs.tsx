"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatUsd } from "@/lib/money";
import { formatDateTime } from "../format";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Card, CardBody, CardHeader } from "../ui/card";
import { ConfirmButton } from "../ui/confirm-button";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";

const COLUMNS = 6;

/** Provider payout runs (scheduled and operator-started) and "Run payouts now": pays every eligible provider what is payable. */
export function PayoutRuns() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runs = useQuery(trpc.operations.payoutRuns.queryOptions({ limit: 20 }, { refetchInterval: 5_000 }));
  const run = useMutation(trpc.operations.runPayouts.mutationOptions({ onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.operations.payoutRuns.queryKey() }) }));
  const configured = runs.data?.payouts_configured === true;
  return (
    <Card data-testid="payout-runs">
      <CardHeader
        title="Provider payouts"
        description={
          runs.data && !configured
            ? "Payouts are not configured on this marketplace (no Stripe keys)."
            : "Each run creates one Stripe transfer per provider whose payable earnings reach the minimum. A provider is paid at most once per run."
        }
        actions={configured ? <ConfirmButton label="Run payouts now" confirmLabel="Pay providers now" pending={run.isPending} onConfirm={() => run.mutate()} testId="run-payouts" /> : null}
      />
      <CardBody className="space-y-3">
        {runs.error ? <QueryError error={runs.error} /> : null}
        {run.error ? <QueryError error={run.error} /> : null}
        {run.data ? (
          <Alert data-testid="run-payouts-result">
            Run {run.data.runId}: {run.data.payouts_created} payout(s), {formatUsd(run.data.total_nanos)} in all. Transfers are being sent to Stripe.
          </Alert>
        ) : null}
        <Table data-testid="payout-runs-table">
          <THead>
            <Tr>
              <Th>Run</Th>
              <Th>Trigger</Th>
              <Th>Started</Th>
              <Th>Finished</Th>
              <Th numeric>Payouts</Th>
              <Th numeric>Total</Th>
            </Tr>
          </THead>
          <TBody>
            {!runs.data ? (
              <EmptyRow colSpan={COLUMNS}>Loading…</EmptyRow>
            ) : runs.data.runs.length === 0 ? (
              <EmptyRow colSpan={COLUMNS}>No payout runs yet.</EmptyRow>
            ) : (
              runs.data.runs.map((r) => (
                <Tr key={r.id} data-testid="payout-run" data-run-id={r.id}>
                  <Td className="font-mono text-xs">{r.id}</Td>
                  <Td>{r.trigger === "schedule" ? "Scheduled" : "Operator"}</Td>
                  <Td className="text-xs">{formatDateTime(r.started_at)}</Td>
                  <Td className="text-xs">{r.finished_at ? formatDateTime(r.finished_at) : "Running…"}</Td>
                  <Td numeric>{r.payouts_created}</Td>
                  <Td numeric data-nanos={r.total_nanos.toString()}>
                    {formatUsd(r.total_nanos)}
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
