/**
 * The built-in asset library: procedurally generated objects (no third-party models), each
 * with a default class name, numeric parameters (defaults give a typical real-world size)
 * and a builder. A scene uses one as `"shape": { "type": "asset", "name": "mug",
 * "params": { "height": 0.1 } }`; a template may randomize the parameters.
 *
 * The same name and parameters always give the same mesh (the builders are plain
 * arithmetic), so a concrete scene that names an asset re-renders identically. Meshes are
 * built on the host and cached; `LIBRARY_VERSION` goes into their content keys and into
 * the manifest, so a change to a builder is visible.
 */
import { createHash } from "node:crypto";
import type { Vec3 } from "../math/transforms.js";
import { bottle, bowl, banana, can, cardboardBox, drill, mug, spatula } from "./household.js";
import { CAR_TYPES, building, car, pedestrian, pole, sign, tree } from "./street.js";
import { partsBounds, toTriMesh, type Part, type TriMesh } from "./mesh.js";
import { LruCache } from "../lru-cache.js";

const LIBRARY_VERSION = 1;

export interface AssetParam {
  min: number;
  max: number;
  default: number;
  integer?: boolean;
  doc: string;
}

export interface AssetDef {
  /** the class name scenarios use for it (SemanticKITTI/Cityscapes names for street objects) */
  className: string;
  /** a surface of revolution about z (through x = y = 0): BOP lists it as continuously symmetric */
  revolution?: true;
  doc: string;
  params: Record<string, AssetParam>;
  build(params: Record<string, number>): Part[];
}

const num = (min: number, max: number, def: number, doc: string): AssetParam => ({ min, max, default: def, doc });
const int = (min: number, max: number, def: number, doc: string): AssetParam => ({ min, max, default: def, integer: true, doc });

export const ASSETS: Record<string, AssetDef> = {
  mug: { className: "mug", doc: "coffee mug with a handle on +x", params: { height: num(0.06, 0.14, 0.095, "m"), radius: num(0.03, 0.06, 0.041, "outer radius, m") }, build: mug },
  bowl: { className: "bowl", revolution: true, doc: "round bowl on a foot", params: { radius: num(0.04, 0.15, 0.08, "rim radius, m"), height: num(0.03, 0.1, 0.055, "m") }, build: bowl },
  can: { className: "can", revolution: true, doc: "drinks or food can", params: { radius: num(0.02, 0.06, 0.033, "m"), height: num(0.05, 0.2, 0.122, "m") }, build: can },
  bottle: { className: "bottle", revolution: true, doc: "bottle with shoulder, neck and cap", params: { radius: num(0.02, 0.06, 0.035, "m"), height: num(0.12, 0.35, 0.24, "m") }, build: bottle },
  box: {
    className: "box", doc: "cardboard box (cereal, crackers)",
    params: { width: num(0.03, 0.5, 0.19, "x, m"), depth: num(0.03, 0.5, 0.07, "y, m"), height: num(0.03, 0.5, 0.27, "z, m") },
    build: cardboardBox,
  },
  banana: { className: "banana", doc: "curved tapering fruit lying on its back", params: { length: num(0.12, 0.25, 0.19, "chord, m"), bend: num(30, 120, 80, "turn of the centre line, degrees") }, build: banana },
  drill: { className: "drill", doc: "cordless drill standing on its battery, chuck towards +x", params: { size: num(0.15, 0.35, 0.25, "overall length, m") }, build: drill },
  spatula: { className: "spatula", doc: "kitchen spatula lying flat, blade towards +x", params: { length: num(0.2, 0.4, 0.3, "m") }, build: spatula },
  car: { className: "car", doc: "car body facing +x: type 0 sedan, 1 hatchback, 2 SUV, 3 van", params: { type: int(0, CAR_TYPES.length - 1, 0, "body type") }, build: car },
  pedestrian: {
    className: "person", doc: "walking figure facing +x, articulated at hips, knees, shoulders and elbows",
    params: {
      height: num(1.2, 2.1, 1.75, "m"),
      phase: num(0, 1, 0, "position in the gait cycle"),
      stride: num(0, 35, 22, "hip swing, degrees"),
      armSwing: num(0, 40, 20, "shoulder swing, degrees"),
    },
    build: pedestrian,
  },
  pole: { className: "pole", doc: "pole; variant 1 is a street light with an arm over +x", params: { height: num(2, 14, 6, "m"), variant: int(0, 1, 0, "0 plain, 1 street light") }, build: pole },
  sign: { className: "traffic-sign", doc: "traffic sign on its post, facing +x", params: { height: num(1.5, 4, 2.4, "top of the plate, m"), variant: int(0, 3, 0, "0 round, 1 triangle, 2 square, 3 octagon") }, build: sign },
  tree: { className: "vegetation", doc: "tree; variant 0 broadleaf, 1 conifer", params: { height: num(2, 25, 6, "m"), variant: int(0, 1, 0, "0 broadleaf, 1 conifer") }, build: tree },
  building: {
    className: "building", doc: "building block with a cornice",
    params: { width: num(3, 100, 12, "x, m"), depth: num(3, 100, 10, "y, m"), height: num(3, 200, 15, "m") },
    build: building,
  },
};

export const ASSET_NAMES = Object.keys(ASSETS);

/** Why a parameter set is wrong for an asset (field, message), or undefined when it is right. */
export function paramProblem(name: string, params: Record<string, number>): { field: string; message: string } | undefined {
  const def = ASSETS[name];
  if (!def) return { field: "name", message: `unknown asset ${JSON.stringify(name)} (known: ${ASSET_NAMES.join(", ")})` };
  for (const [k, v] of Object.entries(params)) {
    const p = def.params[k];
    if (!p) return { field: `params.${k}`, message: `unknown parameter of ${name} (known: ${Object.keys(def.params).join(", ")})` };
    if (!Number.isFinite(v) || v < p.min || v > p.max) return { field: `params.${k}`, message: `expected ${p.integer ? "an integer" : "a number"} in ${p.min}..${p.max}, got ${v}` };
    if (p.integer && !Number.isInteger(v)) return { field: `params.${k}`, message: `expected an integer in ${p.min}..${p.max}, got ${v}` };
  }
  return undefined;
}

/** Every parameter, defaults filled in, in the definition's order. */
export function fullParams(name: string, params: Record<string, number> = {}): Record<string, number> {
  const def = ASSETS[name]!;
  return Object.fromEntries(Object.entries(def.params).map(([k, p]) => [k, params[k] ?? p.default]));
}

export interface BuiltAsset {
  /** content key: library version, name and parameters */
  key: string;
  parts: Part[];
  /** the render mesh (made on first use: physics and placement need only the parts) */
  readonly mesh: TriMesh;
  bounds: { min: Vec3; max: Vec3 };
}

const cache = new LruCache<string, BuiltAsset>(256);

/** The mesh of an asset (cached by content key). The name and parameters must be valid (see paramProblem). */
export function buildAsset(name: string, params: Record<string, number> = {}): BuiltAsset {
  const full = fullParams(name, params);
  const key = createHash("sha256").update(JSON.stringify(["simforge-asset", LIBRARY_VERSION, name, full])).digest("hex").slice(0, 32);
  return cache.getOrMake(key, () => {
    const parts = ASSETS[name]!.build(full);
    let mesh: TriMesh | undefined;
    return { key, parts, get mesh() { return (mesh ??= toTriMesh(parts)); }, bounds: partsBounds(parts) };
  });
}

/**
 * The binary form the page reads: "SFM1", uint32 vertex count, uint32 index count, then
 * float32 positions, float32 normals, uint32 indices (little-endian).
 */
export function encodeMesh(mesh: TriMesh): Buffer {
  const nv = mesh.positions.length / 3, ni = mesh.indices.length;
  const buf = Buffer.alloc(12 + nv * 24 + ni * 4);
  buf.write("SFM1", 0, "ascii");
  buf.writeUInt32LE(nv, 4);
  buf.writeUInt32LE(ni, 8);
  let o = 12;
  for (const v of mesh.positions) o = buf.writeFloatLE(v, o);
  for (const v of mesh.normals) o = buf.writeFloatLE(v, o);
  for (const v of mesh.indices) o = buf.writeUInt32LE(v, o);
  return buf;
}
