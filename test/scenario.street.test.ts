// The urban-street scenario: every declared class shows up in the semantic masks, nothing
// floats or sinks (each object's lowest point is on the road or the sidewalk), and the
// spawned objects do not overlap.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { randomize } from "../src/randomize/frames.js";
import { classesSeen } from "./helpers.js";
import { boundsOverlap, localBounds, worldBounds } from "../src/scene/geometry.js";

const FILE = "scenes/urban-street.json";
const template = JSON.parse(readFileSync(FILE, "utf8"));

describe("urban-street", () => {
  it("objects stand on the road (z = 0) or the sidewalk (z = 0.15) within 2 mm, and spawned ones do not overlap", async () => {
    for (let i = 0; i < 6; i++) {
      const { scene } = await randomize(template, 5, i, FILE);
      const boxes = scene.objects.map((o) => ({ o, b: worldBounds(o, localBounds(o.shape)!) }));
      for (const { o, b } of boxes) {
        if (o.id < 100) continue; // the street itself
        const ground = ["car", "building"].includes(o.class) ? 0 : 0.15; // buildings stand on the terrain behind the sidewalk
        expect(Math.abs(b.min[2] - ground), `frame ${i} ${o.class} ${o.id}`).toBeLessThan(0.002);
      }
      const spawned = boxes.filter(({ o }) => o.id >= 100);
      for (const a of spawned) for (const c of boxes) {
        if (c.o.id < a.o.id) expect(boundsOverlap(a.b, c.b), `frame ${i}: ${a.o.class} ${a.o.id} overlaps ${c.o.class} ${c.o.id}`).toBe(false);
      }
    }
  });

  it("every declared class appears in the semantic masks across a handful of frames", async () => {
    const seen = await classesSeen(template, FILE, 2, 4);
    for (const c of template.classes) expect(seen.has(c.id), c.name).toBe(true);
  });
});
