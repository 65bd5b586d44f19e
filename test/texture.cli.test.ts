// `simforge texture`, exemplar folders, the texture bank and `texture.generate` in templates,
// rendered in the real browser.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materialExemplars } from "../src/texture/exemplars.js";
import { toRgb8 } from "../src/texture/image.js";
import { seamScore } from "../src/texture/metrics.js";
import { fromRgb8 } from "../src/texture/image.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
let dir: string;
let cache: string;

function simforge(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, SIMFORGE_TEXTURE_CACHE: cache } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function png(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-texture-"));
  cache = join(dir, "cache");
  process.env.SIMFORGE_TEXTURE_CACHE = cache;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simforge texture", () => {
  it("writes seamless PNGs with a JSON sidecar each, the same bytes for the same seed, and a 2x2 contact sheet", async () => {
    const a = join(dir, "wood-a");
    const r = simforge("texture", "--material", "wood", "--count", "2", "--size", "32", "--seed", "7", "--out", a, "--report");
    expect(r.stderr).not.toMatch(/error|simforge:/i);
    expect(r.code).toBe(0);
    expect(readdirSync(a).sort()).toEqual(["report.png", "wood-000.json", "wood-000.png", "wood-001.json", "wood-001.png"]);
    const side = JSON.parse(readFileSync(join(a, "wood-000.json"), "utf8"));
    expect(side.request).toMatchObject({ backend: "patch-diffusion", material: "wood", seed: "7-0", size: 32 });
    expect(side.meta).toMatchObject({ backend: "patch-diffusion", material: "wood", size: 32, layout: false });
    expect(side.meta.exemplarHashes).toHaveLength(2);
    expect(typeof side.meta.version).toBe("string");
    expect(side.meta.metrics.seamScore).toBeGreaterThan(0);
    const { data, info } = await png(join(a, "wood-000.png"));
    expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
    expect(seamScore(fromRgb8(new Uint8Array(data), 32, 32))).toBeLessThan(5);
    const b = join(dir, "wood-b");
    expect(simforge("texture", "--material", "wood", "--count", "2", "--size", "32", "--seed", "7", "--out", b, "--threads", "1").code).toBe(0);
    for (const f of ["wood-000.png", "wood-001.png"]) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
    expect(readFileSync(join(a, "wood-000.png")).equals(readFileSync(join(a, "wood-001.png")))).toBe(false);
    const sheet = await png(join(a, "report.png"));
    expect(sheet.info.width).toBeGreaterThanOrEqual(2 * 2 * 128);
  });

  it("makes textures like a folder of photos (any size, PNG or JPEG)", async () => {
    const photos = join(dir, "photos");
    mkdirSync(photos);
    const [e0, e1] = materialExemplars("concrete", 96, 2, "photo");
    await sharp(Buffer.from(toRgb8(e0!.image)), { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(join(photos, "a.png"));
    await sharp(Buffer.from(toRgb8(e1!.image)), { raw: { width: 96, height: 96, channels: 3 } }).resize(80, 60).jpeg().toFile(join(photos, "b.jpg"));
    const out = join(dir, "mine");
    const r = simforge("texture", "--exemplars", photos, "--count", "1", "--size", "32", "--out", out);
    expect(r.code).toBe(0);
    const side = JSON.parse(readFileSync(join(out, "photos-000.json"), "utf8"));
    expect(side.meta.exemplarHashes).toHaveLength(2);
    expect(side.meta.exemplarSource).toBe("user");
  });

  it("bad input: one clear error naming the folder, file or field", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const bad = join(dir, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "broken.png"), "not an image");
    const tiny = join(dir, "tiny");
    mkdirSync(tiny);
    spawnSync(process.execPath, ["-e", `require("sharp")({ create: { width: 1, height: 1, channels: 3, background: "#888" } }).png().toFile(${JSON.stringify(join(tiny, "dot.png"))})`], { cwd: process.cwd() });
    const err = (...args: string[]) => {
      const r = simforge("texture", ...args, "--count", "1", "--size", "32", "--out", join(dir, "x"));
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      return r.stderr;
    };
    expect(err("--exemplars", join(dir, "nope"))).toMatch(/nope: exemplar folder not found/);
    expect(err("--exemplars", empty)).toMatch(/empty: no exemplar images here/);
    expect(err("--exemplars", bad)).toMatch(/broken\.png: cannot decode this image/);
    expect(err("--exemplars", tiny)).toMatch(/dot\.png: the image is 1x1, smaller than the 7x7 patches/);
    expect(simforge("texture", "--material", "wood", "--size", "100", "--out", join(dir, "x")).stderr).toMatch(/size: must be a power of two/);
    expect(simforge("texture", "--material", "oak", "--out", join(dir, "x")).stderr).toMatch(/--material: unknown material "oak" \(known: wood, /);
    expect(simforge("texture", "--backend", "onnx", "--prompt", "wood", "--model", join(dir, "nope-model"), "--out", join(dir, "x")).stderr).toMatch(/nope-model/);
  });
});

describe("texture.generate in a template", () => {
  it("each frame draws a generated texture from a pool by its seed, made once into the cache, and it renders", async () => {
    const { randomize } = await import("../src/randomize/frames.js");
    const { Renderer } = await import("../src/render/renderer.js");
    const template = {
      version: 1,
      classes: [{ id: 1, name: "floor" }],
      camera: { width: 64, height: 48, fovY: 50, pose: { position: [0, 0, 2], lookAt: [0, 0, 0], up: [0, 1, 0] } },
      lights: [{ type: "hemispheric", direction: [0, 0, 1], intensity: 1.2 }],
      objects: [{ id: 1, class: "floor", shape: { type: "plane", size: [4, 4] }, material: { baseColor: [1, 1, 1], texture: { generate: { material: "wood", pool: 2, size: 32 }, scale: [2, 2] } } }],
    };
    const file = join(dir, "floor.json");
    writeFileSync(file, JSON.stringify(template));
    const uris: string[] = [];
    for (let i = 0; i < 6; i++) {
      const f = await randomize(template, 5, i, file);
      const tex = f.scene.objects[0]!.material!.texture!;
      expect(tex.scale).toEqual([2, 2]);
      uris.push(tex.uri);
    }
    expect(new Set(uris).size).toBe(2); // a pool of 2
    for (const u of uris) expect(u.startsWith(cache)).toBe(true);
    expect(readdirSync(cache).filter((n) => n.endsWith(".png"))).toHaveLength(2); // each made once
    expect((await randomize(template, 5, 3, file)).scene.objects[0]!.material!.texture!.uri).toBe(uris[3]);
    const r = await Renderer.open({ gpu: "off" });
    try {
      const frame = await r.render((await randomize(template, 5, 0, file)).scene, { labels: false });
      const values = new Set<number>();
      for (let p = 0; p < frame.rgb!.length; p += 3) values.add(frame.rgb![p]!);
      expect(values.size).toBeGreaterThan(20); // wood grain, not a flat colour
    } finally {
      await r.close();
    }
    const bad = { ...template, objects: [{ ...template.objects[0]!, material: { texture: { generate: { material: "wood", size: 30 } } } }] };
    await expect(randomize(bad, 5, 0, file)).rejects.toThrow(/floor\.json: objects\[0\]\.material\.texture\.generate\.size: expected a power of two/);
  });
});
