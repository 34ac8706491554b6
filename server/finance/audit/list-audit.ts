import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { auditLog } from "../../../db/schema";
import type { ServiceContext } from "../../context";
import { ServiceError } from "../../errors";
import { AUDIT_ACTIONS, type AuditAction } from "./actions";
import type { AuditEntryView } from "./types";

export const MAX_AUDIT_PAGE = 200;

/** Newest first; `before` pages by (at, id) of the last entry shown. */
export async function listAudit(ctx: ServiceContext, input: { limit: number; action?: AuditAction; before?: { at: Date; id: string } }): Promise<AuditEntryView[]> {
  const { limit, action, before } = input;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw new ServiceError("invalid_input", `A page holds 1 to ${MAX_AUDIT_PAGE} entries.`, { param: "limit" });
  if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new ServiceError("invalid_input", "No such audited action.", { param: "action" });
  if (before && !Number.isFinite(before.at.getTime())) throw new ServiceError("invalid_input", "A page cursor needs a valid instant.", { param: "before" });
  const where: SQL[] = [];
  if (action) where.push(eq(auditLog.action, action));
  // Row comparison: entries sharing an instant are ordered by id, so a page boundary never skips or repeats one.
  if (before) where.push(sql`(${auditLog.at}, ${auditLog.id}) < (${before.at.toISOString()}::timestamptz, ${before.id})`);
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor_email: r.actorEmail,
    organization_id: r.organizationId,
    action: r.action as AuditAction,
    subject: r.subject,
    details: r.details,
  }));
}
