// PLACEHOLDER (lead): helper "exports-core" replaces this body; keep the exported name.
import { EXPORT_SPECS } from "../../../../lib/export-catalog";
import { defineExport } from "../export-definition";

export const usageExport = defineExport<Record<string, string>>({
  spec: EXPORT_SPECS["usage"],
  columns: [],
  // eslint-disable-next-line require-yield
  async *rows() {
    throw new Error("not built yet");
  },
});
