/**
 * Every CSV export, as pages list them and the download handler (`/api/exports/<kind>.csv`) serves them.
 * `platform`: platform finance only (server/finance/access.ts); `organization`: also a buyer (or finance member)
 * of an organization, for that organization only, whatever `organization` parameter they send.
 */
export const EXPORT_KINDS = ["usage", "journal", "buyer-statements", "provider-statements", "payouts", "adjustments"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export type ExportSpec = {
  kind: ExportKind;
  label: string;
  description: string;
  /** `month`: exactly one calendar month; `range`: a month or any from/to range. */
  period: "month" | "range";
  scope: "platform" | "organization";
};

export const EXPORT_SPECS: Record<ExportKind, ExportSpec> = {
  usage: { kind: "usage", label: "Usage", description: "Every settled request: who, where, how long, at what price, and its journal entry.", period: "range", scope: "organization" },
  journal: { kind: "journal", label: "Journal", description: "Every journal entry and its ledger lines, with idempotency keys and Stripe ids.", period: "range", scope: "platform" },
  "buyer-statements": { kind: "buyer-statements", label: "Buyer statements", description: "Each buyer organization's month: opening credit, top-ups, usage, refunds, disputes, closing.", period: "month", scope: "platform" },
  "provider-statements": { kind: "provider-statements", label: "Provider statements", description: "Each provider organization's month: opening payable, earnings, clawbacks, payouts, closing.", period: "month", scope: "platform" },
  payouts: { kind: "payouts", label: "Payouts register", description: "Every payout claimed in the period: provider, amount, claim, and its transfer or failure as of the period's end.", period: "range", scope: "platform" },
  adjustments: { kind: "adjustments", label: "Refunds and disputes", description: "Every refund and dispute entry in the period: Stripe object, charge, top-up, amount, journal entry.", period: "range", scope: "platform" },
};

export const EXPORTS_PATH_PREFIX = "/api/exports/";

/** `/api/exports/usage.csv?month=2026-11` and the like. */
export function exportUrl(kind: ExportKind, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1]));
  const q = query.toString();
  return `${EXPORTS_PATH_PREFIX}${kind}.csv${q ? `?${q}` : ""}`;
}
