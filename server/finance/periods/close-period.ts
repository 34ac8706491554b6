// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { AuditActor } from "../audit/actions";
import type { ClosedPeriodView } from "./types";

/** Closes one month (the next closeable one only): freezes closing balances, records the close and its audit entry, in one transaction under the exclusive period lock. */
export async function closePeriod(ctx: ServiceContext, input: { month: string; actor: AuditActor }): Promise<ClosedPeriodView> {
  void ctx;
  void input;
  throw new Error("not built yet");
}
