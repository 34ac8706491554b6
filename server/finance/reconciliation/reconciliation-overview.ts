// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { ReconciliationOverview } from "./types";

export async function reconciliationOverview(ctx: ServiceContext, input: { interval_hours: number; runs?: number }): Promise<ReconciliationOverview> {
  void ctx;
  void input;
  throw new Error("not built yet");
}
