import { newId } from "../../../lib/ids";
import type { Queryable } from "../../../db/client";
import { auditLog } from "../../../db/schema";
import type { AuditAction, AuditActor } from "./actions";

/**
 * Appends one audit entry. Call inside the transaction that makes the change (a close, a billing change) so
 * the change and its record commit together; for reads (exports) call it before the first byte is sent.
 */
export async function recordAudit(
  q: Queryable,
  input: { actor: AuditActor; action: AuditAction; subject?: string | null; organizationId?: string | null; details?: Record<string, unknown>; at: Date },
): Promise<{ id: string }> {
  const id = newId("auditEntry");
  await q.insert(auditLog).values({
    id,
    at: input.at,
    actorUserId: input.actor?.userId ?? null,
    actorEmail: input.actor?.email ?? null,
    organizationId: input.organizationId ?? null,
    action: input.action,
    subject: input.subject ?? null,
    details: input.details ?? {},
  });
  return { id };
}
