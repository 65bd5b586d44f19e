// Builds dist/: the page bundle (esbuild) and the Node library and CLI (tsc).
// It does nothing when dist/ was built from the same sources: dist/.build-stamp holds a hash
// of everything the build reads (src/, these scripts, the tsconfigs, the lock file, the
// bundle's debug switch). `--force` builds anyway. A rebuild starts from an empty dist/, so
// a moved or deleted module leaves no stale copy behind.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";
import { buildPage } from "./build-page.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const stampFile = join(dist, ".build-stamp");

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** A hash of every input of the build. */
export function sourceStamp() {
  const hash = createHash("sha256");
  const inputs = [
    ...files(join(root, "src")),
    ...["scripts/build.mjs", "scripts/build-page.mjs", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"].map((p) => join(root, p)),
  ];
  for (const path of inputs) {
    hash.update(relative(root, path)).update("\0");
    hash.update(existsSync(path) ? readFileSync(path) : "(absent)").update("\0");
  }
  hash.update(`SIMFORGE_DEBUG_BUNDLE=${process.env.SIMFORGE_DEBUG_BUNDLE ?? ""}`);
  return hash.digest("hex");
}

export async function build({ force = false } = {}) {
  const stamp = sourceStamp();
  if (!force && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return false;
  process.stderr.write("simforge build: building the page bundle and dist/\n");
  const fresh = `${dist}.build-${process.pid}`;
  const old = `${dist}.old-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  try {
    await buildPage({ outfile: join(fresh, "page.js") });
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", fresh], { stdio: "inherit", cwd: root });
    // the CLI stays executable: the package's command (bin/simforge.js, committed executable)
    // runs it, and so may links made to it before the command moved out of dist/
    chmodSync(join(fresh, "cli", "main.js"), 0o755);
    writeFileSync(join(fresh, ".build-stamp"), stamp);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(fresh, dist);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await build({ force: process.argv.includes("--force") });
  if (!built) process.stderr.write("simforge build: dist/ is up to date with the sources\n");
}
