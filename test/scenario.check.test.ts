// The scenarios pass their own QA: seeded frames of urban-street and tabletop-grasping are
// rendered in the real browser (at a smaller size, to stay fast) and `check` finds no
// problem in them. urban-street once wrote NaN depth on its lane markings and failed here.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDataset, type FrameSource } from "../src/api.js";
import { randomize } from "../src/randomize/frames.js";
import { Renderer } from "../src/render/renderer.js";
import { checkDataset } from "../src/sweep/check.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-scenario-check-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The scenario's frames at width x height (same field of view), drawn as `render --seed 1` draws them. */
function scenario(name: string, width: number, height: number, frames: number): FrameSource {
  const file = `scenes/${name}.json`;
  const t = JSON.parse(readFileSync(file, "utf8")) as { camera: { width: number; height: number } };
  t.camera.width = width;
  t.camera.height = height;
  return {
    count: frames,
    hash: `${name} ${width}x${height}`,
    get: async (i) => {
      const f = await randomize(t, 1, i, file);
      return { scene: f.scene, file, seed: f.seed };
    },
  };
}

describe("scenarios pass their own QA", () => {
  for (const [name, width, height, frames] of [["urban-street", 512, 192, 3], ["tabletop-grasping", 320, 240, 2], ["tabletop-bin", 320, 240, 2]] as const) {
    it(`${frames} seeded frames of ${name} (${width}x${height}) have no problem in check`, async () => {
      const out = join(dir, name);
      mkdirSync(out);
      const r = await Renderer.open({ gpu: "off" });
      const manifest = await writeDataset(r, scenario(name, width, height, frames), { out }).finally(() => r.close());
      expect(manifest.frames.map((f) => f.status)).toEqual(Array(frames).fill("done"));
      const c = await checkDataset(out);
      expect(c.problems).toEqual([]);
      expect(c).toMatchObject({ frames, checked: frames, failedFrames: 0, missing: [] });
      // the frames really hold objects to check
      expect(Object.values(c.classes).reduce((s, k) => s + k.pixels, 0)).toBeGreaterThan((width * height) / 2);
    });
  }
});
