"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Badge } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";

/** The buyer's balance. Without Stripe it is the local test credit and says so, loudly; with Stripe it is prepaid credit. */
export function BalanceCard() {
  const trpc = useTRPC();
  const balance = useQuery(trpc.buyer.balance.queryOptions(undefined, { refetchInterval: 5_000 }));
  // Until the server says otherwise the balance is labelled as test credit: never claim real money by default.
  const test = balance.data?.is_test_balance ?? true;
  return (
    <Card>
      {/* The label is not optional (DESIGN §6): a local test balance must never look like money. */}
      <CardHeader
        title="Balance"
        description={<span data-testid="balance-label">{test ? "Local test balance — not a charge" : "Prepaid credit, bought through Stripe"}</span>}
        actions={
          test ? (
            <Badge tone="amber">Test credit</Badge>
          ) : (
            <Link href="/dashboard/billing" className="text-sm underline" data-testid="balance-billing-link">
              Billing and top-ups
            </Link>
          )
        }
      />
      <CardBody>
        {balance.error ? (
          <QueryError error={balance.error} />
        ) : (
          <dl className="grid grid-cols-1 gap-4 sm:grid-cols-3">
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Available</dt>
              <dd className="mt-1 text-2xl font-semibold tabular-nums text-slate-900" data-testid="balance" aria-busy={!balance.data}>
                {balance.data ? formatUsd(balance.data.available_nanos) : "…"}
              </dd>
            </div>
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Ledger balance</dt>
              <dd className="mt-1 text-lg tabular-nums text-slate-800" data-testid="balance-ledger">
                {balance.data ? formatUsd(balance.data.balance_nanos) : "…"}
              </dd>
            </div>
            <div>
              <dt className="text-xs tracking-wide text-slate-500 uppercase">Held by in-flight requests</dt>
              <dd className="mt-1 text-lg tabular-nums text-slate-800" data-testid="balance-held">
                {balance.data ? formatUsd(balance.data.held_nanos) : "…"}
              </dd>
            </div>
          </dl>
        )}
      </CardBody>
    </Card>
  );
}
