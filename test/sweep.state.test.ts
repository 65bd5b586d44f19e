// The sweep directory's state: frames finished at the same moment by several workers are all
// recorded, across journal folds, and survive a reopen.
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SweepState, type SweepMeta } from "../src/sweep/state.js";
import { readManifest } from "../src/writers/manifest.js";

const dir = mkdtempSync(join(tmpdir(), "simforge-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta: SweepMeta = { format: "simforge-sweep", version: 1, config_hash: "abc", template: "t.json", seed: 1, frames: 100, writers: [], cells: [{ index: 0, values: {} }], shard: null };
const header = { format: "simforge-dataset" as const, version: 1 as const, generator: { simforge: "x", node: "x", babylon: "x", browser: "x" }, renderer: { webgl: "x", vendor: "x", gpu: "off" } };

describe("SweepState", () => {
  it("records 100 frames finished concurrently, folding the journal every 7, with none lost", async () => {
    const out = join(dir, "a");
    const s = await SweepState.open(out, meta, { compactEvery: 7 });
    s.setHeader(header);
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.record({ index: i, dir: s.frameDir(i), status: "done", files: { "x.png": String(i) } })));
    expect(existsSync(join(out, ".simforge-lock"))).toBe(true);
    // before the final fold, the manifest and the journal hold every frame between them
    const { readJournal } = await import("../src/sweep/state.js");
    const between = new Set([...((await readManifest(out))?.frames ?? []), ...(await readJournal(out))].map((f) => f.index));
    expect(between.size).toBe(100);
    await s.close();
    expect(existsSync(join(out, "journal.jsonl"))).toBe(false);
    expect(existsSync(join(out, ".simforge-lock"))).toBe(false);
    expect((await readManifest(out))!.frames.map((f) => f.index)).toEqual([...Array(100).keys()]);
    const reopened = await SweepState.open(out, meta);
    expect(reopened.entries.size).toBe(100);
    await reopened.close();
  });
});
