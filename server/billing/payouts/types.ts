import type { BankPayoutStatus, PayoutStatus, PayoutTrigger } from "../../../db/schema";

/** A provider's money by bucket (README "Buckets"), nano-USD. */
export type ProviderPayoutBalances = {
  balance_nanos: bigint;
  on_hold_nanos: bigint;
  payable_nanos: bigint;
  /** A clawback larger than what was left: taken from future earnings. */
  owed_nanos: bigint;
  in_transit_nanos: bigint;
  paid_out_nanos: bigint;
};

/** One payout as the dashboard shows it. */
export type PayoutView = {
  id: string;
  trigger: PayoutTrigger;
  amount_nanos: bigint;
  amount_reversed_nanos: bigint;
  status: PayoutStatus;
  stripe_transfer_id: string | null;
  bank_payout_id: string | null;
  bank_status: BankPayoutStatus | null;
  failure_reason: string | null;
  bank_failure_message: string | null;
  bank_arrival_at: Date | null;
  created_at: Date;
  transferred_at: Date | null;
  paid_at: Date | null;
};

export type CreatePayoutOutcome =
  | { outcome: "created"; payoutId: string; amount_nanos: bigint }
  /** Payable (rounded down to cents) is below PAYOUT_MINIMUM_USD, or zero. */
  | { outcome: "below_minimum"; payable_nanos: bigint }
  /** No connected account, or Stripe does not let it receive transfers yet (onboarding unfinished). */
  | { outcome: "account_not_ready" }
  /** Another payout of this organization is still being transferred, or this run already paid it. */
  | { outcome: "in_progress" };
