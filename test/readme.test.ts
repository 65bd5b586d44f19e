// The README's examples run as written from a clone: every command is `npx simforge ...`
// (npm puts this checkout's bin on the path for npx), every file they name exists, and the
// --help examples name files that exist too.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSweep } from "../src/sweep/config.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const readme = readFileSync("README.md", "utf8");
/** The lines of the README's sh code blocks. */
const shLines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
const help = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, "--help"], { encoding: "utf8" }).stdout;

describe("README and --help", () => {
  it("every command in the README is run with npx, and every scene or sweep file it names exists", () => {
    const commands = shLines.map((l) => l.trim()).filter((l) => /(^|\s)simforge\s/.test(l));
    expect(commands.length).toBeGreaterThan(5);
    for (const c of commands) expect(c, c).toMatch(/^(npx simforge|#|.*"npx simforge)/);
    const inline = [...readme.matchAll(/`([^`\n]*\bsimforge (?:render|sweep|merge|check|report|texture)\b[^`\n]*)`/g)].map((m) => m[1]!);
    for (const c of inline) expect(c, c).toMatch(/^npx simforge /);
    const files = [...commands, ...inline].flatMap((c) => [...c.matchAll(/(?:^|\s)((?:scenes|assets)\/[\w./-]+\.json)\b/g)].map((m) => m[1]!));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(existsSync(f), f).toBe(true);
  });

  it("the --help examples name files that exist; render takes templates; texture reads WebP", () => {
    for (const cmd of ["render", "sweep", "texture"]) {
      for (const m of help(cmd).matchAll(/\b((?:scenes|sweeps)\/[\w./-]+\.json)\b/g)) expect(existsSync(m[1]!), `${cmd} --help: ${m[1]}`).toBe(true);
    }
    expect(help("render")).toMatch(/a template \(a scene with distributions\)/);
    expect(help("texture")).toMatch(/WebP/);
  });

  it("every sweep shipped in scenes/sweeps loads, and says only what it writes", async () => {
    for (const name of readdirSync("scenes/sweeps")) {
      const file = join("scenes", "sweeps", name);
      const config = await loadSweep(file);
      const description = String(JSON.parse(readFileSync(file, "utf8")).description ?? "");
      if (/every dataset writer/.test(description)) expect(config.writers.sort(), file).toEqual(["bop", "coco", "kitti"]);
    }
  });
});
