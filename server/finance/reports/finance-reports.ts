// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { Period } from "../period";
import type { FinanceReports } from "./types";

export async function financeReports(ctx: ServiceContext, period: Period, opts?: { limit?: number }): Promise<FinanceReports> {
  void ctx;
  void period;
  void opts;
  throw new Error("not built yet");
}
