#!/usr/bin/env node
/**
 * The simforge command line: thin yargs commands that call the library and print.
 * Exit codes: 0 success, 2 bad input (scene, asset, option, output dir), 1 runtime failure.
 */
import { drawGrasps } from "../writers/grasp-preview.js";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { renderFiles } from "../api.js";
import { closeAllSessions } from "../render/session.js";
import { findBrowser, GPU_MODES, type GpuMode } from "../render/browser.js";
import { ASSETS, buildAsset } from "../assets/library.js";
import { pointCloudFormatNames, unknownPointCloudFormat } from "../formats/point-cloud-formats.js";
import { describeError, exitCodeFor, InputError } from "../errors.js";
import { VERSION } from "../version.js";
import { setAssetRoots } from "../scene/asset-uri.js";
import { runSweep } from "../sweep/run.js";
import { mergeShards } from "../sweep/merge.js";
import { resolveShard } from "../sweep/shard.js";
import { parseDuration, parseUntil } from "../sweep/deadline.js";
import { checkDataset, formatCheck } from "../sweep/check.js";
import { writeReport } from "../sweep/report.js";
import { exportProgress, progress as makeProgress, type Progress } from "../sweep/progress.js";
import { produceTexture, writeTexture, type TextureRequest } from "../texture/bank.js";
import { MATERIALS } from "../texture/exemplars.js";
import { DEFAULT_TEXTURE_BACKEND, textureBackendNames, textureBackends } from "../texture/backends.js";
import { textureReport } from "../texture/contact-sheet.js";
import { mkdir } from "node:fs/promises";
import { basename, join as joinPath, resolve as resolvePath } from "node:path";

/**
 * First Ctrl-C / SIGTERM: stop cleanly (the frame in flight is finished and written, no new
 * one starts, the browser is closed), then exit 130 / 143. A second one exits at once;
 * frames are written under temporary names, so none is ever left half-written.
 */
// a closed pipe (`simforge assets | head`) ends the output, not the process with a stack trace
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const stop = new AbortController();
let stopCode = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) void closeAllSessions().finally(() => process.exit(stopCode));
    stopCode = signal === "SIGINT" ? 130 : 143;
    stop.abort();
    process.stderr.write(`\nsimforge: ${signal}: finishing the frame in flight and closing the browser (again to quit at once)\n`);
  });
}

/** A count option's value as given on the command line ("abc" is said as "abc", not NaN). */
function positiveInt(flag: string, text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

function fail(err: unknown): never {
  if (stop.signal.aborted) process.exit(stopCode);
  const msg = describeError(err);
  process.stderr.write(`simforge: ${msg}\n`);
  process.exit(exitCodeFor(err));
}

const GPU_HELP =
  "auto: a GPU when one is found (ANGLE on Vulkan, then EGL), else the fastest CPU rasterizer (llvmpipe where Mesa is installed, else SwiftShader); " +
  "on: a GPU or fail; off: SwiftShader; or a backend by name (vulkan, egl, llvmpipe, swiftshader). Outputs are byte-identical per backend";

/** Says once on stderr which backend was chosen (and what was tried before it): on a terminal, quiet in logs and with --no-progress. */
let announced = process.argv.includes("--no-progress") || !process.stderr.isTTY;
function announceBackend(info: { backend: string; renderer: string; tried: string[] }): void {
  if (announced) return;
  announced = true;
  const tried = info.tried.length ? ` (not taken: ${info.tried.join("; ")})` : "";
  process.stderr.write(`simforge: backend ${info.backend}: ${info.renderer}${tried}\n`);
}

await yargs(hideBin(process.argv))
  .scriptName("simforge")
  .usage("simforge <command> [options]\n\nHeadless 3D simulation renderer: exact RGB, depth, instance/semantic masks and annotations for training data.")
  .command(
    "render <scenes..>",
    "Render scene files into a new dataset OUT/frames/000000, 000001, ... with a manifest: a concrete scene gives one frame, a template (a scene with distributions) --frames frames.",
    (y) =>
      y
        .positional("scenes", { type: "string", array: true, demandOption: true, describe: "scene JSON files: a concrete scene gives one frame, a template (a scene with distributions) --frames frames" })
        .option("frames", { alias: "n", type: "string", default: "1", describe: "frames to draw from each template; frame i uses the seed frameSeed(--seed, i)" })
        .option("seed", { type: "string", default: "0", describe: "sweep seed (a number or a string): the same seed gives the same frames, byte for byte" })
        .option("out", { alias: "o", type: "string", demandOption: true, describe: "output dataset directory (created if missing)" })
        .option("gpu", { choices: GPU_MODES, default: "auto" as GpuMode, describe: GPU_HELP })
        .option("normals", { type: "boolean", default: false, describe: "also write surface normals in the camera frame (normals.npy, normals.png)" })
        .option("rgb", { type: "boolean", default: true, describe: "write rgb.png (--no-rgb to skip it)" })
        .option("labels", { type: "boolean", default: true, describe: "write depth, instance/semantic masks and annotations.json (--no-labels to skip them)" })
        .option("previews", { type: "boolean", default: true, describe: "write depth_preview.png and instance_preview.png, colourised for people (--no-previews to skip them)" })
        .option("lidar-formats", { type: "string", default: "", describe: `extra point cloud files per LiDAR, comma-separated: ${pointCloudFormatNames().join(", ")} (KITTI .bin and SemanticKITTI .label are always written)` })
        .option("progress", { type: "boolean", default: true, describe: "show progress on stderr (a live line on a terminal, a line every 30 s otherwise)" })
        .option("asset-root", { type: "string", array: true, default: [] as string[], describe: "NAME=DIR: where the asset root NAME of a recorded scene.json is here (its NAME:path uris), e.g. after moving your textures; also SIMFORGE_ASSET_ROOTS" })
        .option("force", { type: "boolean", default: false, describe: "start over when --out already holds a dataset (its frames, manifest and exports are deleted); without it such an --out is refused" })
        .example("simforge render scenes/demo.json --out out/demo", "render the demo scene")
        .example("simforge render scenes/seed-cubes.template.json --frames 100 --seed 7 --out out/cubes", "100 randomized frames")
        .example("simforge render out/demo/frames/000000/scene.json --out /tmp/again", "re-render a frame from the scene it recorded"),
    async (argv) => {
      try {
        const frames = positiveInt("--frames", argv.frames);
        setAssetRoots(argv.assetRoot);
        const lidarFormats = argv.lidarFormats.split(",").map((f) => f.trim()).filter(Boolean);
        const unknown = unknownPointCloudFormat(lidarFormats);
        if (unknown !== undefined) throw new InputError(`unknown point cloud format ${JSON.stringify(unknown)} (known: ${pointCloudFormatNames().join(", ")})`, { field: "--lidar-formats" });
        const manifest = await renderFiles(argv.scenes, {
          out: argv.out,
          frames,
          seed: /^-?\d+$/.test(argv.seed) ? Number(argv.seed) : argv.seed,
          gpu: argv.gpu,
          onBrowser: announceBackend,
          normals: argv.normals,
          rgb: argv.rgb,
          labels: argv.labels,
          lidarFormats,
          previews: argv.previews,
          progress: argv.progress,
          signal: stop.signal,
          force: argv.force,
        });
        process.stdout.write(`simforge: wrote ${manifest.frames.length} frame(s) to ${argv.out} (backend ${manifest.renderer.backend}: ${manifest.renderer.webgl})\n`);
        if (stop.signal.aborted) {
          await closeAllSessions();
          process.exit(stopCode);
        }
      } catch (err) {
        fail(err);
      } finally {
        await closeAllSessions();
      }
    },
  )
  .command(
    "sweep <file>",
    "Run a sweep (template, frame count, seed, writers, optional parameter grid) with a pool of browsers; interrupted in any way, the same command continues where it stopped.",
    (y) =>
      y
        .positional("file", { type: "string", demandOption: true, describe: "sweep JSON file (see README: Sweeps)" })
        .option("out", { alias: "o", type: "string", demandOption: true, describe: "dataset directory (created if missing; an unfinished sweep there is continued)" })
        .option("workers", { alias: "j", type: "string", describe: "browsers rendering at once (default: the sweep file's, else the number of cores)" })
        .option("shard", { type: "string", describe: "render shard i of N (i/N): frames whose index is i modulo N; SLURM array and Kubernetes Indexed Job variables are read too" })
        .option("shard-count", { type: "number", describe: "number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)" })
        .option("until", { type: "string", describe: "stop starting frames at this local time (07:00) or ISO date-time" })
        .option("max-time", { type: "string", describe: "stop starting frames after this long (10h, 90m, 1h30m)" })
        .option("force", { type: "boolean", default: false, describe: "start over when --out holds a different sweep (its frames are deleted)" })
        .option("disk-check", { type: "boolean", default: true, describe: "stop early when the free space is less than the frames left need (--no-disk-check to skip)" })
        .option("gpu", { choices: GPU_MODES, default: "auto" as GpuMode, describe: GPU_HELP })
        .option("allow-mixed-backends", { type: "boolean", default: false, describe: "let a browser that restarts on another backend (a lost GPU) go on; by default the sweep stops, since outputs are byte-identical per backend only" })
        .option("progress", { type: "boolean", default: true, describe: "a live bar on a terminal, a line every 30 s otherwise" })
        .example("simforge sweep scenes/sweeps/tabletop.json --out /data/tabletop --until 07:00", "overnight, stopping cleanly at 7 am")
        .example("simforge sweep scenes/sweeps/tabletop.json --out /data/part-$SLURM_ARRAY_TASK_ID", "one shard per SLURM array task"),
    async (argv) => {
      try {
        const workers = argv.workers === undefined ? undefined : positiveInt("--workers", argv.workers);
        if (argv.until && argv.maxTime) throw new InputError("give --until or --max-time, not both", { field: "--until" });
        const deadline = argv.until ? parseUntil(argv.until) : argv.maxTime ? new Date(Date.now() + parseDuration(argv.maxTime)) : undefined;
        const result = await runSweep(argv.file, {
          out: argv.out,
          ...(workers !== undefined ? { workers } : {}),
          shard: resolveShard(argv.shard, argv.shardCount),
          force: argv.force,
          ...(deadline ? { deadline } : {}),
          gpu: argv.gpu,
          allowMixedBackends: argv.allowMixedBackends,
          onBrowser: announceBackend,
          progress: argv.progress,
          signal: stop.signal,
          diskCheck: argv.diskCheck,
        });
        for (const line of result.notes) process.stderr.write(`simforge: ${line}\n`);
        process.stdout.write(`simforge: ${result.message}\n`);
        if (result.stopped === "signal") process.exit(stopCode);
        if (result.stopped === "disk") process.exit(2);
        if (result.failed > 0 || result.qaFailures > 0) process.exit(1);
      } catch (err) {
        fail(err);
      } finally {
        await closeAllSessions();
      }
    },
  )
  .command(
    "merge <dirs..>",
    "Merge the shard directories of a sweep into one dataset, identical to a single-machine run.",
    (y) =>
      y
        .positional("dirs", { type: "string", array: true, demandOption: true, describe: "the shards' --out directories" })
        .option("out", { alias: "o", type: "string", demandOption: true, describe: "the merged dataset directory" })
        .option("progress", { type: "boolean", default: true, describe: "show progress on stderr (a live line on a terminal, a line every 30 s otherwise)" }),
    async (argv) => {
      const merging = argv.progress ? exportProgress() : null;
      try {
        const r = await mergeShards(argv.dirs, argv.out, merging ? { progress: merging.report } : {});
        merging?.finish();
        for (const line of r.warnings) process.stderr.write(`simforge: ${line}\n`);
        process.stdout.write(`simforge: merged ${argv.dirs.length} shards into ${r.out}: ${r.frames} frames${r.failed ? `, ${r.failed} failed` : ""}\n`);
      } catch (err) {
        merging?.finish();
        fail(err);
      }
    },
  )
  .command(
    "check <dir>",
    "Verify every frame of a dataset: files present, checksums, decodable images, masks against annotations, boxes against mask extents; prints the class balance.",
    (y) => y.positional("dir", { type: "string", demandOption: true, describe: "dataset directory" }),
    async (argv) => {
      try {
        let bar: Progress | null = null;
        const c = await checkDataset(argv.dir, {
          onProgress: (d, t) => {
            if (!process.stderr.isTTY) return;
            bar ??= makeProgress("check", t);
            bar.tick(d);
          },
        });
        (bar as Progress | null)?.finish();
        process.stdout.write(formatCheck(c));
        if (c.problems.length || c.missing.length) process.exit(1);
      } catch (err) {
        fail(err);
      }
    },
  )
  .command(
    "grasps <frame>",
    "Draw a frame's best collision-free grasps (grasps.json) as gripper wireframes over its RGB image, best in green.",
    (y) =>
      y
        .positional("frame", { type: "string", demandOption: true, describe: "a frame directory, e.g. out/tabletop/frames/000000" })
        .option("top", { type: "number", default: 10, describe: "how many grasps to draw" })
        .option("file", { type: "string", describe: "where to write the PNG, or a JPEG if it ends in .jpg (default DATASET/grasp_previews/<frame>.png)" }),
    async (argv) => {
      try {
        const path = await drawGrasps(argv.frame, { top: argv.top, ...(argv.file ? { file: argv.file } : {}) });
        process.stdout.write(`simforge: wrote ${path}\n`);
      } catch (err) {
        fail(err);
      }
    },
  )
  .command(
    "report <dir>",
    "Write a self-contained HTML report of a dataset: contact sheet, class counts, visibility, sampled parameters, failures, throughput and memory.",
    (y) =>
      y
        .positional("dir", { type: "string", demandOption: true, describe: "dataset directory" })
        .option("file", { type: "string", describe: "where to write it (default DIR/report.html)" }),
    async (argv) => {
      try {
        const path = await writeReport(argv.dir, argv.file ? { file: argv.file } : {});
        process.stdout.write(`simforge: wrote ${path}\n`);
      } catch (err) {
        fail(err);
      }
    },
  )
  .command(
    "texture",
    "Generate seamless textures of a material (or of your exemplar photos) with training-free patch diffusion; PNG + JSON sidecar each.",
    (y) =>
      y
        .option("material", { alias: "m", type: "string", describe: `a built-in material: ${MATERIALS.join(", ")}` })
        .option("exemplars", { type: "string", describe: "a folder of photos (PNG, JPEG or WebP, any size) to make textures like" })
        .option("count", { alias: "n", type: "string", default: "4", describe: "how many textures" })
        .option("size", { type: "number", default: 512, describe: "side in pixels, a power of two" })
        .option("seed", { type: "string", default: "0", describe: "texture k uses the seed <seed>-<k>" })
        .option("steps", { type: "number", describe: "sampler steps (patch-diffusion default 30, onnx default 20)" })
        .option("backend", { choices: textureBackendNames(), default: DEFAULT_TEXTURE_BACKEND, describe: textureBackends().map((b) => `${b.name} (${b.name === DEFAULT_TEXTURE_BACKEND ? "default, " : ""}${b.summary})`).join(", ") })
        .option("model", { type: "string", describe: "onnx: the diffusers ONNX export folder" })
        .option("prompt", { type: "string", describe: "onnx: the text prompt" })
        .option("threads", { type: "number", describe: "worker threads (default: the number of cores); the bytes do not depend on it" })
        .option("out", { alias: "o", type: "string", demandOption: true, describe: "output folder" })
        .option("report", { type: "boolean", default: false, describe: "write OUT/report.png: every texture of OUT tiled 2x2 with its metrics (alone: report on textures already there)" })
        .example("simforge texture --material wood --count 16 --size 512 --seed 7 --out textures/wood", "16 seamless wood textures")
        .example("simforge texture --exemplars photos/my-table --count 8 --out textures/table --report", "textures like your own table, with a contact sheet"),
    async (argv) => {
      try {
        const generating = argv.material !== undefined || argv.exemplars !== undefined || argv.backend === "onnx";
        if (!generating && !argv.report) throw new InputError("name a --material or an --exemplars folder (or --backend onnx with --model and --prompt), or ask for --report", { field: "--material" });
        if (generating) {
          const count = positiveInt("--count", argv.count);
          if (argv.material !== undefined && argv.exemplars !== undefined) throw new InputError("give --material or --exemplars, not both", { field: "--exemplars" });
          if (argv.material !== undefined && !(MATERIALS as readonly string[]).includes(argv.material)) throw new InputError(`unknown material ${JSON.stringify(argv.material)} (known: ${MATERIALS.join(", ")})`, { field: "--material" });
          const name = argv.material ?? (argv.exemplars ? basename(resolvePath(argv.exemplars)) : "onnx");
          const bar = makeProgress("texture", count);
          for (let k = 0; k < count; k++) {
            const req: TextureRequest = {
              backend: argv.backend,
              seed: `${argv.seed}-${k}`,
              size: argv.size,
              ...(argv.material !== undefined ? { material: argv.material } : {}),
              ...(argv.exemplars !== undefined ? { exemplars: resolvePath(argv.exemplars) } : {}),
              ...(argv.model !== undefined ? { model: resolvePath(argv.model) } : {}),
              ...(argv.prompt !== undefined ? { prompt: argv.prompt } : {}),
              ...(argv.steps !== undefined ? { steps: argv.steps } : {}),
            };
            const { image, meta } = await produceTexture(req, argv.threads);
            await mkdir(argv.out, { recursive: true });
            await writeTexture(joinPath(argv.out, `${name}-${String(k).padStart(3, "0")}`), req, image, meta);
            bar.tick(k + 1);
          }
          bar.finish();
          process.stdout.write(`simforge: wrote ${count} texture(s) to ${argv.out}\n`);
        }
        if (argv.report) process.stdout.write(`simforge: wrote ${await textureReport(argv.out, joinPath(argv.out, "report.png"))}\n`);
      } catch (err) {
        fail(err);
      }
    },
  )
  .command(
    "browser",
    "Print which Chrome/Chromium simforge would use, and how it was found.",
    (y) => y,
    () => {
      try {
        const b = findBrowser();
        if (!b) throw new InputError("no Chrome or Chromium found (install one: `sudo apt-get install -y chromium`, or `npx puppeteer browsers install chrome`, or set SIMFORGE_CHROME)");
        process.stdout.write(`${b.path} (${b.source})\n`);
      } catch (err) {
        fail(err);
      }
    },
  )
  .command(
    "assets",
    "List the built-in procedural assets: name, class, size and parameters.",
    (y) => y,
    () => {
      const lines = Object.entries(ASSETS).map(([name, def]) => {
        const { min, max } = buildAsset(name).bounds;
        const size = max.map((v, k) => (v - min[k]!).toFixed(3)).join(" x ");
        const params = Object.entries(def.params).map(([k, p]) => `${k} ${p.min}..${p.max} (${p.default})`).join(", ");
        return `${name.padEnd(11)} ${def.className.padEnd(13)} ${size.padEnd(22)} m  ${params}\n  ${def.doc}\n`;
      });
      process.stdout.write(lines.join(""));
    },
  )
  .demandCommand(1, "Name a command: simforge render scene.json --out DIR")
  .strict()
  .version(VERSION)
  .help()
  .alias("h", "help")
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .fail((msg, err, y) => {
    if (err) fail(err);
    process.stderr.write(`${y.help()}\n\nsimforge: ${msg}\n`);
    process.exit(2);
  })
  .parseAsync();
