/**
 * Middlebury optical flow files (.flo), as the Middlebury flow benchmark's flowIO.cpp
 * defines them (vision.middlebury.edu/flow/code/flow-code/): the float32 tag 202021.25
 * ("PIEH" in ASCII), int32 width, int32 height, then width·height (u, v) float32 pairs,
 * row after row from the top, all little-endian. u is along the image's x (columns), v
 * along y (rows). Values above 1e9 mean unknown (UNKNOWN_FLOW = 1e10).
 */
import { InputError } from "../errors.js";

export const FLO_TAG = 202021.25;
export const FLO_UNKNOWN = 1e10;

/** Encodes [H, W, 2] flow (u, v per pixel, rows from the top). */
export function encodeFlo(flow: Float32Array, width: number, height: number): Uint8Array {
  if (flow.length !== width * height * 2) throw new RangeError(`encodeFlo: ${flow.length} values for ${width}x${height}x2`);
  const out = new Uint8Array(12 + flow.length * 4);
  const view = new DataView(out.buffer);
  view.setFloat32(0, FLO_TAG, true);
  view.setInt32(4, width, true);
  view.setInt32(8, height, true);
  for (let i = 0; i < flow.length; i++) view.setFloat32(12 + 4 * i, flow[i]!, true);
  return out;
}

/** Decodes a .flo file; `file` only names the source in errors. */
export function decodeFlo(bytes: Uint8Array, file?: string): { width: number; height: number; flow: Float32Array } {
  const bad = (why: string) => new InputError(`not a Middlebury .flo file: ${why}`, file === undefined ? {} : { file });
  if (bytes.length < 12) throw bad("shorter than its 12-byte header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getFloat32(0, true) !== FLO_TAG) throw bad("bad tag (expected 202021.25, PIEH)");
  const width = view.getInt32(4, true), height = view.getInt32(8, true);
  if (width < 1 || height < 1 || bytes.length !== 12 + width * height * 8) throw bad(`${bytes.length} bytes for ${width}x${height}`);
  const flow = new Float32Array(width * height * 2);
  for (let i = 0; i < flow.length; i++) flow[i] = view.getFloat32(12 + 4 * i, true);
  return { width, height, flow };
}
