/**
 * The human summary of a dataset check: counts, the problems found (the first frames and
 * problems of each, so a broken sweep does not flood the terminal), and the class balance.
 */
import type { DatasetCheck } from "./check.js";

const MAX_FRAMES = 20;
const MAX_PER_FRAME = 8;

function table(rows: string[][], rightAlignFrom: number): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd());
}

export function formatCheck(c: DatasetCheck): string {
  const lines: string[] = [];
  const done = c.frames - c.failedFrames;
  lines.push(`frames: ${c.frames} in manifest (${done} done, ${c.failedFrames} failed), ${c.checked} checked, ${c.missing.length} missing`);
  if (c.missing.length > 0) lines.push(`missing frame directories: ${c.missing.slice(0, 50).join(", ")}${c.missing.length > 50 ? ", ..." : ""}`);
  const total = c.problems.reduce((n, p) => n + p.problems.length, 0);
  if (total === 0) lines.push("problems: none");
  else {
    lines.push(`problems: ${total} in ${c.problems.length} frame(s)`);
    for (const f of c.problems.slice(0, MAX_FRAMES)) {
      lines.push(`  frame ${f.index}:`);
      for (const p of f.problems.slice(0, MAX_PER_FRAME)) lines.push(`    ${p}`);
      if (f.problems.length > MAX_PER_FRAME) lines.push(`    ... ${f.problems.length - MAX_PER_FRAME} more`);
    }
    if (c.problems.length > MAX_FRAMES) lines.push(`  ... ${c.problems.length - MAX_FRAMES} more frame(s) with problems`);
  }
  const classes = Object.entries(c.classes);
  if (classes.length === 0) lines.push("classes: none annotated");
  else {
    const instances = classes.reduce((n, [, k]) => n + k.instances, 0);
    const rows = [["class", "frames", "instances", "visible", "pixels", "share"]];
    for (const [name, k] of classes) {
      rows.push([name, String(k.frames), String(k.instances), String(k.visible), String(k.pixels), instances > 0 ? `${((100 * k.instances) / instances).toFixed(1)}%` : "-"]);
    }
    lines.push("class balance:", ...table(rows, 1).map((l) => `  ${l}`));
  }
  return lines.join("\n") + "\n";
}
