// Bundles the browser side (src/page) into one script that the host injects into a blank page.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const PAGE_BUNDLE = join(root, "dist", "page.js");

/** Bundles the page into dist/page.js, or `outfile` (`write: false`: only returns esbuild's result, for tests). */
export async function buildPage({ write = true, outfile = PAGE_BUNDLE } = {}) {
  const result = await build({
    write,
    entryPoints: [join(root, "src", "page", "main.ts")],
    outfile,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: process.env.SIMFORGE_DEBUG_BUNDLE ? false : true,
    legalComments: "none",
    logLevel: write ? "warning" : "silent",
  });
  return write ? outfile : result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPage();
