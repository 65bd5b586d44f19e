/**
 * Scene files: reading JSON with located syntax errors, validating, and resolving the
 * asset paths in a scene (meshes, textures) against the scene file's directory.
 *
 * A scene file holds asset uris relative to its own directory (absolute ones are kept).
 * `loadSceneFile` returns them as absolute paths, checked to exist; `relativizeSceneUris`
 * turns them back into paths relative to another directory, for writing a scene.json
 * somewhere else (a rendered frame's directory) that still re-renders from there.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { textureCacheDir } from "./cache-dir.js";
import { InputError, errnoText } from "../errors.js";
import { BUILTIN_ASSETS, envRoots, fileSha256, namedRoots, real, recordAssetUri, rootUriPath, splitHash, unknownRoot } from "./asset-uri.js";
import type { ConcreteScene } from "./schema.js";
import { parseScene } from "./validate.js";

export const MESH_EXTENSIONS = [".gltf", ".glb", ".obj", ".stl"] as const;
export const TEXTURE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp"] as const;
export const ENVIRONMENT_EXTENSIONS = [".hdr", ".env"] as const;

export interface SceneAssetRef {
  kind: "mesh" | "texture" | "environment";
  /** field path of the uri, e.g. `objects[2].shape.uri` */
  field: string;
  uri: string;
}

/** Every asset uri in a scene, in document order. */
export function sceneAssetRefs(scene: ConcreteScene): SceneAssetRef[] {
  const refs: SceneAssetRef[] = [];
  scene.objects.forEach((o, i) => {
    if (o.shape.type === "mesh") refs.push({ kind: "mesh", field: `objects[${i}].shape.uri`, uri: o.shape.uri });
    if (o.material?.texture) refs.push({ kind: "texture", field: `objects[${i}].material.texture.uri`, uri: o.material.texture.uri });
  });
  if (scene.background.texture) refs.push({ kind: "texture", field: "background.texture.uri", uri: scene.background.texture.uri });
  if (scene.environment?.hdr) refs.push({ kind: "environment", field: "environment.hdr.uri", uri: scene.environment.hdr.uri });
  return refs;
}

/** A copy of the scene with every asset uri replaced by `fn(uri)`. */
function mapSceneUris(scene: ConcreteScene, fn: (uri: string) => string): ConcreteScene {
  const out = structuredClone(scene);
  for (const o of out.objects) {
    if (o.shape.type === "mesh") o.shape.uri = fn(o.shape.uri);
    if (o.material?.texture) o.material.texture.uri = fn(o.material.texture.uri);
  }
  if (out.background.texture) out.background.texture.uri = fn(out.background.texture.uri);
  if (out.environment?.hdr) out.environment.hdr.uri = fn(out.environment.hdr.uri);
  return out;
}

/**
 * A copy of a resolved scene (absolute asset paths) as a rendered frame's scene.json records
 * it: each asset by its named root and content hash (asset-uri.ts), so the frame re-renders
 * wherever it is copied.
 */
export async function recordSceneUris(scene: ConcreteScene): Promise<ConcreteScene> {
  const recorded = new Map<string, string>();
  for (const { uri } of sceneAssetRefs(scene)) if (isAbsolute(uri) && !recorded.has(uri)) recorded.set(uri, await recordAssetUri(uri));
  return mapSceneUris(scene, (uri) => recorded.get(uri) ?? uri);
}

/** `http://...`, `data:...`: anything with a scheme other than a Windows drive letter. */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/**
 * A copy of the scene with every relative asset uri made absolute against `baseDir` (the
 * scene file's directory). Absolute paths are kept, `file:` URLs become paths, other URLs
 * are left for checkSceneFiles to reject.
 */
export function resolveSceneUris(scene: ConcreteScene, baseDir: string): ConcreteScene {
  return mapSceneUris(scene, (recorded) => {
    const uri = splitHash(recorded).bare;
    const inRoot = rootUriPath(uri);
    if (inRoot !== null) return inRoot;
    if (uri.startsWith("file:")) {
      try {
        return fileURLToPath(uri);
      } catch {
        return uri; // rejected by checkSceneFiles
      }
    }
    if (URL_SCHEME.test(uri)) return uri;
    return resolve(baseDir, uri);
  });
}

/**
 * The inverse of resolveSceneUris: a copy of the scene with every absolute asset path made
 * relative to `toDir` (with forward slashes), so that a scene.json written to `toDir`
 * resolves to the same files. Relative uris and URLs are kept as they are.
 */
export function relativizeSceneUris(scene: ConcreteScene, toDir: string): ConcreteScene {
  return mapSceneUris(scene, (uri) => (isAbsolute(uri) ? relative(resolve(toDir), uri).split(sep).join("/") : uri));
}

/**
 * Resolves a scene's asset uris against `baseDir` (see resolveSceneUris) and checks each
 * asset: a supported file extension, and an existing regular file. Returns the resolved
 * copy; throws an InputError naming `file` and the field of the first problem, e.g.
 * `scene.json: objects[2].shape.uri: file not found: /abs/mug.glb`.
 */
export async function checkSceneFiles(scene: ConcreteScene, baseDir: string, file: string): Promise<ConcreteScene> {
  const resolved = resolveSceneUris(scene, baseDir);
  const given = sceneAssetRefs(scene);
  const refs = sceneAssetRefs(resolved);
  const problems = await Promise.all(refs.map((r, k) => assetProblem(r, splitHash(given[k]!.uri).sha256)));
  const i = problems.findIndex((p) => p !== undefined);
  if (i >= 0) throw new InputError(problems[i]!, { file, field: refs[i]!.field });
  return resolved;
}

async function assetProblem(ref: SceneAssetRef, sha256: string | undefined): Promise<string | undefined> {
  const { uri, kind } = ref;
  const root = unknownRoot(uri);
  if (root !== null) return `unknown asset root ${JSON.stringify(root)} in ${JSON.stringify(uri)} (known: ${[...namedRoots().keys()].join(", ")}); give it with --asset-root ${root}=DIR or SIMFORGE_ASSET_ROOTS`;
  if (URL_SCHEME.test(uri) && !isAbsolute(uri)) return `unsupported uri ${JSON.stringify(uri)}: only local file paths are supported`;
  const supported: readonly string[] = kind === "mesh" ? MESH_EXTENSIONS : kind === "environment" ? ENVIRONMENT_EXTENSIONS : TEXTURE_EXTENSIONS;
  const ext = extname(uri).toLowerCase();
  if (!supported.includes(ext)) {
    const what = ext ? `unsupported ${kind} format ${JSON.stringify(ext)}` : `${kind} file has no extension`;
    return `${what} (supported: ${supported.join(", ")}): ${uri}`;
  }
  try {
    const st = await stat(uri);
    if (!st.isFile()) return `not a regular file: ${uri}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return `file not found: ${uri}`;
    return `cannot access ${uri}: ${errnoText(err)}`;
  }
  if (sha256 !== undefined) {
    const actual = await fileSha256(uri);
    if (actual !== sha256) return `${uri} is not the file this scene recorded: its sha256 is ${actual}, the scene says ${sha256}`;
  }
  return undefined;
}

/** 1-based line and column of a UTF-16 offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Offset of the first syntax error in `text` (which JSON.parse rejected), found by a small
 * JSON scanner; used when V8's message does not say where (e.g. "Unexpected token").
 */
function syntaxErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail();
      i += m![0].length;
    } else {
      for (const word of ["true", "false", "null"]) {
        if (text.startsWith(word, i)) return void (i += word.length);
      }
      // advance over the matching prefix of a literal, to point at the first wrong character
      const word = ["true", "false", "null"].find((w) => w[0] === c) ?? "";
      for (let k = 0; k < word.length && text[i] === word[k]; k++) i++;
      fail();
    }
  };
  const str = () => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) return void i++;
      if (c < 32) fail();
      if (c === 92) i += 2;
      else i++;
    }
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (pos) {
    return typeof pos === "number" ? pos : text.length;
  }
}

/**
 * Parses JSON text, throwing an InputError that names the file and the line:column of a
 * syntax error: `scene.json: malformed JSON at 3:5: Expected ',' or '}' after property value`,
 * `scene.json: truncated JSON at 12:1: unexpected end of input`, `scene.json: empty file`.
 */
export function parseJsonText(text: string, file: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new InputError("empty file", { file });
  try {
    return JSON.parse(text);
  } catch (err) {
    const raw = (err as Error).message;
    const at = /at position (\d+)/.exec(raw);
    const lc = /\(line (\d+) column (\d+)\)/.exec(raw);
    let offset: number;
    if (at) offset = Number(at[1]);
    else if (/end of JSON input/.test(raw)) offset = text.length;
    else offset = syntaxErrorOffset(text);
    const truncated = offset >= text.trimEnd().length || /end of JSON input/.test(raw);
    const { line, column } = lc && !at ? { line: Number(lc[1]), column: Number(lc[2]) } : lineColumn(text, truncated ? text.trimEnd().length : offset);
    const reason = truncated
      ? "unexpected end of input"
      : raw
          .replace(/,\s*".*" is not valid JSON$/s, "")
          .replace(/\s*\(line \d+ column \d+\)/, "")
          .replace(/\s*in JSON at position \d+/, "")
          .trim();
    throw new InputError(`${truncated ? "truncated" : "malformed"} JSON at ${line}:${column}: ${reason}`, { file });
  }
}

/**
 * Reads and parses a JSON file; InputErrors name the file (missing, not a file, unreadable,
 * bad JSON). `why`, when given, says in the "file not found" message what needed the file.
 */
export async function readJsonFile(path: string, why = ""): Promise<unknown> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new InputError("is a directory, not a file", { file: path });
    if (!st.isFile()) throw new InputError("not a regular file", { file: path });
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new InputError(`file not found${why ? ` (${why})` : ""}`, { file: path });
    throw new InputError(`cannot read: ${errnoText(err)}`, { file: path });
  }
  return parseJsonText(text, path);
}

/**
 * Reads, validates and resolves a scene file. Asset uris come back as absolute paths that
 * exist and have a supported extension. Errors are InputErrors naming `path` as given.
 */
export async function loadSceneFile(path: string): Promise<ConcreteScene> {
  const json = await readJsonFile(path);
  return checkSceneFiles(parseScene(json, path), dirname(resolve(path)), path);
}

export { BUILTIN_ASSETS };

/**
 * Where a template's asset paths may point: its project (the nearest folder above the file
 * holding a package.json or .git, else the file's own folder), simforge's own assets, and
 * the folders listed in SIMFORGE_ASSET_ROOTS (separated like PATH). A template is a
 * config that sweeps run unattended and people share, so it may not reach elsewhere.
 */
export function assetRoots(file: string): string[] {
  // a sweep asks once per frame and bank draw: walk the folders once per file and setting
  const key = `${resolve(file)}\u0000${process.env.SIMFORGE_ASSET_ROOTS ?? ""}`;
  let roots = rootsCache.get(key);
  if (!roots) rootsCache.set(key, (roots = findAssetRoots(file)));
  return roots;
}

const rootsCache = new Map<string, string[]>();

function findAssetRoots(file: string): string[] {
  const start = dirname(resolve(file));
  let project = start;
  for (let d = start; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json")) || existsSync(join(d, ".git"))) {
      project = d;
      break;
    }
    if (dirname(d) === d) break;
  }
  const extra = envRoots().map(([, dir]) => dir);
  return [project, BUILTIN_ASSETS, textureCacheDir(), ...extra].map(real);
}


/** Whether an absolute path lies outside every root (symlinks followed). */
export function outsideRoots(path: string, roots: readonly string[]): boolean {
  const p = real(path);
  return !roots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** Throws an InputError for the first asset of a resolved scene outside the template's roots. */
export function checkAssetRoots(scene: ConcreteScene, file: string): void {
  const roots = assetRoots(file);
  for (const ref of sceneAssetRefs(scene)) {
    if (isAbsolute(ref.uri) && outsideRoots(ref.uri, roots)) {
      throw new InputError(`${ref.uri} lies outside the template's asset roots (${roots.join(", ")}); add its folder to SIMFORGE_ASSET_ROOTS to allow it`, { file, field: ref.field });
    }
  }
}
