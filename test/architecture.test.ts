// The folders of src/ form one order, bottom to top (docs/ARCHITECTURE.md), and every import
// between folders points down it: no upward import, so no cycle between folders.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(dirname(new URL(import.meta.url).pathname), "..", "src");

/**
 * Bottom to top: the folders of src/, and the two root files that sit among them (the api.ts
 * facade over the sweep, under the command line; index.ts, the package's exports, on top).
 * A file may import from anything before its own place, never after.
 */
const LAYERS = ["math", "formats", "assets", "scene", "texture", "physics", "randomize", "page", "render", "sensors", "writers", "sweep", "api.ts", "cli", "index.ts"];
/** Root files every layer may import. */
const ROOT_LEAVES = ["errors.ts", "lru-cache.ts", "version.ts"];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative module specifiers of a file: static and dynamic imports, re-exports, and worker URLs. */
export function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/** The place of a src-relative path (a .js specifier names its .ts source): -1 for a root leaf, NaN where it has none. */
function rank(rel: string): number {
  const top = rel.split(sep)[0]!.replace(/\.js$/, ".ts");
  if (ROOT_LEAVES.includes(top)) return -1;
  const i = LAYERS.indexOf(top);
  return i < 0 ? NaN : i;
}

/** Every import that does not point down the order, as "from -> to". */
export function violations(files: { rel: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const spec of specifiers(f.text)) {
      const target = normalize(join(dirname(f.rel), spec));
      if (target.startsWith("..")) continue; // outside src: the assets folder, package.json, dist
      if (target.split(sep)[0] === f.rel.split(sep)[0]) continue; // within one folder
      if (!(rank(target) < rank(f.rel))) out.push(`${f.rel} -> ${target}`);
    }
  }
  return out;
}

const sources = tsFiles(SRC).map((p) => ({ rel: relative(SRC, p), text: readFileSync(p, "utf8") }));

describe("architecture", () => {
  it("every folder and root file of src/ has a place in the layer order", () => {
    const unplaced = new Set(sources.map((f) => f.rel.split(sep)[0]!).filter((top) => Number.isNaN(rank(top))));
    expect([...unplaced]).toEqual([]);
  });

  it("imports between folders only point down the order", () => {
    expect(violations(sources)).toEqual([]);
  });

  it("the check sees an upward import, a dynamic one and a worker URL", () => {
    const bad = [
      { rel: join("scene", "schema.ts"), text: 'import { MAX } from "../render/protocol.js";' },
      { rel: join("formats", "png.ts"), text: 'const m = await import("../sweep/report.js");' },
      { rel: join("math", "rng.ts"), text: 'new Worker(new URL("../sensors/lidar/cast-worker.js", import.meta.url));' },
      { rel: join("render", "session.ts"), text: 'export { sweep } from "../api.js";' },
      { rel: join("render", "browser.ts"), text: 'import { InputError } from "../errors.js";\nimport { Rng } from "../math/rng.js";' },
    ];
    expect(violations(bad)).toEqual([
      join("scene", "schema.ts") + " -> " + join("render", "protocol.js"),
      join("formats", "png.ts") + " -> " + join("sweep", "report.js"),
      join("math", "rng.ts") + " -> " + join("sensors", "lidar", "cast-worker.js"),
      join("render", "session.ts") + " -> api.js",
    ]);
  });
});
