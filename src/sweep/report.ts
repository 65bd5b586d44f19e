/**
 * `writeReport`: one self-contained HTML page about a dataset directory, for a human to skim
 * after a sweep: header (frame counts, renderer, config hash, seed), a contact sheet of an
 * evenly spaced sample of frames (RGB, depth, instances, semantics, LiDAR bird's-eye view),
 * class balance and visible-fraction histograms, distributions of the randomizer's numeric
 * draws, failures, throughput and browser memory. Images are inlined as data: URIs and
 * charts are inline SVG; the page has no script and references no URL.
 */
import { dirname, join, relative, sep } from "node:path";
import { loadManifest, type Manifest } from "../writers/manifest.js";
import { writeFileAtomic } from "../formats/atomic.js";
import { mapPool, readRunLog, type LogEvent } from "./dataset-files.js";
import { evenSample, gatherReportData, MAX_SCAN, type ReportData } from "./report-data.js";
import { frameThumbs, img, turboLegend, type FrameThumbs } from "./report-images.js";
import { groupNotes, NOTE_TITLES } from "./notes.js";
import { sequenceSection } from "./report-sequence.js";
import { escapeHtml as esc } from "../formats/html.js";
import { columns, fmtNum, groupedBars, histogram, lineChart } from "./report-svg.js";

const MAX_FAILURE_ROWS = 500;
const MAX_CLASS_HISTOGRAMS = 12;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: 3px 8px; text-align: left; vertical-align: top; font-size: 13px; }
table.kv th { color: #555; font-weight: normal; } table.rows td, table.rows th { border-bottom: 1px solid #e4e4e4; }
.sheet td { padding: 4px; } .sheet img { display: block; image-rendering: pixelated; border: 1px solid #ccc; background: #000; }
.cap { font-size: 12px; color: #555; } .sheet .cap { font-size: 11px; } .missing { color: #999; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .chart { background: #fff; border: 1px solid #e4e4e4; }
code, .mono { font-family: ui-monospace, monospace; font-size: 12px; } .err { white-space: pre-wrap; max-width: 900px; }
`;

const rendererText = (r: unknown): string => {
  if (typeof r === "string") return r;
  if (r && typeof r === "object") {
    const o = r as Record<string, unknown>;
    const parts = [o["webgl"], o["vendor"] && `vendor ${String(o["vendor"])}`, o["gpu"] !== undefined && `gpu ${String(o["gpu"])}`].filter((x) => typeof x === "string" && x !== "");
    return parts.length > 0 ? parts.join("; ") : JSON.stringify(r);
  }
  return "unknown";
};


function header(m: Manifest, log: LogEvent[], data: ReportData): string {
  const done = m.frames.filter((f) => f.status === "done").length;
  const failed = m.frames.length - done;
  const gen = m.generator ? Object.entries(m.generator).map(([k, v]) => `${k} ${String(v)}`).join(", ") : "";
  const start = log.find((e) => e.type === "start");
  const end = [...log].reverse().find((e) => e.type === "end");
  const rows: [string, string][] = [
    ["frames", `${m.frames.length} total: ${done} done, ${failed} failed`],
    ["renderer", rendererText(m.renderer)],
    ["generator", gen],
    ["config hash", m.config_hash ?? ""],
    ["seed", m.seed === undefined ? "—" : String(m.seed)],
  ];
  if (start) rows.push(["run", `${typeof start["workers"] === "number" ? `${start["workers"]} worker(s), ` : ""}started ${new Date(start.t * 1000).toISOString()}`]);
  if (end) rows.push(["end", `${String(end["done"] ?? "?")} done, ${String(end["failed"] ?? "?")} failed${typeof end["reason"] === "string" ? ` (${end["reason"]})` : ""}`]);
  const qa = data.notes.filter((n) => n.kind === "qa").length;
  rows.push(["QA check", qa ? `${qa} frame(s) failed` : "no failures recorded"]);
  if (data.scanned < done) rows.push(["note", `statistics below read an evenly spaced sample of ${data.scanned} of ${done} done frames (at most ${MAX_SCAN})`]);
  const kv = rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="mono">${esc(v)}</td></tr>`).join("");
  return `<h1>simforge dataset report</h1><table class="kv">${kv}</table>`;
}

async function contactSheet(outDir: string, m: Manifest, sample: number): Promise<string> {
  const frames = evenSample(m.frames.filter((f) => f.status === "done"), sample);
  if (frames.length === 0) return "<h2>Contact sheet</h2><p class=\"missing\">no done frames</p>";
  const thumbs = await mapPool(frames, 4, (f) => frameThumbs(join(outDir, f.dir)));
  const hasBev = thumbs.some((t) => t.bev);
  const cols: [string, (t: FrameThumbs) => string][] = [
    ["RGB", (t) => (t.rgb ? img(t.rgb, "rgb") : "")],
    ["depth", (t) => (t.depth ? img(t.depth, "depth") + `<div class="cap">${fmtNum(t.depth.near)}–${fmtNum(t.depth.far)} m</div>` : "")],
    ["instances", (t) => (t.instance ? img(t.instance, "instance mask") : "")],
    ["semantic", (t) => (t.semantic ? img(t.semantic, "semantic preview") : "")],
  ];
  if (hasBev) cols.push(["LiDAR BEV", (t) => (t.bev ? img(t.bev, `lidar ${t.bev.name}`) + `<div class="cap">${esc(t.bev.name)}</div>` : "")]);
  if (thumbs.some((t) => t.grasps)) cols.push(["grasps (best 5)", (t) => (t.grasps ? img(t.grasps, "best grasps") : "")]);
  const head = `<tr><th>frame</th>${cols.map(([name]) => `<th>${esc(name)}</th>`).join("")}</tr>`;
  const body = frames
    .map((f, i) => {
      const cells = cols.map(([, cell]) => `<td>${cell(thumbs[i]!) || '<span class="missing">—</span>'}</td>`).join("");
      return `<tr><td class="mono">${esc(String(f.index))}<div class="cap">${esc(f.dir)}</div></td>${cells}</tr>`;
    })
    .join("");
  const legend = await turboLegend();
  return `<h2>Contact sheet</h2><p class="cap">${frames.length} evenly spaced of ${m.frames.filter((f) => f.status === "done").length} done frames. Depth: ${img(legend, "depth colormap")} near → far, black = no surface.</p><table class="sheet">${head}${body}</table>`;
}

function classSection(data: ReportData): string {
  if (data.classes.length === 0) return "<h2>Classes</h2><p class=\"missing\">no annotations</p>";
  const bars = groupedBars("objects per class", data.classes.map((c) => ({ label: c.name, values: [c.instances, c.visible, c.frames] })), ["instances", "visible", "frames"]);
  const all = data.classes.flatMap((c) => c.fractions);
  const hists = [histogram("visible fraction, all classes", all, { lo: 0, hi: 1, bins: 10 })];
  for (const c of data.classes.slice(0, MAX_CLASS_HISTOGRAMS)) if (c.fractions.length > 0) hists.push(histogram(`visible fraction: ${c.name}`, c.fractions, { lo: 0, hi: 1, bins: 10 }));
  return `<h2>Classes</h2><div class="charts">${bars}</div><div class="charts" style="margin-top:12px">${hists.join("")}</div>`;
}

function paramsSection(data: ReportData): string {
  if (data.params.frames === 0) return "";
  const { shown, paths, frames } = data.params;
  const note = paths > shown.length ? ` (the ${shown.length} most frequent of ${paths} numeric parameters)` : "";
  const charts = shown.map((p) => histogram(p.path, p.values));
  return `<h2>Sampled parameters</h2><p class="cap">numeric draws of params.json in ${frames} frame(s)${esc(note)}; <code>#k</code> spawn counters merged</p><div class="charts">${charts.join("") || '<span class="missing">no numeric draws</span>'}</div>`;
}

/**
 * A section per kind of problem in frames that were written (QA check failures, physics
 * warnings, placement shortfalls): how many frames, and each frame linked to its directory.
 */
function notesSections(data: ReportData, m: Manifest, linkTo: (dir: string) => string): string {
  const dirOf = new Map(m.frames.map((f) => [f.index, f.dir]));
  const sampled = data.scanned < m.frames.filter((f) => f.status === "done").length;
  return [...groupNotes(data.notes)]
    .map(([kind, list]) => {
      const rows = list
        .slice(0, MAX_FAILURE_ROWS)
        .map((n) => {
          const dir = dirOf.get(n.index);
          const frame = dir ? `<a href="${esc(linkTo(dir))}">${esc(String(n.index))}</a>` : esc(String(n.index));
          return `<tr><td class="mono">${frame}</td><td class="err mono">${n.messages.map(esc).join("<br>")}</td></tr>`;
        })
        .join("");
      const more = list.length > MAX_FAILURE_ROWS ? `<p class="cap">… ${list.length - MAX_FAILURE_ROWS} more</p>` : "";
      const of = kind !== "qa" && sampled ? ` of the ${data.scanned} frames read` : "";
      return `<h2>${esc(NOTE_TITLES[kind])}: ${list.length} frame(s)</h2><p class="cap">${list.length} frame(s)${of}</p><table class="rows"><tr><th>frame</th><th>messages</th></tr>${rows}</table>${more}`;
    })
    .join("\n");
}

function failureSection(data: ReportData): string {
  const qa = data.notes.filter((n) => n.kind === "qa").length;
  if (data.failures.length === 0) return `<h2>Failures</h2><p>${qa ? `no frame failed to render; ${qa} frame(s) failed the QA check (above)` : "none"}</p>`;
  const rows = data.failures
    .slice(0, MAX_FAILURE_ROWS)
    .map((f) => `<tr><td class="mono">${f.index === null ? "—" : esc(String(f.index))}</td><td>${esc(f.source)}</td><td class="err mono">${esc(f.error)}</td></tr>`)
    .join("");
  const more = data.failures.length > MAX_FAILURE_ROWS ? `<p class="cap">… ${data.failures.length - MAX_FAILURE_ROWS} more</p>` : "";
  return `<h2>Failures</h2><table class="rows"><tr><th>frame</th><th>source</th><th>error</th></tr>${rows}</table>${more}`;
}

function runSection(data: ReportData): string {
  const parts: string[] = [];
  if (data.perMinute) {
    const n = data.perMinute.length;
    parts.push(columns("frames done per minute", data.perMinute, "minute 0", `minute ${n - 1}`, `${data.perMinute.reduce((a, b) => a + b, 0)} frames over ${n} minute(s)`, { w: 520, h: 180 }));
  }
  if (data.rss.length > 0) parts.push(lineChart("browser memory per worker", data.rss, "frames rendered by the worker", "RSS, MB"));
  if (parts.length === 0) return "<h2>Run</h2><p class=\"missing\">no run log (OUT/log/*.jsonl)</p>";
  return `<h2>Run</h2><div class="charts">${parts.join("")}</div>`;
}

/** Write the report of the dataset in `outDir` (default OUT/report.html) and return its path. */
export async function writeReport(outDir: string, options: { file?: string; sample?: number } = {}): Promise<string> {
  const manifest = await loadManifest(outDir);
  const log = await readRunLog(outDir);
  const data = await gatherReportData(outDir, manifest, log);
  const file = options.file ?? join(outDir, "report.html");
  const sample = Math.max(0, Math.floor(options.sample ?? 12));
  const linkTo = (dir: string) => `${relative(dirname(file), join(outDir, dir)).split(sep).join("/")}/`;
  const body = [header(manifest, log, data), notesSections(data, manifest, linkTo), await contactSheet(outDir, manifest, sample), await sequenceSection(outDir), classSection(data), paramsSection(data), failureSection(data), runSection(data)].join("\n");
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>simforge report</title>
<style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
  await writeFileAtomic(file, html);
  return file;
}
