/** The closed set of audited actions (audit_log.action). Add here, never inline. */
export const AUDIT_ACTIONS = [
  /** A CSV export was started (subject: the kind; details: its filter; written before the first byte). */
  "export",
  /** A month was closed (subject: "2026-11"). */
  "period.close",
  /** A reconciliation with Stripe ran (subject: the run id; details: counts). */
  "reconciliation.run",
  /** An operator started a payout run (subject: the run id). */
  "payouts.run",
  /** An operator set an organization's billing terms (subject: the organization). */
  "billing.terms",
  /** An operator refunded a top-up (subject: the top-up). */
  "billing.refund",
  /** An operator replayed settlement dead letters into the ledger (details: how many settled, which failed again). */
  "settlements.replay",
  /** An operator sent failed Stripe webhook events back to the queue (details: how many). */
  "stripe_events.retry",
  /** The platform fee changed between starts (details: from, to; actor: the system, from the environment). */
  "settings.platform_fee",
  /** The payout policy changed between starts (details: from, to). */
  "settings.payout_policy",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: a signed-in user, or null for the system (a schedule, the environment read at start). */
export type AuditActor = { userId: string; email: string } | null;
