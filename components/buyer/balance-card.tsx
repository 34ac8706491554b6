"use client";

import { useQuery } from "@tanstack/react-query";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Badge } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";

/** The buyer's balance. Without Stripe it is the local test credit and says so, loudly. */
export function BalanceCard() {
  const trpc = useTRPC();
  const balance = useQuery(trpc.buyer.balance.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <Card>
      {/* Every balance is local test credit until Stripe top-ups exist (DESIGN §6); the label is not optional. */}
      <CardHeader
        title="Balance"
        description={<span data-testid="balance-label">Local test balance — not a charge</span>}
        actions={<Badge tone="amber">Test credit</Badge>}
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
