// The CLI end to end (dist/cli/main.js, built by the global setup): exit codes, messages,
// no half-written frames, byte-identical re-renders.
import { spawn, spawnSync } from "node:child_process";
import { ASSET_NAMES } from "../src/assets/library.js";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function simforge(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The demo scene with its asset paths made absolute, so it can be written anywhere. */
const base = () => {
  const s = JSON.parse(readFileSync("scenes/demo.json", "utf8"));
  s.objects[0].material.texture.uri = resolve("scenes", s.objects[0].material.texture.uri);
  s.objects[12].shape.uri = resolve("scenes", s.objects[12].shape.uri);
  return s;
};

function writeScene(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Frame dirs and temp leftovers under OUT/frames. */
const framesIn = (out: string) => (existsSync(join(out, "frames")) ? readdirSync(join(out, "frames")) : []);

describe("simforge CLI", () => {
  it("a scene with a LiDAR writes KITTI .bin, SemanticKITTI .label, the asked formats and previews; its scene.json re-renders them byte for byte", async () => {
    const { decodePcd } = await import("../src/formats/pcd.js");
    const { decodePly } = await import("../src/formats/ply.js");
    const scene = {
      version: 1, classes: [{ id: 1, name: "road" }, { id: 2, name: "car" }],
      camera: { width: 32, height: 24, fovY: 60, pose: { position: [0, 0, 1.6], lookAt: [10, 0, 1] } },
      objects: [
        { id: 1, class: "road", shape: { type: "plane", size: [200, 200] } },
        { id: 2, class: "car", shape: { type: "asset", name: "car" }, pose: { position: [8, 2, 0] } },
      ],
      lidars: [{ name: "roof", preset: "VLP-16", pose: { position: [0, 0, 1.73] } }],
    };
    const path = join(dir, "lidar.json");
    writeFileSync(path, JSON.stringify(scene));
    const out = join(dir, "lidar-out");
    const r = simforge("render", path, "--out", out, "--lidar-formats", "pcd,ply", "--no-progress");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const f = join(out, "frames", "000000");
    const meta = JSON.parse(readFileSync(join(f, "lidar_roof.json"), "utf8"));
    const n = meta.points;
    expect(n).toBeGreaterThan(5000);
    expect(readFileSync(join(f, "lidar_roof.bin")).length).toBe(16 * n);
    const raw = readFileSync(join(f, "lidar_roof.label"));
    const labels = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(labels.length).toBe(n);
    const semantic = new Set(Array.from(labels, (v) => v & 0xffff));
    expect([...semantic].sort()).toEqual([10, 40]); // car, road
    expect(decodePcd(readFileSync(join(f, "lidar_roof.pcd"))).count).toBe(n);
    expect(decodePly(readFileSync(join(f, "lidar_roof.ply"))).count).toBe(n);
    for (const png of ["lidar_roof_bev.png", "lidar_roof_range.png"]) expect(readFileSync(join(f, png)).subarray(1, 4).toString()).toBe("PNG");
    const again = join(dir, "lidar-again");
    expect(simforge("render", join(f, "scene.json"), "--out", again, "--no-progress").code).toBe(0);
    for (const file of ["lidar_roof.bin", "lidar_roof.label"]) {
      expect(readFileSync(join(again, "frames", "000000", file)).equals(readFileSync(join(f, file))), file).toBe(true);
    }
    const bad = simforge("render", path, "--out", join(dir, "lidar-bad"), "--lidar-formats", "las");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lidar-formats: unknown point cloud format "las" \(known: pcd, ply, nuscenes\)/);
  });
  it("`simforge assets` lists every library asset with its class and size", () => {
    const r = simforge("assets");
    expect(r.code).toBe(0);
    const names = r.stdout.split("\n").filter((l) => /^\S/.test(l)).map((l) => l.split(/\s+/).slice(0, 2));
    expect(names.map(([n]) => n)).toEqual(ASSET_NAMES);
    expect(names.find(([n]) => n === "pedestrian")![1]).toBe("person");
    expect(r.stdout).toMatch(/^car +car +4\.700 x 1\.830 x 1\.450 +m {2}type 0\.\.3 \(0\)$/m);
  });

  it("--help explains every command and option", () => {
    const top = simforge("--help");
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/render <scenes\.\.>/);
    const render = simforge("render", "--help");
    expect(render.code).toBe(0);
    for (const opt of ["--out", "--gpu", "--normals", "--rgb", "--labels", "--progress"]) expect(render.stdout).toContain(opt);
  });

  it("renders the demo and re-renders a frame byte for byte from the scene.json it recorded", () => {
    const a = join(dir, "a");
    const r1 = simforge("render", "scenes/demo.json", "--out", a, "--normals", "--gpu", "off");
    expect(r1.stderr).toBe("");
    expect(r1.code).toBe(0);
    const files = readdirSync(join(a, "frames", "000000")).sort();
    expect(files).toEqual(["annotations.json", "depth.npy", "depth.png", "depth_preview.png", "instance.png", "instance_preview.png", "normals.npy", "normals.png", "rgb.png", "scene.json", "semantic.png", "semantic_preview.png"]);
    const b = join(dir, "b");
    const r2 = simforge("render", join(a, "frames", "000000", "scene.json"), "--out", b, "--normals", "--gpu", "off");
    expect(r2.code).toBe(0);
    for (const f of files) {
      if (f === "scene.json") continue; // URIs are relative to each frame directory
      expect(readFileSync(join(b, "frames", "000000", f)).equals(readFileSync(join(a, "frames", "000000", f))), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(a, "manifest.json"), "utf8"));
    expect(manifest.renderer.webgl).toMatch(/SwiftShader/);
    expect(manifest.frames[0].status).toBe("done");
  });

  const badInputs: [string, () => string, RegExp][] = [
    ["malformed JSON", () => writeScene("bad.json", '{ "version": 1, "classes": [ }'), /bad\.json: malformed JSON at 1:\d+/],
    ["truncated JSON", () => writeScene("trunc.json", JSON.stringify(base()).slice(0, 200)), /trunc\.json: truncated JSON/],
    ["an unknown primitive", () => {
      const s = base(); s.objects[3].shape = { type: "dodecahedron" };
      return writeScene("prim.json", JSON.stringify(s));
    }, /prim\.json: objects\[3\]\.shape\.type: /],
    ["Infinity in a pose", () => writeScene("inf.json", JSON.stringify(base()).replace('"position":[0,0,0.73]', '"position":[0,0,1e999]')), /inf\.json: objects\[1\]\.pose\.position: expected 3 finite numbers/],
    ["a zero image size", () => {
      const s = base(); s.camera.width = 0;
      return writeScene("zero.json", JSON.stringify(s));
    }, /zero\.json: camera\.width: /],
    ["a huge image size", () => {
      const s = base(); s.camera.height = 100000;
      return writeScene("huge.json", JSON.stringify(s));
    }, /huge\.json: camera\.height: /],
    ["an 8192x8192 image (within the schema, beyond what the browser renders: it came back black)", () => {
      const s = base(); s.camera.width = 8192; s.camera.height = 8192;
      return writeScene("big.json", JSON.stringify(s));
    }, /big\.json: camera\.width, camera\.height: 8192x8192 \(67108864 pixels\) is more than the browser's drawing buffer holds/],
    ["a missing mesh", () => {
      const s = base(); s.objects[12].shape.uri = "/nonexistent/mug.glb";
      return writeScene("mesh.json", JSON.stringify(s));
    }, /mesh\.json: objects\[12\]\.shape\.uri: file not found/],
    ["a corrupt texture", () => {
      writeFileSync(join(dir, "corrupt.png"), "garbage");
      const s = base(); s.objects[0].material.texture.uri = join(dir, "corrupt.png");
      return writeScene("tex.json", JSON.stringify(s));
    }, /tex\.json: objects\[0\]\.material\.texture\.uri: cannot decode texture/],
  ];

  for (const [what, make, message] of badInputs) {
    it(`${what}: one clear error, exit code 2, no frame written`, () => {
      const out = join(dir, `out-${what.replace(/\W+/g, "-")}`);
      const r = simforge("render", make(), "--out", out, "--gpu", "off");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.code).toBe(2);
      expect(framesIn(out)).toEqual([]);
    });
  }

  it("an unwritable output directory is exit code 2 naming it", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const r = simforge("render", "scenes/demo.json", "--out", join(file, "out"), "--gpu", "off");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(file, "out"));
  });

  it("a browser that does not start is exit code 1 naming it", () => {
    const r = spawnSync(process.execPath, [CLI, "render", "scenes/demo.json", "--out", join(dir, "nob")], {
      encoding: "utf8",
      env: { ...process.env, SIMFORGE_CHROME: "/bin/true" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot start the browser \/bin\/true \(found via SIMFORGE_CHROME\)/);
  });

  it("SIMFORGE_CHROME pointing nowhere is exit code 2 naming the variable", () => {
    const r = spawnSync(process.execPath, [CLI, "render", "scenes/demo.json", "--out", join(dir, "nob2")], {
      encoding: "utf8",
      env: { ...process.env, SIMFORGE_CHROME: "/nonexistent/chrome" },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\$SIMFORGE_CHROME: \/nonexistent\/chrome is not an executable file/);
  });

  it("--gpu on without a GPU is exit code 1 listing what was tried and what each gave", () => {
    const r = simforge("render", "scenes/demo.json", "--out", join(dir, "gpu-on"), "--gpu", "on");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--gpu on was given but no GPU was found \(tried vulkan: got .*SwiftShader.*; egl: /);
    expect(existsSync(join(dir, "gpu-on"))).toBe(false); // nothing created before the browser was up
  });

  it("a count option that is not a positive integer is said once, as given", () => {
    for (const [args, said] of [[["render", "scenes/demo.json", "--frames", "abc"], '--frames must be a positive integer, got "abc"'], [["render", "scenes/demo.json", "--frames", "2.5"], '--frames must be a positive integer, got "2.5"'], [["sweep", "scenes/sweeps/tabletop.json", "--workers", "0"], '--workers must be a positive integer, got "0"'], [["texture", "--material", "wood", "--count", "-1"], '--count must be a positive integer, got "-1"']] as const) {
      const out = join(dir, "count-opt");
      const r = simforge(...args, "--out", out);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`simforge: ${said}\n`);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("a file error is said in words, not as a raw errno code", () => {
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "x");
    const r = simforge("check", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`simforge: ${join(file, "manifest.json")}: cannot read: a parent of the path is not a directory\n`);
  });

  it("--frames too many for the disk warns with the estimate before the browser starts", () => {
    const out = join(dir, "huge-run");
    const r = spawnSync(process.execPath, [CLI, "render", "scenes/seed-cubes.template.json", "--frames", "1000000000", "--out", out, "--no-progress"], {
      encoding: "utf8",
      env: { ...process.env, SIMFORGE_CHROME: "/bin/true" }, // the browser fails: only what comes before it is under test
    });
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^simforge: warning: 1000000000 frame\\(s\\) need about [\\d.]+ PB \\([\\d.]+ [kM]B each, estimated\\), but only [\\d.]+ [kMGT]?B is free at ${out}`));
    expect(lines[1]).toMatch(/cannot start the browser/);
    expect(existsSync(out)).toBe(false);
  });

  it("render refuses an --out that holds a dataset (naming it and what is there); --force starts over", () => {
    const out = join(dir, "twice");
    const args = ["render", "scenes/seed-cubes.template.json", "--gpu", "off", "--no-progress", "--no-rgb", "--out", out];
    expect(simforge(...args, "--frames", "2").code).toBe(0);
    const before = readFileSync(join(out, "manifest.json"), "utf8");
    const again = simforge(...args, "--frames", "1", "--seed", "3");
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    expect(again.stderr).toContain(`${out}: already holds a dataset (a manifest.json and 2 frame directories)`);
    expect(again.stderr).toContain("--force");
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe(before);
    expect(framesIn(out)).toEqual(["000000", "000001"]);
    const forced = simforge(...args, "--frames", "1", "--seed", "3", "--force");
    expect(forced.code).toBe(0);
    expect(framesIn(out)).toEqual(["000000"]);
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).frames).toHaveLength(1);
  });

  it("Ctrl-C finishes the frame in flight, closes the browser and leaves only complete frames", async () => {
    const out = join(dir, "interrupted");
    const browsers = () => spawnSync("pgrep", ["-fc", "puppeteer_dev_chrome_profile"], { encoding: "utf8" }).stdout.trim();
    const before = browsers();
    const child = spawn(process.execPath, [CLI, "render", ...Array(200).fill("scenes/demo.json"), "--out", out, "--gpu", "off", "--no-progress"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    while (framesIn(out).filter((f) => /^\d{6}$/.test(f)).length < 2) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/SIGINT: finishing the frame in flight and closing the browser/);
    const frames = framesIn(out);
    expect(frames.every((f) => /^\d{6}$/.test(f))).toBe(true); // no temp dir left behind
    for (const f of frames) expect(readdirSync(join(out, "frames", f))).toContain("annotations.json");
    await new Promise((r) => setTimeout(r, 500));
    expect(browsers()).toBe(before);
  });

  it("a frame left half-written by a killed run (kill -9) is removed by the next run", () => {
    const out = join(dir, "killed");
    mkdirSync(join(out, "frames", ".000000.tmp-99999-1"), { recursive: true });
    writeFileSync(join(out, "frames", ".000000.tmp-99999-1", "rgb.png"), "partial");
    const r = simforge("render", "scenes/demo.json", "--out", out, "--gpu", "off", "--no-progress");
    expect(r.code).toBe(0);
    expect(framesIn(out)).toEqual(["000000"]);
  });

  it("frames rendered back to back (overlapped on one page) equal the same scenes rendered alone", () => {
    const seq = join(dir, "seq");
    expect(simforge("render", "scenes/demo.json", "scenes/seed-cubes-640x480.json", "scenes/demo.json", "--out", seq, "--gpu", "off", "--no-progress").code).toBe(0);
    const alone = join(dir, "alone");
    expect(simforge("render", "scenes/seed-cubes-640x480.json", "--out", alone, "--gpu", "off", "--no-progress").code).toBe(0);
    const files = ["rgb.png", "depth.npy", "depth.png", "instance.png", "semantic.png", "annotations.json"];
    for (const f of files) {
      expect(readFileSync(join(seq, "frames", "000001", f)).equals(readFileSync(join(alone, "frames", "000000", f))), f).toBe(true);
      expect(readFileSync(join(seq, "frames", "000002", f)).equals(readFileSync(join(seq, "frames", "000000", f))), f).toBe(true);
    }
  });

  it("a template with --frames and --seed renders the same bytes twice, and a frame re-renders alone", () => {
    const a = join(dir, "tpl-a"), b = join(dir, "tpl-b"), one = join(dir, "tpl-one");
    const args = ["render", "scenes/seed-cubes.template.json", "--frames", "3", "--seed", "7", "--gpu", "off", "--no-progress", "--out"];
    expect(simforge(...args, a).code).toBe(0);
    expect(simforge(...args, b).code).toBe(0);
    for (const f of ["000000", "000001", "000002"]) {
      for (const name of ["scene.json", "rgb.png", "depth.npy", "instance.png", "annotations.json"]) {
        expect(readFileSync(join(a, "frames", f, name)).equals(readFileSync(join(b, "frames", f, name))), `${f}/${name}`).toBe(true);
      }
    }
    expect(readFileSync(join(a, "frames", "000001", "scene.json"), "utf8")).not.toBe(readFileSync(join(a, "frames", "000002", "scene.json"), "utf8"));
    expect(simforge("render", join(a, "frames", "000002", "scene.json"), "--out", one, "--gpu", "off", "--no-progress").code).toBe(0);
    for (const name of ["rgb.png", "depth.npy", "instance.png", "annotations.json"]) {
      expect(readFileSync(join(one, "frames", "000000", name)).equals(readFileSync(join(a, "frames", "000002", name))), name).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(a, "manifest.json"), "utf8"));
    expect(manifest.seed).toBe(7);
    expect(manifest.frames[2].seed).toMatch(/^[0-9a-f]{32}$/);
  });
});
