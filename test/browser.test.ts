// Finding the browser: the order of sources and the error that says how to install one.
import { describe, expect, it } from "vitest";
import { findBrowser, resolveBrowser } from "../src/render/browser.js";
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
