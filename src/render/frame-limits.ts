/**
 * The largest frame the page can really render, checked before a frame is requested so that
 * a size beyond it is one InputError naming the scene's camera.width/height, never a frame
 * that silently comes back black or scaled. Measured with Chromium + SwiftShader:
 * - the WebGL limits (MAX_TEXTURE_SIZE, MAX_RENDERBUFFER_SIZE, MAX_VIEWPORT_DIMS: 8192);
 * - Chromium shrinks a drawing buffer above 5760² pixels (8192x4096 became 8145x4072), which
 *   would scale and cut off the RGB pass;
 * - SwiftShader cannot allocate a float RGBA target of 1 GiB (8192x8192): the framebuffer is
 *   incomplete and reads back zeros. A budget caps all float targets of a frame together.
 */
import { InputError } from "../errors.js";
import { OBJECTS_PER_COVERAGE_TARGET, type PageInfo, type PassSelection } from "../page/protocol.js";

/** Chromium's cap on a WebGL drawing buffer's area (pixels). */
export const MAX_DRAWING_BUFFER_PIXELS = 5760 * 5760;
/** One float RGBA target must stay below this many bytes (SwiftShader's allocation limit). */
const MAX_FLOAT_TARGET_BYTES = 2 ** 30;
/** All float targets of one frame together (labels, normals, coverage). */
export const FLOAT_TARGETS_BUDGET_BYTES = 4 * 2 ** 30;

const FLOAT_RGBA_BYTES = 16;

/** Why a width x height frame with these passes and objects cannot be rendered, or null. */
export function frameSizeProblem(width: number, height: number, passes: PassSelection, objects: number, limits: PageInfo["limits"]): { field: string; detail: string } | null {
  const maxSide = Math.min(limits.maxTextureSize, limits.maxRenderbufferSize);
  if (width > Math.min(maxSide, limits.maxViewportDims[0])) return { field: "camera.width", detail: `${width} is more than this WebGL renders (at most ${Math.min(maxSide, limits.maxViewportDims[0])})` };
  if (height > Math.min(maxSide, limits.maxViewportDims[1])) return { field: "camera.height", detail: `${height} is more than this WebGL renders (at most ${Math.min(maxSide, limits.maxViewportDims[1])})` };
  const pixels = width * height;
  const field = "camera.width, camera.height";
  const size = `${width}x${height} (${pixels} pixels)`;
  if (passes.rgb && pixels > MAX_DRAWING_BUFFER_PIXELS) return { field, detail: `${size} is more than the browser's drawing buffer holds (${MAX_DRAWING_BUFFER_PIXELS} pixels, e.g. 5760x5760): the RGB image would come back scaled and cut off` };
  const targets = (passes.labels ? 1 : 0) + (passes.normals ? 1 : 0) + (passes.coverage ? Math.ceil(objects / OBJECTS_PER_COVERAGE_TARGET) : 0);
  const perTarget = pixels * FLOAT_RGBA_BYTES;
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  if (targets > 0 && perTarget >= MAX_FLOAT_TARGET_BYTES) return { field, detail: `${size} needs float label targets of ${mib(perTarget)} each; the renderer allocates less than ${mib(MAX_FLOAT_TARGET_BYTES)} per target` };
  if (targets * perTarget > FLOAT_TARGETS_BUDGET_BYTES) return { field, detail: `${size} with ${objects} objects needs ${targets} float label targets (${mib(targets * perTarget)}), more than the ${mib(FLOAT_TARGETS_BUDGET_BYTES)} budget` };
  return null;
}

/** Throws the InputError for a frame size the page cannot render (see frameSizeProblem). */
export function assertFrameSize(width: number, height: number, passes: PassSelection, objects: number, limits: PageInfo["limits"], file: string): void {
  const p = frameSizeProblem(width, height, passes, objects, limits);
  if (p) throw new InputError(`${p.detail}; make the camera smaller`, { file, field: p.field });
}
