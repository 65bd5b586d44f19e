/**
 * Seeds and random streams. Every random draw in simforge comes from here.
 *
 * - `frameSeed(sweepSeed, frameIndex)` derives a frame's seed from the sweep's seed alone,
 *   so frame 42 rendered alone equals frame 42 of a full run, on one worker or many.
 * - A `CounterRng` gives draws addressed by number (Philox4x32-10) for per-point randomness in
 *   bulk: LiDAR measurement, camera noise. Any order, any thread, the same bytes.
 * - An `Rng` is a seeded stream (seedrandom's ARC4, identical on every platform); `fork`
 *   gives named, independent sub-streams, so adding a randomizer, or drawing more in one,
 *   never shifts what another one draws.
 */
import { createHash } from "node:crypto";
import seedrandom from "seedrandom";

const derive = (...parts: (string | number)[]) => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);

/** The seed of frame `frameIndex` of a sweep: a pure function of the two. */
export function frameSeed(sweepSeed: number | string, frameIndex: number): string {
  if (!Number.isInteger(frameIndex) || frameIndex < 0) throw new RangeError(`frame index must be a non-negative integer, got ${frameIndex}`);
  return derive("simforge-frame", String(sweepSeed), frameIndex);
}

export class Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string) {
    this.prng = seedrandom(seed);
  }

  /** A uniform double in [0, 1) with 53 bits of randomness. */
  next(): number {
    return this.prng.double();
  }

  /** An independent stream named `label`, derived from this stream's seed (not its state). */
  fork(label: string | number): Rng {
    return new Rng(derive(this.seed, String(label)));
  }
}

// ---------------------------------------------------------------- counter-based draws

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

// the multipliers' 16-bit halves: each round takes the high 32 bits of two 32x32-bit products exactly, in 16-bit parts
const M0L = M0 & 0xffff, M0H = M0 >>> 16, M1L = M1 & 0xffff, M1H = M1 >>> 16;

/**
 * Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", the
 * generator behind cuRAND's and NumPy's Philox): four 32-bit words that are a pure function
 * of a 128-bit counter and a 64-bit key. Written into `out`.
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    // hi0, hi1: the high words of M0 * c0 and M1 * c2
    const a0 = c0 & 0xffff, a1 = c0 >>> 16, b0 = c2 & 0xffff, b1 = c2 >>> 16;
    const l0 = M0L * a0, m01 = M0H * a0 + (l0 >>> 16), m02 = M0L * a1 + (m01 & 0xffff);
    const hi0 = (M0H * a1 + (m01 >>> 16) + (m02 >>> 16)) >>> 0;
    const l1 = M1L * b0, m11 = M1H * b0 + (l1 >>> 16), m12 = M1L * b1 + (m11 & 0xffff);
    const hi1 = (M1H * b1 + (m11 >>> 16) + (m12 >>> 16)) >>> 0;
    const lo0 = Math.imul(M0, c0) >>> 0, lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

const TWO_32 = 2 ** 32;

/**
 * Random draws addressed by number rather than taken in turn: draw (index, stream) is a pure
 * function of the seed and those two numbers. For per-point randomness in bulk (a LiDAR
 * scan's noise and drop-outs: hundreds of thousands of draws a scan), where the ARC4 stream
 * of `Rng` fixes one order; these can be made in any order, on any thread, and give the
 * same bytes. One draw is four uniforms of 32 bits each (one Philox block).
 */
export class CounterRng {
  private readonly k0: number;
  private readonly k1: number;
  private readonly words = new Uint32Array(4);
  /** the four uniforms in [0, 1) of the last `draw` */
  u0 = 0;
  u1 = 0;
  u2 = 0;
  u3 = 0;

  constructor(readonly seed: string) {
    const key = createHash("sha256").update(`simforge-counter\u0000${seed}`).digest();
    this.k0 = key.readUInt32LE(0);
    this.k1 = key.readUInt32LE(4);
  }

  /** Sets u0..u3 to draw number `index` (an integer below 2^53) of stream `stream` (below 2^32). */
  draw(index: number, stream: number): void {
    const w = this.words;
    philox4x32(index >>> 0, Math.floor(index / TWO_32) >>> 0, stream >>> 0, 0, this.k0, this.k1, w);
    this.u0 = w[0]! / TWO_32;
    this.u1 = w[1]! / TWO_32;
    this.u2 = w[2]! / TWO_32;
    this.u3 = w[3]! / TWO_32;
  }

  /** A standard normal from the last draw's u0 and u1 (Box–Muller). */
  normal01(): number {
    return Math.sqrt(-2 * Math.log(1 - this.u0)) * Math.cos(2 * Math.PI * this.u1);
  }
}
