// The unit project runs without a browser: a test there that launches one fails at once,
// naming where it belongs (vitest.config.ts lists the browser project's files).
import { vi } from "vitest";

vi.mock("puppeteer", () => {
  const launch = (): never => {
    throw new Error("a unit test launched a browser: list its file in vitest.config.ts BROWSER_TESTS (the browser project)");
  };
  return { default: { launch }, launch };
});
