// Image-based lighting (scene.environment): the Preetham sky against the paper's formula,
// Radiance .hdr reading, and in the real browser a mirror and a matte sphere lit only by an
// environment whose colour tells the direction (red towards +Y, green towards -Y, blue up),
// so that a wrong axis or handedness shows. Labels do not change with the environment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Renderer, type RenderedFrame } from "../src/render/renderer.js";
import { parseScene } from "../src/scene/validate.js";
import { preethamSky } from "../src/math/sky.js";
import { cubeRadiance, environmentAsset, parseHdr } from "../src/render/environment.js";
import { decodeBabylonEnv } from "../src/formats/babylon-env.js";
import { launchBrowser } from "../src/render/browser.js";
import seedrandom from "seedrandom";
import { studioRadiance } from "../src/render/studio.js";
import { materialExemplar } from "../src/texture/exemplars.js";
import { invertRigid, transformPoint } from "../src/math/transforms.js";
import { InputError } from "../src/errors.js";
import { bytes, cpuBackends } from "./helpers.js";

/** The paper's model, written out here (Preetham et al. 1999, appendix A.2): luminance Y of a direction, in kcd/m². */
function paperLuminance(T: number, thetaSun: number, theta: number, gamma: number): number {
  const A = 0.1787 * T - 1.463, B = -0.3554 * T + 0.4275, C = -0.0227 * T + 5.3251, D = 0.1206 * T - 2.5771, E = -0.067 * T + 0.3703;
  const F = (th: number, g: number) => (1 + A * Math.exp(B / Math.cos(th))) * (1 + C * Math.exp(D * g) + E * Math.cos(g) ** 2);
  const chi = (4 / 9 - T / 120) * (Math.PI - 2 * thetaSun);
  const Yz = (4.0453 * T - 4.971) * Math.tan(chi) - 0.2155 * T + 2.4192;
  return (Yz * F(theta, gamma)) / F(0, thetaSun);
}

const luminance = (rgb: readonly number[]) => 0.2126 * rgb[0]! + 0.7152 * rgb[1]! + 0.0722 * rgb[2]!;

describe("the Preetham sky", () => {
  it("follows the model's luminance at known directions (relative to the zenith)", () => {
    for (const [elev, T] of [[30, 3], [60, 2.2], [10, 6]] as const) {
      const sky = preethamSky({ sunElevation: elev, sunAzimuth: 40, turbidity: T, groundAlbedo: [0.3, 0.3, 0.3] });
      const ts = ((90 - elev) * Math.PI) / 180;
      const zenith = paperLuminance(T, ts, 0, ts);
      expect(luminance(sky.radiance(0, 0, 1))).toBeCloseTo(1, 3);
      for (const [el, az] of [[80, 0], [45, 40], [20, 220], [5, 100], [60, 300]] as const) {
        const t = ((90 - el) * Math.PI) / 180, a = (az * Math.PI) / 180;
        const d = [Math.sin(t) * Math.cos(a), Math.sin(t) * Math.sin(a), Math.cos(t)] as const;
        const gamma = Math.acos(Math.min(1, d[0] * sky.sun[0] + d[1] * sky.sun[1] + d[2] * sky.sun[2]));
        const want = paperLuminance(T, ts, t, gamma) / zenith;
        expect(Math.abs(luminance(sky.radiance(...d)) - want) / want).toBeLessThan(2e-3);
      }
      // the circumsolar sky outshines the sky opposite the sun at the same elevation
      const s = sky.sun;
      const h = Math.hypot(s[0], s[1]);
      const el = Math.min(0.9, s[2] + 0.05);
      const toward = sky.radiance((s[0] / h) * Math.sqrt(1 - el * el), (s[1] / h) * Math.sqrt(1 - el * el), el);
      const away = sky.radiance((-s[0] / h) * Math.sqrt(1 - el * el), (-s[1] / h) * Math.sqrt(1 - el * el), el);
      expect(luminance(toward)).toBeGreaterThan(2 * luminance(away));
    }
  });

  it("is a clear-sky blue at the zenith and the same bytes every time", async () => {
    const z = preethamSky({ sunElevation: 45, sunAzimuth: 0, turbidity: 2.5, groundAlbedo: [0.3, 0.3, 0.3] }).radiance(0, 0, 1);
    expect(z[2]).toBeGreaterThan(z[0]);
    const env = { sky: { sunElevation: 45, sunAzimuth: 10, turbidity: 2.5, groundAlbedo: [0.3, 0.3, 0.3] as [number, number, number] }, intensity: 1, rotation: 0, size: 16 };
    const a = await environmentAsset(env, "s.json");
    const b = await environmentAsset(structuredClone(env), "s.json");
    expect(b.key).toBe(a.key);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    const c = await environmentAsset({ ...env, sky: { ...env.sky, sunElevation: 46 } }, "s.json");
    expect(c.key).not.toBe(a.key);
  });

  it("refuses a sun elevation out of range, naming the field", () => {
    const scene = (sunElevation: number) => ({
      version: 1, classes: [], objects: [], environment: { sky: { sunElevation } },
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [0, 0, 1], lookAt: [1, 0, 1] } },
    });
    expect(() => parseScene(scene(95), "s.json")).toThrow(/s\.json: environment\.sky\.sunElevation: expected a sun elevation in degrees in \(0, 90\], got 95/);
    expect(() => parseScene(scene(0), "s.json")).toThrow(/environment\.sky\.sunElevation/);
    expect(parseScene(scene(90), "s.json").environment?.sky?.turbidity).toBe(3);
  });

  it("refuses environment.background with a background texture, or clip planes too close to hold the sky box", () => {
    const scene = (extra: object, camera: object = {}) => ({
      version: 1, classes: [], objects: [], environment: { sky: { sunElevation: 30 }, background: true },
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [0, 0, 1], lookAt: [1, 0, 1] }, ...camera }, ...extra,
    });
    expect(() => parseScene(scene({ background: { color: [0, 0, 0], texture: { uri: "b.png" } } }), "s.json")).toThrow(/s\.json: environment\.background: background\.texture already fills the frame/);
    expect(() => parseScene(scene({}, { near: 1, far: 3 }), "s.json")).toThrow(/s\.json: camera\.far: must be more than 4 x near \(1\) to draw environment\.background, got 3/);
    expect(parseScene(scene({}), "s.json").environment?.background).toBe(true);
  });
});

describe("the studio environment", () => {
  const spec = (over: object = {}) =>
    parseScene({
      version: 1, classes: [], objects: [], environment: { studio: over },
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [0, 0, 1], lookAt: [1, 0, 1] } },
    }, "s.json").environment!.studio!;
  const srgbToLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

  it("shows each panel with its radiance in its direction, and lights the floor by the disk formula", () => {
    // one 1 m² ceiling panel straight above the eye, 2 m up; the eye 1 m above the floor of a 6 x 6 x 3 room
    const L = 30, A = 1;
    const s = spec({ panels: [{ azimuth: 0, elevation: 90, size: [1, 1], radiance: L }], seed: 7 });
    const f = studioRadiance(s, "s.json");
    expect(f(0, 0, 1)).toEqual([L, L, L]);
    const edge = Math.atan(0.45 / 2), beyond = Math.atan(0.55 / 2); // the panel's half-width is 0.5 m, 2 m up
    expect(f(Math.sin(edge), 0, Math.cos(edge))).toEqual([L, L, L]);
    expect(f(Math.sin(beyond), 0, Math.cos(beyond))[0]).toBeLessThan(L / 10);
    // floor radiance = albedo(texel) · E / π; the interreflected part of E is the same everywhere,
    // so the difference of E between two floor points is the panel's direct part alone
    const img = materialExemplar("wood", 128, "studio/7").image;
    const albedo = (x: number, y: number) => {
      const iu = ((Math.floor((x / 1.5) * 128) % 128) + 128) % 128, iv = ((Math.floor((y / 1.5) * 128) % 128) + 128) % 128;
      return srgbToLinear(img.data[(iv * 128 + iu) * 3]!);
    };
    const E = (x: number, y: number) => {
      const d = [x, y, -1], l = Math.hypot(...d);
      return (Math.PI * f(d[0]! / l, d[1]! / l, d[2]! / l)[0]) / albedo(x, y);
    };
    const direct = (x: number, y: number) => {
      const r2 = x * x + y * y + 9, cos = 3 / Math.sqrt(r2); // the panel's centre is 3 m above the floor
      return (L * A * cos * cos) / (r2 + A / Math.PI);
    };
    for (const [x, y] of [[2.1, 1.3], [-2.7, 0.4], [1.1, -2.9]] as const) {
      expect(E(0.01, 0.01) - E(x, y)).toBeCloseTo(direct(0.01, 0.01) - direct(x, y), 6);
    }
  });

  it("is the same bytes for the same spec and seed, and refuses an unknown material or an eye above the ceiling", async () => {
    const env = (studio: object) => ({ studio: spec(studio), intensity: 1, rotation: 0, size: 16 });
    const a = await environmentAsset(env({}), "s.json"), b = await environmentAsset(env({}), "s.json");
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect((await environmentAsset(env({ seed: 2 }), "s.json")).key).not.toBe(a.key);
    await expect(environmentAsset(env({ floor: "lava" }), "s.json")).rejects.toThrow(/^s\.json: environment\.studio\.floor: unknown material "lava" \(known: wood, /);
    expect(() => spec({ eye: 3.2 })).toThrow(/s\.json: environment\.studio\.eye: must be below the ceiling \(3\), got 3\.2/);
    expect(() => spec({ panels: [{ azimuth: 0, elevation: 95 }] })).toThrow(/s\.json: environment\.studio\.panels\[0\]\.elevation: expected an elevation in degrees in \[-90, 90\], got 95/);
  });
});

describe.each(cpuBackends())("Babylon .env files, made by Babylon's own encoder on %s", (backend) => {
  const dir = mkdtempSync(join(tmpdir(), "simforge-env-file-"));
  const file = join(dir, "compass.env");
  beforeAll(async () => {
    // Babylon's EnvironmentTextureTools, bundled with its test driver and run in the real browser
    const { build } = await import("esbuild");
    const bundle = await build({ entryPoints: [join(import.meta.dirname, "fixtures", "make-env.ts")], bundle: true, write: false, format: "iife", platform: "browser", logLevel: "silent" });
    const { browser } = await launchBrowser(backend);
    try {
      const page = await browser.newPage();
      await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
      const b64 = await page.evaluate(() => (window as unknown as { makeEnv: (n: number) => Promise<string> }).makeEnv(32));
      writeFileSync(file, Buffer.from(b64, "base64"));
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("reads the cube: each world direction's radiance is the encoded cube's along Babylon's (y up, left-handed) direction", async () => {
    const cube = await decodeBabylonEnv(new Uint8Array(readFileSync(file)), file);
    expect(cube.size).toBe(32);
    const f = cubeRadiance(cube);
    // world up is Babylon's +Y (green), world +X Babylon's +Z (blue), world -Y Babylon's +X (red)
    const compass = (x: number, y: number, z: number) => [0.1 + 2 * Math.max(0, x), 0.1 + 2 * Math.max(0, y), 0.1 + 2 * Math.max(0, z)];
    const rnd = seedrandom("env");
    for (let k = 0; k < 200; k++) {
      const d = [rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1];
      const l = Math.hypot(...d);
      const [x, y, z] = d.map((c) => c / l) as [number, number, number];
      const got = f(x, y, z), want = compass(-y, z, x);
      // RGBD in 8 bits and a 32² face sampled bilinearly: a few percent, and the seams of max(0, ·) blur by a texel
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!), `direction ${[x, y, z].map((v) => v.toFixed(3))} channel ${c}`).toBeLessThan(0.04 * want[c]! + 0.12);
    }
    expect(f(0, 0, 1)[1]).toBeGreaterThan(1.9); // up: green
    expect(f(1, 0, 0)[2]).toBeGreaterThan(1.9); // world +X: blue
    expect(f(0, -1, 0)[0]).toBeGreaterThan(1.9); // world -Y: red
  });

  it("lights a scene through environment.hdr.uri, and a file that is not one is one error naming the field", async () => {
    const a = await environmentAsset({ hdr: { uri: file }, intensity: 1, rotation: 0, size: 16 }, "s.json");
    expect(a.bytes.length).toBe(4 + 6 * 16 * 16 * 16);
    const bad = join(dir, "bad.env");
    writeFileSync(bad, Buffer.from([0x86, 0x16, 0x87, 0x96, 0xf6, 0xd6, 0x96, 0x36, 0x7b, 0x00]));
    await expect(environmentAsset({ hdr: { uri: bad }, intensity: 1, rotation: 0, size: 16 }, "s.json")).rejects.toThrow(/^s\.json: environment\.hdr\.uri: .*bad\.env: not a readable Babylon \.env file: its manifest is not JSON/);
  });
});

/** A Radiance .hdr (flat RGBE scanlines) of an equirectangular image: top row the zenith, centre column +X, azimuth to the left. */
function writeHdr(path: string, width: number, height: number, radiance: (x: number, y: number, z: number) => [number, number, number]): void {
  const header = Buffer.from(`#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`, "latin1");
  const px = Buffer.alloc(width * height * 4);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const theta = ((v + 0.5) / height) * Math.PI, phi = (0.5 - (u + 0.5) / width) * 2 * Math.PI;
      const rgb = radiance(Math.sin(theta) * Math.cos(phi), Math.sin(theta) * Math.sin(phi), Math.cos(theta));
      const m = Math.max(...rgb);
      const o = (v * width + u) * 4;
      if (m < 1e-9) continue;
      const e = Math.ceil(Math.log2(m) + 1e-9);
      const f = 256 / 2 ** e;
      [0, 1, 2].forEach((c) => (px[o + c] = Math.min(255, Math.floor(rgb[c]! * f))));
      px[o + 3] = e + 128;
    }
  }
  writeFileSync(path, Buffer.concat([header, px]));
}

// red towards +Y, green towards -Y, blue up, a little grey everywhere
const COMPASS = (x: number, y: number, z: number): [number, number, number] => [0.1 + 2 * Math.max(0, y), 0.1 + 2 * Math.max(0, -y), 0.1 + 2 * Math.max(0, z)];

describe("Radiance .hdr", () => {
  const dir = mkdtempSync(join(tmpdir(), "simforge-hdr-"));
  it("reads back what was written, and a bad file is one error naming environment.hdr.uri", async () => {
    const file = join(dir, "compass.hdr");
    writeHdr(file, 64, 32, COMPASS);
    const img = parseHdr(new Uint8Array(readFileSync(file)), file);
    expect([img.width, img.height]).toEqual([64, 32]);
    // row 8 (45° from the zenith), the column looking along +Y (azimuth 90°: a quarter of the width left of the centre)
    const u = Math.round(64 * 0.25 - 0.5), v = 8;
    const want = COMPASS(0, Math.sin(((v + 0.5) / 32) * Math.PI) * Math.sin((0.5 - (u + 0.5) / 64) * 2 * Math.PI), Math.cos(((v + 0.5) / 32) * Math.PI));
    for (let c = 0; c < 3; c++) expect(img.data[(v * 64 + u) * 3 + c]).toBeCloseTo(want[c]!, 1);
    const bad = join(dir, "bad.hdr");
    writeFileSync(bad, "P6\n2 2\n255\n");
    let err: unknown;
    try {
      await environmentAsset({ hdr: { uri: bad }, intensity: 1, rotation: 0, size: 16 }, "s.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^s\.json: environment\.hdr\.uri: .*bad\.hdr: not a readable Radiance \.hdr file/);
  });
});

describe.each(cpuBackends())("image-based lighting on %s", (backend) => {
  let r: Renderer;
  const dir = mkdtempSync(join(tmpdir(), "simforge-env-"));
  const hdr = join(dir, "compass.hdr");
  writeHdr(hdr, 256, 128, COMPASS);
  const W = 320, H = 240;
  const MIRROR = [0, -0.65, 1] as const, MATTE = [0, 0.65, 1] as const, R = 0.5;
  const sceneWith = (environment: unknown) =>
    parseScene(
      {
        version: 1,
        classes: [{ id: 1, name: "ball" }],
        // looking along -X from +X: image right is world +Y, up is +Z
        camera: { width: W, height: H, fovY: 40, pose: { position: [5, 0, 1], lookAt: [0, 0, 1] } },
        lights: [],
        ...(environment ? { environment } : {}),
        objects: [
          { id: 1, class: "ball", shape: { type: "sphere", radius: R, segments: 96 }, pose: { position: [...MIRROR] }, material: { baseColor: [1, 1, 1], metallic: 1, roughness: 0 } },
          { id: 2, class: "ball", shape: { type: "sphere", radius: R, segments: 96 }, pose: { position: [...MATTE] }, material: { baseColor: [0.8, 0.8, 0.8], metallic: 0, roughness: 1 } },
        ],
      },
      join(dir, "env.json"),
    );
  let lit: RenderedFrame, dark: RenderedFrame, shown: RenderedFrame;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: backend });
    lit = await r.render(sceneWith({ hdr: { uri: hdr } }), { file: "env.json" });
    shown = await r.render(sceneWith({ hdr: { uri: hdr }, background: true }), { file: "env.json" });
    dark = await r.render(sceneWith(undefined), { file: "env.json" });
  });
  afterAll(async () => {
    await r?.close();
  });

  /** RGB at the image point of the sphere surface point centre + R·n. */
  const at = (f: RenderedFrame, centre: readonly number[], n: readonly number[]) => {
    const l = Math.hypot(...n);
    const p = transformPoint(invertRigid(f.T_world_camera), centre.map((c, i) => c + (R * 0.97 * n[i]!) / l) as [number, number, number]);
    const u = Math.round((f.K.fx * p[0]) / p[2] + f.K.cx), v = Math.round((f.K.fy * p[1]) / p[2] + f.K.cy);
    return [0, 1, 2].map((c) => f.rgb![(v * W + u) * 3 + c]!);
  };

  it("a mirror sphere reflects the environment in the right directions", () => {
    // normal (1, 1, 0) reflects the view ray (-1, 0, 0) into +Y (red); (1, -1, 0) into -Y (green); (1, 0, 1) into +Z (blue)
    const right = at(lit, MIRROR, [1, 1, 0]), left = at(lit, MIRROR, [1, -1, 0]), top = at(lit, MIRROR, [1, 0, 1]);
    expect(right[0]).toBeGreaterThan(right[1]! + 60);
    expect(left[1]).toBeGreaterThan(left[0]! + 60);
    expect(top[2]).toBeGreaterThan(top[0]! + 60);
    expect(top[2]).toBeGreaterThan(top[1]! + 60);
  });

  it("a matte sphere is lit by the environment's irradiance from the right sides", () => {
    const right = at(lit, MATTE, [0.3, 1, 0]), left = at(lit, MATTE, [0.3, -1, 0]), top = at(lit, MATTE, [0.3, 0, 1]), bottom = at(lit, MATTE, [0.3, 0, -1]);
    expect(right[0]).toBeGreaterThan(right[1]! + 30);
    expect(left[1]).toBeGreaterThan(left[0]! + 30);
    expect(top[2]).toBeGreaterThan(bottom[2]! + 30);
  });

  it("environment.background shows the environment behind the objects, and changes nothing else", () => {
    // every pixel of either sphere (and every label) is the same as with the plain background
    for (const k of ["depth", "instance", "semantic"] as const) expect(bytes(shown[k]!).equals(bytes(lit[k]!))).toBe(true);
    const inst = shown.instance!;
    const at = (u: number, v: number) => inst[v * W + u]!;
    let objectPixels = 0, skyPixels = 0;
    const world = (u: number, v: number) => {
      // the pixel's ray in the world: camera axes (x right, y down, z forward) turned by T_world_camera
      const c = [(u - shown.K.cx) / shown.K.fx, (v - shown.K.cy) / shown.K.fy, 1];
      const o = transformPoint(shown.T_world_camera, [0, 0, 0]), p = transformPoint(shown.T_world_camera, c as [number, number, number]);
      const d = [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
      const l = Math.hypot(...d);
      return d.map((x) => x / l) as [number, number, number];
    };
    for (let v = 2; v < H - 2; v += 7) {
      for (let u = 2; u < W - 2; u += 7) {
        const i = v * W + u;
        const edge = [-2, 2].some((du) => at(u + du, v) !== at(u, v) || at(u, v + du) !== at(u, v));
        if (at(u, v) !== 0) {
          if (edge) continue; // anti-aliased edges blend in what is behind
          objectPixels++;
          for (let c = 0; c < 3; c++) expect(shown.rgb![i * 3 + c]).toBe(lit.rgb![i * 3 + c]);
          continue;
        }
        // background away from object edges and from the compass's kink at world y = 0
        if (edge) continue;
        const d = world(u, v);
        if (Math.abs(d[1]) < 0.03) continue;
        skyPixels++;
        const want = COMPASS(...d).map((x) => 255 * Math.min(1, x) ** (1 / 2.2)); // Babylon's display encoding: x^(1/2.2)
        for (let c = 0; c < 3; c++) expect(Math.abs(shown.rgb![i * 3 + c]! - want[c]!), `pixel (${u}, ${v}) channel ${c}`).toBeLessThan(6);
        // and the plain render keeps its colour there
        expect(lit.rgb![i * 3]).toBe(0);
      }
    }
    expect(objectPixels).toBeGreaterThan(100);
    expect(skyPixels).toBeGreaterThan(500);
  });

  it("without an environment or lights the spheres are black, and labels are the same bytes either way", () => {
    expect(Math.max(...at(dark, MIRROR, [1, 0, 0]), ...at(dark, MATTE, [1, 0, 0]))).toBeLessThan(8);
    for (const k of ["depth", "instance", "semantic"] as const) expect(bytes(lit[k]!).equals(bytes(dark[k]!))).toBe(true);
    expect(lit.objects).toEqual(dark.objects);
  });
});

describe.each(cpuBackends())("tone mapping on %s", (backend) => {
  let r: Renderer;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: backend });
  });
  afterAll(async () => {
    await r?.close();
  });
  // a white floor under a sun four times as bright as it takes to reach white
  const floor = (toneMapping?: string) =>
    parseScene(
      {
        version: 1,
        classes: [{ id: 1, name: "floor", stuff: true }],
        camera: { width: 64, height: 48, fovY: 40, pose: { position: [0, 0, 3], lookAt: [0, 0, 0], up: [0, 1, 0] }, ...(toneMapping ? { effects: { toneMapping } } : {}) },
        lights: [{ type: "directional", direction: [0, 0, -1], intensity: 4, shadows: false }],
        objects: [{ id: 1, class: "floor", shape: { type: "plane", size: [10, 10] }, material: { baseColor: [1, 1, 1], roughness: 1 } }],
      },
      "tone.json",
    );

  it("a tone curve brings radiance that clips back under white, and leaves the labels alone", async () => {
    const none = await r.render(floor(), { file: "tone.json" });
    const aces = await r.render(floor("aces"), { file: "tone.json" });
    const standard = await r.render(floor("standard"), { file: "tone.json" });
    const centre = (f: RenderedFrame) => f.rgb![(24 * 64 + 32) * 3]!;
    expect(centre(none)).toBe(255);
    expect(centre(aces)).toBeLessThan(250);
    expect(centre(aces)).toBeGreaterThan(150);
    expect(centre(standard)).toBeLessThan(255);
    expect(centre(standard)).not.toBe(centre(aces));
    for (const k of ["depth", "instance", "semantic"] as const) expect(bytes(aces[k]!).equals(bytes(none[k]!))).toBe(true);
  });

  it("an unknown curve is one error naming the field", () => {
    expect(() => floor("filmic")).toThrow(/tone\.json: camera\.effects\.toneMapping: expected "none", "standard", "aces" or "neutral", got "filmic"/);
  });
});
