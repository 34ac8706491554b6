import type { Metadata } from "next";
import { BillingDashboard } from "@/components/billing/billing-dashboard";
import { PageHeader } from "@/components/page-header";
import { Alert } from "@/components/ui/alert";
import { hasRole } from "@/server/auth/roles";
import { requireViewer } from "../../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Billing" };

/** Stripe sends the buyer back with `?session_id=cs_…` (success) or `?cancelled=1`; the client confirms the first. */
export default async function BillingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  const params = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
  const role = viewer.organization?.memberRole ?? null;
  const canRead = hasRole(role, "finance");
  return (
    <>
      <PageHeader title="Billing" description="Your balance, top-ups through Stripe, auto top-up, refunds and disputes, and every ledger line that moved the balance." />
      {canRead ? (
        <BillingDashboard canManage={hasRole(role, "admin")} sessionId={first(params.session_id)} cancelled={first(params.cancelled) === "1"} />
      ) : (
        <Alert data-testid="billing-forbidden">Billing is managed by your organization&apos;s admins; finance members can read it. Ask an admin for access.</Alert>
      )}
    </>
  );
}
