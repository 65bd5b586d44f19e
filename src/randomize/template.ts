/**
 * Templates: a scene in which any value may be a distribution and an `objects` entry may be
 * a spawn group. `sampleTemplate(template, rng)` walks it and draws every distribution,
 * giving plain JSON that is then validated as a concrete scene. Each distribution draws
 * from its own stream, forked by its field path, so editing one part of a template leaves
 * the draws of every other part unchanged.
 *
 * Distributions (angles in degrees):
 *   { "uniform": [a, b] }               { "normal": [mu, sigma], "clip"?: [a, b] }
 *   { "logUniform": [a, b] }            { "int": [a, b] }  (both ends included)
 *   { "choice": [v0, v1, ...], "weights"?: [...] }   (a chosen value may hold distributions)
 *   { "hsv": { "h": x, "s": x, "v": x } } -> [r, g, b]  (each x a number or a distribution)
 *   { "kelvin": x } -> [r, g, b], the colour of a black body (use for light colours)
 *   { "uniformRotation": true } -> { "quaternion": [...] }, uniform on SO(3)
 *   { "rotationAbout": { "axis": [x, y, z], "angle": x } } -> { "axisAngle": ... }
 *   { "shell": { "center": [x, y, z], "radius": [a, b], "elevation"?: [a, b], "azimuth"?: [a, b] } } -> [x, y, z]
 *   { "files": "folder", "extensions"?: [".png", ...] } -> "folder/name.png", a file of the folder
 *       (relative to the template; images and meshes by default), e.g. a texture bank
 * Spawn groups, inside `objects`:
 *   { "spawn": { "count": n or distribution, "from": [{ "weight"?: w, "object": {...} }], "firstId"?: id,
 *                "avoidOverlap"?: true, "tries"?: 50 } }
 *   With avoidOverlap, an object whose bounding box overlaps one listed before it (by more
 *   than 1 cm on every axis) is drawn again, up to `tries` times; one that still overlaps is
 *   left out with a warning naming the frame. Drawing again forks a new stream per try, so
 *   the result is still a pure function of the seed.
 */
import { readdirSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { MESH_EXTENSIONS, TEXTURE_EXTENSIONS, assetRoots, outsideRoots } from "../scene/load.js";
import { formatPath } from "../scene/validate.js";
import { choiceIndex, hsvToRgb, int, kelvinToRgb, logUniform, normal, shellPoint, uniform, uniformRotation } from "../math/distributions.js";
import type { Rng } from "../math/rng.js";
import { ObjectSchema } from "../scene/schema.js";
import { boundsOverlap, localBounds, worldBounds, type Bounds } from "../scene/geometry.js";
import { DEFAULT_TEXTURE_BACKEND, textureBackendNames } from "../texture/backends.js";
import { texturePath, type TextureRequest } from "../texture/bank.js";

/** The largest instance id (instance.png is 16-bit; 0 is the background). */
const MAX_INSTANCE_ID = 65535;
/** The most placement tries per spawned object (each try tests the object against every placed one). */
const MAX_TRIES = 10_000;
import { MATERIALS } from "../texture/exemplars.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

export const DISTRIBUTIONS = ["uniform", "normal", "logUniform", "int", "choice", "hsv", "kelvin", "uniformRotation", "rotationAbout", "shell", "files", "generate"] as const;
const MODIFIERS: Record<string, string[]> = { normal: ["clip"], choice: ["weights"], files: ["extensions"], generate: ["scale", "offset", "rotation"] };

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

/** The distribution an object node is, or null for a plain object. */
export function distributionOf(node: unknown): (typeof DISTRIBUTIONS)[number] | null {
  if (!isObject(node)) return null;
  const keys = Object.keys(node);
  const d = DISTRIBUTIONS.find((k) => keys.includes(k));
  return d ?? null;
}

const FILE_EXTENSIONS: readonly string[] = [...TEXTURE_EXTENSIONS, ...MESH_EXTENSIONS];

/** Folder listings by path and modification time: a sweep lists each bank once. */
const listings = new Map<string, { mtimeMs: number; names: string[] }>();

/** The files of a folder with one of the extensions, sorted by name (code units, the same on every machine). */
function listFolder(dir: string, exts: readonly string[], file: string, field: string): string[] {
  const roots = assetRoots(file);
  if (outsideRoots(dir, roots)) throw new InputError(`folder ${dir} lies outside the template's asset roots (${roots.join(", ")}); add it to SIMFORGE_ASSET_ROOTS to allow it`, { file, field });
  let mtimeMs: number;
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) throw new InputError(`not a folder: ${dir}`, { file, field });
    mtimeMs = st.mtimeMs;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`folder not found: ${dir}`, { file, field });
  }
  const key = `${dir}\u0000${exts.join(",")}`;
  const hit = listings.get(key);
  if (hit && hit.mtimeMs === mtimeMs) return hit.names;
  const names = readdirSync(dir)
    .filter((n) => exts.includes(extname(n).toLowerCase()) && statSync(join(dir, n)).isFile())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new InputError(`no ${exts.join(", ")} files in ${dir}`, { file, field });
  listings.set(key, { mtimeMs, names });
  return names;
}

/** World bounds of a sampled object; "invalid" when it is not a valid object (the scene's validation reports it), "mesh" for a mesh file. */
function sampledBounds(o: Json): Bounds | "invalid" | "mesh" {
  if (!isObject(o)) return "invalid";
  const { physics: _physics, ...plain } = o;
  const parsed = ObjectSchema.safeParse(plain);
  if (!parsed.success) return "invalid";
  const local = localBounds(parsed.data.shape);
  return local ? worldBounds(parsed.data, local) : "mesh";
}

/** The values a frame drew, by template field path (a spawned object's draws end in `#<k>`): numbers, number lists, strings. */
export type Draws = Record<string, number | string | number[]>;

/** What sampling reports besides the sampled JSON: the draws, and the generated textures the frame uses (to be made before it renders). */
export interface SampleOutputs {
  draws?: Draws;
  textures?: TextureRequest[];
}

const GENERATE_KEYS = ["material", "exemplars", "model", "prompt", "backend", "pool", "size", "steps"];

class Sampler {
  constructor(
    private readonly rng: Rng,
    private readonly file: string,
    private readonly warnings: string[] = [],
    private readonly outputs: SampleOutputs = {},
    /** appended to every recorded path (a spawned object's `#k`) */
    private readonly tag = "",
  ) {}

  private record(path: Path, v: Json): void {
    if (!this.outputs.draws) return;
    if (typeof v === "number" || typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "number"))) {
      this.outputs.draws[`${formatPath(path) || "$"}${this.tag}`] = v as number | string | number[];
    }
  }

  fail(path: Path, msg: string): never {
    throw new InputError(msg, { file: this.file, field: formatPath(path) });
  }

  private num(v: unknown, path: Path): number {
    const x = this.value(v, path);
    if (typeof x !== "number" || !Number.isFinite(x)) this.fail(path, "expected a finite number or a distribution");
    return x;
  }

  private range(v: unknown, path: Path, what = "[low, high]"): [number, number] {
    if (!Array.isArray(v) || v.length !== 2) this.fail(path, `expected ${what}`);
    const a = this.num(v[0], [...path, 0]);
    const b = this.num(v[1], [...path, 1]);
    if (a > b) this.fail(path, `inverted bounds [${a}, ${b}]: the low end comes first`);
    return [a, b];
  }

  /** A number, or a [low, high] range drawn uniformly, or a distribution. */
  private scalar(v: unknown, path: Path, rng: Rng): number {
    if (Array.isArray(v)) {
      const [a, b] = this.range(v, path);
      return uniform(rng, a, b);
    }
    return this.num(v, path);
  }

  value(node: unknown, path: Path): Json {
    if (Array.isArray(node)) return node.map((v, i) => this.value(v, [...path, i]));
    if (!isObject(node)) return node as Json;
    const d = distributionOf(node);
    if (d === null) {
      const out: { [k: string]: Json } = {};
      for (const [k, v] of Object.entries(node)) {
        out[k] = k === "objects" && Array.isArray(v) ? this.objects(v, [...path, k]) : this.value(v, [...path, k]);
      }
      return out;
    }
    const extra = Object.keys(node).filter((k) => k !== d && !(MODIFIERS[d] ?? []).includes(k));
    if (extra.length) this.fail([...path, extra[0]!], `unknown field "${extra[0]}" in a ${d} distribution`);
    const drawn = this.draw(d, node, path);
    this.record(path, drawn);
    return drawn;
  }

  private draw(d: (typeof DISTRIBUTIONS)[number], node: { [k: string]: Json }, path: Path): Json {
    const rng = this.rng.fork(formatPath(path) || "$");
    const at = [...path, d];
    const arg = node[d];
    switch (d) {
      case "uniform": {
        const [a, b] = this.range(arg, at);
        return uniform(rng, a, b);
      }
      case "logUniform": {
        const [a, b] = this.range(arg, at);
        if (a <= 0) this.fail(at, "log-uniform bounds must be positive");
        return logUniform(rng, a, b);
      }
      case "int": {
        const [a, b] = this.range(arg, at);
        if (!Number.isInteger(a) || !Number.isInteger(b)) this.fail(at, "expected integer bounds");
        return int(rng, a, b);
      }
      case "normal": {
        if (!Array.isArray(arg) || arg.length !== 2) this.fail(at, "expected [mean, standard deviation]");
        const mu = this.num(arg[0], [...at, 0]);
        const sigma = this.num(arg[1], [...at, 1]);
        if (sigma < 0) this.fail([...at, 1], "the standard deviation must be >= 0");
        const clip = node.clip === undefined ? undefined : this.range(node.clip, [...path, "clip"]);
        if (clip && (mu + 8 * sigma < clip[0] || mu - 8 * sigma > clip[1])) this.fail([...path, "clip"], "the clip window lies more than 8 standard deviations from the mean");
        return normal(rng, mu, sigma, clip);
      }
      case "choice": {
        if (!Array.isArray(arg) || arg.length === 0) this.fail(at, "expected a non-empty list of choices");
        let weights: number[] | undefined;
        if (node.weights !== undefined) {
          const w = node.weights;
          if (!Array.isArray(w) || w.length !== arg.length) this.fail([...path, "weights"], `expected ${arg.length} weights, one per choice`);
          weights = w.map((x, i) => this.num(x, [...path, "weights", i]));
          if (weights.some((x) => x < 0) || weights.reduce((s, x) => s + x, 0) <= 0) this.fail([...path, "weights"], "weights must be >= 0 with a positive sum");
        }
        const i = choiceIndex(rng, arg.length, weights);
        return this.value(arg[i], [...at, i]);
      }
      case "hsv": {
        if (!isObject(arg)) this.fail(at, 'expected { "h": ..., "s": ..., "v": ... }');
        const [h, s, v] = (["h", "s", "v"] as const).map((k) => {
          if (arg[k] === undefined) this.fail([...at, k], "missing (a number, a [low, high] range or a distribution)");
          return this.scalar(arg[k], [...at, k], rng.fork(k));
        });
        return hsvToRgb(h!, Math.min(1, Math.max(0, s!)), Math.min(1, Math.max(0, v!)));
      }
      case "kelvin": {
        const k = this.scalar(arg, at, rng);
        if (k < 1000 || k > 40000) this.fail(at, `colour temperature ${k} K is outside 1000..40000 K`);
        return kelvinToRgb(k);
      }
      case "uniformRotation":
        if (arg !== true) this.fail(at, "expected true");
        return { quaternion: uniformRotation(rng) };
      case "rotationAbout": {
        if (!isObject(arg) || !Array.isArray(arg.axis) || arg.axis.length !== 3) this.fail(at, 'expected { "axis": [x, y, z], "angle": ... }');
        const axis = arg.axis.map((x, i) => this.num(x, [...at, "axis", i]));
        if (axis.every((x) => x === 0)) this.fail([...at, "axis"], "the axis must not be zero");
        return { axisAngle: { axis, angle: this.scalar(arg.angle ?? [0, 360], [...at, "angle"], rng) } };
      }
      case "generate": {
        // a texture drawn from a pool of generated ones: { "generate": { "material": "wood", "pool": 16, "size": 512 }, "scale": [2, 2] }
        if (!isObject(arg)) this.fail(at, 'expected { "material": "wood" } (or "exemplars": folder, or "backend": "onnx" with "model" and "prompt"), with "pool", "size", "steps" optional');
        const bad = Object.keys(arg).find((k) => !GENERATE_KEYS.includes(k));
        if (bad) this.fail([...at, bad], `unknown field (known: ${GENERATE_KEYS.join(", ")})`);
        const backend = arg.backend ?? (arg.model !== undefined ? "onnx" : DEFAULT_TEXTURE_BACKEND);
        const backends = textureBackendNames();
        if (typeof backend !== "string" || !backends.includes(backend)) this.fail([...at, "backend"], `expected ${backends.slice(0, -1).join(", ")} or ${backends.at(-1)}`);
        const pool = arg.pool === undefined ? 16 : this.num(arg.pool, [...at, "pool"]);
        if (!Number.isInteger(pool) || pool < 1) this.fail([...at, "pool"], "expected a positive integer (how many different textures frames draw from)");
        const size = arg.size === undefined ? 512 : this.num(arg.size, [...at, "size"]);
        if (!Number.isInteger(size) || size < 16 || size > 8192 || (size & (size - 1)) !== 0) this.fail([...at, "size"], "expected a power of two in [16, 8192]");
        const steps = arg.steps === undefined ? undefined : this.num(arg.steps, [...at, "steps"]);
        if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) this.fail([...at, "steps"], "expected a positive integer");
        const folder = (key: "exemplars" | "model") => {
          const v = arg[key];
          if (v === undefined) return undefined;
          if (typeof v !== "string" || v === "") this.fail([...at, key], "expected a folder path (relative to the template)");
          return resolve(dirname(resolve(this.file)), v);
        };
        const req: TextureRequest = { backend, seed: String(int(rng, 0, pool - 1)), size, ...(steps !== undefined ? { steps } : {}) };
        if (backend === "onnx") {
          if (typeof arg.prompt !== "string" || arg.prompt === "") this.fail([...at, "prompt"], "the onnx backend needs a text prompt");
          req.model = folder("model") ?? this.fail([...at, "model"], "the onnx backend needs a diffusers ONNX export folder");
          req.prompt = arg.prompt;
        } else if (arg.exemplars !== undefined) {
          req.exemplars = folder("exemplars");
          if (arg.material !== undefined) this.fail([...at, "material"], "give a material or an exemplar folder, not both");
        } else {
          if (typeof arg.material !== "string" || !(MATERIALS as readonly string[]).includes(arg.material)) this.fail([...at, "material"], `expected one of ${MATERIALS.join(", ")} (or "exemplars": a folder of photos)`);
          req.material = arg.material;
        }
        let uri: string;
        try {
          uri = texturePath(req);
        } catch (err) {
          if (err instanceof InputError) this.fail(at, err.message);
          throw err;
        }
        this.outputs.textures?.push(req);
        const rest: { [k: string]: Json } = { uri };
        for (const k of MODIFIERS.generate!) if (node[k] !== undefined) rest[k] = this.value(node[k], [...path, k]);
        return rest;
      }
      case "files": {
        if (typeof arg !== "string" || arg === "") this.fail(at, "expected a folder path (relative to the template)");
        const exts = node.extensions === undefined ? FILE_EXTENSIONS : node.extensions;
        if (!Array.isArray(exts) || exts.length === 0 || exts.some((e) => typeof e !== "string")) this.fail([...path, "extensions"], 'expected a non-empty list of extensions like [".png", ".jpg"]');
        const names = listFolder(resolve(dirname(resolve(this.file)), arg), (exts as string[]).map((e) => e.toLowerCase()), this.file, formatPath(at));
        return [arg.replace(/[\\/]+$/, ""), names[int(rng, 0, names.length - 1)]!].join("/");
      }
      case "shell": {
        if (!isObject(arg)) this.fail(at, 'expected { "center": [x, y, z], "radius": [a, b], "elevation"?: [a, b], "azimuth"?: [a, b] }');
        const center = Array.isArray(arg.center) && arg.center.length === 3 ? arg.center.map((x, i) => this.num(x, [...at, "center", i])) : this.fail([...at, "center"], "expected 3 numbers");
        const radius = this.range(arg.radius, [...at, "radius"]);
        if (radius[0] < 0) this.fail([...at, "radius"], "the radius must be >= 0");
        const elevation = arg.elevation === undefined ? undefined : this.range(arg.elevation, [...at, "elevation"]);
        if (elevation && (elevation[0] < -90 || elevation[1] > 90)) this.fail([...at, "elevation"], "elevation must lie in [-90, 90] degrees");
        const azimuth = arg.azimuth === undefined ? undefined : this.range(arg.azimuth, [...at, "azimuth"]);
        return shellPoint(rng, center, radius, elevation, azimuth);
      }
    }
  }

  /** An objects list, with spawn groups expanded; spawned objects get ids after the highest explicit one unless `firstId` is given. */
  private objects(list: unknown[], path: Path): Json[] {
    const isSpawn = (o: unknown) => isObject(o) && "spawn" in o;
    const explicit = new Map<number, Json>();
    list.forEach((o, i) => {
      if (!isSpawn(o)) explicit.set(i, this.value(o, [...path, i]));
    });
    let nextId = Math.max(0, ...[...explicit.values()].map((o) => (isObject(o) && typeof o.id === "number" ? o.id : 0))) + 1;
    const out: Json[] = [];
    // world bounds of what is placed so far, computed once each (for avoidOverlap)
    const placed: Bounds[] = [];
    let measured = 0;
    const placedBounds = () => {
      for (; measured < out.length; measured++) {
        const b = sampledBounds(out[measured]!);
        if (typeof b === "object") placed.push(b);
      }
      return placed;
    };
    list.forEach((o, i) => {
      if (!isObject(o) || !isSpawn(o)) {
        out.push(explicit.get(i)!);
        return;
      }
      const at = [...path, i, "spawn"];
      const spawn = o.spawn;
      if (!isObject(spawn)) this.fail(at, 'expected { "count": ..., "from": [...] }');
      const unknown = Object.keys(spawn).find((k) => !["count", "from", "firstId", "avoidOverlap", "tries"].includes(k));
      if (unknown) this.fail([...at, unknown], "unknown field of a spawn group (known: count, from, firstId, avoidOverlap, tries)");
      const count = this.value(spawn.count, [...at, "count"]);
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0) this.fail([...at, "count"], `expected a non-negative integer count, got ${JSON.stringify(count)}`);
      // instance ids are 16-bit: a larger count could never be a valid scene, and drawing it would not end
      if (count > MAX_INSTANCE_ID) this.fail([...at, "count"], `at most ${MAX_INSTANCE_ID} objects (instance ids are 16-bit), got ${count}`);
      const from = spawn.from;
      if (!Array.isArray(from) || from.length === 0) this.fail([...at, "from"], "expected a non-empty list of { weight?, object }");
      const weights = from.map((f, j) => {
        if (!isObject(f) || !isObject(f.object)) this.fail([...at, "from", j], 'expected { "weight"?: w, "object": {...} }');
        const w = f.weight === undefined ? 1 : this.num(f.weight, [...at, "from", j, "weight"]);
        if (w < 0) this.fail([...at, "from", j, "weight"], "weights must be >= 0");
        return w;
      });
      if (weights.reduce((s, x) => s + x, 0) <= 0) this.fail([...at, "from"], "weights must have a positive sum");
      let id = spawn.firstId === undefined ? nextId : this.num(spawn.firstId, [...at, "firstId"]);
      const avoid = spawn.avoidOverlap === undefined ? false : spawn.avoidOverlap;
      if (typeof avoid !== "boolean") this.fail([...at, "avoidOverlap"], "expected true or false");
      const tries = spawn.tries === undefined ? 50 : this.num(spawn.tries, [...at, "tries"]);
      if (!Number.isInteger(tries) || tries < 1 || tries > MAX_TRIES) this.fail([...at, "tries"], `expected a positive integer, at most ${MAX_TRIES}`);
      const pick = this.rng.fork(`${formatPath(at)}#pick`);
      let left = 0;
      for (let k = 0; k < count; k++) {
        const j = choiceIndex(pick, from.length, weights);
        const objectPath = [...at, "from", j, "object"];
        // each spawned object samples its own distributions: fork by its index in the group (and the try)
        const draw = (t: number) => ({
          ...(new Sampler(this.rng.fork(`${formatPath(at)}#${k}${t ? `/${t}` : ""}`), this.file, this.warnings, this.outputs, `${this.tag}#${k}`).value((from[j] as { object: Json }).object, objectPath) as object),
          id,
        });
        let sampled: Json = draw(0);
        if (avoid) {
          const others = placedBounds();
          const fits = (o: Json) => {
            const b = sampledBounds(o);
            if (b === "mesh") this.fail(objectPath, "avoidOverlap needs objects with a primitive or library asset shape (a mesh file's size is not known here)");
            return b === "invalid" || !others.some((x) => boundsOverlap(x, b));
          };
          let t = 0;
          while (!fits(sampled) && ++t < tries) sampled = draw(t);
          if (t === tries) {
            left++;
            continue;
          }
        }
        out.push(sampled);
        id++;
      }
      if (left > 0) this.warnings.push(`${formatPath(at)}: placed ${count - left} of ${count} objects without overlap (${tries} tries each)`);
      nextId = Math.max(nextId, id);
    });
    return out;
  }
}

/** Draws every distribution of a template: plain JSON for parseScene. */
export function sampleTemplate(template: unknown, rng: Rng, file = "template", warnings: string[] = [], outputs: SampleOutputs = {}): unknown {
  return new Sampler(rng, file, warnings, outputs).value(template, []);
}

/** Whether a parsed JSON document holds any distribution or spawn group. */
export function isTemplate(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(isTemplate);
  if (!isObject(node)) return false;
  if (distributionOf(node) !== null || "spawn" in node || "physics" in node || "settle" in node) return true;
  return Object.values(node).some(isTemplate);
}
