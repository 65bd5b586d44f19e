// The dataset report: a real rendered dataset plus a synthetic run log and params.json gives one
// self-contained HTML page that loads in the real browser with every image and no error.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../src/sweep/report.js";
import { launchBrowser } from "../src/render/browser.js";
import type { Manifest } from "../src/writers/manifest.js";
import { renderSweepDataset } from "./sweep.fixture.js";

let base: string;
let ds: string;
let bare: string;

const HOSTILE = `<script>alert("x")</script> & see http://example.com`;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "simforge-report-"));
  ds = join(base, "ds");
  await renderSweepDataset(ds);
  bare = join(base, "bare");
  cpSync(ds, bare, { recursive: true }); // no log, no params.json
  // a failed frame in the manifest, with an error text that must be escaped
  const manifest = JSON.parse(readFileSync(join(ds, "manifest.json"), "utf8")) as Manifest;
  manifest.frames.push({ index: 3, dir: "frames/000003", status: "failed", error: HOSTILE });
  // frames 0 and 2 were written but failed the on-the-fly QA check (recorded in their manifest entries)
  manifest.frames[0]!.qa = ["depth.png: 21 object pixels have no depth"];
  manifest.frames[2]!.qa = [`depth.png: ${HOSTILE}`];
  manifest.seed = "sweep-7";
  writeFileSync(join(ds, "manifest.json"), JSON.stringify(manifest, null, 2));
  for (let i = 0; i < 3; i++) {
    const draws = {
      "lights[0].intensity": 1 + i * 0.5,
      "objects[2].spawn#0.pose.position": [i, -i, 0.5],
      "objects[2].spawn#1.pose.position": [i + 0.5, 0, 0.5],
      "camera.fovY": 50 + i * 5,
      "objects[1].material.name": "oak",
    };
    writeFileSync(join(ds, "frames", String(i).padStart(6, "0"), "params.json"), JSON.stringify({ index: i, seed: `s${i}`, cell: 0, draws }));
  }
  const t0 = 1_700_000_000;
  const lines = [
    { t: t0, type: "start", total: 4, todo: 4, workers: 2 },
    { t: t0 + 10, type: "frame", index: 0, worker: 0, status: "done", ms: 900, attempt: 1 },
    { t: t0 + 20, type: "rss", worker: 0, mb: 310, frames: 1 },
    { t: t0 + 30, type: "frame", index: 3, worker: 1, status: "failed", ms: 50, attempt: 1, error: "page crashed <oom>" },
    { t: t0 + 40, type: "restart", worker: 1, reason: "crash" },
    { t: t0 + 70, type: "frame", index: 1, worker: 1, status: "done", ms: 800, attempt: 1 },
    { t: t0 + 80, type: "rss", worker: 1, mb: 280, frames: 1 },
    { t: t0 + 95, type: "mystery", note: "unknown types are skipped" },
    { t: t0 + 130, type: "frame", index: 2, worker: 0, status: "done", ms: 850, attempt: 1 },
    { t: t0 + 131, type: "rss", worker: 0, mb: 335, frames: 2 },
    { t: t0 + 140, type: "end", done: 3, failed: 1, reason: "finished" },
  ];
  mkdirSync(join(ds, "log"));
  writeFileSync(join(ds, "log", "run-1.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + '\n{"t": 17000001, "type": "fr');
});
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe("writeReport", () => {
  it("writes one self-contained HTML file with every section, all text escaped", async () => {
    const file = await writeReport(ds, { sample: 3 });
    expect(file).toBe(join(ds, "report.html"));
    const html = readFileSync(file, "utf8");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; see http&#58;//example.com");
    expect(html).toContain("page crashed &lt;oom&gt;");
    expect(html).toContain("sweep-7");
    expect(html).toContain("3 done, 1 failed");
    // QA failures of written frames: counted in the header, a section with links to the frames
    expect(html).toMatch(/<th>QA check<\/th><td class="mono">2 frame\(s\) failed<\/td>/);
    expect(html).toContain("<h2>QA check failures: 2 frame(s)</h2>");
    expect(html).toContain('<a href="frames/000000/">0</a></td><td class="err mono">depth.png: 21 object pixels have no depth</td>');
    expect(html).toContain('<a href="frames/000002/">2</a>');
    expect(html).toContain("depth.png: &lt;script&gt;");
    expect(html).toContain("LiDAR BEV");
    // parameters: vectors split per component, spawn counters merged, strings left out
    expect(html).toContain("objects[2].spawn.pose.position[0]");
    expect(html).not.toContain("spawn#");
    expect(html).toContain("lights[0].intensity");
    expect(html).not.toContain("material.name");
    expect(html).toContain("frames done per minute");
    expect(html).toContain("browser memory per worker");
    // 3 frames x (rgb, depth, instances, semantic) + 1 BEV + the depth legend
    expect(html.match(/<img /g)).toHaveLength(14);
    expect(html.match(/src="data:image\/(png|jpeg);base64,/g)).toHaveLength(14);
    const other = await writeReport(bare, { file: join(base, "bare.html"), sample: 2 });
    const plain = readFileSync(other, "utf8");
    expect(plain).not.toContain("Sampled parameters");
    expect(plain).toContain("no run log");
    expect(plain).toMatch(/<th>QA check<\/th><td class="mono">no failures recorded<\/td>/);
    expect(plain).not.toContain("QA check failures");
    expect(plain.match(/<img /g)).toHaveLength(10); // frames 0 and 2: 2 x 4, the BEV of frame 2, the legend
  });

  it("opens in the real browser: every image loads, no console error, a non-blank page", async () => {
    const file = await writeReport(ds);
    const { browser } = await launchBrowser("swiftshader", { networkEvents: true });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("requestfailed", (r) => errors.push(`request failed: ${r.url().slice(0, 80)}`));
      await page.setViewport({ width: 1200, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      const imgs = await page.$$eval("img", (els) => els.map((e) => ({ complete: e.complete, w: e.naturalWidth })));
      expect(imgs.length).toBe(14);
      expect(imgs.every((i) => i.complete && i.w > 0)).toBe(true);
      expect(await page.$$eval("svg.chart", (els) => els.length)).toBeGreaterThan(5);
      const shot = join(base, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      const { data, info } = await sharp(readFileSync(shot)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += info.channels) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      expect(colours.size).toBeGreaterThan(100);
      expect(info.height).toBeGreaterThan(900);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
