import type { Metadata } from "next";
import { MarketOffers } from "@/components/market/market-offers";
import { MarketOverview } from "@/components/market/market-overview";
import { PageHeader } from "@/components/page-header";
import { requireViewer } from "../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Market" };

export default async function MarketPage() {
  await requireViewer();
  return (
    <>
      <PageHeader title="Market" description="Spot prices per model and hardware class, their history and depth, and the live offers behind them." />
      <MarketOverview />
      <h2 className="text-lg font-semibold text-slate-900">Live offers</h2>
      <MarketOffers />
    </>
  );
}
