"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatUsd } from "../../lib/money";
import type { ReconciliationItemStatus } from "../../db/schema";
import type { ReconciliationItemView, ReconciliationRunView } from "../../server/finance/reconciliation/types";
import { formatInt } from "../format";
import { formatDateTimeZone } from "../payouts/payout-view";
import { errorMessage, QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "../ui/table";
import { formatInstant } from "./finance-period";

const STATUS: Record<ReconciliationItemStatus, { label: string; tone: BadgeTone }> = {
  matched: { label: "Matched", tone: "green" },
  missing_in_stripe: { label: "Missing in Stripe", tone: "red" },
  missing_in_ledger: { label: "Missing in the ledger", tone: "red" },
  amount_mismatch: { label: "Amounts differ", tone: "amber" },
};
const COLUMNS = 6;

function Amount({ nanos }: { nanos: bigint | null }) {
  return nanos === null ? <span className="text-slate-500">none</span> : <span data-nanos={nanos.toString()}>{formatUsd(nanos)}</span>;
}

function RunSummary({ run }: { run: ReconciliationRunView }) {
  return (
    <div className="space-y-2 text-sm" data-testid="reconciliation-latest" data-run-id={run.id} data-status={run.status}>
      <p className="text-slate-700">
        Latest run{" "}
        <span className="font-mono text-xs">{run.id}</span> ({run.trigger === "schedule" ? "scheduled" : "started by hand"}), for [{formatInstant(run.period.start)}, {formatInstant(run.period.end)}) UTC: started {formatDateTimeZone(run.started_at)}
        {run.finished_at ? `, finished ${formatDateTimeZone(run.finished_at)}` : ", still running"}.
      </p>
      {run.status === "failed" ? <Alert tone="error">This run failed{run.error ? `: ${run.error}` : "."}</Alert> : null}
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
        {(
          [
            ["Matched", run.matched, "matched"],
            ["Missing in Stripe", run.missing_in_stripe, "missing_in_stripe"],
            ["Missing in the ledger", run.missing_in_ledger, "missing_in_ledger"],
            ["Amounts differ", run.amount_mismatch, "amount_mismatch"],
            ["Stripe only (no entry expected)", run.stripe_only, "stripe_only"],
          ] as const
        ).map(([label, count, key]) => (
          <div key={key}>
            <dt className="text-xs tracking-wide text-slate-500 uppercase">{label}</dt>
            <dd className="mt-1 text-lg tabular-nums" data-testid={`reconciliation-count-${key}`} data-count={count}>
              {formatInt(count)}
            </dd>
          </div>
        ))}
        <div>
          <dt className="text-xs tracking-wide text-slate-500 uppercase">Stripe fees posted</dt>
          <dd className="mt-1 text-lg tabular-nums" data-testid="reconciliation-fees-posted" data-nanos={run.fees_posted_nanos.toString()}>
            {formatUsd(run.fees_posted_nanos)}
          </dd>
        </div>
      </dl>
    </div>
  );
}

function MismatchRow({ item }: { item: ReconciliationItemView }) {
  const status = STATUS[item.status];
  return (
    <Tr data-testid="reconciliation-mismatch" data-status={item.status} data-kind={item.kind} data-stripe-id={item.stripe_object_id}>
      <Td>
        <Badge tone={status.tone}>{status.label}</Badge>
        <div className="mt-1 text-xs text-slate-600">{item.kind}</div>
      </Td>
      <Td className="font-mono text-xs">
        <div>{item.stripe_object_id}</div>
        {item.stripe_account ? <div className="text-slate-500">{item.stripe_account}</div> : null}
      </Td>
      <Td numeric>
        <Amount nanos={item.ledger_nanos} />
      </Td>
      <Td numeric>
        <Amount nanos={item.stripe_nanos} />
      </Td>
      <Td className="text-xs">
        <div>{item.description}</div>
        {item.occurred_at ? <div className="text-slate-500">{formatDateTimeZone(item.occurred_at)}</div> : null}
      </Td>
      <Td className="font-mono text-xs">{item.journal_entry_ids.length === 0 ? "—" : item.journal_entry_ids.map((id) => <div key={id}>{id}</div>)}</Td>
    </Tr>
  );
}

/**
 * Stripe against the ledger: the latest run's counts, "Reconcile now", and whatever the latest completed run could not
 * match. Without Stripe keys there is nothing to reconcile, and the card says so.
 */
export function ReconciliationCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const overview = useQuery(trpc.finance.reconciliation.queryOptions(undefined, { refetchInterval: (q) => (q.state.data?.latest?.status === "running" ? 3_000 : 30_000) }));
  const run = useMutation(
    trpc.finance.runReconciliation.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.finance.reconciliation.queryKey() }),
          // A run posts Stripe's fees as platform expense: the roll-forward changes.
          queryClient.invalidateQueries({ queryKey: trpc.finance.overview.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.finance.audit.queryKey() }),
        ]),
    }),
  );
  const data = overview.data;
  const available = data?.available === true;

  return (
    <Card data-testid="reconciliation">
      <CardHeader
        title="Reconciliation with Stripe"
        description="Every Stripe-linked ledger entry matched against Stripe's balance transactions and payouts; Stripe's fees are posted as platform expense first."
        actions={
          available ? (
            <Button variant="secondary" size="sm" onClick={() => run.mutate(undefined)} disabled={run.isPending} data-testid="run-reconciliation">
              {run.isPending ? "Reconciling…" : "Reconcile now"}
            </Button>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        {overview.error ? <QueryError error={overview.error} /> : null}
        {run.error ? <Alert tone="error">Could not reconcile: {errorMessage(run.error)}</Alert> : null}
        {!data ? (
          <p className="text-sm text-slate-500">Loading…</p>
        ) : !available ? (
          <Alert data-testid="reconciliation-unavailable">Stripe is not configured on this marketplace (STRIPE_SECRET_KEY is unset): no money moved through Stripe, so there is nothing to reconcile.</Alert>
        ) : (
          <>
            {data.latest ? <RunSummary run={data.latest} /> : <p className="text-sm text-slate-600">No reconciliation has run yet.</p>}
            {data.next_scheduled_at ? <p className="text-xs text-slate-500">Next scheduled run: {formatDateTimeZone(data.next_scheduled_at)}.</p> : null}
            <Table data-testid="reconciliation-mismatches" data-count={data.open_mismatches.length}>
              <THead>
                <Tr>
                  <Th>Status · kind</Th>
                  <Th>Stripe id</Th>
                  <Th numeric>Ledger (net)</Th>
                  <Th numeric>Stripe (net)</Th>
                  <Th>Description</Th>
                  <Th>Journal entries</Th>
                </Tr>
              </THead>
              <TBody>
                {data.open_mismatches.length === 0 ? (
                  <EmptyRow colSpan={COLUMNS}>{data.latest ? "No open mismatches: everything the latest run checked matched." : "Run a reconciliation to compare the ledger with Stripe."}</EmptyRow>
                ) : (
                  data.open_mismatches.map((item) => <MismatchRow key={item.id} item={item} />)
                )}
              </TBody>
            </Table>
          </>
        )}
      </CardBody>
    </Card>
  );
}
