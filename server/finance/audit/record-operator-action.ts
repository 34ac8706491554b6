import type { ServiceContext } from "../../context";
import type { Logger } from "../../logger";
import type { AuditAction } from "./actions";
import { recordAudit } from "./record-audit";

/**
 * Records an operator's action that has already happened (a Stripe refund, a payout run, new billing terms): the
 * services behind them commit (and call Stripe) on their own, so the record follows their success. It never
 * throws: the action is done, and an error here would invite the operator to repeat it (a second refund). A
 * failed record goes to the log with everything the entry would have held.
 */
export async function recordOperatorAction(
  ctx: ServiceContext,
  logger: Logger | undefined,
  entry: { user: { id: string; email: string }; action: AuditAction; subject: string; organizationId?: string | null; details: Record<string, string> },
): Promise<void> {
  try {
    await recordAudit(ctx.db, { actor: { userId: entry.user.id, email: entry.user.email }, action: entry.action, subject: entry.subject, organizationId: entry.organizationId ?? null, details: entry.details, at: ctx.now() });
  } catch (err) {
    logger?.error({ err, audit: { ...entry, user: entry.user.id } }, "could not record an operator action in the audit log");
  }
}
