// Reads the Prometheus text exposition format (version 0.0.4) that llama-server and vLLM serve
// at /metrics: "# HELP"/"# TYPE" comments, then `name{label="v",…} value [timestamp]` per line.

export type Sample = { labels: Record<string, string>; value: number };
export type Metrics = Map<string, Sample[]>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text); // "NaN" → NaN, like Prometheus
}

export function parsePrometheusText(text: string): Metrics {
  const metrics: Metrics = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(LABEL)) labels[k!] = v!.replace(/\\(["\\])/g, "$1").replace(/\\n/g, "\n");
    const list = metrics.get(m[1]!) ?? [];
    list.push({ labels, value: parseValue(m[3]!) });
    metrics.set(m[1]!, list);
  }
  return metrics;
}

/** Sum over every label set (e.g. one gauge per vLLM engine core); undefined when absent. */
export function sumOf(metrics: Metrics, name: string): number | undefined {
  const samples = metrics.get(name);
  if (!samples || samples.length === 0) return undefined;
  return samples.reduce((sum, s) => sum + (Number.isFinite(s.value) ? s.value : 0), 0);
}

export function maxOf(metrics: Metrics, name: string): number | undefined {
  const samples = metrics.get(name)?.filter((s) => Number.isFinite(s.value));
  if (!samples || samples.length === 0) return undefined;
  return Math.max(...samples.map((s) => s.value));
}
