#!/usr/bin/env node
// The package's command. It runs the built CLI (dist/cli/main.js) and lives outside dist/ so
// that it is there in a fresh clone: npx links a package's command only when the file
// exists, and keeps that install in its cache, so a `npx simforge` typed before the build
// would otherwise leave "simforge: not found" behind even after the build.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  process.stderr.write(`simforge: ${fileURLToPath(main)} is not built yet: run \`npm run build\` (or \`npm run demo\`) in ${root}\n`);
  process.exit(1);
}
await import(main.href);
