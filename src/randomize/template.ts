/**
 * Templates: a scene in which any value may be a distribution and an `objects` entry may be
 * a spawn group. `sampleTemplate(template, rng)` walks it and draws every distribution,
 * giving plain JSON that is then validated as a concrete scene. Each distribution draws
 * from its own stream, forked by its field path, so editing one part of a template leaves
 * the draws of every other part unchanged.
 *
 * Distributions are `{ "<name>": argument, ...keys }` nodes, e.g. { "uniform": [a, b] } or
 * { "normal": [mu, sigma], "clip": [a, b] }; each is a Distribution listed in
 * distribution-registry.ts (its `summary` says its form), the built-in ones in distributions/.
 *
 * Spawn groups, inside `objects`:
 *   { "spawn": { "count": n or distribution, "from": [{ "weight"?: w, "object": {...} }], "firstId"?: id,
 *                "avoidOverlap"?: true, "tries"?: 50 } }
 *   With avoidOverlap, an object whose bounding box overlaps one listed before it (by more
 *   than 1 cm on every axis) is drawn again, up to `tries` times; one that still overlaps is
 *   left out with a warning naming the frame. Drawing again forks a new stream per try, so
 *   the result is still a pure function of the seed.
 */
import { InputError } from "../errors.js";
import { formatPath } from "../scene/validate.js";
import { choiceIndex, uniform } from "../math/distributions.js";
import type { Rng } from "../math/rng.js";
import { ObjectSchema } from "../scene/schema.js";
import { boundsOverlap, localBounds, worldBounds, type Bounds } from "../scene/geometry.js";
import type { TextureRequest } from "../texture/bank.js";
import { isJsonObject as isObject, type Distribution, type DrawContext, type Json, type JsonObject, type Path } from "./distribution.js";
import { distributionNames, findDistribution } from "./distribution-registry.js";

/** The largest instance id (instance.png is 16-bit; 0 is the background). */
const MAX_INSTANCE_ID = 65535;
/** The most placement tries per spawned object (each try tests the object against every placed one). */
const MAX_TRIES = 10_000;

/** The distribution an object node is (the first registered one whose name is among its keys), or null for a plain object. */
export function distributionOf(node: unknown): Distribution | null {
  if (!isObject(node)) return null;
  const keys = Object.keys(node);
  const name = distributionNames().find((k) => keys.includes(k));
  return name === undefined ? null : findDistribution(name)!;
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
    const extra = Object.keys(node).filter((k) => k !== d.name && !(d.keys ?? []).includes(k));
    if (extra.length) this.fail([...path, extra[0]!], `unknown field "${extra[0]}" in a ${d.name} distribution`);
    const drawn = this.draw(d, node, path);
    this.record(path, drawn);
    return drawn;
  }

  /** The distribution's draw, from the node's own stream (forked by its field path). */
  private draw(d: Distribution, node: JsonObject, path: Path): Json {
    const ctx: DrawContext = {
      rng: this.rng.fork(formatPath(path) || "$"),
      path,
      at: [...path, d.name],
      file: this.file,
      fail: (p, msg) => this.fail(p, msg),
      value: (v, p) => this.value(v, p),
      num: (v, p) => this.num(v, p),
      range: (v, p, what) => this.range(v, p, what),
      scalar: (v, p, rng) => this.scalar(v, p, rng),
      requestTexture: (req) => {
        this.outputs.textures?.push(req);
      },
    };
    return d.draw(node, ctx);
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
