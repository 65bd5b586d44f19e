// Templates: distributions drawn per frame from frameSeed, spawn groups, errors naming fields.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { Rng } from "../src/randomize/rng.js";
import { sampleTemplate } from "../src/randomize/template.js";
import { checkDistributionNames, randomize, sceneFileFrames } from "../src/randomize/frames.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-tpl-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const template = () => JSON.parse(readFileSync("scenes/seed-cubes.template.json", "utf8"));

function errorOf(t: unknown): string {
  try {
    checkDistributionNames(t, "t.json");
    sampleTemplate(t, new Rng("x"), "t.json");
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("templates", () => {
  it("frame i is a pure function of (template, seed, i): alone or in a run, twice, and different seeds differ", async () => {
    const run = await sceneFileFrames("scenes/seed-cubes.template.json", 5, 7);
    const again = await sceneFileFrames("scenes/seed-cubes.template.json", 5, 7);
    expect(again).toEqual(run);
    const alone = await randomize(template(), 7, 3, "scenes/seed-cubes.template.json");
    expect(alone.scene).toEqual(run[3]!.scene);
    expect(run[3]!.scene).not.toEqual(run[4]!.scene);
    const other = await randomize(template(), 8, 3, "scenes/seed-cubes.template.json");
    expect(other.scene).not.toEqual(run[3]!.scene);
  });

  it("spawn groups draw counts and assets, give unique ids after the explicit ones, and respect the ranges", () => {
    const t = {
      objects: [
        { id: 5, class: "table" },
        { spawn: { count: { int: [3, 15] }, from: [{ weight: 3, object: { class: "mug", s: { uniform: [1, 2] } } }, { weight: 1, object: { class: "can" } }] } },
      ],
    };
    const counts = { mug: 0, can: 0 };
    for (let i = 0; i < 300; i++) {
      const out = sampleTemplate(t, new Rng(`s${i}`)) as { objects: { id: number; class: "mug" | "can" | "table"; s?: number }[] };
      const spawned = out.objects.slice(1);
      expect(spawned.length).toBeGreaterThanOrEqual(3);
      expect(spawned.length).toBeLessThanOrEqual(15);
      expect(out.objects.map((o) => o.id)).toEqual([5, ...spawned.map((_, k) => 6 + k)]);
      for (const o of spawned) {
        counts[o.class as "mug" | "can"]++;
        if (o.class === "mug") expect(o.s! >= 1 && o.s! <= 2).toBe(true);
      }
    }
    const share = counts.mug / (counts.mug + counts.can);
    expect(Math.abs(share - 0.75)).toBeLessThan(0.05);
  });

  it("each distribution draws from its own stream: editing one leaves the others' draws unchanged", () => {
    const a = { x: { uniform: [0, 1] }, y: { uniform: [0, 1] } };
    const b = { x: { uniform: [0, 10] }, y: { uniform: [0, 1] }, z: { normal: [0, 1] } };
    const sa = sampleTemplate(a, new Rng("k")) as { y: number };
    const sb = sampleTemplate(b, new Rng("k")) as { y: number };
    expect(sb.y).toBe(sa.y);
  });

  it("distributions produce the scene's shapes: colours, rotations, shell points", () => {
    const out = sampleTemplate(
      { c: { hsv: { h: [0, 360], s: 0.5, v: [0.2, 0.9] } }, k: { kelvin: [2700, 6500] }, r: { uniformRotation: true }, a: { rotationAbout: { axis: [0, 0, 1], angle: [0, 90] } }, p: { shell: { center: [0, 0, 1], radius: [1, 2], elevation: [30, 80] } }, n: { choice: [1, { uniform: [5, 6] }], weights: [0, 1] } },
      new Rng("shapes"),
    ) as Record<string, any>;
    expect(out.c).toHaveLength(3);
    expect(Math.max(...out.k)).toBe(1);
    expect(out.r.quaternion).toHaveLength(4);
    expect(out.a.axisAngle.angle).toBeGreaterThanOrEqual(0);
    expect(out.p[2]).toBeGreaterThan(1);
    expect(out.n).toBeGreaterThanOrEqual(5);
  });

  const bad: [string, unknown, string][] = [
    ["an unknown distribution", { objects: [{ pose: { position: [{ unifrom: [0, 1] }, 0, 0] } }] }, 't.json: objects[0].pose.position[0].unifrom: unknown distribution "unifrom" (known: uniform, normal, logUniform, int, choice, hsv, kelvin, uniformRotation, rotationAbout, shell)'],
    ["inverted bounds", { a: { b: { uniform: [5, 1] } } }, "t.json: a.b.uniform: inverted bounds [5, 1]: the low end comes first"],
    ["an empty choice", { a: { choice: [] } }, "t.json: a.choice: expected a non-empty list of choices"],
    ["a negative count", { objects: [{ spawn: { count: -2, from: [{ object: {} }] } }] }, 't.json: objects[0].spawn.count: expected a non-negative integer count, got -2'],
    ["a stray field in a distribution", { a: { uniform: [0, 1], clip: [0, 1] } }, 't.json: a.clip: unknown field "clip" in a uniform distribution'],
    ["mismatched weights", { a: { choice: [1, 2], weights: [1] } }, "t.json: a.weights: expected 2 weights, one per choice"],
  ];
  for (const [what, t, msg] of bad) {
    it(`${what} is one error naming the file and field`, () => {
      expect(errorOf(t)).toBe(msg);
    });
  }

  it("--frames on a concrete scene is an input error", async () => {
    await expect(sceneFileFrames("scenes/demo.json", 3, 0)).rejects.toThrow(/--frames 3 needs a template/);
  });

  it("a template whose draw breaks the scene format fails validation naming the field", async () => {
    const t = template();
    t.objects[0].spawn.from[0].object.scale = { uniform: [-2, -1] };
    const path = join(dir, "neg.json");
    writeFileSync(path, JSON.stringify(t));
    await expect(sceneFileFrames(path, 1, 0)).rejects.toThrow(/neg\.json: objects\[0\]\.scale: /);
  });
});
