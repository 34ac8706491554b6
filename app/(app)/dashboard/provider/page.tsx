import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { AgentTokensManager } from "@/components/provider/agent-tokens-manager";
import { EarningsCard } from "@/components/provider/earnings-card";
import { MachinesList } from "@/components/provider/machines-list";
import { publicBaseUrl, requireViewer } from "../../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Provider" };

export default async function ProviderPage() {
  await requireViewer();
  return (
    <>
      <PageHeader title="Provider" description="Sell GPU time: run the agent, watch your machines and offers, see what you earned." />
      <EarningsCard />
      <MachinesList />
      <AgentTokensManager baseUrl={publicBaseUrl()} />
    </>
  );
}
