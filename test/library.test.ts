// The library entry point: renderFrame on a scene object, returned and written.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderFrame, InputError } from "../src/index.js";

const scene = {
  version: 1 as const,
  classes: [{ id: 1, name: "block" }],
  camera: { width: 64, height: 48, fovY: 60, pose: { position: [0, -3, 2] as [number, number, number], lookAt: [0, 0, 0] as [number, number, number] } },
  lights: [{ type: "hemispheric" as const }],
  objects: [{ id: 9, class: "block", shape: { type: "box" as const, size: [1, 1, 1] as [number, number, number] } }],
};

describe("library", () => {
  it("renderFrame renders a scene object and writes the frame layout", async () => {
    const out = mkdtempSync(join(tmpdir(), "simforge-lib-"));
    try {
      const f = await renderFrame(scene, { out, gpu: "off" });
      expect(f.annotations!.objects[0]!.id).toBe(9);
      expect(f.depth!.length).toBe(64 * 48);
      expect(readdirSync(join(out, "frames"))).toEqual(["000000"]);
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      expect(Object.keys(manifest.frames[0].files)).toContain("annotations.json");
      // the recorded checksums are those of the files on disk, for every file of the frame
      const dir = join(out, "frames", "000000");
      expect(Object.keys(manifest.frames[0].files)).toEqual(readdirSync(dir).sort());
      for (const [name, sum] of Object.entries(manifest.frames[0].files)) {
        expect(createHash("sha256").update(readFileSync(join(dir, name))).digest("hex"), name).toBe(sum);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("rejects an invalid scene object with the field path", async () => {
    const bad = { ...scene, objects: [{ ...scene.objects[0]!, pose: { position: [0, Number.NaN, 0] } }] };
    const err = await renderFrame(bad as never, { gpu: "off" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe("scene: objects[0].pose.position: expected 3 finite numbers");
  });

  it('resolves as `import("simforge")` from the built package', () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", 'const m = await import("simforge"); console.log(typeof m.renderFrame, typeof m.Renderer)'], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe("function function");
  });
});
