// Motion blur from the exposure: RGB is the scene averaged over the shutter's time in linear
// light, labels stay those of the frame's time. A glowing box slides across a black
// background at a known speed; its smear in pixels is worked out by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { renderSensors } from "../src/sensors/frame.js";
import { parseScene } from "../src/scene/validate.js";
import { sceneAt } from "../src/scene/motion.js";
import { cameraPoseMatrix } from "../src/math/camera.js";

const W = 96, H = 48, FOV = 60;
const FX = W / 2 / Math.tan((FOV / 2) * (Math.PI / 180)); // 83.14 px
const D = 10, V = 4, EXPOSURE = 0.25; // the box moves 1 m across at 10 m: FX / 10 = 8.31 px
const SMEAR = (FX * V * EXPOSURE) / D;

const doc = (effects?: object) => ({
  version: 1,
  classes: [{ id: 1, name: "thing" }],
  camera: { width: W, height: H, fovX: FOV, pose: { position: [0, 0, 0], lookAt: [D, 0, 0], up: [0, 0, 1] }, ...(effects ? { effects } : {}) },
  background: { color: [0, 0, 0] },
  lights: [{ type: "hemispheric", intensity: 0 }],
  // moving to the camera's left (+y world): the image's -u
  objects: [{ id: 1, class: "thing", shape: { type: "box", size: [0.2, 1.5, 1.5] }, pose: { position: [D, 0, 0] }, velocity: [0, V, 0], material: { baseColor: [0, 0, 0], emissive: [1, 1, 1] } }],
});

let r: Renderer;
beforeAll(async () => {
  r = await Renderer.open({ gpu: "off" });
});
afterAll(async () => {
  await r?.close();
});

/** Green channel of the middle row. */
const row = (rgb: Uint8Array) => Array.from({ length: W }, (_, u) => rgb[((H >> 1) * W + u) * 3 + 1]!);
const linear = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);

describe("motion blur", () => {
  it("smears a moving box over the distance it travels while the shutter is open; the labels stay sharp", async () => {
    const sharp = await renderSensors(r, parseScene(doc(), "s.json"), { rgb: true, labels: true }, "s.json");
    const blurred = await renderSensors(r, parseScene(doc({ motionBlur: { exposure: EXPOSURE, samples: 16 } }), "s.json"), { rgb: true, labels: true }, "s.json");
    expect(Buffer.from(blurred.instance!.buffer).equals(Buffer.from(sharp.instance!.buffer))).toBe(true);
    expect(Buffer.from(blurred.depth!.buffer).equals(Buffer.from(sharp.depth!.buffer))).toBe(true);
    const a = row(sharp.rgb!), b = row(blurred.rgb!);
    // sharp: a lit run (its edge pixels partly covered, as RGB is anti-aliased)
    const lit = a.map((v, u) => (v > 0 ? u : -1)).filter((u) => u >= 0);
    const [left, right] = [lit[0]!, lit[lit.length - 1]!];
    expect(right - left).toBeGreaterThan(8);
    // blurred: light reaches SMEAR px further left (the way it moves); the right edge stays where it was at the frame's time
    const reach = b.findIndex((v) => v > 0);
    expect(Math.abs(left - reach - SMEAR)).toBeLessThan(1.5);
    expect(b[right + 1]).toBe(0);
    // the leading ramp rises in linear light by about 1/SMEAR a pixel, and the light is kept: the row's sum in linear light is the same
    const sum = (xs: number[]) => xs.reduce((s, v) => s + linear(v), 0);
    expect(Math.abs(sum(b) - sum(a)) / sum(a)).toBeLessThan(0.05);
    const mid = Math.round(left - SMEAR / 2);
    expect(linear(b[mid]!)).toBeGreaterThan(0.3);
    expect(linear(b[mid]!)).toBeLessThan(0.7);
  });

  it("is a field with limits: an exposure of 0 or more than half a second, or a distorted camera, is one error naming it", async () => {
    expect(() => parseScene(doc({ motionBlur: { exposure: 0 } }), "s.json")).toThrow(/s\.json: camera\.effects\.motionBlur\.exposure: expected the exposure time in seconds, in \(0, 0\.5\]/);
    expect(() => parseScene(doc({ motionBlur: { exposure: 1 } }), "s.json")).toThrow(/camera\.effects\.motionBlur\.exposure/);
    const d = doc({ motionBlur: { exposure: 0.01 } });
    (d.camera as Record<string, unknown>).distortion = { model: "opencv", k1: 0.1 };
    await expect(renderSensors(r, parseScene(d, "s.json"), { rgb: true, labels: true }, "s.json")).rejects.toThrow(/s\.json: camera\.effects\.motionBlur: motion blur is rendered for pinhole cameras only/);
  });

  it("moves the camera with the rig: lidars[0]'s motion carries it forward by v·τ", () => {
    const s = parseScene({ ...doc(), lidars: [{ name: "roof", preset: "VLP-16", pose: { position: [0, 0, 0.5] }, motion: { velocity: 10 } }] }, "s.json");
    const later = sceneAt(s, 0.05);
    const before = cameraPoseMatrix(s.camera.pose), after = cameraPoseMatrix(later.camera.pose);
    expect(after[12]! - before[12]!).toBeCloseTo(0.5, 12);
    expect(after[13]! - before[13]!).toBeCloseTo(0, 12);
    expect(later.objects[0]!.pose.position).toEqual([D, V * 0.05, 0]);
  });
});
