// The suite's report as a plain-text table (what `spotlane-agent bench` prints).
import type { BenchmarkReport, CaseResult } from "./run-suite";

const num = (n: number | undefined, digits = 0) => (n === undefined ? "—" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd()).join("\n");
}

function caseRow(c: CaseResult): string[] {
  if (c.skipped) return [c.name, String(c.concurrency), "skipped", "", "", "", "", ""];
  return [
    c.name,
    String(c.concurrency),
    num(c.prompt_tokens),
    num(c.ttft_p50_ms, 1),
    num(c.ttft_p95_ms, 1),
    num(c.prefill_tokens_per_second),
    num(c.decode_tokens_per_second_per_stream, 1),
    num(c.decode_tokens_per_second_total, 1),
  ];
}

export function formatReport(r: BenchmarkReport): string {
  const header = [
    `suite ${r.suite_version} · engine ${r.engine} (${r.engine_version}) · quantization ${r.quantization} · context ${r.context_size} tokens/slot · ${r.slots} slot${r.slots === 1 ? "" : "s"}`,
    "",
  ];
  const table = formatTable([["case", "streams", "prompt tok", "TTFT p50 ms", "TTFT p95 ms", "prefill tok/s", "decode tok/s/stream", "decode tok/s total"], ...r.cases.map(caseRow)]);
  const skipped = r.cases.filter((c) => c.skipped).map((c) => `  ${c.name}: ${c.skipped}`);
  const claim = r.claim;
  const footer = [
    "",
    `claim: decode ${num(claim.decode_tokens_per_second, 1)} tok/s per slot at ${claim.concurrency} streams, prefill ${num(claim.prefill_tokens_per_second)} tok/s, TTFT p50 ${num(claim.ttft_ms, 1)} ms, p95 ${num(claim.ttft_p95_ms, 1)} ms`,
  ];
  return [...header, table, ...(skipped.length > 0 ? ["", "skipped:", ...skipped] : []), ...footer].join("\n");
}
