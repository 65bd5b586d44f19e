// Gets a fresh clone ready to run: npm dependencies, the build (page bundle + dist), and a
// browser. `npm run demo`, `npm test` and `npm run bench` start with it, so each works
// straight from a clone. It says what it does, and does nothing that is already done.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (msg) => process.stderr.write(`simforge setup: ${msg}\n`);
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) {
    say(`\`${cmd} ${args.join(" ")}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  say(`Node ${process.versions.node} is too old: simforge needs Node >= 20.19`);
  process.exit(1);
}

// 1. npm dependencies
const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say("installing npm dependencies (npm ci)");
  // onnxruntime-node's install script would fetch its CUDA provider (hundreds of MB, from
  // NuGet) on Linux x64; simforge runs ONNX on the CPU. ONNXRUNTIME_NODE_INSTALL=skip is the
  // switch that script reads (an .npmrc key for it makes npm warn "Unknown project config").
  run("npm", ["ci", "--no-audit", "--no-fund"], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? "skip" } });
}

// 2. build: the page bundle (esbuild) and dist/ (tsc), when the sources changed
run(process.execPath, [join(root, "scripts", "build.mjs")]);

// 3. a browser
const { findBrowser, INSTALL_HINT } = await import(join(root, "dist", "render", "browser.js"));
let browser = findBrowser();
if (!browser) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync("/usr/bin/apt-get")) {
    say("no Chrome/Chromium found: installing Debian's chromium (apt-get install -y chromium)");
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "chromium"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } else {
    say("no Chrome/Chromium found: installing puppeteer's Chrome (npx puppeteer browsers install chrome)");
    run("npx", ["puppeteer", "browsers", "install", "chrome"]);
  }
  browser = findBrowser();
  if (!browser) {
    say(`still no browser. ${INSTALL_HINT}`);
    process.exit(1);
  }
}
say(`browser: ${browser.path} (${browser.source})`);

// 4. Mesa's llvmpipe (through EGL): the fastest CPU rasterizer, which --gpu auto picks on a
// machine without a GPU; SwiftShader (inside Chromium) is used where it is missing
const mesaVendor = "/usr/share/glvnd/egl_vendor.d/50_mesa.json";
if (!existsSync(mesaVendor)) {
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    say("installing Mesa's EGL and llvmpipe (apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri)");
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "libegl1", "libegl-mesa0", "libgl1-mesa-dri"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } else {
    say("Mesa's EGL is not installed: rendering on the CPU uses SwiftShader (install libegl-mesa0 and libgl1-mesa-dri for llvmpipe, which is faster)");
  }
}
