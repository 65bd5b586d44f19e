// Finding the browser: the order of sources and the error that says how to install one.
import { describe, expect, it } from "vitest";
import { backendOrder, browserArgs, browserEnv, findBrowser, rendererMatches, resolveBrowser } from "../src/render/browser.js";
import { InputError, RuntimeError } from "../src/errors.js";

const existing = process.execPath; // any real file stands in for a browser executable

describe("browser resolution", () => {
  it("prefers SIMFORGE_CHROME, then PUPPETEER_EXECUTABLE_PATH, then system paths, then puppeteer's cache", () => {
    expect(findBrowser({ SIMFORGE_CHROME: existing, PUPPETEER_EXECUTABLE_PATH: "/x" }, [], () => null)).toEqual({ path: existing, source: "SIMFORGE_CHROME" });
    expect(findBrowser({ PUPPETEER_EXECUTABLE_PATH: existing }, ["/nope"], () => null)).toEqual({ path: existing, source: "PUPPETEER_EXECUTABLE_PATH" });
    expect(findBrowser({}, ["/nope", existing], () => null)).toEqual({ path: existing, source: "system" });
    expect(findBrowser({}, ["/nope"], () => existing)).toEqual({ path: existing, source: "puppeteer-cache" });
    expect(findBrowser({}, ["/nope"], () => "/also/nope")).toBeNull();
  });

  it("an env variable pointing nowhere is an input error naming it", () => {
    expect(() => findBrowser({ SIMFORGE_CHROME: "/no/such/chrome" }, [], () => null)).toThrow(InputError);
    expect(() => findBrowser({ SIMFORGE_CHROME: "/no/such/chrome" }, [], () => null)).toThrow(/\$SIMFORGE_CHROME: \/no\/such\/chrome is not an executable file/);
  });

  it("no browser at all says how to install one", () => {
    expect(() => resolveBrowser({}, [], () => null)).toThrow(RuntimeError);
    expect(() => resolveBrowser({}, [], () => null)).toThrow(/apt-get install -y chromium.*npx puppeteer browsers install chrome.*SIMFORGE_CHROME/);
  });
});

describe("rendering backends", () => {
  it("auto tries the GPU routes only where a GPU device exists, then llvmpipe where Mesa is, then SwiftShader", () => {
    expect(backendOrder("auto", true, true)).toEqual(["vulkan", "egl", "llvmpipe", "swiftshader"]);
    expect(backendOrder("auto", false, true)).toEqual(["llvmpipe", "swiftshader"]);
    expect(backendOrder("auto", false, false)).toEqual(["swiftshader"]);
    expect(backendOrder("on", false, true)).toEqual(["vulkan", "egl"]);
    expect(backendOrder("off", true, true)).toEqual(["swiftshader"]);
    expect(backendOrder("llvmpipe", true, false)).toEqual(["llvmpipe"]);
  });

  it("each backend's flags hold one --enable-features list (Chromium reads only the last one)", () => {
    for (const b of ["vulkan", "egl", "llvmpipe", "swiftshader"] as const) {
      const features = browserArgs(b).filter((a) => a.startsWith("--enable-features="));
      expect(features).toHaveLength(1);
    }
    expect(browserArgs("vulkan")).toContain("--use-angle=vulkan");
    expect(browserArgs("vulkan").find((a) => a.startsWith("--enable-features="))).toMatch(/Vulkan,VulkanFromANGLE,DefaultANGLEVulkan/);
    expect(browserArgs("egl")).toContain("--use-angle=gl-egl");
    expect(browserArgs("swiftshader")).toContain("--use-angle=swiftshader");
  });

  it("never hides SwiftShader's Vulkan driver (no VK_DRIVER_FILES or VK_ICD_FILENAMES set)", () => {
    for (const b of ["vulkan", "egl", "llvmpipe", "swiftshader"] as const) {
      const env = browserEnv(b, { PATH: "/usr/bin" });
      expect(env.VK_DRIVER_FILES).toBeUndefined();
      expect(env.VK_ICD_FILENAMES).toBeUndefined();
    }
  });

  it("a GPU route that lands on a software rasterizer is not taken as that route", () => {
    const swiftshader = "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)";
    const llvmpipe = "ANGLE (Mesa/X.org, llvmpipe (LLVM 15.0.6 256 bits), OpenGL ES 3.2)";
    const nvidia = "ANGLE (NVIDIA, Vulkan 1.4.312 (NVIDIA NVIDIA H200 (0x00002335)), NVIDIA)";
    expect(rendererMatches("vulkan", swiftshader)).toBe(false);
    expect(rendererMatches("egl", llvmpipe)).toBe(false);
    expect(rendererMatches("vulkan", nvidia)).toBe(true);
    expect(rendererMatches("llvmpipe", llvmpipe)).toBe(true);
    expect(rendererMatches("swiftshader", swiftshader)).toBe(true);
  });
});
