"use client";

import type { RollForward } from "../../server/finance/roll-forward/types";
import { Card, CardBody, CardHeader } from "../ui/card";
import { MoneyStat } from "../ui/money-stat";
import { netRevenueNanos, usageTotalNanos } from "./finance-view";

/** The period's headline figures, all from the roll-forward so they tie to it: usage charged, fees, Stripe's fees, net revenue. */
export function RevenueSummary({ rollForward }: { rollForward: RollForward | undefined }) {
  const net = rollForward ? netRevenueNanos(rollForward) : undefined;
  return (
    <Card data-testid="finance-summary">
      <CardHeader title="Revenue" description="Net revenue is the platform's fees earned plus its expense (Stripe's fees, posted by reconciliation) in the period." />
      <CardBody>
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          <MoneyStat label="Usage charged" hint="What buyers were charged for requests settled in the period" nanos={rollForward ? usageTotalNanos(rollForward) : undefined} testId="finance-usage-total" />
          <MoneyStat label="Platform fees" hint="Platform revenue" nanos={net?.revenue_nanos} testId="finance-platform-revenue" />
          <MoneyStat label="Stripe fees" hint="Platform expense (negative: a cost)" nanos={net?.expense_nanos} testId="finance-platform-expense" tone={net && net.expense_nanos < 0n ? "red" : undefined} />
          <MoneyStat label="Net revenue" hint="Fees + expense" nanos={net?.net_nanos} testId="finance-net-revenue" large tone={net && net.net_nanos < 0n ? "red" : undefined} />
        </dl>
      </CardBody>
    </Card>
  );
}
