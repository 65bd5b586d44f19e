// The tabletop-grasping scenario: every class shows up, objects settle without floating or
// interpenetrating, and frames render with every declared class in the semantic masks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { randomize } from "../src/randomize/frames.js";
import { classesSeen } from "./helpers.js";

const FILE = "scenes/tabletop-grasping.json";
const template = JSON.parse(readFileSync(FILE, "utf8"));

describe("tabletop-grasping", () => {
  it("settled frames: at rest objects touch their support (gap < 2 mm) and interpenetrate < 1 mm; 3-15 objects", async () => {
    let atRest = 0;
    for (let i = 0; i < 10; i++) {
      const f = await randomize(template, 11, i, FILE);
      const spawned = f.scene.objects.filter((o) => o.id >= 100 && o.id < 200); // 200 on: distractors
      expect(spawned.length).toBeGreaterThanOrEqual(3);
      expect(spawned.length).toBeLessThanOrEqual(15);
      const r = f.settle!;
      expect(r.fell).toEqual([]);
      expect(r.maxPenetration).toBeLessThan(0.001);
      expect(r.unsupported.filter((id) => !r.moving.includes(id))).toEqual([]);
      if (r.atRest) atRest++;
    }
    expect(atRest).toBeGreaterThanOrEqual(7);
  });

  it("every declared class appears in the semantic masks across a handful of frames", async () => {
    const seen = await classesSeen(template, FILE, 3, 6);
    for (const c of template.classes) expect(seen.has(c.id), c.name).toBe(true);
  });
});
