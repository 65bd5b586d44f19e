// Progress: a live line with count, rate and ETA on a terminal; sparse plain lines in logs.
import { describe, expect, it } from "vitest";
import { exportProgress, progress } from "../src/sweep/progress.js";

function stream(isTTY: boolean) {
  const out: string[] = [];
  return { out, s: { isTTY, write: (x: string) => (out.push(x), true) } as unknown as NodeJS.WriteStream };
}

describe("progress", () => {
  it("on a TTY rewrites one line with count, rate and ETA", () => {
    let t = 0;
    const { out, s } = stream(true);
    const p = progress("render", 10, s, 30_000, () => t);
    t = 2000;
    p.tick(4);
    expect(out.at(-1)).toBe("\r\x1b[K[########............] render 4/10  2.00 frames/s  ETA 3s");
    p.finish();
    expect(out.at(-1)).toBe("\n");
  });

  it("a resumed run's rate and ETA count only the frames of this run", () => {
    let t = 0;
    const { out, s } = stream(true);
    const p = progress("sweep", 100, s, 30_000, () => t, 60);
    t = 10_000;
    p.tick(70, 2);
    expect(out.at(-1)).toBe("\r\x1b[K[##############......] sweep 70/100 (2 failed)  1.00 frames/s  ETA 30s");
  });

  it("in a log prints at most one plain line per interval", () => {
    let t = 0;
    const { out, s } = stream(false);
    const p = progress("render", 100, s, 30_000, () => t);
    for (let i = 1; i <= 50; i++) {
      t = i * 1000;
      p.tick(i, i === 50 ? 1 : 0);
    }
    expect(out).toEqual(["render 30/100  1.00 frames/s  ETA 1m10s\n"]);
  });

  it("an export shows one line per stage in its own unit, each ended when the next starts", () => {
    let t = 0;
    const { out, s } = stream(true);
    const p = exportProgress(s, () => t);
    t = 1000;
    p.report("bop models", "models", 1, 4);
    t = 2000;
    p.report("bop models", "models", 4, 4);
    expect(out.at(-1)).toBe("\r\x1b[K[####################] bop models 4/4  4.00 models/s  ETA 0s");
    p.report("bop frames", "frames", 1, 10);
    expect(out.slice(-2)).toEqual(["\n", "\r\x1b[K[##..................] bop frames 1/10  0.00 frames/s  ETA ?"]);
    p.finish();
    expect(out.at(-1)).toBe("\n");
  });
});
