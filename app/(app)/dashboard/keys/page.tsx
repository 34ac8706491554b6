import type { Metadata } from "next";
import { ApiKeysManager } from "@/components/buyer/api-keys-manager";
import { PageHeader } from "@/components/page-header";
import { requireViewer } from "../../../_lib/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API keys" };

export default async function KeysPage() {
  await requireViewer();
  return (
    <>
      <PageHeader title="API keys" description="Keys authenticate calls to the /v1 API. A key's secret is shown once, when you create it." />
      <ApiKeysManager />
    </>
  );
}
