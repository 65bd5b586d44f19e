// Shared test helpers: small scenes built in code, and geometry computed by hand.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { SceneInput } from "../src/scene/schema.js";
import { cameraPoseMatrix, intrinsicsOf } from "../src/math/camera.js";
import { parseScene } from "../src/scene/validate.js";
import type { ConcreteScene } from "../src/scene/schema.js";
import { transformPoint, type Mat4, type Vec3 } from "../src/math/transforms.js";
import { backendOrder, type Backend } from "../src/render/browser.js";
import { InputError } from "../src/errors.js";
import { Rng } from "../src/math/rng.js";
import { sampleTemplate } from "../src/randomize/template.js";
import { checkDistributionNames } from "../src/randomize/frames.js";

export const W = 160;
export const H = 120;

/** A scene with one class per name, camera `cam`, a sun and the given objects. */
export function scene(camera: SceneInput["camera"], objects: SceneInput["objects"], classes = ["thing"]): ConcreteScene {
  return parseScene(
    {
      version: 1,
      classes: classes.map((name, i) => ({ id: i + 1, name })),
      camera,
      lights: [{ type: "directional", direction: [0.3, 0.2, -1], intensity: 2 }],
      objects,
    },
    "test-scene",
  );
}

/** The world-frame ray through the centre of pixel (u, v): origin and direction with unit camera-z component. */
export function pixelRay(sc: ConcreteScene, u: number, v: number): { origin: Vec3; dir: Vec3; T: Mat4 } {
  const k = intrinsicsOf(sc.camera);
  const T = cameraPoseMatrix(sc.camera.pose);
  const dCam: Vec3 = [(u - k.cx) / k.fx, (v - k.cy) / k.fy, 1];
  const origin = transformPoint(T, [0, 0, 0]);
  const tip = transformPoint(T, dCam);
  return { origin, dir: [tip[0] - origin[0], tip[1] - origin[1], tip[2] - origin[2]], T };
}

export const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/** Depth along camera z of the intersection with the plane through p0 with normal n (the ray's direction has unit camera-z). */
export function rayPlaneDepth(origin: Vec3, dir: Vec3, p0: Vec3, n: Vec3): number {
  return dot(n, [p0[0] - origin[0], p0[1] - origin[1], p0[2] - origin[2]]) / dot(n, dir);
}

/** Depth along camera z of the first intersection with a sphere, or null. */
export function raySphereDepth(origin: Vec3, dir: Vec3, c: Vec3, r: number): number | null {
  const oc: Vec3 = [origin[0] - c[0], origin[1] - c[1], origin[2] - c[2]];
  const a = dot(dir, dir);
  const b = 2 * dot(oc, dir);
  const cc = dot(oc, oc) - r * r;
  const disc = b * b - 4 * a * cc;
  if (disc < 0) return null;
  return (-b - Math.sqrt(disc)) / (2 * a);
}

/** Class ids in the semantic masks of `frames` frames of a template (rendered without RGB). */
export async function classesSeen(template: unknown, file: string, seed: number, frames: number): Promise<Set<number>> {
  const { Renderer } = await import("../src/render/renderer.js");
  const { randomize } = await import("../src/randomize/frames.js");
  const r = await Renderer.open({ gpu: "off" });
  const seen = new Set<number>();
  try {
    for (let i = 0; i < frames; i++) {
      const { scene } = await randomize(template, seed, i, file);
      const f = await r.render(scene, { rgb: false });
      for (const c of f.semantic!) seen.add(c);
    }
  } finally {
    await r.close();
  }
  return seen;
}

/** The CPU rasterizers this machine has: SwiftShader always, llvmpipe where Mesa's EGL is installed. */
export function cpuBackends(): Backend[] {
  return backendOrder("auto", false);
}

/** The bytes of a typed array (its own range: a view may sit inside a larger buffer). */
export const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The message of the one InputError a template gives when its names are checked and it is sampled (as "t.json"). */
export function templateError(t: unknown): string {
  try {
    checkDistributionNames(t, "t.json");
    sampleTemplate(t, new Rng("x"), "t.json");
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error("expected an error");
}

/** sha256 of every file under `root` except the run log (OUT/log), by relative path. */
export function fileHashes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === "log") continue;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out.set(r, createHash("sha256").update(readFileSync(join(d, e.name))).digest("hex"));
    }
  };
  walk(root, "");
  return out;
}
