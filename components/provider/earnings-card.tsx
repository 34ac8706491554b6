"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatUsd } from "@/lib/money";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { buttonClasses } from "../ui/button";
import { Card, CardBody, CardHeader } from "../ui/card";

export function EarningsCard() {
  const trpc = useTRPC();
  const earnings = useQuery(trpc.provider.earnings.queryOptions(undefined, { refetchInterval: 5_000 }));
  return (
    <Card>
      <CardHeader
        title="Earnings"
        description="Credited per request after the platform fee, paid out through Stripe after the hold period."
        actions={
          <Link href="/dashboard/payouts" className={buttonClasses("secondary", "sm")} data-testid="earnings-payouts-link">
            Payouts and statements
          </Link>
        }
      />
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
