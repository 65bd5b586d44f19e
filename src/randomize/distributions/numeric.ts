/**
 * The distributions of numbers: uniform, normal (optionally clipped), logUniform, int, and
 * choice (one of a list of values, optionally weighted).
 */
import { choiceIndex, int, logUniform, normal, uniform } from "../../math/distributions.js";
import type { Distribution, DrawContext, Json, JsonObject } from "../distribution.js";

/** A distribution of one [a, b] range: the bounds drawn (and checked), then `sample(rng, a, b)`. */
function rangeDistribution(name: string, summary: string, sample: (rng: DrawContext["rng"], a: number, b: number) => number, check?: (a: number, b: number) => string | null): Distribution {
  return {
    name,
    summary,
    draw(node: JsonObject, ctx: DrawContext): Json {
      const [a, b] = ctx.range(node[name], ctx.at);
      const problem = check?.(a, b);
      if (problem) ctx.fail(ctx.at, problem);
      return sample(ctx.rng, a, b);
    },
  };
}

/** `{ "uniform": [a, b] }`: a number uniform in [a, b]. */
export const uniformDistribution = rangeDistribution("uniform", '{ "uniform": [a, b] } -> a number uniform in [a, b]', uniform);

/** `{ "normal": [mu, sigma], "clip"?: [a, b] }`: a normal number, truncated to the clip window. */
export const normalDistribution: Distribution = {
  name: "normal",
  keys: ["clip"],
  summary: '{ "normal": [mean, sd], "clip"?: [a, b] } -> a normal number (truncated to the clip window)',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at, path } = ctx;
    const arg = node.normal;
    if (!Array.isArray(arg) || arg.length !== 2) ctx.fail(at, "expected [mean, standard deviation]");
    const mu = ctx.num(arg[0], [...at, 0]);
    const sigma = ctx.num(arg[1], [...at, 1]);
    if (sigma < 0) ctx.fail([...at, 1], "the standard deviation must be >= 0");
    const clip = node.clip === undefined ? undefined : ctx.range(node.clip, [...path, "clip"]);
    if (clip && (mu + 8 * sigma < clip[0] || mu - 8 * sigma > clip[1])) ctx.fail([...path, "clip"], "the clip window lies more than 8 standard deviations from the mean");
    return normal(ctx.rng, mu, sigma, clip);
  },
};

/** `{ "logUniform": [a, b] }`: a number whose logarithm is uniform (a > 0). */
export const logUniformDistribution = rangeDistribution("logUniform", '{ "logUniform": [a, b] } -> a number in [a, b] whose logarithm is uniform (a > 0)', logUniform, (a) =>
  a <= 0 ? "log-uniform bounds must be positive" : null,
);

/** `{ "int": [a, b] }`: an integer in [a, b], both ends included. */
export const intDistribution = rangeDistribution("int", '{ "int": [a, b] } -> an integer in [a, b] (both ends included)', int, (a, b) =>
  !Number.isInteger(a) || !Number.isInteger(b) ? "expected integer bounds" : null,
);

/** `{ "choice": [v0, v1, ...], "weights"?: [...] }`: one of the values, which may hold distributions. */
export const choiceDistribution: Distribution = {
  name: "choice",
  keys: ["weights"],
  summary: '{ "choice": [v0, v1, ...], "weights"?: [...] } -> one of the values (which may hold distributions)',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at, path } = ctx;
    const arg = node.choice;
    if (!Array.isArray(arg) || arg.length === 0) ctx.fail(at, "expected a non-empty list of choices");
    let weights: number[] | undefined;
    if (node.weights !== undefined) {
      const w = node.weights;
      if (!Array.isArray(w) || w.length !== arg.length) ctx.fail([...path, "weights"], `expected ${arg.length} weights, one per choice`);
      weights = w.map((x, i) => ctx.num(x, [...path, "weights", i]));
      if (weights.some((x) => x < 0) || weights.reduce((s, x) => s + x, 0) <= 0) ctx.fail([...path, "weights"], "weights must be >= 0 with a positive sum");
    }
    const i = choiceIndex(ctx.rng, arg.length, weights);
    return ctx.value(arg[i], [...at, i]);
  },
};
