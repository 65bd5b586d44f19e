// The distribution registry: a distribution registered by a library user samples like a
// built-in one (its own stream, its sibling keys, errors naming the field), and the check
// for misspelt names knows it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";
import { uniform } from "../src/math/distributions.js";
import type { Distribution, DrawContext, Json, JsonObject } from "../src/randomize/distribution.js";
import { BUILT_IN, distributionNames, findDistribution, registerDistribution } from "../src/randomize/distribution-registry.js";
import { isTemplate, sampleTemplate } from "../src/randomize/template.js";
import { randomize } from "../src/randomize/frames.js";
import { templateError } from "./helpers.js";

const BUILT_IN_NAMES = ["uniform", "normal", "logUniform", "int", "choice", "hsv", "kelvin", "uniformRotation", "rotationAbout", "shell", "files", "generate"];

/** `{ "constant": x, "jitter"?: j }` -> x, plus a uniform draw in [-j, j] when jitter is given. */
const constant: Distribution = {
  name: "constant",
  keys: ["jitter"],
  summary: '{ "constant": x, "jitter"?: j } -> x (+ uniform in [-j, j])',
  draw(node: JsonObject, ctx: DrawContext): Json {
    if (typeof node.constant !== "number") ctx.fail(ctx.at, "expected a number");
    const j = node.jitter === undefined ? 0 : ctx.num(node.jitter, [...ctx.path, "jitter"]);
    return j === 0 ? node.constant : node.constant + uniform(ctx.rng, -j, j);
  },
};

const errorOf = templateError;

describe("distribution registry", () => {
  it("lists the built-in distributions in their order, each with a summary", () => {
    expect(BUILT_IN.map((d) => d.name)).toEqual(BUILT_IN_NAMES);
    expect(distributionNames().slice(0, BUILT_IN_NAMES.length)).toEqual(BUILT_IN_NAMES);
    for (const d of BUILT_IN) {
      expect(d.summary, d.name).toContain(`"${d.name}"`);
      expect(findDistribution(d.name)).toBe(d);
    }
    expect(findDistribution("constant")).toBeUndefined();
  });

  it("a registered distribution samples in templates, draws from its own stream, and leaves other draws unchanged", async () => {
    expect(isTemplate({ a: { constant: 5 } })).toBe(false);
    registerDistribution(constant);
    expect(distributionNames().at(-1)).toBe("constant");
    expect(findDistribution("constant")).toBe(constant);
    expect(isTemplate({ a: { constant: 5 } })).toBe(true);

    const draws = {};
    const out = sampleTemplate({ a: { constant: 5 }, b: [{ constant: 3 }], c: { constant: 2, jitter: 0.5 }, d: { uniform: [0, 1] } }, new Rng("k"), "t.json", [], { draws }) as Record<string, any>;
    expect(out.a).toBe(5);
    expect(out.b).toEqual([3]);
    expect(Math.abs(out.c - 2)).toBeLessThanOrEqual(0.5);
    expect(out.c).not.toBe(2);
    expect(draws).toMatchObject({ a: 5, "b[0]": 3, c: out.c });
    expect(out.d).toBe((sampleTemplate({ d: { uniform: [0, 1] } }, new Rng("k")) as { d: number }).d);
    // the same seed gives the same draw
    expect((sampleTemplate({ c: { constant: 2, jitter: 0.5 } }, new Rng("k")) as { c: number }).c).toBe(out.c);

    // in a scene template: the light's intensity comes from the new distribution, the cubes' draws are as before
    const file = "scenes/seed-cubes.template.json";
    const t = JSON.parse(readFileSync(file, "utf8"));
    const plain = await randomize(JSON.parse(readFileSync(file, "utf8")), 7, 2, file);
    t.lights[0].intensity = { constant: 7 };
    const withConstant = await randomize(t, 7, 2, file);
    expect(withConstant.scene.lights[0]!.intensity).toBe(7);
    expect(withConstant.scene.objects).toEqual(plain.scene.objects);
  });

  it("a registered distribution's errors name the file and field, and a misspelt name is still an unknown distribution", () => {
    if (!findDistribution("constant")) registerDistribution(constant);
    expect(errorOf({ a: { constant: "x" } })).toBe("t.json: a.constant: expected a number");
    expect(errorOf({ a: { constant: 1, clip: [0, 1] } })).toBe('t.json: a.clip: unknown field "clip" in a constant distribution');
    expect(errorOf({ a: [{ constnat: 5 }] })).toBe(`t.json: a[0].constnat: unknown distribution "constnat" (known: ${[...BUILT_IN_NAMES, "constant"].join(", ")})`);
    expect(errorOf({ a: { unifrom: [0, 1] } })).toBe(`t.json: a.unifrom: unknown distribution "unifrom" (known: ${[...BUILT_IN_NAMES, "constant"].join(", ")})`);
  });

  it("refuses a name taken, reserved or malformed, and a distribution listing its own name as a key", () => {
    const d = (name: string, keys?: string[]): Distribution => ({ name, ...(keys ? { keys } : {}), summary: "", draw: () => null });
    if (!findDistribution("constant")) registerDistribution(constant);
    expect(() => registerDistribution(d("constant"))).toThrow(/already registered/);
    expect(() => registerDistribution(d("uniform"))).toThrow(/already registered/);
    expect(() => registerDistribution(d("spawn"))).toThrow(/another meaning/);
    expect(() => registerDistribution(d("two words"))).toThrow(/letters, digits/);
    expect(() => registerDistribution(d("own", ["own"]))).toThrow(/its own name/);
    expect(findDistribution("own")).toBeUndefined();
  });
});
