"use client";

import { useQuery } from "@tanstack/react-query";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Card, CardBody, CardHeader } from "../ui/card";

export function EarningsCard() {
  const trpc = useTRPC();
  const earnings = useQuery(trpc.provider.earnings.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <Card>
      <CardHeader title="Earnings" description="Credited per request after the platform fee. Payouts are not enabled yet." />
      <CardBody>
        {earnings.error ? (
          <QueryError error={earnings.error} />
        ) : (
          <p className="text-2xl font-semibold tabular-nums text-slate-900" data-testid="provider-earnings">
            {earnings.data ? formatUsd(earnings.data.earnings_nanos) : "…"}
          </p>
        )}
      </CardBody>
    </Card>
  );
}
