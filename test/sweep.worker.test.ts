// The frame loop's rules with frames in flight, on a stand-in browser (the real browser's
// crashes, retries and recycling are in sweep.test.ts): frames finish in order, a frame
// that dies with a browser an earlier frame took down is not charged a try, and a browser
// is recycled only once no frame is on it.
import { describe, expect, it } from "vitest";
import { InputError, RuntimeError } from "../src/errors.js";
import type { Renderer } from "../src/render/renderer.js";
import { runWorker, type BrowserSlot } from "../src/sweep/worker.js";

interface FakeBrowser {
  generation: number;
  alive: boolean;
}

function harness(opts: { frames: number; inFlight: number; crashOn?: Map<number, number>; badInput?: number; recycleFrames?: number; retries?: number }) {
  let browser: FakeBrowser = { generation: 0, alive: true };
  let active = 0;
  const events: string[] = [];
  const stats = { maxActive: 0, restarts: 0, restartsWhileBusy: 0, finished: [] as [number, number][], failed: [] as number[] };
  const tries = new Map<number, number>();
  let next = 0;
  const slot: BrowserSlot = {
    async ensure() {
      if (!browser.alive) browser = { generation: browser.generation + 1, alive: true };
      return browser as unknown as Renderer;
    },
    async restart(reason) {
      stats.restarts++;
      if (active > 0) stats.restartsWhileBusy++;
      events.push(`restart: ${reason}`);
      browser.alive = false;
    },
    pid: () => null,
    async close() {},
  };
  const run = runWorker<number>({
    id: 0,
    browser: slot,
    take: () => (next < opts.frames ? next++ : undefined),
    async produce(r, index) {
      const b = r as unknown as FakeBrowser;
      active++;
      stats.maxActive = Math.max(stats.maxActive, active);
      try {
        const n = (tries.get(index) ?? 0) + 1;
        tries.set(index, n);
        await new Promise((res) => setTimeout(res, 2));
        if (opts.badInput === index) throw new InputError("bad scene", { file: `f${index}` });
        if ((opts.crashOn?.get(index) ?? 0) >= n) {
          b.alive = false; // every frame on this browser fails with it
          throw new RuntimeError(`browser crashed on frame ${index}`);
        }
        if (!b.alive) throw new RuntimeError("the browser closed or was killed");
        return index;
      } finally {
        active--;
      }
    },
    async finish(job, produced) {
      expect(produced).toBe(job.index);
      stats.finished.push([job.index, job.attempt]);
    },
    async fail(job) {
      stats.failed.push(job.index);
    },
    diskFull() {},
    retries: opts.retries ?? 2,
    framesInFlight: opts.inFlight,
    ...(opts.recycleFrames ? { recycle: { frames: opts.recycleFrames, memoryMB: 1e9 } } : {}),
  });
  return { run, stats, events };
}

describe("frame loop with frames in flight", () => {
  it("keeps two frames on the browser and finishes them in order", async () => {
    const { run, stats } = harness({ frames: 12, inFlight: 2 });
    await run;
    expect(stats.maxActive).toBe(2);
    expect(stats.finished.map(([i]) => i)).toEqual([...Array(12).keys()]);
    expect(stats.restarts).toBe(0);
  });

  it("one frame at a time when asked", async () => {
    const { run, stats } = harness({ frames: 5, inFlight: 1 });
    await run;
    expect(stats.maxActive).toBe(1);
  });

  it("a crash retries its frame; the frame beside it on the dead browser runs again without a try charged", async () => {
    const { run, stats } = harness({ frames: 8, inFlight: 2, crashOn: new Map([[3, 1]]) });
    await run;
    expect(stats.finished.map(([i]) => i)).toEqual([...Array(8).keys()]);
    expect(stats.restarts).toBe(1);
    const attempts = new Map(stats.finished);
    expect(attempts.get(3)).toBe(2);
    expect(attempts.get(4)).toBe(1);
    expect(stats.failed).toEqual([]);
  });

  it("a frame that keeps crashing fails after its retries, and the rest go on", async () => {
    const { run, stats } = harness({ frames: 6, inFlight: 2, crashOn: new Map([[2, 99]]), retries: 1 });
    await run;
    expect(stats.failed).toEqual([2]);
    expect(stats.finished.map(([i]) => i)).toEqual([0, 1, 3, 4, 5]);
  });

  it("bad input fails only its frame, without a restart", async () => {
    const { run, stats } = harness({ frames: 5, inFlight: 2, badInput: 1 });
    await run;
    expect(stats.failed).toEqual([1]);
    expect(stats.restarts).toBe(0);
    expect(stats.finished.map(([i]) => i)).toEqual([0, 2, 3, 4]);
  });

  it("recycles a browser only when no frame is on it", async () => {
    const { run, stats, events } = harness({ frames: 13, inFlight: 2, recycleFrames: 4 });
    await run;
    expect(stats.finished.map(([i]) => i)).toEqual([...Array(13).keys()]);
    // due after its 4th frame, a browser still finishes the one frame already on it: 5 a browser
    expect(stats.restarts).toBe(2);
    expect(stats.restartsWhileBusy).toBe(0);
    expect(events.every((e) => e === "restart: recycled after 4 frames")).toBe(true);
  });
});
