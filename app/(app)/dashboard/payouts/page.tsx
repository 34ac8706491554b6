import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { PayoutsDashboard } from "@/components/payouts/payouts-dashboard";
import { Alert } from "@/components/ui/alert";
import { hasRole } from "@/server/auth/roles";
import { requireViewer } from "../../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Payouts" };

/**
 * A provider's money out (issue #10): Stripe Connect onboarding, balances by bucket, payouts, earnings over time and
 * monthly statements. Stripe sends the provider back with `?onboarding=return` (done or left) or `?onboarding=refresh`
 * (the single-use link was used or expired). Providers act; finance members read the same page.
 */
export default async function PayoutsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  const params = await searchParams;
  const raw = Array.isArray(params.onboarding) ? params.onboarding[0] : params.onboarding;
  const onboarding = raw === "return" || raw === "refresh" ? raw : null;
  const role = viewer.organization?.memberRole ?? null;
  const canRead = hasRole(role, "provider") || hasRole(role, "finance");
  return (
    <>
      <PageHeader title="Payouts" description="Get paid through Stripe: set up your payout account, see what is on hold, payable and on its way, and download monthly statements." />
      {canRead ? (
        <PayoutsDashboard canAct={hasRole(role, "provider")} onboarding={onboarding} />
      ) : (
        <Alert data-testid="payouts-forbidden">Payouts are managed by your organization&apos;s providers and admins; finance members can read them. Ask an admin for access.</Alert>
      )}
    </>
  );
}
