// Sweep files that cannot give what they ask for are refused at start-up, before any
// browser starts or anything is written: one error naming the sweep file and the field.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSweep } from "../src/sweep/config.js";
import { sweepJsonSchema } from "../src/sweep/schema.js";
import { datasetWriterNames, registerDatasetWriter, writersNeed } from "../src/writers/registry.js";
import { pointCloudFormatNames, registerPointCloudFormat } from "../src/formats/point-cloud-formats.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-sweep-config-"));
  writeFileSync(join(dir, "tabletop.json"), readFileSync("scenes/tabletop-grasping.json"));
  writeFileSync(join(dir, "street.json"), readFileSync("scenes/urban-street.json"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeSweep(name: string, doc: object): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

const messageOf = (file: string) => loadSweep(file).then(() => "no error", (e: Error) => e.message);

describe("sweep file validation", () => {
  it("the kitti writer on a template without LiDAR is an error naming the sweep file, writers[i] and why; exit 2 and nothing written", async () => {
    const file = writeSweep("no-lidar.json", { template: "tabletop.json", frames: 2, writers: ["coco", "bop", "kitti"] });
    expect(await messageOf(file)).toMatch(/no-lidar\.json: writers\[2\]: the kitti writer exports LiDAR scans, but the template tabletop\.json has no LiDAR/);
    const out = join(dir, "out-no-lidar");
    const r = spawnSync(process.execPath, [CLI, "sweep", file, "--out", out, "--gpu", "off"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^simforge: .*no-lidar\.json: writers\[2\]: the kitti writer/)]);
    expect(existsSync(out)).toBe(false);
    // a template with a LiDAR is fine
    const street = writeSweep("street.json.sweep", { template: "street.json", frames: 2, writers: ["kitti"] });
    expect(await messageOf(street)).toBe("no error");
  });

  it("the grasps writer on a template without grasps is an error naming writers[i]; with grasps it is fine", async () => {
    const file = writeSweep("no-grasps.json", { template: "street.json", frames: 2, writers: ["coco", "grasps"] });
    expect(await messageOf(file)).toMatch(/no-grasps\.json: writers\[1\]: the grasps writer exports grasp annotations, but the template street\.json has no "grasps"/);
    const ok = await loadSweep(writeSweep("grasps.json", { template: "tabletop.json", frames: 2, writers: ["grasps"] }));
    expect(ok.writers).toEqual(["grasps"]);
  });

  it("a missing template is said as the sweep file's template field", async () => {
    const file = writeSweep("missing.json", { template: "gone/template.json", frames: 2 });
    expect(await messageOf(file)).toBe(`${file}: template: file not found: gone/template.json (${join(dir, "gone", "template.json")})`);
  });
});

describe("sweep file schema", () => {
  it("is zod's: field paths, defaults, the registered writers and formats", async () => {
    const base = { template: "tabletop.json", frames: 2 };
    expect(await messageOf(writeSweep("w.json", { ...base, writers: "coco" }))).toMatch(/w\.json: writers: expected a list of writers \(coco, bop, bop-jpg, kitti, semantickitti, grasps; frames\/ is always written\)$/);
    expect(await messageOf(writeSweep("f.json", { ...base, outputs: { lidarFormats: ["las"] } }))).toMatch(/f\.json: outputs\.lidarFormats\[0\]: expected one of "pcd", "ply", "nuscenes", got "las"$/);
    expect(await messageOf(writeSweep("t.json", { ...base, watchdog: { frameTimeout: 0 } }))).toMatch(/t\.json: watchdog\.frameTimeout: expected seconds > 0$/);
    expect(await messageOf(writeSweep("r.json", { ...base, recycle: { frames: 1.5 } }))).toMatch(/r\.json: recycle\.frames: expected frames per browser \(a positive integer\), got 1\.5$/);
    expect(await messageOf(writeSweep("m.json", { template: "tabletop.json" }))).toMatch(/m\.json: frames: missing \(expected the number of frames, a positive integer, or sequences and frames_per_sequence\)/);
    expect(await messageOf(writeSweep("o.json", { ...base, outputs: { label: false } }))).toMatch(/o\.json: outputs: unknown field "label" \(did you mean "labels"\?\)/);
    expect(await messageOf(writeSweep("g.json", { ...base, grid: {} }))).toMatch(/g\.json: grid: expected \{/);
    expect(await messageOf(writeSweep("l.json", { ...base, writers: ["coco"], outputs: { labels: false } }))).toMatch(/l\.json: outputs\.labels: the coco writer needs the label passes$/);
    const c = await loadSweep(writeSweep("ok.json", base));
    expect([c.seed, c.writers, c.outputs, c.watchdog, c.recycle, c.check]).toEqual([0, [], { rgb: true, labels: true, normals: false, lidarFormats: [] }, { frameTimeoutMs: 120_000, retries: 2 }, { frames: 1000, memoryMB: 3072 }, true]);
  });

  // Regenerate with: SIMFORGE_UPDATE_SCHEMA=1 npx vitest run test/sweep.config.test.ts
  it("matches the committed scenes/sweep.schema.json", () => {
    const committed = fileURLToPath(new URL("../scenes/sweep.schema.json", import.meta.url));
    const generated = JSON.stringify(sweepJsonSchema(), null, 2) + "\n";
    if (process.env.SIMFORGE_UPDATE_SCHEMA === "1") writeFileSync(committed, generated);
    expect(readFileSync(committed, "utf8")).toBe(generated);
    const schema = sweepJsonSchema() as { required: string[]; properties: Record<string, any> };
    expect(schema.required.sort()).toEqual(["template"]); // frames, or sequences and frames_per_sequence (checked by loadSweep)
    expect(schema.properties.writers.items.enum).toEqual(["coco", "bop", "bop-jpg", "kitti", "semantickitti", "grasps"]);
  });
});

describe("registries", () => {
  it("a writer registered in one place is a valid sweep writer, its needs decide the passes and checks", async () => {
    const written: number[] = [];
    registerDatasetWriter({ name: "count-test", summary: "test", folder: "count", needs: ["labels", "amodalMasks"], write: async (_out, frames) => void written.push(frames.length) });
    expect(datasetWriterNames()).toContain("count-test");
    expect(() => registerDatasetWriter({ name: "coco", summary: "", folder: "", needs: [], write: async () => {} })).toThrow(/already registered/);
    expect(writersNeed(["coco"], "amodalMasks")).toBe(false);
    expect(writersNeed(["coco", "count-test"], "amodalMasks")).toBe(true);
    const ok = await loadSweep(writeSweep("custom.json", { template: "tabletop.json", frames: 2, writers: ["count-test"] }));
    expect(ok.writers).toEqual(["count-test"]);
    expect(await messageOf(writeSweep("custom-nolabels.json", { template: "tabletop.json", frames: 2, writers: ["coco", "count-test"], outputs: { labels: false } }))).toMatch(/outputs\.labels: the coco and count-test writers need the label passes$/);
    registerPointCloudFormat({ name: "xyz-test", suffix: ".xyz", summary: "test", encode: () => new Uint8Array() });
    expect(pointCloudFormatNames()).toContain("xyz-test");
    expect((await loadSweep(writeSweep("fmt.json", { template: "tabletop.json", frames: 2, outputs: { lidarFormats: ["xyz-test"] } }))).outputs.lidarFormats).toEqual(["xyz-test"]);
  });
});
