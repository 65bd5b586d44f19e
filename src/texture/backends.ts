/**
 * The texture backends, by name: generateTexture (generate.ts), the command line's --backend
 * and a template's `"generate": { "backend": ... }` all look backends up here. A new backend
 * is one file exporting a TextureBackend plus one line in BUILT_IN (or, outside simforge, a
 * registerTextureBackend call).
 */
import { InputError } from "../errors.js";
import type { GenerateTextureOptions, GeneratedTexture } from "./generate.js";
import { patchDiffusionBackend, rpnBackend } from "./exemplar-backends.js";
import { onnxBackend } from "./onnx-backend.js";

/** A backend's name: the `backend` option, meta.backend, --backend. */
export type TextureBackendName = string;

/** What generateTexture has checked before dispatching: the output side and the patch side. */
export interface CommonTextureOptions {
  /** Output side: a power of two in [16, 8192]. */
  size: number;
  /** Patch side in [3, 15] (default 7). */
  patch: number;
}

/** A way of making a texture. */
export interface TextureBackend {
  /** Its name: lowercase words joined by "-". */
  readonly name: TextureBackendName;
  /** A few words for --help: what it is and what it needs. */
  readonly summary: string;
  /**
   * Make the texture; `opts` as given to generateTexture (size, backend, seed and patch
   * checked), `common` the checked size and patch. Throws InputError naming the field for
   * options of its own that are bad. meta.backend is its name.
   */
  generate(opts: GenerateTextureOptions, common: CommonTextureOptions): Promise<GeneratedTexture>;
}

/** The built-in backends, one line each; the first is the default. */
const BUILT_IN: readonly TextureBackend[] = [
  patchDiffusionBackend,
  rpnBackend,
  onnxBackend,
];

const registry = new Map<TextureBackendName, TextureBackend>(BUILT_IN.map((b) => [b.name, b]));

/** The backend generateTexture uses when none is named. */
export const DEFAULT_TEXTURE_BACKEND: TextureBackendName = BUILT_IN[0]!.name;

/** Add a backend (after the built-in ones). Throws if its name is malformed or taken. */
export function registerTextureBackend(backend: TextureBackend): void {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(backend.name)) throw new Error(`texture backend name ${JSON.stringify(backend.name)}: expected lowercase words joined by "-"`);
  if (registry.has(backend.name)) throw new Error(`texture backend ${backend.name} is already registered`);
  registry.set(backend.name, backend);
}

/** The registered backends' names, built-in ones first, in registration order. */
export function textureBackendNames(): TextureBackendName[] {
  return [...registry.keys()];
}

/** The registered backends, in the order of textureBackendNames(). */
export function textureBackends(): TextureBackend[] {
  return [...registry.values()];
}

/** The backend of a name; InputError with field "backend" listing the known names otherwise. */
export function textureBackend(name: unknown): TextureBackend {
  const found = typeof name === "string" ? registry.get(name) : undefined;
  if (!found) throw new InputError(`must be one of ${textureBackendNames().join(", ")}, got ${String(name)}`, { field: "backend" });
  return found;
}
