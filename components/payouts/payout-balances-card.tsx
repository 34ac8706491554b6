"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { formatUsd } from "@/lib/money";
import type { PayoutBalancesView } from "@/server/billing/payouts/payout-balances-view";
import { errorMessage } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";
import { MoneyStat } from "../ui/money-stat";
import { formatDateTimeZone } from "./payout-view";


const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** The provider's money by bucket (server/billing/payouts/README.md "Buckets"), the policy, the next run, and "Request payout now". */
export function PayoutBalancesCard({ balances, canAct }: { balances: PayoutBalancesView | undefined; canAct: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const early = useMutation(
    trpc.payouts.requestEarlyPayout.mutationOptions({
      onSettled: () => {
        for (const key of [trpc.payouts.balances.queryKey(), trpc.payouts.history.pathKey(), trpc.payouts.statement.pathKey()]) void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  const b = balances;
  const owed = b !== undefined && b.owed_nanos > 0n;
  const holdDays = b ? (Number.isInteger(b.hold_days) ? plural(b.hold_days, "day") : `${b.hold_days.toFixed(2)} days`) : "";
  return (
    <Card data-testid="payout-balances">
      <CardHeader
        title="Earnings and payouts"
        description={
          b
            ? `${b.hold_days > 0 ? `Earnings are held ${holdDays} (so buyers' refunds and disputes land first), then become payable.` : "Earnings are payable as soon as they are earned."} Payouts of at least ${formatUsd(b.minimum_nanos)} are sent in whole cents.`
            : "Your earnings by where they are on their way to your bank."
        }
      />
      <CardBody className="space-y-4">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-5">
          <MoneyStat label="Payable" hint="Sent at the next payout run" nanos={b?.payable_nanos} testId="payout-payable" large />
          <MoneyStat label="On hold" hint={b && b.hold_days > 0 ? `Earned in the last ${holdDays}` : "Recent earnings"} nanos={b?.on_hold_nanos} testId="payout-on-hold" />
          <MoneyStat label="In transit" hint="Sent to Stripe, not yet in your bank" nanos={b?.in_transit_nanos} testId="payout-in-transit" />
          <MoneyStat label="Paid out" hint="Arrived in your bank" nanos={b?.paid_out_nanos} testId="payout-paid-out" />
          <MoneyStat label="Owed" hint="Taken from future earnings" nanos={b?.owed_nanos} testId="payout-owed" tone={owed ? "red" : undefined} />
        </dl>
        <p className="text-xs text-slate-500">
          Ledger balance <span className="tabular-nums" data-testid="payout-balance" data-nanos={b?.balance_nanos.toString()}>{b ? formatUsd(b.balance_nanos) : "…"}</span> (on hold + payable, or − owed).
        </p>
        {owed ? (
          <p className="text-sm text-red-700" data-testid="payout-owed-note">
            A buyer&apos;s refund or dispute took back more than your remaining earnings: {formatUsd(b.owed_nanos)} is offset against what you earn next.
          </p>
        ) : null}
        {b?.stripe_configured ? (
          <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 pt-4">
            <p className="text-sm text-slate-700" data-testid="payout-next-run" data-at={b.next_run_at?.toISOString()}>
              Next scheduled payout run: {b.next_run_at ? <span className="font-medium">{formatDateTimeZone(b.next_run_at)}</span> : "—"} (every {plural(b.run_interval_hours, "hour")}).
            </p>
            {canAct ? (
              <div className="flex flex-col items-end gap-1">
                <Button onClick={() => early.mutate()} disabled={!b.early.allowed || early.isPending} data-testid="request-early-payout" aria-describedby={b.early.reason ? "early-payout-reason" : undefined}>
                  {early.isPending ? "Requesting…" : b.early.amount_nanos !== null && b.early.allowed ? `Request payout now (${formatUsd(b.early.amount_nanos)})` : "Request payout now"}
                </Button>
                {b.early.reason ? (
                  <span id="early-payout-reason" className="text-xs text-slate-600" data-testid="early-payout-reason">
                    {b.early.reason}
                  </span>
                ) : null}
              </div>
            ) : null}
          </div>
        ) : null}
        {early.data ? (
          <Alert data-testid="early-payout-result">
            Payout of {formatUsd(early.data.amount_nanos)} requested ({early.data.payoutId}): it appears in the history below as Stripe sends it.
          </Alert>
        ) : null}
        {early.error ? (
          <Alert tone="error" data-testid="early-payout-error">
            {errorMessage(early.error)}
          </Alert>
        ) : null}
      </CardBody>
    </Card>
  );
}
