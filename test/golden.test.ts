// Golden frames: a fixed set of frames (the demo, a seed-cubes template frame, a settled
// tabletop frame, an urban-street frame with its LiDAR scan in every point cloud format)
// and the COCO, BOP and KITTI exports of them must come out byte for byte as recorded in test/golden/frames.json, so a refactor that
// changes any output byte fails here. Bytes are only identical on one rendering backend, so
// the record is keyed by the renderer string; on a renderer without a record the set is
// rendered a second time and must come out the same (and a note says so). Regenerate (after a change that is meant to alter outputs, saying why in the
// commit) with: SIMFORGE_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderFiles } from "../src/api.js";
import { writeDatasets } from "../src/writers/registry.js";

const RECORD = join(process.cwd(), "test", "golden", "frames.json");
const SCENES = ["scenes/demo.json", "scenes/seed-cubes.template.json", "scenes/tabletop-grasping.json", "scenes/urban-street.json"];

function hashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(join(root, "frames"));
  walk(join(root, "exports"));
  // the manifest less the versions of the browser and Node it ran on: those are recorded, but
  // a distribution's security update of Chromium changes no output byte (the frames say so)
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as { generator: Record<string, string> };
  manifest.generator = { ...manifest.generator, node: "(node)", browser: "(browser)" };
  out["manifest.json"] = createHash("sha256").update(JSON.stringify(manifest)).digest("hex");
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "simforge-golden-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Renders the set into `out` and exports each frame; the sha256 of every file, and the renderer string. */
async function renderSet(out: string): Promise<{ got: Record<string, string>; renderer: string }> {
  let renderer = "";
  await renderFiles(SCENES, { out, frames: 1, seed: 3, gpu: "off", lidarFormats: ["pcd", "ply", "nuscenes"], amodalMasks: true, onBrowser: (info) => (renderer = info.renderer) });
  const frames = SCENES.map((_, index) => ({ index, dir: join(out, "frames", String(index).padStart(6, "0")) }));
  // each frame exported on its own (the scenes' class tables differ)
  for (const f of frames) await writeDatasets(join(out, "exports", String(f.index)), [f], f.index === 3 ? ["coco", "kitti"] : ["coco", "bop"]);
  return { got: hashes(out), renderer };
}

describe("golden frames", () => {
  it("demo, seed-cubes, tabletop and urban-street (with LiDAR) and their exports are byte-identical to the record for this renderer", async () => {
    const { got, renderer } = await renderSet(join(dir, "out"));
    // every scene gave its frame, the street frame its scan in each format, and the writers their files
    expect(Object.keys(got).filter((f) => f.endsWith("/rgb.png"))).toHaveLength(SCENES.length);
    expect(Object.keys(got).filter((f) => /lidar_.*\.(bin|label|pcd|ply)$/.test(f)).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(got).filter((f) => /^exports\/\d\/(coco|bop|kitti)\//.test(f)).length).toBeGreaterThan(10);
    const record = JSON.parse(readFileSync(RECORD, "utf8")) as Record<string, Record<string, string>>;
    if (process.env.SIMFORGE_UPDATE_GOLDEN === "1") {
      record[renderer] = got;
      writeFileSync(RECORD, JSON.stringify(record, null, 2) + "\n");
    }
    if (record[renderer]) {
      expect(got).toEqual(record[renderer]);
    } else {
      console.warn(`golden: no record for the renderer ${JSON.stringify(renderer)} (recorded: ${Object.keys(record).join("; ")}); checking that a second render is byte-identical instead`);
      expect((await renderSet(join(dir, "again"))).got).toEqual(got);
    }
  });
});
