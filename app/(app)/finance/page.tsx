import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { FinanceDashboard } from "@/components/finance/finance-dashboard";
import { periodFromSearchParams } from "@/components/finance/finance-period";
import { PageHeader } from "@/components/page-header";
import { canUsePlatformFinance } from "@/server/finance/access";
import { getRuntime } from "@/server/runtime";
import { requireViewer } from "../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Finance" };

/**
 * Platform finance only (server/finance/access.ts): anyone else gets a 404, not a page that admits it exists. The URL
 * holds the period (`?month=2026-11`, or `?from=…&to=…` as a half-open UTC range); none = the current UTC month.
 */
export default async function FinancePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  if (!canUsePlatformFinance(getRuntime().env.OPERATOR_EMAILS, viewer.user.email, viewer.organization?.memberRole)) notFound();
  const now = new Date();
  const { period, error } = periodFromSearchParams(await searchParams, now);
  return (
    <>
      <PageHeader title="Finance" description="Every figure here is read from the double-entry ledger and ties to it to the nano-dollar: roll-forward, revenue, period close, reconciliation with Stripe, exports and the audit log." />
      <FinanceDashboard period={period} periodError={error} currentMonth={now.toISOString().slice(0, 7)} />
    </>
  );
}
