// Fuzzing the input path: a few hundred seeded mutations of shipped scenes and templates
// (fields deleted, types swapped, extreme numbers, huge sizes). Each one is either refused
// by validation with one InputError naming the file and a field (no browser needed; when it finds several problems, a line each), or
// accepted; a seeded sample of the refused ones goes through the CLI (exit 2, a line per
// problem found, each naming the file and a field, no stack trace) and a seeded sample of the accepted ones is rendered and must pass `check`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { planSceneFile } from "../src/randomize/frames.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const CASES = 300;
const CLI_REFUSED = 6;
const RENDERED = 2;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** mulberry32: a small seeded generator, so that every run fuzzes the same cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every path in a JSON value (the root aside). */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([...at, i]), paths(x, [...at, i], out)));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) (out.push([...at, k]), paths(x, [...at, k], out));
  return out;
}

function parentOf(doc: Json, path: Path): { parent: Json[] | { [k: string]: Json }; key: string | number } {
  let node = doc as Json;
  for (const seg of path.slice(0, -1)) node = (node as Record<string | number, Json>)[seg]!;
  return { parent: node as Json[] | { [k: string]: Json }, key: path[path.length - 1]! };
}

const EXTREMES: Json[] = [0, -1, 1e308, -1e308, 1e-300, 2 ** 53, -(2 ** 31), 0.5, 65536, 1e9];
const SWAPS: Json[] = ["", "x", true, null, [], {}, [1, 2], { uniform: [0, 1] }, -3];
const HUGE: [RegExp, Json][] = [
  [/^camera\.(width|height)$/, 1e6],
  [/^camera\.(width|height)$/, 8193],
  [/spawn\.count$/, 1e9],
  [/spawn\.count$/, { int: [0, 1e12] }],
  [/\.size$/, [1e9, 1e9, 1e9]],
  [/\.scale$/, 1e30],
  [/^objects$/, []],
  [/\.tries$/, 1e12],
];

/** One mutation of `doc` in place; what was done, for messages. */
function mutate(doc: Json, r: () => number): string {
  const all = paths(doc);
  const path = all[Math.floor(r() * all.length)]!;
  const { parent, key } = parentOf(doc, path);
  const name = path.join(".");
  const kind = r();
  if (kind < 0.3) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
    return `delete ${name}`;
  }
  if (kind < 0.55) {
    const v = SWAPS[Math.floor(r() * SWAPS.length)]!;
    (parent as Record<string | number, Json>)[key] = structuredClone(v);
    return `${name} = ${JSON.stringify(v)}`;
  }
  if (kind < 0.8) {
    const numeric = all.filter((p) => typeof parentOf(doc, p).parent[parentOf(doc, p).key as never] === "number");
    const p = numeric.length ? numeric[Math.floor(r() * numeric.length)]! : path;
    const v = EXTREMES[Math.floor(r() * EXTREMES.length)]!;
    const at = parentOf(doc, p);
    (at.parent as Record<string | number, Json>)[at.key] = v;
    return `${p.join(".")} = ${v}`;
  }
  const [re, v] = HUGE[Math.floor(r() * HUGE.length)]!;
  const hits = all.filter((p) => re.test(p.join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]").replace(/\[\d+\]/g, "")));
  if (!hits.length) return mutate(doc, r);
  const p = hits[Math.floor(r() * hits.length)]!;
  const at = parentOf(doc, p);
  (at.parent as Record<string | number, Json>)[at.key] = structuredClone(v);
  return `${p.join(".")} = ${JSON.stringify(v)}`;
}

/** The shipped scenes and templates, at 160 x 120 with their asset paths made absolute. */
function bases(): { name: string; doc: Json; frames: number }[] {
  const small = (file: string) => {
    const s = JSON.parse(readFileSync(file, "utf8"));
    delete s.$schema;
    const k = 160 / s.camera.width;
    s.camera.intrinsics = { fx: s.camera.intrinsics.fx * k, fy: s.camera.intrinsics.fy * k, cx: 79.5, cy: 59.5 };
    s.camera.width = 160;
    s.camera.height = 120;
    for (const o of s.objects) {
      if (o.material?.texture?.uri) o.material.texture.uri = resolve("scenes", o.material.texture.uri);
      if (o.shape?.type === "mesh") o.shape.uri = resolve("scenes", o.shape.uri);
    }
    return s;
  };
  return [
    { name: "demo", doc: small("scenes/demo.json"), frames: 1 },
    { name: "cubes", doc: small("scenes/seed-cubes.json"), frames: 1 },
    { name: "cubes-template", doc: small("scenes/seed-cubes.template.json"), frames: 2 },
  ];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-fuzz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fuzzed scenes and templates", () => {
  it("each is refused with one error naming the file and a field, or renders a frame that passes check", async () => {
    const r = rng(12);
    const base = bases();
    const refused: { file: string; what: string; frames: number }[] = [];
    const accepted: { file: string; what: string; frames: number }[] = [];
    for (let n = 0; n < CASES; n++) {
      const b = base[n % base.length]!;
      const doc = structuredClone(b.doc);
      const what: string[] = [];
      for (let m = 1 + Math.floor(r() * 3); m > 0; m--) what.push(mutate(doc, r));
      const file = join(dir, `case-${n}-${b.name}.json`);
      writeFileSync(file, JSON.stringify(doc));
      const label = `case ${n} (${b.name}: ${what.join("; ")})`;
      try {
        await planSceneFile(file, b.frames, n);
        accepted.push({ file, what: label, frames: b.frames });
      } catch (err) {
        expect(err, `${label}: ${(err as Error).stack}`).toBeInstanceOf(InputError);
        const e = err as InputError;
        expect(e.file, `${label}: ${e.message}`).toBe(file);
        expect(e.field, `${label}: ${e.message}`).toBeTruthy();
        // validation lists every problem it finds: one line each, each naming the file and a field
        for (const line of e.message.split("\n")) expect((line.startsWith(`${file}: `) && line.length > file.length + 2) || /^\.\.\. and \d+ more$/.test(line), `${label}: ${e.message}`).toBe(true);
        refused.push({ file, what: label, frames: b.frames });
      }
    }
    // most mutations are caught by validation, and some are not
    expect(refused.length).toBeGreaterThan(CASES / 3);
    expect(accepted.length).toBeGreaterThan(0);

    const pick = <T,>(list: T[], k: number) => Array.from({ length: Math.min(k, list.length) }, (_, i) => list[Math.floor((i * list.length) / Math.min(k, list.length))]!);
    for (const c of pick(refused, CLI_REFUSED)) {
      const out = join(dir, "out-refused");
      const p = spawnSync(process.execPath, [CLI, "render", c.file, "--frames", String(c.frames), "--out", out, "--gpu", "off", "--no-progress"], { encoding: "utf8" });
      expect(p.status, `${c.what}: ${p.stderr}`).toBe(2);
      const lines = p.stderr.trim().split("\n");
      expect(lines[0]!.startsWith(`simforge: ${c.file}: `), `${c.what}: ${p.stderr}`).toBe(true);
      for (const line of lines.slice(1)) expect(line.startsWith(`${c.file}: `) || /^\.\.\. and \d+ more$/.test(line), `${c.what}: ${p.stderr}`).toBe(true);
      expect(p.stderr, c.what).not.toMatch(/\n\s+at /);
    }
    for (const [k, c] of pick(accepted, RENDERED).entries()) {
      const out = join(dir, `out-${k}`);
      const p = spawnSync(process.execPath, [CLI, "render", c.file, "--frames", String(c.frames), "--out", out, "--gpu", "off", "--no-progress"], { encoding: "utf8" });
      if (p.status === 2) {
        // refused once the browser is up (a limit of the renderer): one line naming the file and a field
        expect(p.stderr.trim().split("\n"), c.what).toHaveLength(1);
        expect(p.stderr, c.what).toMatch(/^simforge: \S+: [\w.[\]]+: /);
        continue;
      }
      expect(p.status, `${c.what}: ${p.stderr}`).toBe(0);
      const check = spawnSync(process.execPath, [CLI, "check", out], { encoding: "utf8" });
      expect(check.status, `${c.what}: ${check.stdout}${check.stderr}`).toBe(0);
    }
  }, 240_000);
});
