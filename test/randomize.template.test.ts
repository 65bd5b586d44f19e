// Templates: distributions drawn per frame from frameSeed, spawn groups, errors naming fields.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";
import { sampleTemplate } from "../src/randomize/template.js";
import { randomize, sceneFileFrames } from "../src/randomize/frames.js";
import { templateError } from "./helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-tpl-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const template = () => JSON.parse(readFileSync("scenes/seed-cubes.template.json", "utf8"));

const errorOf = templateError;

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
    ["an unknown distribution", { objects: [{ pose: { position: [{ unifrom: [0, 1] }, 0, 0] } }] }, 't.json: objects[0].pose.position[0].unifrom: unknown distribution "unifrom" (known: uniform, normal, logUniform, int, choice, hsv, kelvin, uniformRotation, rotationAbout, shell, files, generate)'],
    ["inverted bounds", { a: { b: { uniform: [5, 1] } } }, "t.json: a.b.uniform: inverted bounds [5, 1]: the low end comes first"],
    ["an empty choice", { a: { choice: [] } }, "t.json: a.choice: expected a non-empty list of choices"],
    ["a negative count", { objects: [{ spawn: { count: -2, from: [{ object: {} }] } }] }, 't.json: objects[0].spawn.count: expected a non-negative integer count, got -2'],
    ["a stray field in a distribution", { a: { uniform: [0, 1], clip: [0, 1] } }, 't.json: a.clip: unknown field "clip" in a uniform distribution'],
    ["mismatched weights", { a: { choice: [1, 2], weights: [1] } }, "t.json: a.weights: expected 2 weights, one per choice"],
    // the generate request is checked with a zod schema once its numbers are drawn
    ["a generate size that is no power of two", { t: { generate: { material: "wood", size: { int: [30, 30] } } } }, "t.json: t.generate.size: expected a power of two in [16, 8192]"],
    ["a stray field in a generate request", { t: { generate: { material: "wood", sise: 64 } } }, 't.json: t.generate: unknown field "sise" (did you mean "size"?)'],
    ["an onnx request without a prompt", { t: { generate: { model: "m" } } }, "t.json: t.generate.prompt: the onnx backend needs a text prompt"],
    ["a material and an exemplar folder", { t: { generate: { material: "wood", exemplars: "photos" } } }, "t.json: t.generate.material: give a material or an exemplar folder, not both"],
    ["an unknown texture backend", { t: { generate: { material: "wood", backend: "gan" } } }, "t.json: t.generate.backend: expected patch-diffusion, rpn or onnx"],
    ["a pool of zero", { t: { generate: { material: "wood", pool: 0 } } }, "t.json: t.generate.pool: expected a positive integer (how many different textures frames draw from)"],
  ];
  for (const [what, t, msg] of bad) {
    it(`${what} is one error naming the file and field`, () => {
      expect(errorOf(t)).toBe(msg);
    });
  }

  it("--frames on a concrete scene is an input error", async () => {
    await expect(sceneFileFrames("scenes/demo.json", 3, 0)).rejects.toThrow(/demo\.json: --frames: 3 frames need a template/);
  });

  it("a template whose draw breaks the scene format fails validation naming the field", async () => {
    const t = template();
    t.objects[0].spawn.from[0].object.scale = { uniform: [-2, -1] };
    const path = join(dir, "neg.json");
    writeFileSync(path, JSON.stringify(t));
    await expect(sceneFileFrames(path, 1, 0)).rejects.toThrow(/neg\.json: objects\[0\]\.scale: /);
  });
});

describe("texture banks, placement without overlap, asset roots", () => {
  const base = (objects: unknown[], extra: object = {}) => ({
    version: 1, classes: [{ id: 1, name: "t" }],
    camera: { width: 8, height: 8, fovY: 60, pose: { position: [5, 0, 5], lookAt: [0, 0, 0] } },
    objects, ...extra,
  });

  it("{ files: folder } picks a file of the folder per frame: only the listed extensions, every one reachable, the same for the same seed", async () => {
    const bank = join(dir, "bank");
    mkdirSync(bank);
    for (const n of ["b.png", "a.png", "c.jpg"]) copyFileSync("assets/textures/checker.png", join(bank, n));
    writeFileSync(join(bank, "notes.txt"), "not a texture");
    const path = join(dir, "bank.json");
    writeFileSync(path, JSON.stringify(base([{ id: 1, class: "t", shape: { type: "box", size: [1, 1, 1] }, material: { texture: { uri: { files: "bank", extensions: [".png"] } } } }])));
    const picks = new Set<string>();
    for (let i = 0; i < 12; i++) picks.add((await randomize(JSON.parse(readFileSync(path, "utf8")), 1, i, path)).scene.objects[0]!.material!.texture!.uri);
    expect([...picks].sort()).toEqual([join(bank, "a.png"), join(bank, "b.png")]);
    const a = await randomize(JSON.parse(readFileSync(path, "utf8")), 5, 2, path);
    const b = await randomize(JSON.parse(readFileSync(path, "utf8")), 5, 2, path);
    expect(a.scene).toEqual(b.scene);
  });

  it("bank errors name the field: a missing folder, a folder without matching files, a folder outside the asset roots", async () => {
    const at = (uri: unknown) => base([{ id: 1, class: "t", shape: { type: "box", size: [1, 1, 1] }, material: { texture: { uri } } }]);
    const err = async (t: unknown) => {
      const path = join(dir, "bad-bank.json");
      writeFileSync(path, JSON.stringify(t));
      return (await randomize(t, 0, 0, path).catch((e: Error) => e)) as Error;
    };
    expect((await err(at({ files: "nowhere" }))).message).toMatch(/bad-bank\.json: objects\[0\]\.material\.texture\.uri\.files: folder not found: .*nowhere$/);
    mkdirSync(join(dir, "empty"), { recursive: true });
    expect((await err(at({ files: "empty" }))).message).toMatch(/objects\[0\]\.material\.texture\.uri\.files: no \.png, .* files in .*empty$/);
    expect((await err(at({ files: "/usr/share" }))).message).toMatch(/objects\[0\]\.material\.texture\.uri\.files: folder \/usr\/share lies outside the template's asset roots/);
    // a plain path in a template that escapes its roots
    const outside = join(tmpdir(), `simforge-outside-${process.pid}.png`);
    copyFileSync("assets/textures/checker.png", outside);
    try {
      const e = await err({ ...at(outside), objects: [{ id: 1, class: "t", shape: { type: "box", size: [1, 1, { uniform: [1, 2] }] }, material: { texture: { uri: outside } } }] });
      expect(e.message).toMatch(/bad-bank\.json: objects\[0\]\.material\.texture\.uri: .* lies outside the template's asset roots .* SIMFORGE_ASSET_ROOTS/);
    } finally {
      rmSync(outside);
    }
  });

  it("avoidOverlap: spawned objects never overlap each other or what came before; when they cannot fit, a warning names the frame", async () => {
    const box = { class: "t", shape: { type: "box", size: [1, 1, 1] }, pose: { position: [{ uniform: [-3, 3] }, { uniform: [-3, 3] }, 0.5] } };
    const t = base([{ id: 1, class: "t", shape: { type: "box", size: [1, 1, 1] }, pose: { position: [0, 0, 0.5] } }, { spawn: { count: 8, avoidOverlap: true, from: [{ object: box }] } }]);
    for (let i = 0; i < 5; i++) {
      const { scene, warnings } = await randomize(t, 3, i, join(dir, "place.json"));
      expect(warnings).toEqual([]);
      expect(scene.objects).toHaveLength(9);
      for (const a of scene.objects) for (const b of scene.objects) {
        if (a.id >= b.id) continue;
        const [pa, pb] = [a.pose.position, b.pose.position];
        expect(Math.abs(pa[0] - pb[0]) >= 0.99 || Math.abs(pa[1] - pb[1]) >= 0.99, `${a.id} ${b.id}`).toBe(true);
      }
    }
    // 40 unit boxes cannot fit in a 3 m square: some are left out, with a warning naming the frame
    const crowded = base([{ spawn: { count: 40, avoidOverlap: true, tries: 5, from: [{ object: { ...box, pose: { position: [{ uniform: [-1, 1] }, { uniform: [-1, 1] }, 0.5] } } }] } }]);
    const { scene, warnings } = await randomize(crowded, 3, 4, join(dir, "crowded.json"));
    expect(scene.objects.length).toBeLessThan(40);
    expect(warnings).toEqual([`${join(dir, "crowded.json")}: frame 4: objects[0].spawn: placed ${scene.objects.length} of 40 objects without overlap (5 tries each)`]);
    expect(errorOf({ objects: [{ spawn: { count: 1, from: [{ object: {} }], overlap: true } }] })).toBe("t.json: objects[0].spawn.overlap: unknown field of a spawn group (known: count, from, firstId, avoidOverlap, tries)");
  });

  it("camera noise without a seed gets one per frame, recorded in the concrete scene", async () => {
    const t = base([{ id: 1, class: "t", shape: { type: "box", size: [1, 1, { uniform: [1, 2] }] } }]);
    (t.camera as Record<string, unknown>).effects = { noise: { read: 0.01 } };
    const f0 = await randomize(t, 1, 0, join(dir, "n.json"));
    const f1 = await randomize(t, 1, 1, join(dir, "n.json"));
    expect(f0.scene.camera.effects!.noise!.seed).toMatch(/^[0-9a-f]{32}$/);
    expect(f1.scene.camera.effects!.noise!.seed).not.toBe(f0.scene.camera.effects!.noise!.seed);
    expect((await randomize(t, 1, 0, join(dir, "n.json"))).scene).toEqual(f0.scene);
  });
});
