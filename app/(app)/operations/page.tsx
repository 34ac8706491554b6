import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { DeadLetters } from "@/components/operations/dead-letters";
import { Invoicing } from "@/components/operations/invoicing";
import { PayoutRuns } from "@/components/operations/payout-runs";
import { StripeEvents } from "@/components/operations/stripe-events";
import { PageHeader } from "@/components/page-header";
import { isOperator } from "@/server/auth/operators";
import { getRuntime } from "@/server/runtime";
import { requireViewer } from "../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Operations" };

/** Platform operators only (OPERATOR_EMAILS): state of the whole deployment, not of one organization. */
export default async function OperationsPage() {
  const viewer = await requireViewer();
  if (!isOperator(getRuntime().env.OPERATOR_EMAILS, viewer.user.email)) notFound();
  return (
    <>
      <PageHeader title="Operations" description="Platform-wide state for the people who run this deployment." />
      <DeadLetters />
      <StripeEvents />
      <Invoicing />
      <PayoutRuns />
    </>
  );
}
