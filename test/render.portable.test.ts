// A rendered frame's scene.json records its assets by named root and content hash, so the
// frame directory copied anywhere re-renders byte for byte; a user root is remapped with
// --asset-root NAME=DIR; a changed asset is an error naming the field.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-portable-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function simforge(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, SIMFORGE_ASSET_ROOTS: "", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file of two frame directories is the same, byte for byte (scene.json included). */
function expectSameFrame(a: string, b: string): void {
  const files = readdirSync(a).sort();
  expect(readdirSync(b).sort()).toEqual(files);
  for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

describe("a frame copied anywhere re-renders", () => {
  it("simforge's own assets are recorded as simforge-assets:<path> with their sha256; the copied frame re-renders byte for byte", () => {
    const a = join(dir, "a");
    expect(simforge(["render", "scenes/demo.json", "--out", a, "--gpu", "off", "--no-progress"]).code).toBe(0);
    const sceneText = readFileSync(join(a, "frames", "000000", "scene.json"), "utf8");
    expect(sceneText).toMatch(/"uri": "simforge-assets:textures\/checker\.png#sha256=[0-9a-f]{64}"/);
    expect(sceneText).toMatch(/"uri": "simforge-assets:meshes\/wedge\.obj#sha256=[0-9a-f]{64}"/);
    expect(sceneText).not.toContain("../");
    const copy = join(dir, "elsewhere", "deeper", "frame");
    mkdirSync(join(dir, "elsewhere", "deeper"), { recursive: true });
    cpSync(join(a, "frames", "000000"), copy, { recursive: true });
    rmSync(a, { recursive: true });
    const b = join(dir, "b");
    const r = simforge(["render", join(copy, "scene.json"), "--out", b, "--gpu", "off", "--no-progress"], {});
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expectSameFrame(copy, join(b, "frames", "000000"));
  });

  it("a user root (SIMFORGE_ASSET_ROOTS NAME=DIR) is recorded by name and remapped with --asset-root; a changed file is an error naming the field", () => {
    const mine = join(dir, "mine");
    mkdirSync(join(mine, "tex"), { recursive: true });
    cpSync("assets/textures/checker.png", join(mine, "tex", "floor.png"));
    const s = JSON.parse(readFileSync("scenes/demo.json", "utf8"));
    s.objects[0].material.texture.uri = join(mine, "tex", "floor.png");
    s.objects[12].shape.uri = resolve("assets/meshes/wedge.obj");
    writeFileSync(join(dir, "mine.json"), JSON.stringify(s));
    const a = join(dir, "ua");
    expect(simforge(["render", join(dir, "mine.json"), "--out", a, "--gpu", "off", "--no-progress"], { SIMFORGE_ASSET_ROOTS: `mine=${mine}` }).code).toBe(0);
    const recorded = join(a, "frames", "000000", "scene.json");
    expect(readFileSync(recorded, "utf8")).toMatch(/"uri": "mine:tex\/floor\.png#sha256=[0-9a-f]{64}"/);

    const moved = join(dir, "moved");
    renameSync(mine, moved);
    const lost = simforge(["render", recorded, "--out", join(dir, "ub0"), "--gpu", "off"]);
    expect(lost.code).toBe(2);
    expect(lost.stderr).toMatch(/scene\.json: objects\[0\]\.material\.texture\.uri: unknown asset root "mine" .*--asset-root mine=DIR/);
    const b = join(dir, "ub");
    expect(simforge(["render", recorded, "--out", b, "--gpu", "off", "--no-progress", "--asset-root", `mine=${moved}`]).code).toBe(0);
    expectSameFrame(join(a, "frames", "000000"), join(b, "frames", "000000"));

    writeFileSync(join(moved, "tex", "floor.png"), readFileSync("assets/textures/bank/" + readdirSync("assets/textures/bank").find((f) => f.endsWith(".png"))!));
    const changed = simforge(["render", recorded, "--out", join(dir, "uc"), "--gpu", "off", "--asset-root", `mine=${moved}`]);
    expect(changed.code).toBe(2);
    expect(changed.stderr.trim().split("\n")).toHaveLength(1);
    expect(changed.stderr).toMatch(/scene\.json: objects\[0\]\.material\.texture\.uri: .*floor\.png is not the file this scene recorded: its sha256 is [0-9a-f]{64}, the scene says [0-9a-f]{64}/);
  });
});
