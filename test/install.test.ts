// A clean install and build: no npm config warnings from the project, onnxruntime-node's
// CUDA download switched off by the switch it reads, and no esbuild warning for the page.
import { spawnSync } from "node:child_process";
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

describe("install and build say nothing", () => {
  it("npm reads no unknown project config", () => {
    const r = spawnSync("npm", ["config", "list"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown project config/);
  });

  it("onnxruntime-node's installer skips its downloads under ONNXRUNTIME_NODE_INSTALL=skip (what scripts/setup.mjs sets for npm ci)", () => {
    const { parseInstallFlag } = createRequire(import.meta.url)("onnxruntime-node/script/install-utils.js") as { parseInstallFlag: () => unknown };
    const saved = process.env.ONNXRUNTIME_NODE_INSTALL;
    try {
      process.env.ONNXRUNTIME_NODE_INSTALL = "skip";
      expect(parseInstallFlag()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.ONNXRUNTIME_NODE_INSTALL;
      else process.env.ONNXRUNTIME_NODE_INSTALL = saved;
    }
  });

  it("the page bundle builds without a warning", async () => {
    // @ts-expect-error: a build script in plain JavaScript
    const { buildPage } = await import("../scripts/build-page.mjs");
    const result = (await buildPage({ write: false })) as { warnings: unknown[]; errors: unknown[] };
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it("the package's bin (npx simforge) is executable after the build", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> };
    for (const bin of Object.values(pkg.bin)) expect(() => accessSync(bin, constants.X_OK), bin).not.toThrow();
    const r = spawnSync("npx", ["simforge", "--version"], { encoding: "utf8" });
    expect([r.status, r.stderr]).toEqual([0, ""]);
  });

  it("the command in a clone that is not built yet says to build, and exits 1 (it exists before the build, so npx links it)", () => {
    const root = mkdtempSync(join(tmpdir(), "simforge-bin-"));
    try {
      mkdirSync(join(root, "bin"));
      copyFileSync("bin/simforge.js", join(root, "bin", "simforge.js"));
      const r = spawnSync(process.execPath, [join(root, "bin", "simforge.js"), "--version"], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`simforge: ${join(root, "dist", "cli", "main.js")} is not built yet: run \`npm run build\` (or \`npm run demo\`) in ${root}/\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
