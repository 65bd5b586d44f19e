/**
 * Finding and launching the browser. Order: $SIMFORGE_CHROME, $PUPPETEER_EXECUTABLE_PATH,
 * a system Chromium/Chrome, then puppeteer's own cache (`npx puppeteer browsers install chrome`).
 */
import { existsSync, statSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer";
import { InputError, RuntimeError } from "../errors.js";

export type GpuMode = "auto" | "on" | "off";

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

/** Chromium flags for headless WebGL2: SwiftShader when there is no GPU (or --gpu off). */
export function browserArgs(gpu: GpuMode): string[] {
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
  if (gpu === "off") args.push("--use-angle=swiftshader");
  else args.push("--enable-gpu", "--use-angle=default");
  return args;
}

export async function launchBrowser(gpu: GpuMode): Promise<{ browser: Browser; executable: ResolvedBrowser }> {
  const executable = resolveBrowser();
  try {
    const browser = await puppeteer.launch({
      executablePath: executable.path,
      headless: true,
      // DevTools over a pipe: the browser exits with the process that launched it, even
      // one killed with SIGKILL (over a WebSocket it would live on as an orphan)
      pipe: true,
      args: browserArgs(gpu),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      protocolTimeout: 600_000,
    });
    return { browser, executable };
  } catch (err) {
    throw new RuntimeError(`cannot start the browser ${executable.path} (found via ${executable.source}): ${(err as Error).message}`, { cause: err });
  }
}
