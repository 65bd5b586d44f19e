/**
 * The distributions of colours, each giving [r, g, b] in [0, 1]: hsv (each channel a
 * number, a range or a distribution) and kelvin (a black body's colour, for lights).
 */
import { hsvToRgb, kelvinToRgb } from "../../math/distributions.js";
import { objectArgument, type Distribution, type DrawContext, type Json, type JsonObject } from "../distribution.js";

/** `{ "hsv": { "h": x, "s": x, "v": x } }` -> [r, g, b]; each channel draws from its own fork ("h", "s", "v"). */
export const hsvDistribution: Distribution = {
  name: "hsv",
  summary: '{ "hsv": { "h": x, "s": x, "v": x } } -> [r, g, b] (each x a number, a [low, high] range or a distribution)',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at } = ctx;
    const arg = objectArgument(node, "hsv", ctx, 'expected { "h": ..., "s": ..., "v": ... }');
    const [h, s, v] = (["h", "s", "v"] as const).map((k) => {
      if (arg[k] === undefined) ctx.fail([...at, k], "missing (a number, a [low, high] range or a distribution)");
      return ctx.scalar(arg[k], [...at, k], ctx.rng.fork(k));
    });
    return hsvToRgb(h!, Math.min(1, Math.max(0, s!)), Math.min(1, Math.max(0, v!)));
  },
};

/** `{ "kelvin": x }` -> [r, g, b], the colour of a black body at x K (1000..40000). */
export const kelvinDistribution: Distribution = {
  name: "kelvin",
  summary: '{ "kelvin": x } -> [r, g, b], the colour of a black body at x K (x a number, a [low, high] range or a distribution; for lights)',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const k = ctx.scalar(node.kelvin, ctx.at, ctx.rng);
    if (k < 1000 || k > 40000) ctx.fail(ctx.at, `colour temperature ${k} K is outside 1000..40000 K`);
    return kelvinToRgb(k);
  },
};
