/**
 * A small, dependency-free SVG line chart: stacked panels sharing one x axis, each with its own y scale,
 * legend and grid, plus labelled vertical event markers. Enough for the market simulation's figure.
 */
export type Series = { label: string; color: string; values: (number | null)[]; dashed?: boolean; width?: number };
export type Panel = { title: string; height: number; format: (v: number) => string; series: Series[]; min_zero?: boolean };
export type Marker = { x: number; label: string };
export type ChartSpec = { title: string; subtitle?: string; width: number; x: number[]; x_label: string; x_format: (x: number) => string; panels: Panel[]; markers: Marker[] };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fix = (n: number) => (Math.round(n * 10) / 10).toString();

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function renderChart(spec: ChartSpec): string {
  const margin = { left: 84, right: 24, top: 96, gap: 64, bottom: 48 };
  const plotW = spec.width - margin.left - margin.right;
  const totalH = margin.top + spec.panels.reduce((h, p) => h + p.height + margin.gap, 0) - margin.gap + margin.bottom;
  const x0 = spec.x[0]!;
  const x1 = spec.x[spec.x.length - 1]!;
  const sx = (x: number) => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${totalH}" viewBox="0 0 ${spec.width} ${totalH}" font-family="ui-sans-serif, system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="${margin.left}" y="26" font-size="16" font-weight="600" fill="#0f172a">${esc(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${margin.left}" y="46" fill="#475569">${esc(spec.subtitle)}</text>`);

  let top = margin.top;
  for (const panel of spec.panels) {
    const values = panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
    let lo = panel.min_zero ? 0 : Math.min(...values);
    let hi = Math.max(...values);
    if (!panel.min_zero) {
      const pad = (hi - lo) * 0.08 || hi * 0.05 || 1;
      lo -= pad;
      hi += pad;
    }
    const ticks = niceTicks(lo, hi);
    lo = Math.min(lo, ticks[0]!);
    hi = Math.max(hi, ticks[ticks.length - 1]!);
    const sy = (v: number) => top + panel.height - ((v - lo) / (hi - lo || 1)) * panel.height;

    out.push(`<text x="${margin.left}" y="${top - 22}" font-weight="600" fill="#0f172a">${esc(panel.title)}</text>`);
    let lx = margin.left;
    for (const s of panel.series) {
      out.push(`<line x1="${lx}" y1="${top - 10}" x2="${lx + 18}" y2="${top - 10}" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`);
      out.push(`<text x="${lx + 22}" y="${top - 6}" fill="#334155">${esc(s.label)}</text>`);
      lx += 30 + s.label.length * 6.4;
    }
    for (const t of ticks) {
      if (t < lo || t > hi) continue;
      out.push(`<line x1="${margin.left}" y1="${fix(sy(t))}" x2="${margin.left + plotW}" y2="${fix(sy(t))}" stroke="#e2e8f0"/>`);
      out.push(`<text x="${margin.left - 8}" y="${fix(sy(t) + 4)}" text-anchor="end" fill="#64748b">${esc(panel.format(t))}</text>`);
    }
    out.push(`<rect x="${margin.left}" y="${top}" width="${plotW}" height="${panel.height}" fill="none" stroke="#cbd5e1"/>`);
    for (const m of spec.markers) out.push(`<line x1="${fix(sx(m.x))}" y1="${top}" x2="${fix(sx(m.x))}" y2="${top + panel.height}" stroke="#94a3b8" stroke-dasharray="3 3"/>`);
    for (const s of panel.series) {
      let d = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null) return void (pen = false);
        d += `${pen ? "L" : "M"}${fix(sx(spec.x[i]!))} ${fix(sy(v))}`;
        pen = true;
      });
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`);
    }
    top += panel.height + margin.gap;
  }

  const axisY = top - margin.gap;
  for (const t of niceTicks(x0, x1, 10)) {
    if (t < x0 || t > x1) continue;
    out.push(`<text x="${fix(sx(t))}" y="${axisY + 18}" text-anchor="middle" fill="#64748b">${esc(spec.x_format(t))}</text>`);
  }
  out.push(`<text x="${margin.left + plotW / 2}" y="${axisY + 38}" text-anchor="middle" fill="#475569">${esc(spec.x_label)}</text>`);
  // Event labels sit at the top of the first panel, staggered so neighbours do not overlap.
  spec.markers.forEach((m, i) => {
    out.push(`<text x="${fix(sx(m.x) + 4)}" y="${margin.top + 14 + (i % 3) * 14}" fill="#334155" font-size="11">${esc(m.label)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
