// The procedural asset library: real-world sizes, closed outward-wound surfaces, exact
// depth through the whole host -> page path, and physics with one hull per part.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ASSETS, ASSET_NAMES, buildAsset, fullParams, paramProblem } from "../src/assets/library.js";
import { lathe, type Part } from "../src/assets/mesh.js";
import { Renderer } from "../src/render/renderer.js";
import { settle } from "../src/physics/settle.js";
import { parseScene } from "../src/scene/validate.js";
import { AssetLedger } from "../src/render/asset-ledger.js";
import { bytes, scene } from "./helpers.js";

/** Volume enclosed by a closed triangle surface (divergence theorem): positive when it is wound outwards. */
function signedVolume(p: Part): number {
  let v = 0;
  const P = p.positions;
  for (let f = 0; f < p.indices.length; f += 3) {
    const [a, b, c] = [p.indices[f]! * 3, p.indices[f + 1]! * 3, p.indices[f + 2]! * 3];
    v += P[a]! * (P[b + 1]! * P[c + 2]! - P[b + 2]! * P[c + 1]!) - P[a + 1]! * (P[b]! * P[c + 2]! - P[b + 2]! * P[c]!) + P[a + 2]! * (P[b]! * P[c + 1]! - P[b + 1]! * P[c]!);
  }
  return v / 6;
}

/** Real-world sizes (x, y, z in metres) of the defaults: YCB's mug, bowl, can, bottle, cracker box, banana, drill, spatula; a mid-size sedan; a 1.75 m adult. */
const SIZES: Record<string, [number, number, number]> = {
  mug: [0.105, 0.082, 0.095], bowl: [0.16, 0.16, 0.055], can: [0.066, 0.066, 0.122], bottle: [0.07, 0.07, 0.24],
  box: [0.19, 0.07, 0.27], banana: [0.18, 0.036, 0.053], drill: [0.215, 0.075, 0.236], spatula: [0.3, 0.07, 0.019],
  car: [4.7, 1.83, 1.45], pedestrian: [0.4, 0.49, 1.75], pole: [0.18, 0.18, 6], sign: [0.095, 0.6, 2.4], tree: [3.6, 3.6, 6], building: [12.3, 10.3, 15],
};

describe("asset library", () => {
  it("every asset has its real-world size, stands on z = 0 and is centred on its footprint", () => {
    expect(Object.keys(SIZES).sort()).toEqual([...ASSET_NAMES].sort());
    for (const name of ASSET_NAMES) {
      const { min, max } = buildAsset(name).bounds;
      const size = max.map((v, i) => v - min[i]!);
      size.forEach((s, k) => expect(Math.abs(s - SIZES[name]![k]!), `${name} axis ${k}: ${s}`).toBeLessThan(0.02 * SIZES[name]![k]! + 0.002));
      expect(Math.abs(min[2]), `${name} rests on z = 0`).toBeLessThan(0.0015);
      expect(Math.abs(min[1] + max[1]), `${name} centred in y`).toBeLessThan(1e-9 + 0.01 * size[1]!);
    }
  });

  it("every part of every asset, at its defaults and at its parameter bounds, is a closed surface wound outwards", () => {
    for (const name of ASSET_NAMES) {
      const def = ASSETS[name]!;
      const variants = [{}, Object.fromEntries(Object.entries(def.params).map(([k, p]) => [k, p.min])), Object.fromEntries(Object.entries(def.params).map(([k, p]) => [k, p.max]))];
      for (const params of variants) {
        expect(paramProblem(name, params)).toBeUndefined();
        const built = buildAsset(name, params);
        for (const [i, part] of built.parts.entries()) {
          expect(signedVolume(part), `${name} ${JSON.stringify(params)} part ${i}`).toBeGreaterThan(0);
          const n = part.positions.length / 3;
          expect(part.indices.every((k) => Number.isInteger(k) && k >= 0 && k < n)).toBe(true);
          expect(part.positions.every(Number.isFinite)).toBe(true);
        }
        expect(built.mesh.normals.every(Number.isFinite)).toBe(true);
      }
    }
  });

  it("volumes match closed-form solids: the box exactly, the can within its bevels, a lathed cylinder to its tessellation", () => {
    expect(signedVolume(buildAsset("box").parts[0]!)).toBeCloseTo(0.19 * 0.07 * 0.27, 12);
    const can = signedVolume(buildAsset("can").parts[0]!);
    const cyl = Math.PI * 0.033 ** 2 * 0.122;
    expect(can / cyl).toBeGreaterThan(0.93); // 4 mm recessed lid, 12 mm bevels
    expect(can / cyl).toBeLessThan(1);
    // a 48-gon prism: (n/2) r² sin(2π/n) h
    const n = 48, r = 0.1, h = 0.3;
    expect(signedVolume(lathe([[0, 0], [r, 0], [r, 0], [r, h], [r, h], [0, h]], n))).toBeCloseTo((n / 2) * r * r * Math.sin((2 * Math.PI) / n) * h, 12);
  });

  it("the same name and parameters give the same key and mesh; different parameters a different key", () => {
    const a = buildAsset("pedestrian", { phase: 0.3 });
    expect(buildAsset("pedestrian", { phase: 0.3, height: 1.75 }).key).toBe(a.key); // defaults filled in
    expect(buildAsset("pedestrian", { phase: 0.31 }).key).not.toBe(a.key);
    expect(fullParams("pedestrian", { phase: 0.3 })).toEqual({ height: 1.75, phase: 0.3, stride: 22, armSwing: 20 });
  });

  it("bad names and parameters are errors naming the field", () => {
    const base = { version: 1, classes: [{ id: 1, name: "t" }], camera: { width: 8, height: 8, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } } };
    const bad = (shape: object) => {
      try {
        parseScene({ ...base, objects: [{ id: 1, class: "t", shape }] }, "s.json");
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(bad({ type: "asset", name: "mugg" })).toMatch(/^s\.json: objects\[0\]\.shape\.name: unknown asset "mugg" \(known: mug, /);
    expect(bad({ type: "asset", name: "car", params: { type: 7 } })).toBe("s.json: objects[0].shape.params.type: expected an integer in 0..3, got 7");
    expect(bad({ type: "asset", name: "car", params: { type: 1.5 } })).toBe("s.json: objects[0].shape.params.type: expected an integer in 0..3, got 1.5");
    expect(bad({ type: "asset", name: "mug", params: { colour: 1 } })).toMatch(/^s\.json: objects\[0\]\.shape\.params\.colour: unknown parameter of mug \(known: height, radius\)/);
  });
});

describe("asset library in the renderer", () => {
  let r: Renderer;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: "off" });
  });
  afterAll(async () => {
    await r?.close();
  });

  it("a can seen from straight above: its recessed lid at exactly the right depth, its outline a disc of its radius", async () => {
    const W = 161, Hh = 161, f = 400, camZ = 1;
    const sc = scene(
      { width: W, height: Hh, intrinsics: { fx: f, fy: f, cx: 80, cy: 80 }, pose: { position: [0, 0, camZ], lookAt: [0, 0, 0], up: [0, 1, 0] } },
      [{ id: 1, class: "thing", shape: { type: "asset", name: "can" } }],
    );
    const fr = await r.render(sc);
    const lid = 0.122 - 0.004;
    // the lid is flat: exact to float precision over its inner disc
    for (const [u, v] of [[80, 80], [70, 85], [90, 75]] as const) expect(Math.abs(fr.depth![v * W + u]! - (camZ - lid))).toBeLessThan(1e-4);
    let px = 0;
    for (const id of fr.instance!) if (id === 1) px++;
    // the outline is the 48-gon of radius 0.033 at z = 0.110 (the top of the wall, nearest the camera)
    const rpx = (0.033 * f) / (camZ - 0.11);
    const disc = (48 / 2) * rpx * rpx * Math.sin((2 * Math.PI) / 48);
    expect(Math.abs(px - disc) / disc).toBeLessThan(0.03);
  });

  it("renders every asset of the library, and the page measures the same bounds as the host", async () => {
    for (const [i, name] of ASSET_NAMES.entries()) {
      const { min, max } = buildAsset(name).bounds;
      const c: [number, number, number] = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
      const d = 1.5 * Math.max(...max.map((v, k) => v - min[k]!));
      const sc = scene({ width: 160, height: 160, fovY: 50, pose: { position: [c[0] + d, c[1] - d, c[2] + d / 2], lookAt: c } }, [{ id: i + 1, class: "thing", shape: { type: "asset", name } }]);
      const fr = await r.render(sc);
      let px = 0;
      for (const id of fr.instance!) if (id === i + 1) px++;
      expect(px, name).toBeGreaterThan(40);
      // the page measured the mesh's bounds itself: they agree with the host's
      const o = fr.objects[0]!;
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(o.localMin[k]! - min[k]!), `${name} min ${k}`).toBeLessThan(1e-5 * d + 1e-6);
        expect(Math.abs(o.localMax[k]! - max[k]!), `${name} max ${k}`).toBeLessThan(1e-5 * d + 1e-6);
      }
    }
  });
});

describe("physics with library assets", () => {
  it("a mug, a banana and a drill dropped on a table rest upright on it, within 2 mm, identically twice", async () => {
    const sc = parseScene({
      version: 1, classes: [{ id: 1, name: "t" }],
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } },
      objects: [
        { id: 1, class: "t", shape: { type: "box", size: [1, 1, 0.04] }, pose: { position: [0, 0, 0.73] } },
        { id: 2, class: "t", shape: { type: "asset", name: "mug" }, pose: { position: [-0.2, 0, 0.9] } },
        { id: 3, class: "t", shape: { type: "asset", name: "banana" }, pose: { position: [0, 0.1, 0.9] } },
        { id: 4, class: "t", shape: { type: "asset", name: "drill" }, pose: { position: [0.2, -0.1, 0.9] } },
      ],
    });
    const a = await settle(sc, new Set([2, 3, 4]));
    const b = await settle(sc, new Set([2, 3, 4]));
    expect(JSON.stringify(b.scene)).toBe(JSON.stringify(a.scene));
    expect(a.report.atRest).toBe(true);
    expect(a.report.unsupported).toEqual([]);
    expect(a.report.maxPenetration).toBeLessThan(0.001);
    for (const o of a.scene.objects.slice(1)) {
      // origin at the footprint: resting upright puts it on the table top
      expect(Math.abs(o.pose.position[2] - 0.75), `${o.id}`).toBeLessThan(0.002);
    }
  });
});

describe("asset ledger", () => {
  it("keeps the budget of most recently used assets, never dropping one used by the last requests", () => {
    const l = new AssetLedger(3, 2);
    const run = (keys: string[]) => {
      const n = l.begin();
      for (const k of keys) l.use(k, n);
      const ev = l.evict();
      l.received(keys);
      return ev;
    };
    expect(run(["a", "b"])).toEqual([]);
    expect(run(["c", "d"])).toEqual([]); // 4 > 3, but a and b were used by the last 2 requests
    expect(run(["e"])).toEqual(["a", "b"]); // request 1 is now outside the guard: its keys go, oldest first
    expect(l.has("a")).toBe(false);
    expect(l.has("c")).toBe(true);
    expect(run(["c"])).toEqual([]); // c, d, e: within budget
    expect(run(["f"])).toEqual(["d"]); // d is the least recently used (c was used again)
  });
});

describe("asset ledger in the renderer", () => {
  it("with a budget of 3, the page drops and re-fetches assets as frames come and go, and every frame still renders as it does alone", async () => {
    const r = await Renderer.open({ gpu: "off", assetBudget: 3 });
    const fresh = await Renderer.open({ gpu: "off" });
    try {
      const sceneOf = (phase: number) => scene({ width: 48, height: 64, fovY: 50, pose: { position: [4, 0, 1], lookAt: [0, 0, 0.9] } }, [{ id: 1, class: "thing", shape: { type: "asset", name: "pedestrian", params: { phase } } }]);
      // 12 distinct meshes, then the first ones again (dropped by then), two frames in flight at a time
      const phases = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.05, 0, 0.1, 0.2];
      const frames = [];
      for (let i = 0; i < phases.length; i += 2) frames.push(...(await Promise.all(phases.slice(i, i + 2).map((p) => r.render(sceneOf(p), { rgb: false })))));
      for (const [i, p] of phases.entries()) {
        const alone = await fresh.render(sceneOf(p), { rgb: false });
        expect(bytes(frames[i]!.instance!).equals(bytes(alone.instance!)), `frame ${i}`).toBe(true);
        expect(bytes(frames[i]!.depth!).equals(bytes(alone.depth!)), `frame ${i}`).toBe(true);
      }
    } finally {
      await r.close();
      await fresh.close();
    }
  });
});
