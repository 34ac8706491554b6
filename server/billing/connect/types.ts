/** A provider's payout account as the dashboard shows it (derived from Stripe's account object; connect/describe-payout-account.ts). */
export type PayoutAccountView = {
  /** Payments are not configured on this marketplace (no STRIPE_SECRET_KEY): nothing can be set up. */
  stripe_configured: boolean;
  stripe_account_id: string | null;
  /** not_started: no account; onboarding: details not submitted; action_required: Stripe needs more before paying; enabled: transfers and payouts work. */
  state: "not_started" | "onboarding" | "action_required" | "pending_verification" | "enabled";
  payouts_enabled: boolean;
  details_submitted: boolean;
  /** What Stripe still needs, in words, most urgent first. */
  requirements: { field: string; label: string; due: "past_due" | "currently_due" | "eventually_due" | "pending_verification" }[];
  /** Stripe's deadline for `currently_due`, if any. */
  deadline: Date | null;
  /** Why Stripe disabled the account, in words (null when it is not). */
  disabled_reason: string | null;
  /** Tax information (the platform files 1099s from what Stripe collects; we make no forms of our own). */
  tax: { status: "not_started" | "needed" | "pending_verification" | "on_file"; label: string };
};
