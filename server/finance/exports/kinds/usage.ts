import { sql } from "drizzle-orm";
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { exactUsd, roundedCentsUsd, spreadsheetSafe } from "../csv-cells";
import { defineExport, type ExportFilter } from "../export-definition";
import { cursorRows, isoText } from "../snapshot-cursor";
import type { CsvColumn } from "../stream-csv";

/** Everything arrives as text (timestamps through isoText, numbers through ::text): identical bytes on both databases. */
export type UsageRow = {
  request_id: string;
  dispatched_at: string;
  completed_at: string;
  posted_at: string;
  occurred_at: string | null;
  organization_id: string;
  api_key_id: string;
  api_key_name: string;
  model: string;
  hardware_class: string;
  provider_organization_id: string;
  machine_id: string;
  offer_id: string;
  endpoint: string;
  stream: string;
  status: string;
  error_code: string | null;
  compute_ms: string;
  billed_ms: string;
  ttft_ms: string | null;
  prompt_tokens: string;
  completion_tokens: string;
  price_nanos_per_second: string;
  cost_nanos: string;
  platform_fee_nanos: string;
  provider_credit_nanos: string;
  journal_entry_id: string;
};

const text = (key: keyof UsageRow) => (r: UsageRow) => r[key] ?? "";
const guarded = (key: keyof UsageRow) => (r: UsageRow) => spreadsheetSafe(r[key]);

const COLUMNS: CsvColumn<UsageRow>[] = [
  { header: "request_id", cell: text("request_id") },
  { header: "dispatched_at", cell: text("dispatched_at") },
  { header: "completed_at", cell: text("completed_at") },
  { header: "posted_at", cell: text("posted_at") },
  { header: "organization_id", cell: text("organization_id") },
  { header: "api_key_id", cell: text("api_key_id") },
  { header: "api_key_name", cell: guarded("api_key_name") },
  { header: "model", cell: guarded("model") },
  { header: "hardware_class", cell: guarded("hardware_class") },
  { header: "market", cell: (r) => spreadsheetSafe(`${r.model}@${r.hardware_class}`) },
  { header: "provider_organization_id", cell: text("provider_organization_id") },
  { header: "machine_id", cell: text("machine_id") },
  { header: "offer_id", cell: text("offer_id") },
  { header: "endpoint", cell: guarded("endpoint") },
  { header: "stream", cell: text("stream") },
  { header: "status", cell: text("status") },
  { header: "error_code", cell: guarded("error_code") },
  { header: "compute_ms", cell: text("compute_ms") },
  { header: "billed_ms", cell: text("billed_ms") },
  { header: "ttft_ms", cell: text("ttft_ms") },
  { header: "prompt_tokens", cell: text("prompt_tokens") },
  { header: "completion_tokens", cell: text("completion_tokens") },
  { header: "price_nanos_per_second", cell: text("price_nanos_per_second") },
  { header: "cost_nanos", cell: text("cost_nanos") },
  { header: "cost_usd_exact", cell: (r) => exactUsd(BigInt(r.cost_nanos)) },
  { header: "cost_usd_rounded", cell: (r) => roundedCentsUsd(BigInt(r.cost_nanos)) },
  { header: "platform_fee_nanos", cell: text("platform_fee_nanos") },
  { header: "provider_credit_nanos", cell: text("provider_credit_nanos") },
  { header: "journal_entry_id", cell: text("journal_entry_id") },
  { header: "occurred_at", cell: text("occurred_at") },
];

/**
 * One row per settled request whose settlement entry is POSTED in the period (journal_entries.created_at, the
 * posting date): a request completed inside a closed month but settled late appears in the open month it was
 * posted to, with `occurred_at` saying when it happened, exactly as the ledger counts it. The amounts are the
 * request's priced cost and split; settleBatch posts the same figures as the entry's lines (buyer −cost, provider
 * +credit, platform +fee), which the tie-out tests check. The organization is its id only: its name can be changed
 * by an admin after the month closes (an API key's name cannot), and a closed month's file must not change.
 */
export function usageQuery(filter: ExportFilter) {
  const where = [
    sql`je.kind = 'request_settlement'`,
    sql`je.created_at >= ${filter.period.start.toISOString()}::timestamptz`,
    sql`je.created_at < ${filter.period.end.toISOString()}::timestamptz`,
  ];
  if (filter.organizationId) where.push(sql`r.organization_id = ${filter.organizationId}`);
  if (filter.apiKeyId) where.push(sql`r.api_key_id = ${filter.apiKeyId}`);
  if (filter.modelId) where.push(sql`r.model_id = ${filter.modelId}`);
  return sql`
    select r.id as request_id,
      ${isoText(sql`r.dispatched_at`)} as dispatched_at,
      ${isoText(sql`r.completed_at`)} as completed_at,
      ${isoText(sql`je.created_at`)} as posted_at,
      ${isoText(sql`je.occurred_at`)} as occurred_at,
      r.organization_id,
      r.api_key_id, k.name as api_key_name,
      r.model_id as model, r.hardware_class, r.provider_organization_id, r.machine_id, r.offer_id, r.endpoint,
      case when r.stream then 'true' else 'false' end as stream,
      r.status, r.error_code,
      r.compute_ms::text as compute_ms, r.billed_ms::text as billed_ms, r.ttft_ms::text as ttft_ms,
      r.prompt_tokens::text as prompt_tokens, r.completion_tokens::text as completion_tokens,
      r.price_nanos_per_second::text as price_nanos_per_second,
      r.cost_nanos::text as cost_nanos, r.platform_fee_nanos::text as platform_fee_nanos,
      r.provider_earnings_nanos::text as provider_credit_nanos,
      je.id as journal_entry_id
    from journal_entries je
    join requests r on r.id = je.request_id
    join api_keys k on k.id = r.api_key_id
    where ${sql.join(where, sql` and `)}
    order by je.created_at, je.id collate "C"`;
}

export const usageExport = defineExport<UsageRow>({
  spec: EXPORT_SPECS["usage"],
  columns: COLUMNS,
  rows: (tx, filter) => cursorRows<UsageRow>(tx, usageQuery(filter)),
});
