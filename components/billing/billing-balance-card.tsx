"use client";

import { formatUsd } from "@/lib/money";
import type { BillingOverview } from "@/server/billing/billing-overview";
import { Badge } from "../ui/badge";
import { Card, CardBody, CardHeader } from "../ui/card";
import { MoneyStat } from "../ui/money-stat";

const MODE_LABEL: Record<BillingOverview["mode"], string> = {
  test_credit: "Local test balance",
  prepaid: "Prepaid credit",
  invoiced: "Invoiced monthly",
};


/** The organization's money at a glance: ledger balance, what requests in flight hold, what is left, and what is owed. */
export function BillingBalanceCard({ overview }: { overview: BillingOverview | undefined }) {
  // Invoiced organizations are below zero by design until their invoice is paid: not a refund's receivable.
  const owed = overview && overview.mode !== "invoiced" && overview.receivable_nanos > 0n;
  return (
    <Card data-testid="billing-balance">
      <CardHeader
        title="Balance"
        description={
          overview?.mode === "invoiced"
            ? "Usage is billed monthly through Stripe; admission draws on your credit limit."
            : overview?.mode === "prepaid"
              ? "Prepaid credit bought through Stripe. Requests draw on it; top up before it runs out."
              : "A local test balance: nothing is charged."
        }
        actions={
          overview ? (
            <Badge tone={overview.mode === "test_credit" ? "amber" : "blue"} data-testid="billing-mode" data-mode={overview.mode}>
              {MODE_LABEL[overview.mode]}
            </Badge>
          ) : null
        }
      />
      <CardBody>
        <dl className="grid grid-cols-1 gap-4 sm:grid-cols-4">
          <MoneyStat label="Available" nanos={overview?.available_nanos} testId="billing-available" large />
          <MoneyStat label="Balance" nanos={overview?.balance_nanos} testId="billing-balance-amount" tone={owed ? "red" : undefined} />
          <MoneyStat label="In flight" nanos={overview?.in_flight_nanos} testId="billing-in-flight" />
          <MoneyStat label="Owed (receivable)" nanos={overview?.receivable_nanos} testId="billing-receivable" tone={owed ? "red" : undefined} />
        </dl>
        {owed ? (
          <p className="mt-3 text-sm text-red-700" data-testid="billing-receivable-note">
            A refund or dispute took back credit that was already spent: the balance is below zero and requests are refused until a top-up of more than {formatUsd(overview.receivable_nanos)} brings it back above zero.
          </p>
        ) : null}
        {overview?.invoicing ? (
          <p className="mt-3 text-sm text-slate-700" data-testid="billing-invoicing">
            Credit limit {formatUsd(overview.invoicing.credit_limit_nanos)} ·{" "}
            {overview.invoicing.standing === "good" ? (
              <Badge tone="green">In good standing</Badge>
            ) : (
              <Badge tone="red" data-testid="billing-past-due">
                Past due{overview.invoicing.standing_reason ? `: ${overview.invoicing.standing_reason}` : ""}
              </Badge>
            )}
          </p>
        ) : null}
      </CardBody>
    </Card>
  );
}
