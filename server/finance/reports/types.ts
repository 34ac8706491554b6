/** The Finance page's charts and tables for one period (server/finance/reports/finance-reports.ts). */
export type FinanceDay = {
  /** "YYYY-MM-DD", UTC; every day of the period, zero-filled. */
  day: string;
  /** What buyers were charged for requests settled that day. */
  usage_nanos: bigint;
  /** The platform's fee on that usage (platform_revenue). */
  fees_nanos: bigint;
  /** Top-ups and paid invoices credited. */
  top_ups_nanos: bigint;
  /** Refunds and dispute withdrawals net of reversals and reinstatements (positive = money returned to buyers). */
  refunds_nanos: bigint;
  /** Paid out to providers (payout transfers net of reversals). */
  payouts_nanos: bigint;
  /** Stripe's fees posted as platform expense (positive = cost). */
  stripe_fees_nanos: bigint;
  requests: number;
};

export type TopOrganization = { organization_id: string; name: string; amount_nanos: bigint; requests: number };
export type MarketRevenue = { model_id: string; hardware_class: string; usage_nanos: bigint; fees_nanos: bigint; requests: number };

export type FinanceReports = {
  days: FinanceDay[];
  /** By what they were charged for usage, highest first. */
  top_buyers: TopOrganization[];
  /** By what they earned, highest first. */
  top_providers: TopOrganization[];
  /** By platform fee earned, highest first. */
  markets: MarketRevenue[];
};
