/**
 * Finding and launching the browser. Order: $SIMFORGE_CHROME, $PUPPETEER_EXECUTABLE_PATH,
 * a system Chromium/Chrome, then puppeteer's own cache (`npx puppeteer browsers install chrome`).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer";
import { InputError, RuntimeError } from "../errors.js";

export const INSTALL_HINT =
  "Install one with `sudo apt-get install -y chromium` (Debian/Ubuntu), or `npx puppeteer browsers install chrome`, " +
  "or point SIMFORGE_CHROME at a Chrome/Chromium executable.";

const SYSTEM_BROWSERS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
  "/snap/bin/chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

export interface ResolvedBrowser {
  path: string;
  /** where it was found: an env variable, "system" or "puppeteer-cache" */
  source: string;
}

function puppeteerCached(): string | null {
  try {
    return puppeteer.executablePath() || null;
  } catch {
    return null; // puppeteer throws when its cache holds no browser
  }
}

/**
 * Returns the browser to use, or null when none is installed. Env variables that point
 * nowhere are errors. `systemPaths` and `cached` exist for tests.
 */
export function findBrowser(
  env: NodeJS.ProcessEnv = process.env,
  systemPaths: readonly string[] = SYSTEM_BROWSERS,
  cached: () => string | null = puppeteerCached,
): ResolvedBrowser | null {
  for (const name of ["SIMFORGE_CHROME", "PUPPETEER_EXECUTABLE_PATH"]) {
    const value = env[name];
    if (value) {
      if (!isFile(value)) throw new InputError(`${value} is not an executable file. ${INSTALL_HINT}`, { field: `$${name}` });
      return { path: value, source: name };
    }
  }
  for (const p of systemPaths) if (isFile(p)) return { path: p, source: "system" };
  const inCache = cached();
  if (inCache && isFile(inCache)) return { path: inCache, source: "puppeteer-cache" };
  return null;
}

/** Like findBrowser, but a missing browser is an error that says how to install one. */
export function resolveBrowser(...args: Parameters<typeof findBrowser>): ResolvedBrowser {
  const found = findBrowser(...args);
  if (!found) throw new RuntimeError(`No Chrome or Chromium found. ${INSTALL_HINT}`);
  return found;
}

/**
 * The rendering backends, each a way the browser reaches WebGL2 headless:
 * - vulkan: ANGLE on the machine's Vulkan driver (a GPU; the loader finds NVIDIA's through
 *   XDG_DATA_DIRS);
 * - egl: ANGLE on the machine's EGL driver (a GPU through NVIDIA's EGL, or Mesa's driver);
 * - llvmpipe: Mesa's CPU rasterizer through EGL (the fastest on a CPU where Mesa is installed);
 * - swiftshader: Chromium's own CPU rasterizer (always there).
 * Outputs are byte-identical for one backend, not across backends.
 */
const BACKENDS = ["vulkan", "egl", "llvmpipe", "swiftshader"] as const;
export type Backend = (typeof BACKENDS)[number];

/** auto: the first GPU backend that works, else the fastest CPU one; on: a GPU or fail; off: SwiftShader; or one backend by name. */
export type GpuMode = "auto" | "on" | "off" | Backend;
export const GPU_MODES: readonly GpuMode[] = ["auto", "on", "off", ...BACKENDS];

/** A software rasterizer's renderer string. */
export const isSoftwareRenderer = (renderer: string) => /swiftshader|llvmpipe|softpipe|software|lavapipe/i.test(renderer);

/** Whether the renderer string a backend gave is that backend (a GPU route can land on SwiftShader). */
export function rendererMatches(backend: Backend, renderer: string): boolean {
  switch (backend) {
    case "vulkan":
    case "egl":
      return !isSoftwareRenderer(renderer);
    case "llvmpipe":
      return /llvmpipe/i.test(renderer);
    case "swiftshader":
      return /swiftshader/i.test(renderer);
  }
}

const MESA_EGL_VENDOR = ["/usr/share/glvnd/egl_vendor.d/50_mesa.json", "/usr/local/share/glvnd/egl_vendor.d/50_mesa.json"];
const NVIDIA_SHARE = "/usr/local/nvidia/share";

/** Whether this machine has a GPU device node a browser could open. */
function gpuDevicePresent(exists: (p: string) => boolean = existsSync): boolean {
  if (exists("/dev/nvidia0") || exists("/dev/nvidiactl")) return true;
  try {
    return readdirSync("/dev/dri").some((f) => f.startsWith("renderD"));
  } catch {
    return false;
  }
}

/**
 * The backends `--gpu` tries, in order. auto: GPU routes only where a GPU device exists,
 * then llvmpipe where Mesa's EGL is installed, then SwiftShader.
 */
export function backendOrder(gpu: GpuMode, hasGpu = gpuDevicePresent(), hasMesa = MESA_EGL_VENDOR.some(isFile)): Backend[] {
  if (gpu === "off") return ["swiftshader"];
  if ((BACKENDS as readonly string[]).includes(gpu)) return [gpu as Backend];
  const gpus: Backend[] = ["vulkan", "egl"];
  if (gpu === "on") return gpus;
  return [...(hasGpu ? gpus : []), ...(hasMesa ? (["llvmpipe"] as const) : []), "swiftshader"];
}

/** Chromium flags for headless WebGL2 on one backend. */
export function browserArgs(backend: Backend): string[] {
  const args = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
  ];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  // the network service in the browser process: the page's read-back uploads take one hop fewer
  const features = ["NetworkServiceInProcess"];
  switch (backend) {
    case "swiftshader":
      args.push("--use-angle=swiftshader");
      break;
    case "vulkan":
      args.push("--enable-gpu", "--use-angle=vulkan", "--disable-vulkan-surface");
      features.push("Vulkan", "VulkanFromANGLE", "DefaultANGLEVulkan");
      break;
    case "egl":
    case "llvmpipe":
      args.push("--enable-gpu", "--use-gl=angle", "--use-angle=gl-egl");
      break;
  }
  // Chromium reads only the last --enable-features: one list
  args.push(`--enable-features=${features.join(",")}`);
  return args;
}

/**
 * The browser's environment for a backend. Never VK_DRIVER_FILES or VK_ICD_FILENAMES: they
 * hide SwiftShader's Vulkan driver from ANGLE. NVIDIA's container layout keeps its Vulkan
 * and EGL manifests under /usr/local/nvidia/share, which the loaders only search when told.
 */
export function browserEnv(backend: Backend, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  if (backend === "vulkan" && isDir(NVIDIA_SHARE)) {
    const dirs = (env.XDG_DATA_DIRS || "/usr/local/share:/usr/share").split(":");
    if (!dirs.includes(NVIDIA_SHARE)) out.XDG_DATA_DIRS = [NVIDIA_SHARE, ...dirs].join(":");
  }
  if (backend === "egl" && !env.__EGL_VENDOR_LIBRARY_FILENAMES && isDir(`${NVIDIA_SHARE}/glvnd/egl_vendor.d`)) {
    out.__EGL_VENDOR_LIBRARY_DIRS = [`${NVIDIA_SHARE}/glvnd/egl_vendor.d`, "/usr/share/glvnd/egl_vendor.d"].join(":");
  }
  if (backend === "llvmpipe") {
    // Mesa's vendor alone, so a machine with a GPU's EGL still gets the CPU rasterizer asked for
    const mesa = MESA_EGL_VENDOR.find(isFile);
    if (mesa) out.__EGL_VENDOR_LIBRARY_FILENAMES = mesa;
    out.LIBGL_ALWAYS_SOFTWARE = "1";
  }
  return out;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * Starts the browser for a backend. Puppeteer's network events are off unless asked for:
 * with them on, DevTools copies every WebSocket frame the page sends (base64, through the
 * protocol pipe), which cut the read-back channel from about 290 to 20 MB/s.
 */
export async function launchBrowser(backend: Backend, options: { networkEvents?: boolean } = {}): Promise<{ browser: Browser; executable: ResolvedBrowser }> {
  const executable = resolveBrowser();
  try {
    const browser = await puppeteer.launch({
      executablePath: executable.path,
      headless: true,
      // DevTools over a pipe: the browser exits with the process that launched it, even
      // one killed with SIGKILL (over a WebSocket it would live on as an orphan)
      pipe: true,
      args: browserArgs(backend),
      env: browserEnv(backend),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      protocolTimeout: 600_000,
      networkEnabled: options.networkEvents ?? false,
    });
    return { browser, executable };
  } catch (err) {
    throw new RuntimeError(`cannot start the browser ${executable.path} (found via ${executable.source}): ${(err as Error).message}`, { cause: err });
  }
}
