// Shadows (page/build-scene.ts LightRig): a 1 m box on a floor under a sun at a known angle,
// against the shadow worked out by hand, in the real browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { parseScene } from "../src/scene/validate.js";
import { cameraPoseMatrix } from "../src/math/camera.js";
import { transformPoint } from "../src/math/transforms.js";
import { bytes, cpuBackends } from "./helpers.js";

const W = 320, H = 240;
const SUN = [1, 0.5, -1] as const; // the box's top face falls 1 m along +x and 0.5 m along +y
const SPOT = [-2.5, -1, 3] as const;
type LightOpt = { sun?: boolean | "none" | undefined; spot?: boolean | undefined; sky?: boolean };
const sceneWith = ({ sun, spot, sky = true }: LightOpt) =>
  parseScene(
    {
      version: 1,
      classes: [{ id: 1, name: "floor", stuff: true }, { id: 2, name: "box" }],
      camera: { width: W, height: H, intrinsics: { fx: 220, fy: 220, cx: 159.5, cy: 119.5 }, pose: { position: [0.8, 0.3, 6], lookAt: [0.6, 0.3, 0], up: [0, 1, 0] } },
      lights: [
        ...(sun === "none" ? [] : [{ type: "directional" as const, direction: [...SUN], intensity: 2, ...(sun === undefined ? {} : { shadows: sun }) }]),
        ...(spot === undefined ? [] : [{ type: "spot" as const, position: [...SPOT], direction: [2.5, 1, -3], angle: 90, intensity: 30, shadows: spot }]),
        ...(sky ? [{ type: "hemispheric" as const, direction: [0, 0, 1], intensity: 0.4 }] : []),
      ],
      objects: [
        { id: 1, class: "floor", shape: { type: "plane", size: [8, 8] }, material: { baseColor: [0.7, 0.7, 0.7], roughness: 0.9 } },
        { id: 2, class: "box", shape: { type: "box", size: [1, 1, 1] }, pose: { position: [0, 0, 0.5] }, material: { baseColor: [0.6, 0.3, 0.2] } },
      ],
    },
    "shadows.json",
  );

/**
 * Whether floor point (x, y, 0) is hidden from the light by the box [-h, h]² x [-g, 1 + g]
 * (h = 0.5 + g): the ray towards a light travelling along `dir`, or the segment to a light at `at`.
 */
function shaded(x: number, y: number, g: number, light: { dir?: readonly number[]; at?: readonly number[] }): boolean {
  const h = 0.5 + g;
  const d = light.dir ? light.dir.map((v) => -v) : [light.at![0]! - x, light.at![1]! - y, light.at![2]!];
  let near = 0, far = light.dir ? Infinity : 1;
  for (const [o, dir, lo, hi] of [[x, d[0]!, -h, h], [y, d[1]!, -h, h], [0, d[2]!, -g, 1 + g]] as const) {
    const a = (lo - o) / dir, b = (hi - o) / dir;
    near = Math.max(near, Math.min(a, b));
    far = Math.min(far, Math.max(a, b));
  }
  return near <= far;
}

describe.each(cpuBackends())("shadows on %s", (backend) => {
  let r: Renderer;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: backend });
  });
  afterAll(async () => {
    await r?.close();
  });

  /** Floor pixels in the middle of the floor: index and floor point. */
  const floorPixels = (f: { instance?: Uint16Array; depth?: Float32Array }) => {
    const T = cameraPoseMatrix(sceneWith({}).camera.pose);
    const out: { k: number; x: number; y: number }[] = [];
    for (let k = 0; k < W * H; k++) {
      if (f.instance![k] !== 1) continue;
      const u = k % W, v = Math.floor(k / W), z = f.depth![k]!;
      const [x, y] = transformPoint(T, [((u - 159.5) / 220) * z, ((v - 119.5) / 220) * z, z]);
      if (Math.abs(x) < 3 && Math.abs(y) < 3) out.push({ k, x, y });
    }
    return out;
  };
  /** The largest difference of any channel between two images over some pixels. */
  const worst = (a: Uint8Array, b: Uint8Array, ks: number[]) => ks.reduce((m, k) => Math.max(m, ...[0, 1, 2].map((c) => Math.abs(a[k * 3 + c]! - b[k * 3 + c]!))), 0);

  it.each<[string, LightOpt, LightOpt, LightOpt, { dir?: readonly number[]; at?: readonly number[] }]>([
    ["a directional light (on by default)", { sun: undefined }, { sun: false }, { sun: "none" }, { dir: SUN }],
    ["a spot light", { sun: "none", spot: true }, { sun: "none", spot: false }, { sun: "none" }, { at: SPOT }],
  ])("%s: inside the analytic shadow, up to the box's base, the floor has only the other lights; outside it is as without shadows; labels never change", async (_name, onOpt, offOpt, otherOpt, light) => {
    const on = await r.render(sceneWith(onOpt));
    const off = await r.render(sceneWith(offOpt));
    const others = await r.render(sceneWith(otherOpt)); // the light taken away
    expect(bytes(on.depth!)).toEqual(bytes(off.depth!));
    expect(bytes(on.instance!)).toEqual(bytes(off.instance!));
    expect(bytes(on.semantic!)).toEqual(bytes(off.semantic!));
    const floor = floorPixels(on);
    // 4 cm clear of the shadow's edge either way (the filtered penumbra)
    const inside = floor.filter((p) => shaded(p.x, p.y, -0.04, light)).map((p) => p.k);
    const outside = floor.filter((p) => !shaded(p.x, p.y, 0.04, light)).map((p) => p.k);
    // 1-3 cm off the box's faces on the shadow's side: resting contact stays shadowed (no peter-panning)
    const contact = floor.filter((p) => shaded(p.x, p.y, -0.04, light) && Math.max(Math.abs(p.x), Math.abs(p.y)) < 0.53).map((p) => p.k);
    expect(inside.length).toBeGreaterThan(1000);
    expect(outside.length).toBeGreaterThan(20000);
    expect(contact.length).toBeGreaterThan(10);
    expect(worst(on.rgb!, others.rgb!, inside), "inside").toBeLessThanOrEqual(1);
    expect(worst(on.rgb!, others.rgb!, contact), "contact").toBeLessThanOrEqual(1);
    expect(worst(on.rgb!, off.rgb!, outside), "outside").toBeLessThanOrEqual(1); // no acne
    // and the light does light that floor: the shadow is a real margin darker (the median pixel by > 25 of 255 levels here)
    const gaps = inside.map((k) => off.rgb![k * 3 + 1]! - on.rgb![k * 3 + 1]!).sort((a, b) => a - b);
    expect(gaps[0]).toBeGreaterThan(0);
    expect(gaps[gaps.length >> 1]).toBeGreaterThan(25);
  });
});
