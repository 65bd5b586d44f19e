/**
 * What a template distribution is: the Distribution interface every one satisfies (the
 * built-in ones are in distributions/, listed in distribution-registry.ts) and the
 * DrawContext the sampler hands it, with the node's own random stream, its field path and
 * the sampler's helpers (errors naming the field, nested values, texture requests).
 */
import type { Rng } from "../math/rng.js";
import type { TextureRequest } from "../texture/bank.js";
import { isObject } from "../formats/json.js";

/** A JSON value, as templates are parsed. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A field path in a template, e.g. ["objects", 0, "pose", "position", 1]. */
export type Path = (string | number)[];
/** An object node of a template (a distribution node holds its name as a key). */
export type JsonObject = { [k: string]: Json };

/** Whether a value is a JSON object (not null, not a list): formats/json.ts isObject, typed for template JSON. */
export const isJsonObject = isObject as (v: unknown) => v is JsonObject;

/** The argument of a distribution whose argument is an object (`node[name]`); anything else fails at `ctx.at` saying `expected`. */
export function objectArgument(node: JsonObject, name: string, ctx: DrawContext, expected: string): JsonObject {
  const arg = node[name];
  if (!isJsonObject(arg)) ctx.fail(ctx.at, expected);
  return arg;
}

/** What a distribution's draw gets besides its node. */
export interface DrawContext {
  /** The node's own stream, forked by its field path: draw only from it (or forks of it). */
  readonly rng: Rng;
  /** The node's field path; its sibling keys (e.g. "clip") lie at [...path, key]. */
  readonly path: Path;
  /** The path of the distribution's own key, [...path, name]: where errors about its argument point. */
  readonly at: Path;
  /** The template file (a relative folder in a template is relative to this file's folder). */
  readonly file: string;
  /** Throws an InputError naming the file and the field at `path`. */
  fail(path: Path, message: string): never;
  /** Samples a nested template value at `path` (its distributions draw from their own streams). */
  value(node: unknown, path: Path): Json;
  /** A finite number, or a distribution drawing one. */
  num(v: unknown, path: Path): number;
  /** A [low, high] pair of numbers (each may be a distribution), low first; `what` names the expected form in errors. */
  range(v: unknown, path: Path, what?: string): [number, number];
  /** A number, a [low, high] range drawn uniformly from `rng`, or a distribution. */
  scalar(v: unknown, path: Path, rng: Rng): number;
  /** Reports a generated texture the frame uses (made before the frame renders). */
  requestTexture(req: TextureRequest): void;
}

/**
 * A template distribution: an object node `{ [name]: argument, ...keys }` that sampling
 * replaces by what `draw` returns. A node is the first registered distribution whose name
 * is one of its keys; any other key must be listed in `keys`.
 */
export interface Distribution {
  /** The key naming it in a template, e.g. "uniform". */
  readonly name: string;
  /** Sibling keys it allows beside its name, e.g. ["clip"] for normal. */
  readonly keys?: readonly string[];
  /** One line for people: its form and what it gives. */
  readonly summary: string;
  /** The drawn value; a bad node is `ctx.fail(path, message)`. */
  draw(node: JsonObject, ctx: DrawContext): Json;
}
