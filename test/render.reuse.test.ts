// One page across frames: pooled meshes and materials must not leak from one frame into the next.
import { describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { loadSceneFile } from "../src/scene/load.js";
import { H, W, scene } from "./helpers.js";
import type { Page } from "puppeteer";

/** How many JS objects of each constructor the page holds after a full garbage collection (from a heap snapshot). */
async function pageObjects(page: Page): Promise<Map<string, number>> {
  const cdp = await page.createCDPSession();
  try {
    await cdp.send("HeapProfiler.collectGarbage");
    const chunks: string[] = [];
    cdp.on("HeapProfiler.addHeapSnapshotChunk", (e) => chunks.push(e.chunk));
    await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const snap = JSON.parse(chunks.join("")) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
    const fields = snap.snapshot.meta.node_fields;
    const n = fields.length, type = fields.indexOf("type"), name = fields.indexOf("name");
    const objectType = snap.snapshot.meta.node_types[0].indexOf("object");
    const counts = new Map<string, number>();
    for (let i = 0; i < snap.nodes.length; i += n) {
      if (snap.nodes[i + type] !== objectType) continue;
      const k = snap.strings[snap.nodes[i + name]!]!;
      // V8's own (closure scopes are named by their snapshot id, which differs between snapshots)
      if (k.startsWith("system / ")) continue;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  } finally {
    await cdp.detach();
  }
}

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

  it("a camera turned about its own centre draws the new view, not the last frame's", async () => {
    const at = (lookAt: [number, number, number]) =>
      scene({ width: W, height: H, fovY: 60, pose: { position: [0, 0, 3], lookAt, up: [0, 1, 0] } }, [
        { id: 1, class: "thing", shape: { type: "box", size: [0.5, 0.5, 0.5] }, pose: { position: [-0.6, 0, 0] } },
        { id: 2, class: "thing", shape: { type: "box", size: [0.3, 0.3, 0.3] }, pose: { position: [0.6, 0, 0] } },
      ]);
    // the image centre sees the box the camera looks at: the one at x = 0.6, then at -0.6, then 0.6 again
    const centre = (f: { instance?: Uint16Array }) => f.instance![(H / 2) * W + W / 2];
    const r = await Renderer.open({ gpu: "off" });
    try {
      const right = await r.render(at([0.6, 0, 0]));
      const left = await r.render(at([-0.6, 0, 0]));
      const again = await r.render(at([0.6, 0, 0]));
      expect([centre(right), centre(left), centre(again)]).toEqual([2, 1, 2]);
      expect(same(again.instance, right.instance)).toBe(true);
      expect(same(again.depth, right.depth)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it("a page's WebGL and JS objects stay as many over frames (nothing leaks per frame)", async () => {
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
      const before = await pageObjects(page);
      const frames = 12;
      for (let i = 0; i < frames; i++) await r.render(demo, { normals: true });
      const net = await page.evaluate(() => (globalThis as unknown as { glNet: Record<string, number> }).glNet);
      // Babylon's render targets once took a new scene uniform buffer every frame (five a frame)
      expect(Object.fromEntries(Object.entries(net).filter(([, n]) => n !== 0))).toEqual({});
      // nor JS objects: a kind that grew by one or more a frame is held per frame (a new
      // camera every frame stayed in each pooled mesh's per-camera LOD map, 100 objects a frame)
      const after = await pageObjects(page);
      const grown = [...after].filter(([k, c]) => c - (before.get(k) ?? 0) >= frames);
      expect(Object.fromEntries(grown)).toEqual({});
    } finally {
      await r.close();
    }
  });
});
