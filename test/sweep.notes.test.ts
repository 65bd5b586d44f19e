// Problems in frames that are still written (placement shortfalls here, from a real sweep;
// QA failures and physics warnings alike) are loud: in the end-of-run summary on stderr,
// in the frame's own params.json, and in report.html as a section with frame links.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summaryLines, warningNotes } from "../src/sweep/notes.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-notes-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("problems in written frames", () => {
  it("placement shortfalls of a real sweep reach stderr, params.json and report.html", () => {
    const t = JSON.parse(readFileSync("scenes/seed-cubes.template.json", "utf8"));
    delete t.$schema;
    t.camera.width = 160;
    t.camera.height = 120;
    t.camera.intrinsics = { fx: 222, fy: 222, cx: 79.5, cy: 59.5 };
    // six cubes in a 0.2 m square with one try each: at most one fits
    Object.assign(t.objects[0].spawn, { count: 6, avoidOverlap: true, tries: 1 });
    t.objects[0].spawn.from[0].object.pose.position = [{ uniform: [-0.1, 0.1] }, { uniform: [-0.1, 0.1] }, 0.5];
    writeFileSync(join(dir, "crowded.json"), JSON.stringify(t));
    writeFileSync(join(dir, "sweep.json"), JSON.stringify({ template: "crowded.json", frames: 2, seed: 1, workers: 1 }));
    const out = join(dir, "out");
    const r = spawnSync(process.execPath, [CLI, "sweep", join(dir, "sweep.json"), "--out", out, "--gpu", "off", "--no-progress"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^simforge: placement shortfalls in 2 frame\(s\): frame 0: \S*crowded\.json: frame 0: objects\[0\]\.spawn: placed 1 of 6 objects without overlap \(1 tries each\); frame 1: /m);
    for (const f of ["000000", "000001"]) {
      const params = JSON.parse(readFileSync(join(out, "frames", f, "params.json"), "utf8"));
      expect(params.warnings).toEqual([expect.stringMatching(/placed 1 of 6 objects without overlap/)]);
    }
    expect(spawnSync(process.execPath, [CLI, "report", out], { encoding: "utf8" }).status).toBe(0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("<h2>Placement shortfalls: 2 frame(s)</h2>");
    expect(html).toContain('<a href="frames/000000/">0</a>');
    expect(html).toContain('<a href="frames/000001/">1</a>');
    expect(html).not.toContain("Physics warnings");
    expect(html).not.toContain("QA check failures");
  });

  it("warnings are sorted by kind: physics, placement, other; each kind summed over frames", () => {
    const notes = [
      ...warningNotes(4, ["t.json: frame 4: objects 7, 9 still moving after 4000 physics steps", "t.json: frame 4: objects 3 fell with nothing below them"]),
      ...warningNotes(2, ["objects[1].spawn: placed 0 of 30 objects without overlap (50 tries each)", "t.json: frame 2: the camera is inside object 5"]),
      ...warningNotes(9, ["t.json: frame 9: objects 1 still moving after 4000 physics steps"]),
    ];
    expect(summaryLines(notes)).toEqual([
      "physics warnings in 2 frame(s): frame 4: t.json: frame 4: objects 7, 9 still moving after 4000 physics steps (+1 more); frame 9: t.json: frame 9: objects 1 still moving after 4000 physics steps",
      "placement shortfalls in 1 frame(s): frame 2: objects[1].spawn: placed 0 of 30 objects without overlap (50 tries each)",
      "other warnings in 1 frame(s): frame 2: t.json: frame 2: the camera is inside object 5",
    ]);
  });
});
