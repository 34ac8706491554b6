"use client";

import { useQuery } from "@tanstack/react-query";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { AdjustmentsTable } from "./adjustments-table";
import { AutoTopUpForm } from "./auto-top-up-form";
import { BalanceLinesTable } from "./balance-lines-table";
import { BillingBalanceCard } from "./billing-balance-card";
import { InvoicesTable } from "./invoices-table";
import { TopUpForm } from "./top-up-form";
import { TopUpHistory } from "./top-up-history";
import { TopUpReturn } from "./top-up-return";

const REFRESH_MS = 5_000;

/**
 * The Billing page's body. Admins (the team lead) manage payments; finance members see the same page read-only.
 * Everything refreshes on its own, so a webhook that lands while the page is open shows within seconds.
 */
export function BillingDashboard({ canManage, sessionId, cancelled }: { canManage: boolean; sessionId: string | null; cancelled: boolean }) {
  const trpc = useTRPC();
  const overview = useQuery(trpc.billing.overview.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  const o = overview.data;
  // Without Stripe there are no top-ups or adjustments to show: nothing to poll.
  const payments = o?.stripe_configured === true;
  const topUps = useQuery(trpc.billing.topUps.queryOptions(undefined, { refetchInterval: REFRESH_MS, enabled: payments }));
  const adjustments = useQuery(trpc.billing.adjustments.queryOptions(undefined, { refetchInterval: REFRESH_MS * 2, enabled: payments }));
  const invoiced = o?.mode === "invoiced";
  const invoices = useQuery(trpc.billing.invoices.queryOptions(undefined, { refetchInterval: REFRESH_MS * 2, enabled: invoiced }));

  return (
    <div className="space-y-6">
      {overview.error ? <QueryError error={overview.error} /> : null}
      {o && !o.stripe_configured ? (
        <Alert tone="warning" data-testid="payments-not-configured">
          Payments are not configured: this marketplace runs on a local test balance; nothing is charged.
        </Alert>
      ) : null}
      {canManage ? <TopUpReturn sessionId={sessionId} cancelled={cancelled} topUps={topUps.data} /> : null}
      <BillingBalanceCard overview={o} />
      {o?.mode === "prepaid" && canManage && o.top_up_min_nanos !== null && o.top_up_max_nanos !== null ? <TopUpForm min_nanos={o.top_up_min_nanos} max_nanos={o.top_up_max_nanos} /> : null}
      {o?.mode === "prepaid" && o.auto_top_up && o.top_up_min_nanos !== null && o.top_up_max_nanos !== null ? (
        <AutoTopUpForm
          // Remount when the server turned it off under the form (a decline, a refund); not on this form's own save,
          // which would wipe its "Saved" message.
          key={`${o.auto_top_up.disabled_reason ?? ""}:${o.auto_top_up.disabled_at?.getTime() ?? ""}`}
          settings={o.auto_top_up}
          min_nanos={o.top_up_min_nanos}
          max_nanos={o.top_up_max_nanos}
          canManage={canManage}
        />
      ) : null}
      {o?.stripe_configured ? <TopUpHistory topUps={topUps.data} error={topUps.error} /> : null}
      {invoiced ? <InvoicesTable invoices={invoices.data} error={invoices.error} /> : null}
      {o?.stripe_configured ? <AdjustmentsTable adjustments={adjustments.data} error={adjustments.error} /> : null}
      <BalanceLinesTable />
    </div>
  );
}
