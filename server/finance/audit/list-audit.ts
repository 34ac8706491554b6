// PLACEHOLDER (lead): the owning helper replaces this body; keep the exported signature.
import type { ServiceContext } from "../../context";
import type { AuditAction } from "./actions";
import type { AuditEntryView } from "./types";

/** Newest first; `before` pages by (at, id) of the last entry shown. */
export async function listAudit(ctx: ServiceContext, input: { limit: number; action?: AuditAction; before?: { at: Date; id: string } }): Promise<AuditEntryView[]> {
  void ctx;
  void input;
  throw new Error("not built yet");
}
