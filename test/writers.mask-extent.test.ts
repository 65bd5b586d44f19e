// maskExtent (writers/dataset.ts): the pixel count and inclusive bounding box of a mask's set
// pixels, which COCO and BOP boxes come from. Checked on masks drawn by hand and against a
// pixel-by-pixel reference on random masks, a last row cut short included.
import { describe, expect, it } from "vitest";
import seedrandom from "seedrandom";
import { maskExtent } from "../src/writers/dataset.js";

/** The definition, pixel by pixel. */
function reference(mask: ArrayLike<number>, width: number) {
  let count = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % width, y = Math.floor(i / width);
    count++;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  return count ? { count, x0, y0, x1, y1 } : null;
}

describe("maskExtent", () => {
  it("gives the count and inclusive box of masks drawn by hand, and null for an empty one", () => {
    // 5 x 4: an L of 4 pixels from (1, 1) down to (1, 3) and across to (3, 3)
    const m = new Uint8Array(20);
    for (const [x, y] of [[1, 1], [1, 2], [1, 3], [3, 3]]) m[y! * 5 + x!] = 255;
    expect(maskExtent(m, 5)).toEqual({ count: 4, x0: 1, y0: 1, x1: 3, y1: 3 });
    expect(maskExtent(new Uint8Array(20), 5)).toBeNull();
    // one pixel in each corner
    const c = new Uint8Array(12);
    c[0] = c[3] = c[8] = c[11] = 1;
    expect(maskExtent(c, 4)).toEqual({ count: 4, x0: 0, y0: 0, x1: 3, y1: 2 });
  });

  it("agrees with the pixel-by-pixel definition on random masks", () => {
    const rng = seedrandom("mask-extent");
    for (let k = 0; k < 300; k++) {
      const width = 1 + Math.floor(rng() * 40), height = 1 + Math.floor(rng() * 30);
      const len = width * height - (k % 5 === 0 ? Math.floor(rng() * width) : 0); // now and then a short last row
      const density = k % 3 === 0 ? 0.002 : rng() * 0.3;
      const mask = Uint8Array.from({ length: len }, () => (rng() < density ? 1 : 0));
      expect(maskExtent(mask, width), `mask ${k} (${width} wide, ${len} pixels)`).toEqual(reference(mask, width));
    }
  });
});
