import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Two projects. `npm test` (and CI) runs both; `npm run test:unit` runs the first.
// - unit: no browser (test/unit-setup.ts makes a launch fail, naming this file), in parallel,
//   under 30 s on two cores.
// - browser: the files that render in Chromium or run the CLI end to end, one at a time
//   (each launches Chromium on SwiftShader; two cores cannot run many at once).

/** Files that launch a browser, directly or through the CLI. */
const BROWSER_TESTS = [
  "assets.library", "cli", "library", "render.assets", "render.depth", "render.frame-limits",
  "render.labels", "render.motion-blur", "render.shadows", "render.distortion", "render.environment", "render.portable", "render.reuse", "render.session", "scenario.check",
  "scenario.street", "scenario.tabletop", "scenario.drive", "sensors.lidar-raycast", "sensors.lidar", "sweep.check",
  "sweep.report", "sweep", "texture.cli", "writers.dataset", "golden", "scene.primitive-mesh",
];
/** Files that need no browser but take more than a few seconds (CLI and npm children, CPU diffusion, physics). */
const SLOW_TESTS = ["fuzz", "sweep.notes", "texture.materials", "scenario.bin", "readme", "install"];

const files = (names: string[]) => names.map((n) => `test/${n}.test.ts`);

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    // vitest's default leaves one core idle; the unit files are short and import-bound.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: files([...BROWSER_TESTS, ...SLOW_TESTS]),
          setupFiles: ["test/unit-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: files([...BROWSER_TESTS, ...SLOW_TESTS]),
          fileParallelism: false,
        },
      },
    ],
  },
});
