// The tabletop-bin scenario: every dropped object comes to rest in the bin: its centre
// within the walls, nothing inside the walls below the bin's floor (to 1 mm, by the drawn
// vertices), and physics reports every object at rest, supported, and no two colliders
// interpenetrating by more than 1 mm (so nothing passed through a wall; an object may lean
// or hang over the rim).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { randomize } from "../src/randomize/frames.js";
import { geometryToObject, objectPose } from "../src/scene/geometry.js";
import { primitiveMesh } from "../src/scene/primitive-mesh.js";
import { buildAsset } from "../src/assets/library.js";
import { multiply, transformPoint } from "../src/math/transforms.js";
import type { ObjectSpec } from "../src/scene/schema.js";
import { BIN } from "../scripts/bin-template.mjs";

const FILE = "scenes/tabletop-bin.json";
const template = JSON.parse(readFileSync(FILE, "utf8"));

/** The world positions of the vertices the page draws for an object. */
function worldVertices(o: ObjectSpec): [number, number, number][] {
  const s = o.shape;
  if (s.type === "mesh") throw new Error("no mesh files in this scenario");
  const p = s.type === "asset" ? buildAsset(s.name, s.params).mesh.positions : primitiveMesh(s).positions;
  const m = multiply(objectPose(o), geometryToObject(o));
  const out: [number, number, number][] = [];
  for (let i = 0; i < p.length; i += 3) out.push(transformPoint(m, [p[i]!, p[i + 1]!, p[i + 2]!]));
  return out;
}

describe("tabletop-bin", () => {
  it("dropped objects settle in the bin: centres within its walls, nothing below its floor, at rest, supported, not interpenetrating", async () => {
    let placed = 0;
    for (let i = 0; i < 4; i++) {
      const { scene, settle } = await randomize(template, 3, i, FILE);
      expect(settle, `frame ${i}`).toMatchObject({ atRest: true, moving: [], fell: [], unsupported: [] });
      expect(settle!.maxPenetration, `frame ${i}`).toBeLessThan(0.001);
      for (const o of scene.objects.filter((x) => x.id >= 100)) {
        const at = `frame ${i} ${o.class} ${o.id}`;
        const [cx, cy] = o.pose.position;
        expect(Math.abs(cx!), at).toBeLessThan(BIN.halfX);
        expect(Math.abs(cy!), at).toBeLessThan(BIN.halfY);
        for (const [x, y, z] of worldVertices(o)) {
          if (Math.abs(x) < BIN.halfX && Math.abs(y) < BIN.halfY) expect(z, at).toBeGreaterThan(BIN.floorZ - 0.001);
        }
        placed++;
      }
    }
    expect(placed).toBeGreaterThan(10);
  });
});
