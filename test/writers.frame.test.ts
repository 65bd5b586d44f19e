// The frame writer's class-id width: 8-bit semantic.png unless a class id exceeds 255.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { depthToPng16, writeFrame } from "../src/writers/frame.js";
import { checkDepth } from "../src/sweep/check-pixels.js";
import { decodePng, idColor, viridis } from "../src/formats/png.js";
import type { RenderedFrame } from "../src/render/renderer.js";
import { parseScene } from "../src/scene/validate.js";
import { composeTRS } from "../src/math/transforms.js";
import { RuntimeError } from "../src/errors.js";

function frame(classId: number): RenderedFrame {
  const scene = parseScene({
    version: 1,
    classes: [{ id: classId, name: "pole" }],
    camera: { width: 4, height: 2, fovY: 60, pose: { position: [0, 0, 1], lookAt: [0, 0, 0], up: [0, 1, 0] } },
    objects: [{ id: 300, class: "pole", shape: { type: "box", size: [1, 1, 1] } }],
  });
  const instance = Uint16Array.from([0, 300, 300, 0, 0, 300, 300, 0]);
  return {
    scene, width: 4, height: 2, K: { fx: 1, fy: 1, cx: 1.5, cy: 0.5 }, T_world_camera: composeTRS([0, 0, 1], [0, 0, 0, 1]),
    rgb: new Uint8Array(24), depth: Float32Array.from([0, 1.5, 1.5, 0, 0, 70, 1.25, 0]), instance,
    semantic: instance.map((v) => (v ? classId : 0)),
    objects: [{ id: 300, localMin: [-0.5, -0.5, -0.5], localMax: [0.5, 0.5, 0.5], amodalPixels: 4, amodalBox: [1, 0, 2, 1] }],
    timings: {},
  };
}

describe("frame writer", () => {
  it("writes semantic.png 8-bit for class ids <= 255 and 16-bit above; depth.png in mm with 0 beyond 65.535 m", async () => {
    const out = mkdtempSync(join(tmpdir(), "simforge-frame-"));
    try {
      await writeFrame(frame(40), out, 0);
      await writeFrame(frame(259), out, 1);
      const narrow = await decodePng(readFileSync(join(out, "frames", "000000", "semantic.png")));
      const wide = await decodePng(readFileSync(join(out, "frames", "000001", "semantic.png")));
      expect(narrow.bitDepth).toBe(8);
      expect([...narrow.data]).toEqual([0, 40, 40, 0, 0, 40, 40, 0]);
      expect(wide.bitDepth).toBe(16);
      expect([...wide.data]).toEqual([0, 259, 259, 0, 0, 259, 259, 0]);
      const depth = await decodePng(readFileSync(join(out, "frames", "000000", "depth.png")));
      expect([...depth.data]).toEqual([0, 1500, 1500, 0, 0, 0, 1250, 0]);
      const ann = JSON.parse(readFileSync(join(out, "frames", "000000", "annotations.json"), "utf8"));
      expect(ann.objects[0].bbox_visible).toEqual([1, 0, 2, 2]);
      expect(ann.objects[0].px_count_visible).toBe(4);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("refuses a frame with a NaN or infinite depth on an object pixel: a RuntimeError, and no frame directory", async () => {
    const out = mkdtempSync(join(tmpdir(), "simforge-frame-"));
    try {
      for (const bad of [NaN, Infinity, 0]) {
        const f = frame(40);
        f.depth![1] = bad;
        await expect(writeFrame(f, out, 0)).rejects.toThrow(new RuntimeError(`frame 0: the renderer returned a broken frame, not written: 1 object pixels have no finite positive depth (first at x=1, y=0: object 300, depth ${bad})`));
        expect(existsSync(join(out, "frames", "000000"))).toBe(false);
      }
      const f = frame(40);
      f.depth![0] = NaN; // background pixels may hold anything the page left there
      await writeFrame(f, out, 0);
      expect(existsSync(join(out, "frames", "000000", "depth.npy"))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("depth.png at its limit: the writer rounds to the millimetre and writes 0 above 65535 mm, and check agrees", () => {
    const metres = Float32Array.from([65.53509, 65.5352, 65.5356, 65.536, 70, 0.0004, 0.0006, 1.2344, NaN, Infinity, -1, 0]);
    const mm = depthToPng16(metres);
    expect([...mm]).toEqual([65535, 65535, 0, 0, 0, 0, 1, 1234, 0, 0, 0, 0]);
    const ids = new Uint16Array(metres.length).fill(1);
    ids[5] = ids[8] = ids[9] = ids[10] = ids[11] = 0; // too near, or no surface: background
    const problems: string[] = [];
    checkDepth({ width: metres.length, height: 1, channels: 1, bitDepth: 16, data: mm }, metres, ids, problems);
    expect(problems).toEqual([]);
    mm[0] = 0; // what the checker once expected at 65.53509 m: now a hole
    mm[2] = 65535; // what the writer must not write at 65.5356 m
    checkDepth({ width: metres.length, height: 1, channels: 1, bitDepth: 16, data: mm }, metres, ids, problems);
    expect(problems).toEqual(["depth.png: 1 object pixels have no depth", "depth.png: 2 pixels disagree with depth.npy"]);
  });

  it("depth.png without depth.npy: every 0 on an object is a hole, background 0s and object depths are not", () => {
    const mm = Uint16Array.from([0, 1234, 0, 0, 65535, 7]);
    const ids = Uint16Array.from([1, 1, 0, 2, 2, 0]);
    const problems: string[] = [];
    checkDepth({ width: mm.length, height: 1, channels: 1, bitDepth: 16, data: mm }, null, ids, problems);
    expect(problems).toEqual(["depth.png: 2 object pixels have no depth"]);
    const none: string[] = [];
    checkDepth({ width: mm.length, height: 1, channels: 1, bitDepth: 16, data: mm }, null, null, none);
    expect(none).toEqual([]);
  });

  it("refuses a frame whose label passes came back empty while objects are in view (an 8192² frame once did)", async () => {
    const out = mkdtempSync(join(tmpdir(), "simforge-frame-"));
    // a 1 m box 5 m in front of a 64x64 camera (fy = 32 / tan 30° = 55.4): it spans ~12 px
    const scene = parseScene({
      version: 1,
      classes: [{ id: 1, name: "box" }],
      camera: { width: 64, height: 64, fovY: 60, pose: { position: [0, 0, 5], lookAt: [0, 0, 0], up: [0, 1, 0] } },
      objects: [{ id: 9, class: "box", shape: { type: "box", size: [1, 1, 1] } }],
    });
    const blank = (amodalPixels: number, far = 100): RenderedFrame => ({
      scene: { ...scene, camera: { ...scene.camera, far } }, width: 64, height: 64, K: { fx: 55.4256, fy: 55.4256, cx: 31.5, cy: 31.5 },
      T_world_camera: composeTRS([0, 0, 5], [1, 0, 0, 0]), // OpenCV camera looking down -z world
      rgb: new Uint8Array(64 * 64 * 3), depth: new Float32Array(64 * 64), instance: new Uint16Array(64 * 64), semantic: new Uint16Array(64 * 64),
      objects: [{ id: 9, localMin: [-0.5, -0.5, -0.5], localMax: [0.5, 0.5, 0.5], amodalPixels, amodalBox: null }],
      timings: {},
    });
    try {
      const message = "frame 0: the renderer returned a broken frame, not written: the label passes are empty (no object pixel) although object(s) 9 are in view";
      await expect(writeFrame(blank(0), out, 0)).rejects.toThrow(message); // its box wholly in view
      await expect(writeFrame(blank(150), out, 0)).rejects.toThrow(message); // amodal coverage says so
      expect(existsSync(join(out, "frames", "000000"))).toBe(false);
      await writeFrame(blank(0, 4), out, 0); // beyond the far plane (4 m): rightly empty
      expect(existsSync(join(out, "frames", "000000", "rgb.png"))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("writes depth_preview.png (viridis over the recorded range) and instance_preview.png (a colour per id) by default, none with previews off", async () => {
    const out = mkdtempSync(join(tmpdir(), "simforge-frame-"));
    try {
      const f = frame(40);
      f.instance![5] = 301; // a second object, its own colour
      f.scene.objects.push({ ...f.scene.objects[0]!, id: 301 });
      f.objects.push({ ...f.objects[0]!, id: 301 });
      const w = await writeFrame(f, out, 0);
      const dir = join(out, "frames", "000000");
      const depth = await decodePng(readFileSync(join(dir, "depth_preview.png")));
      const inst = await decodePng(readFileSync(join(dir, "instance_preview.png")));
      const px = (img: typeof depth, i: number) => [...img.data.slice(i * 3, i * 3 + 3)];
      // depths 0, 1.5, 1.5, 0 / 0, 70, 1.25, 0: the range is [1.25, 70], nearest yellow, farthest purple
      const ann = JSON.parse(readFileSync(join(dir, "annotations.json"), "utf8"));
      expect(ann.depth).toMatchObject({ preview_file: "depth_preview.png", preview_range_m: [1.25, 70] });
      expect(px(depth, 6)).toEqual([253, 231, 37]);
      expect(px(depth, 5)).toEqual([68, 1, 84]);
      expect(px(depth, 1)).toEqual(viridis((70 - 1.5) / (70 - 1.25)));
      expect(px(depth, 0)).toEqual([0, 0, 0]);
      expect(px(inst, 1)).toEqual(idColor(300));
      expect(px(inst, 5)).toEqual(idColor(301));
      expect(idColor(300)).not.toEqual(idColor(301));
      expect(px(inst, 0)).toEqual([0, 0, 0]);
      expect(Object.keys(w.checksums)).toEqual(expect.arrayContaining(["depth_preview.png", "instance_preview.png"]));
      await writeFrame(frame(40), out, 1, { previews: false });
      const plain = join(out, "frames", "000001");
      expect(existsSync(join(plain, "depth_preview.png")) || existsSync(join(plain, "instance_preview.png"))).toBe(false);
      expect(JSON.parse(readFileSync(join(plain, "annotations.json"), "utf8")).depth.preview_file).toBeUndefined();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
