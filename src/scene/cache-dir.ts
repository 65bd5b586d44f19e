/**
 * Where generated textures are cached: $SIMFORGE_TEXTURE_CACHE, else
 * $XDG_CACHE_HOME/simforge/textures, else ~/.cache/simforge/textures. Its own module (no
 * imports beyond Node) so that scene loading can allow it as an asset root.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function textureCacheDir(): string {
  if (process.env.SIMFORGE_TEXTURE_CACHE) return resolve(process.env.SIMFORGE_TEXTURE_CACHE);
  const base = process.env.XDG_CACHE_HOME ? resolve(process.env.XDG_CACHE_HOME) : join(homedir(), ".cache");
  return join(base, "simforge", "textures");
}
