/** Root keys of the texture code's fast streams, drawn from the project's seeded Rng. */
import { Rng } from "../math/rng.js";

/** The 128-bit key of (seed, label): four uint32 words from `new Rng(String(seed)).fork(label)`. */
export function textureKey(seed: string | number, label: string): Uint32Array {
  const rng = new Rng(String(seed)).fork(label);
  return Uint32Array.from({ length: 4 }, () => Math.floor(rng.next() * 4294967296) >>> 0);
}
