// One page across frames: pooled meshes and materials must not leak from one frame into the next.
import { describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { loadSceneFile } from "../src/scene/load.js";
import { H, W, scene } from "./helpers.js";

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
});
