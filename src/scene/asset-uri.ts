/**
 * Asset URIs that survive copying a frame anywhere. A rendered frame's scene.json records
 * each asset by a named root and a path inside it, with the file's content hash:
 *
 *   simforge-assets:textures/bank/marble.png#sha256=<64 hex>   simforge's own assets/
 *   texture-cache:wood/1f3a….png#sha256=…                      the generated-texture cache
 *   <name>:textures/table.png#sha256=…                         a user root (SIMFORGE_ASSET_ROOTS
 *                                                              NAME=DIR, or --asset-root NAME=DIR)
 *
 * A file under no named root is recorded by its absolute path (with its hash). Reading a
 * scene, a root URI is resolved against the root of that name here, so a copied frame
 * re-renders wherever the roots are; `--asset-root NAME=DIR` remaps one. A file whose
 * content differs from the recorded hash is an error naming the field.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, delimiter, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.js";
import { textureCacheDir } from "./cache-dir.js";

/** simforge's own assets folder (textures, meshes shipped with it). */
export const BUILTIN_ASSETS = fileURLToPath(new URL("../../assets", import.meta.url));

const ROOT_NAME = /^[A-Za-z][A-Za-z0-9_.-]+$/;
const ROOT_URI = /^([A-Za-z][A-Za-z0-9_.-]+):(?!\/\/)(.*)$/;
const HASH = /#sha256=([0-9a-f]{64})$/;

const overrides = new Map<string, string>();

/** `NAME=DIR` (or a bare DIR, named by its last component) -> [name, absolute dir]. */
function parseRootSpec(spec: string, field: string): [string, string] {
  const eq = spec.indexOf("=");
  const [name, dir] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [basename(resolve(spec)), spec];
  if (!ROOT_NAME.test(name) || dir === "") throw new InputError(`expected NAME=DIR with a name of letters, digits, _ . - (at least 2 characters), got ${JSON.stringify(spec)}`, { field });
  return [name, resolve(dir)];
}

/** The user roots of SIMFORGE_ASSET_ROOTS (separated like PATH), as [name, dir]. */
export function envRoots(): [string, string][] {
  return (process.env.SIMFORGE_ASSET_ROOTS ?? "").split(delimiter).filter(Boolean).map((s) => parseRootSpec(s, "$SIMFORGE_ASSET_ROOTS"));
}

/** Roots given on the command line (`--asset-root NAME=DIR`); they take precedence. */
export function setAssetRoots(specs: readonly string[]): void {
  overrides.clear();
  for (const s of specs) {
    const [name, dir] = parseRootSpec(s, "--asset-root");
    overrides.set(name, dir);
  }
}

/** The command line's roots as NAME=DIR (handed to writer threads, which record assets too). */
export function assetRootOverrides(): string[] {
  return [...overrides].map(([name, dir]) => `${name}=${dir}`);
}

/** Every named root, name -> absolute directory. */
export function namedRoots(): Map<string, string> {
  const roots = new Map<string, string>([["simforge-assets", BUILTIN_ASSETS], ["texture-cache", textureCacheDir()]]);
  for (const [name, dir] of envRoots()) roots.set(name, dir);
  for (const [name, dir] of overrides) roots.set(name, dir);
  return roots;
}

/** A recorded URI without its content hash, and the hash (when it has one). */
export function splitHash(uri: string): { bare: string; sha256?: string } {
  const h = HASH.exec(uri);
  return h ? { bare: uri.slice(0, h.index), sha256: h[1]! } : { bare: uri };
}

/** The absolute path of a root URI (`simforge-assets:textures/x.png`) whose root is known here, else null. */
export function rootUriPath(bare: string): string | null {
  const m = ROOT_URI.exec(bare);
  const root = m ? namedRoots().get(m[1]!) : undefined;
  return root === undefined ? null : resolve(root, m![2]!);
}

/** The root name of a root URI whose root is not known here (not a URL scheme), else null. */
export function unknownRoot(bare: string): string | null {
  const m = ROOT_URI.exec(bare);
  return m && !/^(file|https?|data|blob|ftp)$/i.test(m[1]!) && !namedRoots().has(m[1]!) ? m[1]! : null;
}

const hashCache = new Map<string, { mtimeMs: number; size: number; sha256: string }>();

/** sha256 of a file's content (cached by path, modification time and size). */
export async function fileSha256(path: string): Promise<string> {
  const st = await stat(path);
  const hit = hashCache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.sha256;
  const sha256 = createHash("sha256").update(await readFile(path)).digest("hex");
  hashCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, sha256 });
  return sha256;
}

/** The real path (symlinks followed) of an existing path, else the path itself. */
export function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The URI to record for an asset at absolute `path`: under the named root holding it (the
 * innermost, when roots nest), else the absolute path; with the content hash.
 */
export async function recordAssetUri(path: string): Promise<string> {
  const p = real(path);
  let best: { name: string; rel: string } | null = null;
  for (const [name, dir] of namedRoots()) {
    const rel = relative(real(dir), p);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) continue;
    if (!best || rel.length < best.rel.length) best = { name, rel: rel.split(sep).join("/") };
  }
  const sha = await fileSha256(path);
  return `${best ? `${best.name}:${best.rel}` : p}#sha256=${sha}`;
}
