/**
 * Fast seeded random streams for the texture kernels (hot loops draw millions of values per
 * step, too many for seedrandom's ARC4). A stream is sfc32 (Chris Doty-Humphrey's small fast
 * counting generator) whose 128-bit state is a pure function of a 128-bit key and a list of
 * integer ids, so the texture code splits one key per (level, step, phase, row band): bytes
 * never depend on which thread ran a band or in what order. The key itself comes from the
 * project's `Rng` (see `textureKey` in keys.ts), never from an unseeded source.
 *
 * This module is pure (no imports) so that worker threads can load it without the rest of
 * simforge.
 */

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) (32 bits of randomness: plenty for noise and sampling). */
  uniform(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal value (Box–Muller, both values of a pair are used). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = (this.u32() + 0.5) / 4294967296; // in (0, 1): log is finite
    const u2 = this.u32() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u2;
    this.spare = r * Math.sin(th);
    this.hasSpare = true;
    return r * Math.cos(th);
  }
}

/**
 * The stream for `key` (4 uint32 words) and `ids` (integers, e.g. level, step, phase, band).
 * Pure: the same key and ids always give the same stream.
 */
export function streamOf(key: ArrayLike<number>, ...ids: number[]): Sfc32 {
  let h0 = (key[0] ?? 0) >>> 0;
  let h1 = (key[1] ?? 0) >>> 0;
  let h2 = (key[2] ?? 0) >>> 0;
  let h3 = (key[3] ?? 0) >>> 0;
  for (let n = 0; n < ids.length; n++) {
    const id = (ids[n] ?? 0) | 0;
    const m = fmix32((id ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0);
    h0 = fmix32((h0 ^ m) + 0x6a09e667);
    h1 = fmix32((h1 ^ Math.imul(m, 3)) + h0);
    h2 = fmix32((h2 ^ Math.imul(m, 5)) + h1);
    h3 = fmix32((h3 ^ Math.imul(m, 7)) + h2);
  }
  return new Sfc32(h0, h1, h2, h3);
}
