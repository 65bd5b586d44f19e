/**
 * The files distribution: `{ "files": "folder", "extensions"?: [".png", ...] }` -> a file of
 * the folder (relative to the template; images and meshes by default), e.g. a texture bank.
 * Folders are listed in code-unit order, so every machine picks the same file, and each
 * listing is kept while the folder is unchanged, so a sweep lists each bank once.
 */
import { readdirSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { int } from "../../math/distributions.js";
import { MESH_EXTENSIONS, TEXTURE_EXTENSIONS, assetRoots, outsideRoots } from "../../scene/load.js";
import { formatPath } from "../../scene/validate.js";
import type { Distribution, DrawContext, Json, JsonObject } from "../distribution.js";

const FILE_EXTENSIONS: readonly string[] = [...TEXTURE_EXTENSIONS, ...MESH_EXTENSIONS];

/** Folder listings by path and modification time: a sweep lists each bank once. */
const listings = new Map<string, { mtimeMs: number; names: string[] }>();

/** The files of a folder with one of the extensions, sorted by name (code units, the same on every machine). */
function listFolder(dir: string, exts: readonly string[], file: string, field: string): string[] {
  const roots = assetRoots(file);
  if (outsideRoots(dir, roots)) throw new InputError(`folder ${dir} lies outside the template's asset roots (${roots.join(", ")}); add it to SIMFORGE_ASSET_ROOTS to allow it`, { file, field });
  let mtimeMs: number;
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) throw new InputError(`not a folder: ${dir}`, { file, field });
    mtimeMs = st.mtimeMs;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`folder not found: ${dir}`, { file, field });
  }
  const key = `${dir}\u0000${exts.join(",")}`;
  const hit = listings.get(key);
  if (hit && hit.mtimeMs === mtimeMs) return hit.names;
  const names = readdirSync(dir)
    .filter((n) => exts.includes(extname(n).toLowerCase()) && statSync(join(dir, n)).isFile())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new InputError(`no ${exts.join(", ")} files in ${dir}`, { file, field });
  listings.set(key, { mtimeMs, names });
  return names;
}

/** `{ "files": "folder", "extensions"?: [...] }` -> "folder/name.png", one file of the folder per draw. */
export const filesDistribution: Distribution = {
  name: "files",
  keys: ["extensions"],
  summary: '{ "files": "folder", "extensions"?: [".png", ...] } -> "folder/name.png", a file of the folder (relative to the template; images and meshes by default), e.g. a texture bank',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at, path, file } = ctx;
    const arg = node.files;
    if (typeof arg !== "string" || arg === "") ctx.fail(at, "expected a folder path (relative to the template)");
    const exts = node.extensions === undefined ? FILE_EXTENSIONS : node.extensions;
    if (!Array.isArray(exts) || exts.length === 0 || exts.some((e) => typeof e !== "string")) ctx.fail([...path, "extensions"], 'expected a non-empty list of extensions like [".png", ".jpg"]');
    const names = listFolder(resolve(dirname(resolve(file)), arg), (exts as string[]).map((e) => e.toLowerCase()), file, formatPath(at));
    return [arg.replace(/[\\/]+$/, ""), names[int(ctx.rng, 0, names.length - 1)]!].join("/");
  },
};
