/**
 * What a rendered frame must hold before any of it is written: a frame that breaks these is
 * a renderer failure (RuntimeError), never a frame on disk.
 * - every object pixel has a finite, positive depth.
 */
import { RuntimeError } from "../errors.js";
import type { RenderedFrame } from "../render/renderer.js";

/** The problems of a rendered frame, each a short sentence; empty when it may be written. */
export function renderedFrameProblems(frame: RenderedFrame): string[] {
  const problems: string[] = [];
  const { depth, instance } = frame;
  if (depth && instance) {
    let bad = 0;
    let first = "";
    for (let i = 0; i < depth.length; i++) {
      const d = depth[i]!;
      if (instance[i] === 0 || (d > 0 && d < Infinity)) continue;
      if (bad++ === 0) first = ` (first at x=${i % frame.width}, y=${Math.floor(i / frame.width)}: object ${instance[i]}, depth ${d})`;
    }
    if (bad > 0) problems.push(`${bad} object pixels have no finite positive depth${first}`);
  }
  return problems;
}

/** Throws a RuntimeError naming frame `index` and its problems, if it has any. */
export function assertFrameSound(frame: RenderedFrame, index: number): void {
  const problems = renderedFrameProblems(frame);
  if (problems.length) throw new RuntimeError(`frame ${index}: the renderer returned a broken frame, not written: ${problems.join("; ")}`);
}
