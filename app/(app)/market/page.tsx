import type { Metadata } from "next";
import { MarketOffers } from "@/components/market/market-offers";
import { PageHeader } from "@/components/page-header";
import { requireViewer } from "../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Market" };

export default async function MarketPage() {
  await requireViewer();
  return (
    <>
      <PageHeader title="Market" description="Live offers per model: hardware, ask per slot-second, and how busy they are." />
      <MarketOffers />
    </>
  );
}
