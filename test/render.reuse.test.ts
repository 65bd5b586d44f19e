// One page across frames: pooled meshes and materials must not leak from one frame into the next.
import { describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { loadSceneFile } from "../src/scene/load.js";
import { H, W, scene } from "./helpers.js";
import type { Page } from "puppeteer";

const same = (a: ArrayBufferView | undefined, b: ArrayBufferView | undefined) =>
  Buffer.from(a!.buffer, a!.byteOffset, a!.byteLength).equals(Buffer.from(b!.buffer, b!.byteOffset, b!.byteLength));

describe("page reuse", () => {
  it("frames are identical whatever the page rendered before, and across browsers", async () => {
    const demo = await loadSceneFile("scenes/demo.json");
    const other = scene({ width: 640, height: 480, fovY: 40, pose: { position: [0, -2, 1], lookAt: [0, 0, 0.5] } }, [
      { id: 1, class: "thing", shape: { type: "box", size: [0.16, 0.1, 0.08] }, scale: [3, 1, 1], material: { baseColor: [0, 1, 0], metallic: 1 } },
      { id: 2, class: "thing", shape: { type: "sphere", radius: 0.07, segments: 48 }, pose: { position: [0.3, 0, 0.4] } },
    ]);
    const r1 = await Renderer.open({ gpu: "off" });
    const r2 = await Renderer.open({ gpu: "off" });
    try {
      const first = await r1.render(demo, { normals: true });
      await r1.render(other, { normals: true });
      const again = await r1.render(demo, { normals: true });
      const fresh = await r2.render(demo, { normals: true });
      for (const f of [again, fresh]) {
        expect(same(f.rgb, first.rgb)).toBe(true);
        expect(same(f.depth, first.depth)).toBe(true);
        expect(same(f.instance, first.instance)).toBe(true);
        expect(same(f.normals, first.normals)).toBe(true);
        expect(f.objects).toEqual(first.objects);
      }
    } finally {
      await r1.close();
      await r2.close();
    }
  });

  it("an object left out of the next frame is gone from every pass", async () => {
    const two = scene({ width: W, height: H, fovY: 60, pose: { position: [0, 0, 3], lookAt: [0, 0, 0], up: [0, 1, 0] } }, [
      { id: 1, class: "thing", shape: { type: "box", size: [0.5, 0.5, 0.5] }, pose: { position: [-0.5, 0, 0] } },
      { id: 2, class: "thing", shape: { type: "box", size: [0.5, 0.5, 0.5] }, pose: { position: [0.5, 0, 0] } },
    ]);
    const one = { ...two, objects: [two.objects[0]!] };
    const r = await Renderer.open({ gpu: "off" });
    try {
      await r.render(two);
      const f = await r.render(one);
      expect([...new Set(f.instance)].sort()).toEqual([0, 1]);
      expect(f.objects.map((o) => o.id)).toEqual([1]);
    } finally {
      await r.close();
    }
  });

  it("a page's WebGL objects stay as many over frames (nothing leaks per frame)", async () => {
    const demo = await loadSceneFile("scenes/demo.json");
    const r = await Renderer.open({ gpu: "off" });
    try {
      for (let i = 0; i < 3; i++) await r.render(demo, { normals: true });
      // counts every create and delete of a WebGL object from here on, in the page itself
      const page = (r as unknown as { session: { page: Page } }).session.page;
      await page.evaluate(() => {
        const proto = WebGL2RenderingContext.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
        const net: Record<string, number> = ((globalThis as unknown as { glNet: Record<string, number> }).glNet = {});
        for (const name of Object.getOwnPropertyNames(WebGL2RenderingContext.prototype)) {
          const m = /^(create|delete)(Buffer|Texture|Framebuffer|Renderbuffer|Program|Shader|VertexArray|Query|Sampler)$/.exec(name);
          if (!m) continue;
          const original = proto[name]!;
          proto[name] = function (this: unknown, ...a: unknown[]) {
            net[m[2]!] = (net[m[2]!] ?? 0) + (m[1] === "create" ? 1 : -1);
            return original.apply(this, a);
          };
        }
      });
      for (let i = 0; i < 12; i++) await r.render(demo, { normals: true });
      const net = await page.evaluate(() => (globalThis as unknown as { glNet: Record<string, number> }).glNet);
      // Babylon's render targets once took a new scene uniform buffer every frame (five a frame)
      expect(Object.fromEntries(Object.entries(net).filter(([, n]) => n !== 0))).toEqual({});
    } finally {
      await r.close();
    }
  });
});
