// Browser failures: a killed browser and a hung frame are runtime errors that say so.
import { describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { RuntimeError } from "../src/errors.js";
import { H, W, scene } from "./helpers.js";

const sc = scene({ width: W, height: H, fovY: 60, pose: { position: [0, 0, 3], lookAt: [0, 0, 0], up: [0, 1, 0] } }, [
  { id: 1, class: "thing", shape: { type: "box", size: [1, 1, 1] } },
]);

describe("render session failures", () => {
  it("a killed browser fails the next frame with a clear runtime error", async () => {
    const r = await Renderer.open({ gpu: "off" });
    try {
      expect((await r.render(sc)).instance!.includes(1)).toBe(true);
      r.kill();
      const err = await r.render(sc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as Error).message).toMatch(/browser (closed or was killed|page crashed)|rendering failed/);
      expect(r.alive).toBe(false);
    } finally {
      await r.close();
    }
  });

  it("a frame past its watchdog fails with a runtime error naming the watchdog", async () => {
    const r = await Renderer.open({ gpu: "off", frameTimeoutMs: 1 });
    try {
      const err = await r.render(sc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as Error).message).toMatch(/did not finish within 0\.001 s \(watchdog\)/);
    } finally {
      await r.close();
    }
  });

  it("a lost WebGL context fails the frame with a runtime error and retires the page", async () => {
    const r = await Renderer.open({ gpu: "off" });
    try {
      await r.render(sc);
      await r.loseContext();
      const err = await r.render(sc).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as Error).message).toMatch(/WebGL context lost/);
      expect(r.alive).toBe(false);
    } finally {
      await r.close();
    }
  });
});
