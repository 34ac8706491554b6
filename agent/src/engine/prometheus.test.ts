import { describe, expect, it } from "vitest";
import { maxOf, parsePrometheusText, sumOf } from "./prometheus";

describe("Prometheus text format", () => {
  it("reads llama-server's unlabelled gauges and counters", () => {
    const m = parsePrometheusText(
      [
        "# HELP llamacpp:requests_processing Number of requests processing.",
        "# TYPE llamacpp:requests_processing gauge",
        "llamacpp:requests_processing 2",
        "# HELP llamacpp:requests_deferred Number of requests deferred.",
        "# TYPE llamacpp:requests_deferred gauge",
        "llamacpp:requests_deferred 1",
        "llamacpp:predicted_tokens_seconds 52.9449",
      ].join("\n"),
    );
    expect(sumOf(m, "llamacpp:requests_processing")).toBe(2);
    expect(sumOf(m, "llamacpp:requests_deferred")).toBe(1);
    expect(sumOf(m, "llamacpp:predicted_tokens_seconds")).toBeCloseTo(52.9449);
    expect(sumOf(m, "llamacpp:missing")).toBeUndefined();
  });

  it("reads vLLM's labelled samples (escapes, timestamps, NaN, +Inf) and sums across engines", () => {
    const m = parsePrometheusText(
      [
        'vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0',
        'vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0 1712345678000',
        'vllm:kv_cache_usage_perc{engine="0",model_name="a \\"quoted\\" name"} 0.25',
        'vllm:kv_cache_usage_perc{engine="1",model_name="x"} 0.5',
        'vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="x"} 7.0',
        "vllm:weird NaN",
        "not a metric line at all {",
      ].join("\r\n"),
    );
    expect(sumOf(m, "vllm:num_requests_running")).toBe(4);
    expect(maxOf(m, "vllm:kv_cache_usage_perc")).toBe(0.5);
    expect(m.get("vllm:kv_cache_usage_perc")![0]!.labels).toEqual({ engine: "0", model_name: 'a "quoted" name' });
    expect(m.get("vllm:e2e_request_latency_seconds_bucket")![0]!.labels.le).toBe("+Inf");
    expect(maxOf(m, "vllm:weird")).toBeUndefined();
  });
});
