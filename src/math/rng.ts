/**
 * Seeds and random streams. Every random draw in simforge comes from here.
 *
 * - `frameSeed(sweepSeed, frameIndex)` derives a frame's seed from the sweep's seed alone,
 *   so frame 42 rendered alone equals frame 42 of a full run, on one worker or many.
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
