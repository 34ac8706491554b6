// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { PeriodsOverview } from "./types";

export async function listPeriods(ctx: ServiceContext): Promise<PeriodsOverview> {
  void ctx;
  throw new Error("not built yet");
}
