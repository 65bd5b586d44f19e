// Sweeps: one worker or two, a killed browser, a killed sweep, shards and a merge, a deadline
// and a full disk all end in the same dataset, file hash for file hash (OUT/log aside).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSweep } from "../src/sweep/run.js";
import { mergeShards } from "../src/sweep/merge.js";
import { parseShard, resolveShard, shardFrames } from "../src/sweep/shard.js";
import { loadSweep } from "../src/sweep/config.js";
import { parseDuration, parseUntil } from "../src/sweep/deadline.js";
import { readManifest } from "../src/writers/manifest.js";
import { frameVerifies } from "../src/sweep/state.js";
import type { SweepEvent } from "../src/sweep/log.js";
import { checkDataset } from "../src/sweep/check.js";
import { fileHashes } from "./helpers.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const FRAMES = 8;
let dir: string;
let sweepFile: string;
let reference: Map<string, string>;

function expectSameDataset(out: string): void {
  const got = fileHashes(out);
  expect([...got.keys()]).toEqual([...reference.keys()]);
  for (const [k, v] of reference) expect(got.get(k), k).toBe(v);
}

/** Leftover temp names (`.x.tmp-…`) anywhere under `root`. */
function temps(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (/\.tmp-/.test(e.name)) found.push(join(d, e.name));
      else if (e.isDirectory()) walk(join(d, e.name));
    }
  };
  walk(root);
  return found;
}

/** The bop writer's warning when every object instance is a model of its own (as many models as instances). */
const modelPerInstance = expect.stringMatching(new RegExp(`^bop writer: (\\d+) BOP models for \\1 object instances in ${FRAMES} frames: each drawn scale or size is its own model`));

function writeSweep(name: string, doc: object): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "simforge-sweep-"));
  // the cubes template at 160x120 with fewer cubes, so that a sweep takes seconds
  const t = JSON.parse(readFileSync("scenes/seed-cubes.template.json", "utf8"));
  t.camera.width = 160;
  t.camera.height = 120;
  t.camera.intrinsics = { fx: 222, fy: 222, cx: 79.5, cy: 59.5 };
  t.objects[0].spawn.count = { int: [3, 8] };
  delete t.$schema;
  writeFileSync(join(dir, "cubes.json"), JSON.stringify(t));
  sweepFile = writeSweep("sweep.json", {
    template: "cubes.json",
    frames: FRAMES,
    seed: 3,
    workers: 1,
    writers: ["coco", "bop"],
    grid: { "lights[0].intensity": [1.5, { uniform: [3, 5] }] },
  });
  const r = await runSweep(sweepFile, { out: join(dir, "ref"), gpu: "off" });
  expect(r).toMatchObject({ total: FRAMES, done: FRAMES, failed: 0, stopped: null, qaFailures: 0 });
  // every cube's scale is drawn from [0.5, 3], so each is its own BOP model: the run says so once, at its end, and logs it
  expect(r.notes).toEqual([modelPerInstance]);
  const logged = readFileSync(join(dir, "ref", "log", "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(logged.filter((e) => e.type === "warning").map((e) => e.message)).toEqual([modelPerInstance]);
  reference = fileHashes(join(dir, "ref"));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simforge sweep", () => {
  it("records every frame with its files' checksums, its seed and grid cell; no journal, lock or temp file is left", async () => {
    const out = join(dir, "ref");
    const m = (await readManifest(out))!;
    expect(m.frames.map((f) => f.index)).toEqual([...Array(FRAMES).keys()]);
    for (const f of m.frames) {
      expect(f.status).toBe("done");
      expect(f.cell).toBe(f.index % 2);
      expect(await frameVerifies(out, f)).toBe(true);
      const params = JSON.parse(readFileSync(join(out, f.dir, "params.json"), "utf8"));
      expect(params.cell).toBe(f.index % 2);
      expect(params.seed).toBe(f.seed);
      // the grid cell's value reached the frame: a fixed 1.5 in cell 0, a draw from [3, 5] in cell 1
      const light = JSON.parse(readFileSync(join(out, f.dir, "scene.json"), "utf8")).lights[0].intensity;
      if (f.cell === 0) expect(light).toBe(1.5);
      else expect(light).toBeGreaterThanOrEqual(3);
    }
    // the dataset writers ran over every frame
    const coco = JSON.parse(readFileSync(join(out, "coco", "annotations.json"), "utf8"));
    expect(coco.images.map((i: { id: number }) => i.id)).toEqual([...Array(FRAMES).keys()]);
    expect(Object.keys(JSON.parse(readFileSync(join(out, "bop", "train_pbr", "000000", "scene_gt.json"), "utf8"))).length).toBe(FRAMES);
    expect(existsSync(join(out, "journal.jsonl"))).toBe(false);
    expect(existsSync(join(out, ".simforge-lock"))).toBe(false);
    expect(temps(out)).toEqual([]);
  });

  it("two workers write the same bytes as one", async () => {
    const out = join(dir, "two");
    const r = await runSweep(sweepFile, { out, workers: 2, gpu: "off" });
    expect(r.done).toBe(FRAMES);
    expectSameDataset(out);
    // both workers rendered frames
    const workers = new Set(readFileSync(join(out, "log", "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((e) => e.type === "frame").map((e) => e.worker));
    expect(workers.size).toBe(2);
  });

  it("a browser killed with SIGKILL in the middle of the sweep is restarted and a frame it held retried; every frame is there once", async () => {
    const out = join(dir, "killed-browser");
    const pids = new Map<number, number>();
    let frames = 0;
    let killed = 0;
    let victim = -1;
    const onEvent = (e: SweepEvent) => {
      if (e.type === "browser") pids.set(e.worker as number, e.pid as number);
      // the browser of the worker that just finished the first frame: its next frames are
      // already rendering there (a worker keeps two on its browser), and more are to come
      if (e.type === "frame" && ++frames === 1) {
        victim = e.worker as number;
        killed = pids.get(victim)!;
        process.kill(killed, "SIGKILL");
      }
    };
    const r = await runSweep(sweepFile, { out, workers: 2, gpu: "off", onEvent });
    expect(killed).toBeGreaterThan(0);
    expect(r).toMatchObject({ done: FRAMES, failed: 0, qaFailures: 0 });
    const events = readFileSync(join(out, "log", "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === "restart" && e.worker === victim)).toBe(true);
    // a frame that was on the browser is retried, saying why (none may be, when the kill falls between its frames)
    for (const e of events.filter((e) => e.type === "retry" && e.worker === victim)) expect(e.error).toMatch(/browser closed or was killed/);
    expect(events.filter((e) => e.type === "browser" && e.worker === victim).length).toBeGreaterThanOrEqual(2);
    const done = events.filter((e) => e.type === "frame" && e.status === "done").map((e) => e.index).sort((a, b) => a - b);
    expect(done).toEqual([...Array(FRAMES).keys()]);
    const qa = await checkDataset(out);
    expect(qa.problems).toEqual([]);
    expect(qa.checked).toBe(FRAMES);
    expectSameDataset(out);
  });

  it("a sweep killed with SIGKILL at a random moment and run again ends byte-identical to an uninterrupted one", async () => {
    const out = join(dir, "killed-sweep");
    const after = 1 + Math.floor(Math.random() * (FRAMES - 3)); // frames finished before the kill
    console.log(`killing the sweep after ${after} frames`);
    const child = spawn(process.execPath, [CLI, "sweep", sweepFile, "--out", out, "--gpu", "off", "--workers", "2", "--no-progress"], { stdio: "ignore" });
    const log = join(out, "log", "events.jsonl");
    await new Promise<void>((res, rej) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        const n = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l.includes('"type":"frame"')).length : 0;
        if (n >= after) {
          clearInterval(poll);
          child.kill("SIGKILL");
          res();
        } else if (Date.now() - t0 > 60_000) {
          clearInterval(poll);
          rej(new Error("the sweep did not get going"));
        }
      }, 20);
    });
    await new Promise((res) => child.once("exit", res));
    // the browsers die with it (DevTools over a pipe), leaving no orphan behind
    await new Promise((res) => setTimeout(res, 500));
    const browsers = readFileSync(log, "utf8").split("\n").filter((l) => l.includes('"type":"browser"')).map((l) => JSON.parse(l).pid as number);
    expect(browsers.length).toBeGreaterThan(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let t = 0; t < 50 && browsers.some(alive); t++) await new Promise((res) => setTimeout(res, 100));
    expect(browsers.filter(alive)).toEqual([]);
    const m = await readManifest(out);
    const journal = existsSync(join(out, "journal.jsonl")) ? readFileSync(join(out, "journal.jsonl"), "utf8").split("\n").filter(Boolean).length : 0;
    expect((m?.frames.length ?? 0) + journal).toBeGreaterThan(0);
    expect((m?.frames.length ?? 0) + journal).toBeLessThan(FRAMES);
    const again = spawnSync(process.execPath, [CLI, "sweep", sweepFile, "--out", out, "--gpu", "off", "--workers", "2", "--no-progress"], { encoding: "utf8" });
    // nothing but the bop writer's word on the model set (see beforeAll)
    expect(again.stderr).toMatch(/^simforge: bop writer: (\d+) BOP models for \1 object instances in 8 frames: [^\n]*\n$/);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/8 of 8 frames done \(\d+ were already done\)/);
    expectSameDataset(out);
  });

  it("3 shards and a merge equal a single run; shard settings come from --shard, SLURM or a Kubernetes Indexed Job", async () => {
    const parts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `shard${i}`);
      parts.push(out);
      const r = await runSweep(sweepFile, { out, gpu: "off", shard: { index: i, count: 3 } });
      expect(r.done).toBe(shardFrames(FRAMES, { index: i, count: 3 }).length);
    }
    await expect(mergeShards(parts.slice(0, 2), join(dir, "merged-partial"))).rejects.toThrow(/shards 2 of 3 are missing/);
    const merged = join(dir, "merged");
    const heard: string[] = [];
    const r = await mergeShards(parts, merged, { progress: (stage, _unit, done, total) => heard.push(`${stage} ${done}/${total}`) });
    expect(r.frames).toBe(FRAMES);
    expect(r.warnings).toEqual([modelPerInstance]);
    // every frame, in index order, then the writers (coco counts frames; bop models, then frames)
    const frameTicks = Array.from({ length: FRAMES }, (_, i) => `${i + 1}/${FRAMES}`);
    expect(heard.filter((h) => h.startsWith("merge frames ")).map((h) => h.slice(13))).toEqual(frameTicks);
    expect(heard.filter((h) => h.startsWith("coco frames ")).map((h) => h.slice(12))).toEqual(frameTicks);
    expect([...new Set(heard.map((h) => h.replace(/ \d+\/\d+$/, "")))]).toEqual(["merge frames", "coco frames", "bop models", "bop frames"]);
    expectSameDataset(merged);
    expect(readdirSync(join(merged, "log")).sort()).toEqual(["shard-0.jsonl", "shard-1.jsonl", "shard-2.jsonl"]);

    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    expect(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "8" })).toEqual({ index: 4, count: 8 });
    expect(resolveShard(undefined, 4, { JOB_COMPLETION_INDEX: "3" })).toEqual({ index: 3, count: 4 });
    expect(resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: "1", SIMFORGE_SHARD_COUNT: "2" })).toEqual({ index: 1, count: 2 });
    expect(resolveShard("1/2", undefined, { JOB_COMPLETION_INDEX: "1", SIMFORGE_SHARD_COUNT: "2" })).toEqual({ index: 1, count: 2 });
    expect(resolveShard(undefined, undefined, {})).toBeNull();
  });

  it("a frame that hangs past the watchdog is retried on a fresh browser, then recorded as failed with its error; a later run renders it", async () => {
    const out = join(dir, "hung");
    // the same sweep (same hash: the watchdog and the frame count do not change the frames) with a watchdog no frame can meet
    const hasty = writeSweep("hasty.json", { ...JSON.parse(readFileSync(sweepFile, "utf8")), frames: 2, watchdog: { frameTimeout: 0.001, retries: 1 } });
    const r = await runSweep(hasty, { out, gpu: "off" });
    expect(r).toMatchObject({ total: 2, done: 0, failed: 2 });
    const m = (await readManifest(out))!;
    for (const f of m.frames) expect(f).toMatchObject({ status: "failed", attempts: 2, error: expect.stringMatching(/watchdog/) });
    const events = readFileSync(join(out, "log", "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === "retry").length).toBe(2);
    const again = await runSweep(sweepFile, { out, gpu: "off" });
    expect(again).toMatchObject({ done: FRAMES, failed: 0, skipped: 0 });
    expectSameDataset(out);
  });

  it("a browser that cannot start ends the sweep with its error instead of failing every frame", async () => {
    const out = join(dir, "no-browser");
    const saved = process.env.SIMFORGE_CHROME;
    process.env.SIMFORGE_CHROME = "/bin/false";
    try {
      await expect(runSweep(sweepFile, { out, gpu: "off", workers: 2 })).rejects.toThrow(/cannot start the browser \/bin\/false/);
    } finally {
      if (saved === undefined) delete process.env.SIMFORGE_CHROME;
      else process.env.SIMFORGE_CHROME = saved;
    }
    expect((await readManifest(out))?.frames.filter((f) => f.status === "failed").length ?? 0).toBe(0);
    expect(existsSync(join(out, ".simforge-lock"))).toBe(false);
  });

  it("a dataset rendered on one backend is not continued on another unless mixing is allowed", async () => {
    const out = join(dir, "mixed");
    spawnSync("cp", ["-r", join(dir, "ref"), out]);
    // frames 6 and 7 must be rendered again; the dataset says a GPU (vulkan) rendered it, which this machine lacks
    rmSync(join(out, "frames", "000006"), { recursive: true });
    rmSync(join(out, "frames", "000007"), { recursive: true });
    const manifestPath = join(out, "manifest.json");
    const m = JSON.parse(readFileSync(manifestPath, "utf8"));
    m.renderer.backend = "vulkan";
    writeFileSync(manifestPath, JSON.stringify(m));
    await expect(runSweep(sweepFile, { out, gpu: "off" })).rejects.toThrow(/rendered with the vulkan backend.*--allow-mixed-backends/);
    expect(readdirSync(join(out, "frames")).filter((d) => !d.startsWith("."))).toHaveLength(FRAMES - 2);
    const r = await runSweep(sweepFile, { out, gpu: "off", allowMixedBackends: true });
    expect(r.done).toBe(FRAMES);
    const frames = (await readManifest(out))!.frames;
    expect(frames.find((f) => f.index === 7)?.backend).toBe("swiftshader");
  }, 240_000);

  it("stops cleanly at a deadline and continues on the next run", async () => {
    const out = join(dir, "deadline");
    // the deadline is read as each frame is handed out: move it to "now" once 3 frames are done
    const deadline = new Date(Date.now() + 3_600_000);
    let frames = 0;
    const onEvent = (e: SweepEvent) => {
      if (e.type === "frame" && ++frames === 3) deadline.setTime(Date.now());
    };
    const first = await runSweep(sweepFile, { out, gpu: "off", deadline, onEvent });
    expect(first.stopped).toBe("deadline");
    expect(first.done).toBeLessThan(FRAMES);
    expect(first.message).toMatch(/stopped at the deadline: \d+ of 8 frames done; run the same command again/);
    expect(temps(out)).toEqual([]);
    const second = await runSweep(sweepFile, { out, gpu: "off" });
    expect(second.skipped).toBe(first.done);
    expectSameDataset(out);
  });

  it("re-renders a frame whose files were damaged or deleted, and only those", async () => {
    const out = join(dir, "damaged");
    await runSweep(sweepFile, { out, gpu: "off" });
    writeFileSync(join(out, "frames", "000002", "rgb.png"), "not a png");
    rmSync(join(out, "frames", "000005"), { recursive: true });
    const r = await runSweep(sweepFile, { out, gpu: "off" });
    expect(r).toMatchObject({ skipped: FRAMES - 2, rendered: 2, done: FRAMES });
    expectSameDataset(out);
  });

  it("a full disk stops the sweep cleanly with nothing half-written, and it resumes once space is freed", async () => {
    const mnt = join(dir, "tmpfs");
    mkdirSync(mnt);
    const bytesOf = (keys: string[]) => keys.reduce((s, k) => s + statSync(join(dir, "ref", k)).size, 0);
    const refBytes = bytesOf([...reference.keys()]);
    // room for about half of the frames (the exports, BOP's models among them, come after the frames)
    const frameBytes = bytesOf([...reference.keys()].filter((k) => k.startsWith("frames/")));
    const mount = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${Math.floor(frameBytes * 0.45)}`, "tmpfs", mnt], { encoding: "utf8" });
    if (mount.status !== 0) {
      console.warn(`skipped: cannot mount a tmpfs here (${mount.stderr.trim()}); this test needs root`);
      return;
    }
    try {
      const out = join(mnt, "ds");
      const r = await runSweep(sweepFile, { out, gpu: "off", diskCheck: false });
      expect(r.stopped).toBe("disk");
      expect(r.message).toMatch(/disk full; \d+ of 8 frames are done and intact; run the same command again/);
      expect(temps(out)).toEqual([]);
      // every frame on disk is whole, and every frame the manifest calls done verifies
      const m = await readManifest(out);
      for (const f of m?.frames ?? []) expect(await frameVerifies(out, f)).toBe(true);
      // the estimate stops a sweep that cannot fit before it runs the disk full
      const est = await runSweep(sweepFile, { out, gpu: "off" });
      expect(est.stopped).toBe("disk");
      expect(est.message).toMatch(/not enough free space: the \d+ frames left need about/);
      spawnSync("mount", ["-o", `remount,size=${refBytes * 3}`, mnt]);
      const again = await runSweep(sweepFile, { out, gpu: "off" });
      expect(again.done).toBe(FRAMES);
      expectSameDataset(out);
    } finally {
      spawnSync("umount", ["-l", mnt]);
    }
  });

  it("bad input: one clear error naming the file and field, and nothing overwritten", async () => {
    const bad = async (doc: object) => loadSweep(writeSweep("bad.json", doc)).then(() => "no error", (e: Error) => e.message);
    const base = { template: "cubes.json", frames: 4 };
    expect(await bad({ ...base, writers: ["coco", "yolo"] })).toMatch(/bad\.json: writers\[1\]: unknown writer "yolo"/);
    expect(await bad({ ...base, frames: 0 })).toMatch(/bad\.json: frames: expected the number of frames \(a positive integer\), got 0/);
    expect(await bad({ ...base, frames: -3 })).toMatch(/frames: .*got -3/);
    expect(await bad({ ...base, template: "nope.json" })).toMatch(/nope\.json/);
    expect(await bad({ ...base, grid: { "lights[4].intensity": [1, 2] } })).toMatch(/grid\["lights\[4\]\.intensity"\]: the template has no lights\[4\]/);
    expect(await bad({ ...base, colour: 1 })).toMatch(/bad\.json: unknown field "colour"/);
    expect(await bad({ ...base, outputs: { previews: "yes" } })).toMatch(/bad\.json: outputs\.previews: expected true or false, got "yes"$/);
    // previews are off in a sweep unless asked for, and asking changes the config hash
    const off = await loadSweep(writeSweep("plain.json", base));
    const on = await loadSweep(writeSweep("previews.json", { ...base, outputs: { previews: true } }));
    expect([off.outputs.previews, on.outputs.previews]).toEqual([undefined, true]);
    expect(on.hash).not.toBe(off.hash);
    expect(() => parseShard("3/3")).toThrow(/--shard: shard index 3 is out of range for 3 shards/);
    expect(() => parseShard("1-3")).toThrow(/expected i\/N/);
    expect(() => resolveShard("0/2", undefined, { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" })).toThrow(/conflicting shard settings: --shard says 0\/2, SLURM_ARRAY_TASK_ID says 1\/2/);
    expect(() => resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: "1" })).toThrow(/--shard-count/);
    expect(() => parseDuration("ten hours")).toThrow(/--max-time: expected a duration/);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    const now = new Date(2026, 10, 21, 23, 0);
    expect(parseUntil("07:00", now)).toEqual(new Date(2026, 10, 22, 7, 0));

    // an output directory holding a different sweep is refused and left as it was
    const before = fileHashes(join(dir, "ref"));
    const other = writeSweep("other.json", { template: "cubes.json", frames: FRAMES, seed: 4 });
    await expect(runSweep(other, { out: join(dir, "ref"), gpu: "off" })).rejects.toThrow(/holds a different sweep .*use another --out, or --force/);
    await expect(runSweep(sweepFile, { out: join(dir, "shard0"), gpu: "off" })).rejects.toThrow(/holds shard 0\/3, not the whole sweep/);
    expect(fileHashes(join(dir, "ref"))).toEqual(before);
    // a directory with other files in it is not taken over
    mkdirSync(join(dir, "busy"));
    writeFileSync(join(dir, "busy", "notes.txt"), "mine");
    await expect(runSweep(sweepFile, { out: join(dir, "busy"), gpu: "off" })).rejects.toThrow(/not a simforge sweep/);
    expect(readFileSync(join(dir, "busy", "notes.txt"), "utf8")).toBe("mine");
    const cli = spawnSync(process.execPath, [CLI, "sweep", resolve(dir, "bad.json"), "--out", join(dir, "x"), "--shard", "5/2"], { encoding: "utf8" });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/simforge: --shard: shard index 5 is out of range/);
  });
});
