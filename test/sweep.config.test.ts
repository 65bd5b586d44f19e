// Sweep files that cannot give what they ask for are refused at start-up, before any
// browser starts or anything is written: one error naming the sweep file and the field.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSweep } from "../src/sweep/config.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-sweep-config-"));
  writeFileSync(join(dir, "tabletop.json"), readFileSync("scenes/tabletop-grasping.json"));
  writeFileSync(join(dir, "street.json"), readFileSync("scenes/urban-street.json"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeSweep(name: string, doc: object): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

const messageOf = (file: string) => loadSweep(file).then(() => "no error", (e: Error) => e.message);

describe("sweep file validation", () => {
  it("the kitti writer on a template without LiDAR is an error naming the sweep file, writers[i] and why; exit 2 and nothing written", async () => {
    const file = writeSweep("no-lidar.json", { template: "tabletop.json", frames: 2, writers: ["coco", "bop", "kitti"] });
    expect(await messageOf(file)).toMatch(/no-lidar\.json: writers\[2\]: the kitti writer exports LiDAR scans, but the template tabletop\.json has no LiDAR/);
    const out = join(dir, "out-no-lidar");
    const r = spawnSync(process.execPath, [CLI, "sweep", file, "--out", out, "--gpu", "off"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^simforge: .*no-lidar\.json: writers\[2\]: the kitti writer/)]);
    expect(existsSync(out)).toBe(false);
    // a template with a LiDAR is fine
    const street = writeSweep("street.json.sweep", { template: "street.json", frames: 2, writers: ["kitti"] });
    expect(await messageOf(street)).toBe("no error");
  });

  it("a missing template is said as the sweep file's template field", async () => {
    const file = writeSweep("missing.json", { template: "gone/template.json", frames: 2 });
    expect(await messageOf(file)).toBe(`${file}: template: file not found: gone/template.json (${join(dir, "gone", "template.json")})`);
  });
});
