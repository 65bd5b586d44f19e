// Builds the page bundle and dist/ (the CLI tests run dist/cli/main.js) before the tests,
// when the sources changed since the last build (scripts/build.mjs keeps a stamp).
import { build } from "../scripts/build.mjs";

export default async function setup(): Promise<void> {
  await build();
}
