import type { Metadata } from "next";
import { ApiSnippet } from "@/components/buyer/api-snippet";
import { BalanceCard } from "@/components/buyer/balance-card";
import { RecentRequests } from "@/components/buyer/recent-requests";
import { StandingBids } from "@/components/buyer/standing-bids";
import { UsageExportCard } from "@/components/buyer/usage-export-card";
import { PageHeader } from "@/components/page-header";
import { publicBaseUrl, requireViewer } from "../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Overview" };

export default async function DashboardPage() {
  // Layouts are not re-run on every client navigation, so each page checks the session itself too.
  await requireViewer();
  return (
    <>
      <PageHeader title="Overview" description="Your balance, what you ran, what it cost, and the most you will pay per model." />
      <BalanceCard />
      <RecentRequests />
      <UsageExportCard />
      <StandingBids />
      <ApiSnippet baseUrl={publicBaseUrl()} />
    </>
  );
}
