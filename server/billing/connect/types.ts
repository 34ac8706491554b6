/** A provider's payout account as the dashboard shows it (derived from Stripe's account object; connect/describe-payout-account.ts). */
export type PayoutAccountView = {
  /** Payments are not configured on this marketplace (no STRIPE_SECRET_KEY): nothing can be set up. */
  stripe_configured: boolean;
  stripe_account_id: string | null;
  /**
   * not_started: no account. onboarding: the provider has not finished Stripe's onboarding. action_required: Stripe
   * needs something now (past or currently due; payouts may still work until `deadline`) or disabled the account.
   * pending_verification: everything is submitted, Stripe is checking it. enabled: payouts work, nothing is due now
   * (`eventually_due` items may still be listed).
   */
  state: "not_started" | "onboarding" | "action_required" | "pending_verification" | "enabled";
  payouts_enabled: boolean;
  details_submitted: boolean;
  /** Payouts can be sent now: payouts enabled and the `transfers` capability active (what createPayout requires). */
  can_receive_payouts: boolean;
  /**
   * What Stripe still needs, in words, most urgent first, one entry per label (Stripe lists `tos_acceptance.date`
   * and `tos_acceptance.ip`; the provider has one thing to do). `error`: why Stripe refused what was given, if it did.
   */
  requirements: { field: string; label: string; due: "past_due" | "currently_due" | "eventually_due" | "pending_verification"; error: string | null }[];
  /** Stripe's deadline for `currently_due`, if any. */
  deadline: Date | null;
  /** Why Stripe disabled the account, in words (null when it is not). */
  disabled_reason: string | null;
  /** Tax information (the platform files 1099s from what Stripe collects; we make no forms of our own). */
  tax: { status: "not_started" | "needed" | "pending_verification" | "on_file"; label: string };
};
