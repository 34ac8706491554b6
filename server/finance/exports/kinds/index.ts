import type { ExportKind } from "../../../../lib/export-catalog";
import type { ExportDefinition } from "../export-definition";
import { adjustmentsExport } from "./adjustments";
import { buyerStatementsExport } from "./buyer-statements";
import { journalExport } from "./journal";
import { payoutsExport } from "./payouts";
import { providerStatementsExport } from "./provider-statements";
import { usageExport } from "./usage";

/** Every export kind's definition: the download handler, the tie-out tests and the benchmark all go through here. */
export const EXPORTS: Record<ExportKind, ExportDefinition<unknown>> = {
  usage: usageExport,
  journal: journalExport,
  "buyer-statements": buyerStatementsExport,
  "provider-statements": providerStatementsExport,
  payouts: payoutsExport,
  adjustments: adjustmentsExport,
};
