/** Where the esbuild bundle of src/page lives (built by `npm run build` / the test setup). */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RuntimeError } from "../errors.js";

const here = dirname(fileURLToPath(import.meta.url));
/** src/render or dist/render -> <package>/dist/page.js */
export const PAGE_BUNDLE = join(here, "..", "..", "dist", "page.js");

export function assertBundle(): void {
  if (!existsSync(PAGE_BUNDLE)) throw new RuntimeError(`the page bundle ${PAGE_BUNDLE} is missing: run \`npm run build\``);
}
