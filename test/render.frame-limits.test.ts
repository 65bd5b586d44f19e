// The largest frame the page renders: a size beyond the WebGL limits, the browser's drawing
// buffer or the float target budget is refused before rendering with one InputError naming
// the scene file and camera.width/height; the limits come from the real page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { FLOAT_TARGETS_BUDGET_BYTES, MAX_DRAWING_BUFFER_PIXELS, frameSizeProblem } from "../src/render/frame-limits.js";
import { InputError } from "../src/errors.js";
import { scene } from "./helpers.js";

const limits = { maxRenderbufferSize: 8192, maxTextureSize: 8192, maxViewportDims: [8192, 8192] as [number, number] };
const all = { rgb: true, labels: true, normals: false, coverage: true };

describe("frame size limits", () => {
  it("refuses sides beyond the WebGL limits, RGB beyond the drawing buffer and float targets beyond their size and budget", () => {
    expect(frameSizeProblem(8193, 10, all, 1, limits)?.field).toBe("camera.width");
    expect(frameSizeProblem(10, 8193, all, 1, { ...limits, maxViewportDims: [8192, 16384] })?.field).toBe("camera.height");
    expect(frameSizeProblem(10, 4000, all, 1, { ...limits, maxTextureSize: 2048 })?.detail).toBe("4000 is more than this WebGL renders (at most 2048)");
    // the drawing buffer: 5760x5760 is the most, one pixel more is refused; without RGB it does not apply
    expect(frameSizeProblem(5760, 5760, all, 1, limits)).toBeNull();
    expect(frameSizeProblem(5761, 5760, all, 1, limits)?.detail).toMatch(/^5761x5760 \(33183360 pixels\) is more than the browser's drawing buffer holds \(33177600 pixels/);
    expect(MAX_DRAWING_BUFFER_PIXELS).toBe(5760 * 5760);
    const labelsOnly = { ...all, rgb: false };
    expect(frameSizeProblem(8192, 8191, labelsOnly, 1, limits)).toBeNull();
    // a float RGBA target of 8192² is 16 B x 2^26 = 1 GiB: SwiftShader cannot allocate it
    expect(frameSizeProblem(8192, 8192, labelsOnly, 1, limits)?.detail).toBe("8192x8192 (67108864 pixels) needs float label targets of 1024 MiB each; the renderer allocates less than 1024 MiB per target");
    // 5000² with 1000 objects: 1 labels + 11 coverage targets (96 objects each) of 381 MiB each
    const many = frameSizeProblem(5000, 5000, labelsOnly, 1000, limits);
    expect(many?.detail).toBe("5000x5000 (25000000 pixels) with 1000 objects needs 12 float label targets (4578 MiB), more than the 4096 MiB budget");
    expect(FLOAT_TARGETS_BUDGET_BYTES).toBe(4 * 2 ** 30);
    expect(frameSizeProblem(5000, 5000, labelsOnly, 96 * 4, limits)).toBeNull(); // 5 targets, 1907 MiB
  });

  describe("in the real browser", () => {
    let r: Renderer;
    beforeAll(async () => {
      r = await Renderer.open({ gpu: "off" });
    });
    afterAll(async () => {
      await r?.close();
    });

    it("the page reports its WebGL limits, and an 8192x8192 scene is an InputError naming the file and fields (it rendered black before)", async () => {
      const { maxTextureSize, maxRenderbufferSize, maxViewportDims } = r.info.limits;
      for (const v of [maxTextureSize, maxRenderbufferSize, ...maxViewportDims]) expect(v).toBeGreaterThanOrEqual(4096);
      const at = (side: number) => scene({ width: side, height: side, fovY: 60, pose: { position: [0, 0, 4], lookAt: [0, 0, 0], up: [0, 1, 0] } }, [
        { id: 1, class: "thing", shape: { type: "box", size: [1, 1, 1] } },
      ]);
      const big = at(8192);
      const err = await r.render(big, { file: "big.json" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).file).toBe("big.json");
      expect((err as InputError).field).toBe("camera.width, camera.height");
      // the session is unharmed: a small frame still renders its box
      const small = await r.render(at(64));
      expect(small.instance!.filter((id) => id === 1).length).toBeGreaterThan(100);
    });
  });
});
