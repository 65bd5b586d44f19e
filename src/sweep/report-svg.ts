/**
 * Small inline SVG charts for the dataset report, drawn by hand (no libraries, no script):
 * grouped horizontal bars, histograms / column charts and multi-series line charts. Every
 * text put into the markup goes through escapeHtml. The SVGs carry no xmlns: inline SVG in
 * HTML does not need one, and the report holds no URL at all.
 */
import { escapeHtml } from "../formats/html.js";

/** A short number for axis labels: 3 significant digits, integers as they are. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/** Smallest / largest of many numbers (no argument spread, so long arrays are fine); `empty` when there are none. */
export function minOf(values: Iterable<number>, empty = 0): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m === Infinity ? empty : m;
}
export function maxOf(values: Iterable<number>, empty = 0): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return m === -Infinity ? empty : m;
}

const SERIES_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

const text = (x: number, y: number, s: string, attrs = "") => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs ? " " + attrs : ""}>${escapeHtml(s)}</text>`;

const svgOpen = (w: number, h: number, label: string) =>
  `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(label)}" font-family="sans-serif" font-size="11">`;

/** One row per label, one bar per series (e.g. instances, visible, frames per class). */
export function groupedBars(title: string, rows: { label: string; values: number[] }[], series: string[]): string {
  const labelW = Math.min(180, 12 + 7 * Math.max(4, ...rows.map((r) => r.label.length)));
  const barH = 12, gap = 8, plotW = 360, top = 34;
  const groupH = series.length * barH + gap;
  const h = top + rows.length * groupH + 10;
  const w = labelW + plotW + 70;
  const max = Math.max(1, maxOf(rows.flatMap((r) => r.values)));
  const parts = [svgOpen(w, h, title), text(4, 14, title, 'font-weight="bold"')];
  series.forEach((s, k) => {
    const x = labelW + k * 110;
    parts.push(`<rect x="${x}" y="20" width="10" height="10" fill="${SERIES_COLORS[k % SERIES_COLORS.length]}"/>`, text(x + 14, 29, s));
  });
  rows.forEach((r, i) => {
    const y0 = top + i * groupH;
    parts.push(text(labelW - 6, y0 + (series.length * barH) / 2 + 4, r.label, 'text-anchor="end"'));
    r.values.forEach((v, k) => {
      const bw = (v / max) * plotW;
      const y = y0 + k * barH;
      parts.push(`<rect x="${labelW}" y="${y}" width="${bw.toFixed(1)}" height="${barH - 2}" fill="${SERIES_COLORS[k % SERIES_COLORS.length]}"/>`, text(labelW + bw + 4, y + barH - 3, fmtNum(v)));
    });
  });
  parts.push("</svg>");
  return parts.join("");
}

/** Columns over equal bins, with the x range under the first and last column. */
export function columns(title: string, counts: number[], xFrom: string, xTo: string, note = "", size = { w: 260, h: 120 }): string {
  const { w, h } = size;
  const left = 34, right = 8, top = 20, bottom = 30;
  const plotW = w - left - right, plotH = h - top - bottom;
  const max = Math.max(1, maxOf(counts));
  const bw = plotW / Math.max(1, counts.length);
  const parts = [svgOpen(w, h, title), text(4, 13, title, 'font-weight="bold"')];
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/>`);
  parts.push(text(left - 4, top + 8, fmtNum(max), 'text-anchor="end"'), text(left - 4, top + plotH, "0", 'text-anchor="end"'));
  counts.forEach((c, i) => {
    const bh = (c / max) * plotH;
    if (c > 0) parts.push(`<rect x="${(left + i * bw + 0.5).toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${SERIES_COLORS[0]}"/>`);
  });
  parts.push(text(left, top + plotH + 13, xFrom), text(left + plotW, top + plotH + 13, xTo, 'text-anchor="end"'));
  if (note) parts.push(text(left + plotW / 2, h - 4, note, 'text-anchor="middle" fill="#555"'));
  parts.push("</svg>");
  return parts.join("");
}

/** Histogram of `values` in `bins` equal bins over [lo, hi] (default: their range). */
export function histogram(title: string, values: number[], opts: { bins?: number; lo?: number; hi?: number; w?: number; h?: number } = {}): string {
  const finite = values.filter((v) => Number.isFinite(v));
  const bins = opts.bins ?? 20;
  const lo = opts.lo ?? minOf(finite, 0);
  const hi = opts.hi ?? maxOf(finite, 1);
  const counts = new Array<number>(hi > lo ? bins : 1).fill(0);
  for (const v of finite) counts[hi > lo ? Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins))) : 0]!++;
  const mean = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
  return columns(title, counts, fmtNum(lo), fmtNum(hi), `n = ${finite.length}, mean ${fmtNum(mean)}`, { w: opts.w ?? 260, h: opts.h ?? 120 });
}

/** Line chart of several series of [x, y] points on shared axes, with a legend. */
export function lineChart(title: string, series: { name: string; points: [number, number][] }[], xLabel: string, yLabel: string): string {
  const rowsOfLegend = Math.ceil(series.length / 6);
  const w = 520, left = 48, right = 12, top = 36 + 13 * rowsOfLegend, bottom = 34, h = top + 152 + bottom;
  const plotW = w - left - right, plotH = h - top - bottom;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const x0 = minOf(xs), x1 = maxOf(xs);
  const y0 = Math.min(0, minOf(ys)), y1 = Math.max(maxOf(ys), y0 + 1);
  const sx = (x: number) => left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * plotW : plotW / 2);
  const sy = (y: number) => top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const parts = [svgOpen(w, h, title), text(4, 13, title, 'font-weight="bold"')];
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`);
  parts.push(text(left - 4, top + 8, fmtNum(y1), 'text-anchor="end"'), text(left - 4, top + plotH, fmtNum(y0), 'text-anchor="end"'));
  parts.push(text(left, top + plotH + 13, fmtNum(x0)), text(left + plotW, top + plotH + 13, fmtNum(x1), 'text-anchor="end"'));
  parts.push(text(left + plotW / 2, h - 4, xLabel, 'text-anchor="middle" fill="#555"'), text(4, top - 6, yLabel, 'fill="#555"'));
  series.forEach((s, k) => {
    const color = SERIES_COLORS[k % SERIES_COLORS.length]!;
    const pts = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(" ")}"/>`);
    if (pts.length <= 40) for (const [x, y] of s.points) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const lx = left + (k % 6) * 78, ly = 22 + Math.floor(k / 6) * 13;
    parts.push(`<rect x="${lx}" y="${ly}" width="10" height="3" fill="${color}"/>`, text(lx + 14, ly + 5, s.name));
  });
  parts.push("</svg>");
  return parts.join("");
}
