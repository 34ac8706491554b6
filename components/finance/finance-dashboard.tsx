"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { QueryError } from "../query-state";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { AuditLogCard } from "./audit-log-card";
import { DailyCharts } from "./daily-charts";
import { ExportsCard } from "./exports-card";
import { periodInput, periodQuery, type FinancePeriod } from "./finance-period";
import { PeriodCloseCard } from "./period-close-card";
import { PeriodPicker } from "./period-picker";
import { ReconciliationCard } from "./reconciliation-card";
import { RevenueSummary } from "./revenue-summary";
import { RollForwardCard } from "./roll-forward-card";
import { TopTables } from "./top-tables";

/**
 * The Finance page's body for one period (the URL's, parsed by the page). Changing the period changes the URL, so the
 * server page re-renders with it and a link shows exactly what the sender saw.
 */
export function FinanceDashboard({ period, periodError, currentMonth }: { period: FinancePeriod; periodError: string | null; currentMonth: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  // The open month keeps changing as requests settle; a past or closed one does not.
  const live = period.kind === "month" ? period.month === currentMonth : period.to.getTime() > Date.now();
  const overview = useQuery(trpc.finance.overview.queryOptions(periodInput(period), { placeholderData: keepPreviousData, refetchInterval: live ? 30_000 : false }));
  // keepPreviousData shows the last period's figures while the next loads: only show them as this period's once they are.
  const data = overview.data && !overview.isPlaceholderData ? overview.data : undefined;

  return (
    <div className="space-y-6">
      {/* Keyed by the period so the picker's drafts follow the URL (back/forward, links). */}
      <PeriodPicker key={periodQuery(period)} period={period} currentMonth={currentMonth} onChange={(p) => router.push(`${pathname}?${periodQuery(p)}`)} />
      {periodError ? <Alert tone="error">{periodError} Showing the current month instead.</Alert> : null}
      {overview.error ? <QueryError error={overview.error} /> : null}
      <RevenueSummary rollForward={data?.roll_forward} />
      <RollForwardCard rollForward={data?.roll_forward} />
      <DailyCharts days={data?.reports.days} />
      <TopTables reports={data?.reports} />
      <PeriodCloseCard />
      <ReconciliationCard />
      <ExportsCard period={period} />
      <AuditLogCard />
    </div>
  );
}
