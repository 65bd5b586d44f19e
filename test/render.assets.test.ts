// Mesh files (OBJ, STL, glTF with embedded and external buffers) and textures, in the real browser.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { annotate } from "../src/sensors/annotations.js";
import { resolveScene } from "../src/api.js";
import { InputError } from "../src/errors.js";
import { W, H, bytes, cpuBackends } from "./helpers.js";
import type { SceneInput } from "../src/scene/schema.js";

let r: Renderer;
let dir: string;
beforeAll(async () => {
  r = await Renderer.open({ gpu: "off" });
  dir = mkdtempSync(join(tmpdir(), "simforge-assets-"));
});
afterAll(async () => {
  await r?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 12 triangles of an axis-aligned box [lo, hi] (outward winding). */
function boxTriangles(lo: number[], hi: number[]): number[][][] {
  const c = (i: number) => [i & 1 ? hi[0]! : lo[0]!, i & 2 ? hi[1]! : lo[1]!, i & 4 ? hi[2]! : lo[2]!];
  const quads = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]];
  return quads.flatMap(([a, b, cc, d]) => [[c(a!), c(b!), c(cc!)], [c(a!), c(cc!), c(d!)]]);
}

function binaryStl(tris: number[][][]): Buffer {
  const buf = Buffer.alloc(84 + tris.length * 50);
  buf.writeUInt32LE(tris.length, 80);
  tris.forEach((t, i) => {
    const o = 84 + i * 50 + 12;
    t.forEach((p, j) => p.forEach((x, k) => buf.writeFloatLE(x, o + j * 12 + k * 4)));
  });
  return buf;
}

/** A glTF 2.0 mesh of the given triangles; buffer embedded as a data URI, or written next to it. */
function gltf(tris: number[][][], bufferUri: string | null): { json: string; bin: Buffer } {
  const pos = new Float32Array(tris.flat(2));
  const bin = Buffer.from(pos.buffer);
  const min = [0, 1, 2].map((k) => Math.min(...tris.flat().map((p) => p[k]!)));
  const max = [0, 1, 2].map((k) => Math.max(...tris.flat().map((p) => p[k]!)));
  const json = {
    asset: { version: "2.0" }, scene: 0, scenes: [{ nodes: [0] }], nodes: [{ mesh: 0 }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    accessors: [{ bufferView: 0, componentType: 5126, count: pos.length / 3, type: "VEC3", min, max }],
    bufferViews: [{ buffer: 0, byteLength: bin.length }],
    buffers: [{ byteLength: bin.length, uri: bufferUri ?? `data:application/octet-stream;base64,${bin.toString("base64")}` }],
  };
  return { json: JSON.stringify(json), bin };
}

async function renderObject(shape: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { scene } = await resolveScene({
    version: 1,
    classes: [{ id: 1, name: "thing" }],
    camera: { width: W, height: H, fovY: 50, pose: { position: [0.6, -0.5, 0.6], lookAt: [0, 0, 0.05], up: [0, 0, 1] } },
    lights: [{ type: "hemispheric", intensity: 1 }],
    objects: [{ id: 1, class: "thing", shape, ...extra }],
  } as SceneInput, "asset-scene");
  return r.render(scene, { file: "asset-scene" });
}

const round = (v: number[]) => v.map((x) => Math.round(x * 1e5) / 1e5 + 0);

describe("mesh files", () => {
  it("OBJ is Y-up: the wedge stands on its base in the Z-up world", async () => {
    const f = await renderObject({ type: "mesh", uri: join(process.cwd(), "assets/meshes/wedge.obj") });
    const a = annotate(f).objects[0]!;
    expect(round(a.bbox_3d.size)).toEqual([0.2, 0.1, 0.1]);
    expect(round(a.bbox_3d.center)).toEqual([0, 0, 0.05]);
    expect(a.px_count_visible).toBeGreaterThan(100);
  });

  it("binary STL is Z-up and used as is", async () => {
    const path = join(dir, "box.stl");
    writeFileSync(path, binaryStl(boxTriangles([-0.1, -0.05, 0], [0.1, 0.05, 0.15])));
    const a = annotate(await renderObject({ type: "mesh", uri: path })).objects[0]!;
    expect(round(a.bbox_3d.size)).toEqual([0.2, 0.1, 0.15]);
    expect(round(a.bbox_3d.center)).toEqual([0, 0, 0.075]);
    expect(a.px_count_visible).toBeGreaterThan(100);
  });

  it("glTF with an embedded buffer and with a sidecar .bin both load, converted from Y-up", async () => {
    const tris = boxTriangles([-0.1, 0, -0.05], [0.1, 0.12, 0.05]);
    const embedded = gltf(tris, null);
    writeFileSync(join(dir, "embedded.gltf"), embedded.json);
    const external = gltf(tris, "external.bin");
    writeFileSync(join(dir, "external.gltf"), external.json);
    writeFileSync(join(dir, "external.bin"), external.bin);
    for (const name of ["embedded.gltf", "external.gltf"]) {
      const a = annotate(await renderObject({ type: "mesh", uri: join(dir, name) })).objects[0]!;
      expect(round(a.bbox_3d.size)).toEqual([0.2, 0.1, 0.12]);
      expect(round(a.bbox_3d.center)).toEqual([0, 0, 0.06]);
      expect(a.px_count_visible).toBeGreaterThan(100);
    }
  });

  it("a corrupt mesh file is an input error naming the file and field", async () => {
    const path = join(dir, "broken.glb");
    writeFileSync(path, "this is not a glb file at all");
    const err = await renderObject({ type: "mesh", uri: path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^asset-scene: objects\[0\]\.shape\.uri: cannot load mesh/);
    // the page is still usable afterwards
    const ok = await renderObject({ type: "box", size: [0.1, 0.1, 0.1] });
    expect(ok.instance!.some((x) => x === 1)).toBe(true);
  });
});

describe("textures", () => {
  it("a texture image is sampled onto the surface", async () => {
    const f = await renderObject({ type: "plane", size: [0.5, 0.5] }, {
      material: { baseColor: [1, 1, 1], texture: { uri: join(process.cwd(), "assets/textures/checker.png"), scale: [2, 2] } },
    });
    const lum: number[] = [];
    for (let i = 0; i < W * H; i++) if (f.instance![i] === 1) lum.push(f.rgb![i * 3]! + f.rgb![i * 3 + 1]! + f.rgb![i * 3 + 2]!);
    const dark = lum.filter((l) => l < 250).length;
    const light = lum.filter((l) => l > 400).length;
    expect(dark).toBeGreaterThan(lum.length / 5);
    expect(light).toBeGreaterThan(lum.length / 5);
  });

  // A tabletop-bin frame once hung llvmpipe for good (the watchdog ended it): Mesa's anisotropic
  // filtering stalls on some rotated textures, so the page filters trilinearly there.
  it("a rotated texture seen at a slant renders on every CPU backend, well within the watchdog", async () => {
    // that frame's table alone, exactly as its scene.json recorded it
    const scene: SceneInput = {
      version: 1,
      classes: [{ id: 1, name: "table" }],
      camera: { width: 640, height: 480, fovY: 52.001912760969915, pose: { position: [0.026193826503430984, 0.39501763017228697, 1.75985841361164], lookAt: [-0.014850442285348674, 0.027518640296174887, 0.8] }, near: 0.05, far: 20 },
      lights: [{ type: "directional", direction: [-0.9048409941904277, -0.7901309166204301, -1], color: [1, 0.9211442246520001, 0.9295111495194981], intensity: 3.1890300560726086 }],
      background: { color: [0.3985603054133319, 0.42820863220218297, 0.4260381310105824] },
      objects: [{
        id: 1, class: "table", shape: { type: "box", size: [1.2, 0.8, 0.04] }, pose: { position: [0, 0, 0.73] },
        material: { baseColor: [0.8200663874913681, 0.8137448304282487, 0.8162477713366671], roughness: 0.8902666121032299, texture: { uri: join(process.cwd(), "assets/textures/bank/fabric.png"), scale: [2.8792308177203263, 1.9167269108464926], rotation: 133.08585096148946 } },
      }],
    };
    for (const gpu of cpuBackends()) {
      const r = await Renderer.open({ gpu, frameTimeoutMs: 30_000 });
      try {
        const f = await r.render((await resolveScene(scene)).scene, { labels: true });
        expect(f.instance!.filter((x) => x === 1).length, gpu).toBeGreaterThan((640 * 480) / 4);
      } finally {
        await r.close();
      }
    }
  }, 120_000);

  it("a corrupt texture is an input error naming the file and field", async () => {
    const path = join(dir, "broken.png");
    writeFileSync(path, "not a png");
    const err = await renderObject({ type: "box", size: [0.1, 0.1, 0.1] }, { material: { texture: { uri: path } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^asset-scene: objects\[0\]\.material\.texture\.uri: cannot decode texture/);
  });
});

describe("lights", () => {
  it("every light counts, beyond Babylon's default of four per material", async () => {
    const mean = async (n: number) => {
      const { scene } = await resolveScene({
        version: 1,
        classes: [{ id: 1, name: "thing" }],
        camera: { width: W, height: H, fovY: 40, pose: { position: [0, 0, 2], lookAt: [0, 0, 0], up: [0, 1, 0] } },
        lights: Array.from({ length: n }, () => ({ type: "hemispheric" as const, intensity: 0.06 })),
        objects: [{ id: 1, class: "thing", shape: { type: "plane", size: [5, 5] }, material: { baseColor: [1, 1, 1], roughness: 1 } }],
      }, "lights");
      const f = await r.render(scene, { labels: false });
      let sum = 0;
      for (const v of f.rgb!) sum += v;
      return sum / f.rgb!.length;
    };
    const levels = [await mean(4), await mean(6), await mean(8)];
    expect(levels[1]).toBeGreaterThan(levels[0]! + 5);
    expect(levels[2]).toBeGreaterThan(levels[1]! + 5);
  });
});

describe("background texture", () => {
  it("fills the RGB frame behind the objects with the image; labels keep id 0 and no depth there", async () => {
    const input: SceneInput = {
      version: 1, classes: [{ id: 1, name: "thing" }],
      camera: { width: W, height: H, fovY: 40, pose: { position: [0, 0, 5], lookAt: [0, 0, 0], up: [0, 1, 0] } },
      lights: [{ type: "hemispheric", intensity: 1 }],
      background: { color: [1, 0, 0], texture: { uri: "assets/textures/checker.png" } },
      objects: [{ id: 1, class: "thing", shape: { type: "box", size: [0.5, 0.5, 0.5] } }],
    };
    const { scene } = await resolveScene(input, process.cwd() + "/test.json");
    const fr = await r.render(scene);
    const tones = new Map<string, number>();
    for (let i = 0; i < W * H; i++) {
      if (fr.instance![i] !== 0) continue;
      expect(fr.depth![i]).toBe(0);
      const key = Array.from(fr.rgb!.subarray(i * 3, i * 3 + 3)).join(",");
      tones.set(key, (tones.get(key) ?? 0) + 1);
    }
    // the checker's two tones (its 32-pixel cells, stretched over the frame), never the red clear colour
    const top = [...tones.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([k]) => k).sort();
    expect(top).toEqual(["220,215,200", "60,70,90"]);
    expect(tones.has("255,0,0")).toBe(false);
    expect(fr.instance!.filter((id) => id === 1).length).toBeGreaterThan(100);
  });
});

describe("camera effects", () => {
  it("change RGB only, exactly as applyRgbEffects on the plain frame, and the same seed gives the same bytes", async () => {
    const { applyRgbEffects } = await import("../src/render/rgb-effects.js");
    const input = (effects?: object): SceneInput => ({
      version: 1, classes: [{ id: 1, name: "thing" }],
      camera: { width: W, height: H, fovY: 40, pose: { position: [1.5, -1, 1.2], lookAt: [0, 0, 0] }, ...(effects ? { effects } : {}) },
      lights: [{ type: "directional", direction: [-0.2, 0.4, -1], intensity: 2 }, { type: "hemispheric", intensity: 0.4 }],
      background: { color: [0.3, 0.4, 0.5] },
      objects: [{ id: 1, class: "thing", shape: { type: "asset", name: "mug" }, scale: 5, material: { baseColor: [0.7, 0.3, 0.2] } }],
    });
    const plain = await r.render((await resolveScene(input(), process.cwd() + "/t.json")).scene);
    const fx = { exposure: 0.7, whiteBalance: [1.1, 1, 0.9], blur: 0.8, noise: { read: 0.01, shot: 0.002, seed: "s1" }, gamma: 1.1 };
    const withFx = await r.render((await resolveScene(input(fx), process.cwd() + "/t.json")).scene);
    expect(bytes(withFx.depth!).equals(bytes(plain.depth!))).toBe(true);
    expect(bytes(withFx.instance!).equals(bytes(plain.instance!))).toBe(true);
    expect(bytes(withFx.rgb!).equals(bytes(plain.rgb!))).toBe(false);
    const expected = applyRgbEffects(plain.rgb!, W, H, { exposure: 0.7, whiteBalance: [1.1, 1, 0.9], blur: 0.8, noise: { read: 0.01, shot: 0.002, seed: "s1" }, gamma: 1.1 }, 3);
    expect(bytes(withFx.rgb!).equals(bytes(expected))).toBe(true);
    const other = await r.render((await resolveScene(input({ ...fx, noise: { ...fx.noise, seed: "s2" } }), process.cwd() + "/t.json")).scene);
    expect(bytes(other.rgb!).equals(bytes(withFx.rgb!))).toBe(false);
  });
});
