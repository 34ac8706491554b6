import { desc, eq, sql } from "drizzle-orm";
import { auditLog } from "../../../db/schema";
import type { Tx } from "../../../db/client";
import { payoutPolicy, type PayoutPolicy } from "../../billing/payouts/policy";
import type { ServiceContext } from "../../context";
import type { AuditAction } from "./actions";
import { recordAudit } from "./record-audit";

/** One key for every process that starts: two starting at once record a change once. */
const SETTINGS_AUDIT_LOCK = "audit:settings";

/** A setting as the audit log holds it: strings only (jsonb has no bigint), in a fixed key order. */
type SettingValue = string | Record<string, string>;

/** The payout policy in its exact units: what a change is compared on and what an auditor reads. */
export function payoutPolicySetting(policy: PayoutPolicy): Record<string, string> {
  return {
    hold_ms: String(policy.hold_ms),
    minimum_nanos: policy.minimum_nanos.toString(),
    run_interval_ms: String(policy.run_interval_ms),
    early_interval_ms: String(policy.early_interval_ms),
  };
}

/** Same value: compared as canonical JSON (keys sorted), so a reordered object is no change. */
function sameSetting(a: unknown, b: SettingValue): boolean {
  const canon = (v: unknown): string => (v && typeof v === "object" && !Array.isArray(v) ? JSON.stringify(Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)))) : JSON.stringify(v));
  return canon(a) === canon(b);
}

async function recordIfChanged(tx: Tx, action: AuditAction, to: SettingValue, at: Date): Promise<boolean> {
  const [last] = await tx.select({ details: auditLog.details }).from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(1);
  const from = last ? (last.details.to ?? null) : null;
  if (last && sameSetting(from, to)) return false;
  await recordAudit(tx, { actor: null, action, subject: null, details: { from, to }, at });
  return true;
}

/**
 * At start: when the platform fee or the payout policy differs from what the audit log last recorded, records the
 * change (actor: the system; details { from, to }, from null on the first start). The same settings again record nothing.
 */
export async function recordSettingsChanges(ctx: ServiceContext): Promise<void> {
  const at = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${SETTINGS_AUDIT_LOCK}))`);
    await recordIfChanged(tx, "settings.platform_fee", String(ctx.platform_fee_bps), at);
    await recordIfChanged(tx, "settings.payout_policy", payoutPolicySetting(payoutPolicy(ctx)), at);
  });
}
