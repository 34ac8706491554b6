// The standard suite on real llama.cpp (tiny model): every case runs, the claim is taken from the
// right cases, a long prompt that does not fit the context is skipped rather than failing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../../../test/tiny-model";
import { createEmbeddedEngine } from "../engine/embedded";
import { formatReport } from "./format";
import { runBenchmarkSuite } from "./run-suite";
import { SUITE_VERSION } from "./suite";

let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spotlane-bench-"));
  modelPath = (await makeTinyModel(join(dir, "tiny.gguf"))).path;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("benchmark suite", () => {
  it("two slots: short and long prompt at 1 and 2 streams; the claim comes from the documented cases", async () => {
    const engine = await createEmbeddedEngine({ modelPath, slots: 2, contextSize: 2048 });
    try {
      const seen: string[] = [];
      const report = await runBenchmarkSuite(engine, { rounds: 2, onCase: (c) => seen.push(c.name) });
      expect(seen).toEqual(["short c=1", "short c=slots", "long c=1", "long c=slots"]);
      expect(report).toMatchObject({ suite_version: SUITE_VERSION, engine: "llama.cpp", quantization: "f32", context_size: 2048, slots: 2 });
      const [shortAlone, shortBusy, longAlone, longBusy] = report.cases;
      expect(shortAlone).toMatchObject({ concurrency: 1, requests: 2 });
      expect(shortBusy).toMatchObject({ concurrency: 2, requests: 4 });
      expect(longBusy).toMatchObject({ concurrency: 2, requests: 4 });
      expect(longAlone!.prompt_tokens!).toBeGreaterThan(10 * shortAlone!.prompt_tokens! / 2);
      for (const c of report.cases) {
        expect(c.ttft_p95_ms!).toBeGreaterThanOrEqual(c.ttft_p50_ms!);
        expect(c.decode_tokens_per_second_per_stream!).toBeGreaterThan(0);
      }
      expect(report.claim).toEqual({
        decode_tokens_per_second: shortBusy!.decode_tokens_per_second_per_stream,
        prefill_tokens_per_second: longAlone!.prefill_tokens_per_second,
        ttft_ms: shortAlone!.ttft_p50_ms,
        ttft_p95_ms: shortBusy!.ttft_p95_ms,
        concurrency: 2,
        suite_version: SUITE_VERSION,
      });
      const table = formatReport(report);
      expect(table).toContain(`suite ${SUITE_VERSION} · engine llama.cpp`);
      expect(table).toMatch(/short c=slots\s+2\s+\d+/);
    } finally {
      await engine.close();
    }
  });

  it("one slot and a context too small for the long prompt: no duplicate cases, long ones skipped, prefill from the short prompt", async () => {
    const engine = await createEmbeddedEngine({ modelPath, slots: 1, contextSize: 1024 });
    try {
      const report = await runBenchmarkSuite(engine, { rounds: 1 });
      expect(report.cases.map((c) => [c.name, c.skipped ? "skipped" : "ran"])).toEqual([
        ["short c=1", "ran"],
        ["long c=1", "skipped"],
      ]);
      expect(report.cases[1]!.skipped).toMatch(/context/);
      expect(report.claim).toMatchObject({ prefill_tokens_per_second: report.cases[0]!.prefill_tokens_per_second, concurrency: 1 });
      expect(formatReport(report)).toContain("long c=1: prompt is");
    } finally {
      await engine.close();
    }
  });
});
