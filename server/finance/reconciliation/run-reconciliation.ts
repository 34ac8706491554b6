// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { AuditActor } from "../audit/actions";
import type { Period } from "../period";
import type { ReconciliationTrigger } from "../../../db/schema";
import type { ReconciliationRunView } from "./types";

/** Matches every Stripe-linked ledger entry in `period` (default: the last 35 days) against Stripe's balance transactions and payouts, posting Stripe's fees as platform expense first. */
export async function runReconciliation(ctx: ServiceContext, input: { trigger: ReconciliationTrigger; period?: Period; actor: AuditActor }): Promise<ReconciliationRunView> {
  void ctx;
  void input;
  throw new Error("not built yet");
}
