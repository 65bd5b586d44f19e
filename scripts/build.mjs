// Builds dist/: the page bundle (esbuild) and the Node library and CLI (tsc).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { buildPage } from "./build-page.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await buildPage();
execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
