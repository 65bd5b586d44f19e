/**
 * A distorted camera (camera.distortion) on a pinhole rasterizer: the page renders one
 * undistorted pinhole image large and fine enough to cover every ray of the distorted image,
 * and the host resamples each pass into the distorted image:
 * - RGB bilinearly;
 * - instance ids, normals and coverage bits from the nearest texel, never interpolated;
 * - depth as the camera z of the surface seen along the distorted pixel's exact ray: the
 *   nearest texel's depth and triangle plane (the page's plane pass) intersected with that ray.
 *
 * The plan (which texel each distorted pixel reads) depends on the camera alone, so it is
 * computed once per camera and re-made wherever a frame is decoded (a writer thread too).
 */
import { InputError } from "../errors.js";
import { intrinsicsOf, type CameraInput, type Intrinsics } from "../math/camera.js";
import { fisheyeAngle, isPinhole, radialFoldProblem, undistortOpenCv, type Distortion } from "../math/lens.js";
import { decodeOctahedralInto } from "../math/octahedral.js";
import { OBJECTS_PER_COVERAGE_TARGET } from "../page/protocol.js";
import { LruCache } from "../lru-cache.js";

/** The largest side of the undistorted render (a wider field needs a cube map, which simforge does not render yet). */
export const MAX_LENS_RENDER_SIDE = 4096;
/** How much finer than needed the views are sampled: nearest-texel labels are then within 0.5 / this of a pixel. */
const LABEL_OVERSAMPLE = 1.5;
/** The render's texels are at most this many times finer than the distorted image's pixels at their finest. */
const MAX_OVERSAMPLE = 4;
/** Texels around the rays' extent, so that bilinear sampling never reads outside the render. */
const MARGIN = 2;

/** One pinhole view the page renders for a distorted camera: the camera turned by R and cropped to the rays it serves. */
export interface LensView {
  K: Intrinsics;
  width: number;
  height: number;
  /** row-major 3x3 rotation from the camera frame into the view's frame (p_view = R · p_camera) */
  R: number[];
  /** the distorted pixels this view serves (index, rows from the top), ascending */
  pixels: Uint32Array;
  /** for each served pixel: its nearest texel (row-major index, rows from the top) */
  texels: Uint32Array;
  /** for each served pixel: its ray in this view's pixel coordinates (u', v'), for bilinear RGB */
  coords: Float32Array;
}

export interface LensPlan {
  /** the distorted image */
  width: number;
  height: number;
  /** the pinhole views that cover it: one for a moderate field, cube faces for a wide fisheye */
  views: LensView[];
  /** per distorted pixel (rows from the top): the view it reads */
  view: Uint8Array;
  /** per distorted pixel: the nearest texel of its view (index, rows from the top) */
  nearest: Int32Array;
  /** per distorted pixel: its centre's ray in its view's pixel coordinates (u', v'), rows from the top */
  coords: Float64Array;
  /** per distorted pixel: its centre's ray as (x, y) on the z = 1 plane of its view */
  rays: Float64Array;
  /** what the depth image holds (camera.depth): camera z, or the distance along the pixel's ray */
  depth: "z" | "range";
}

export interface LensCamera extends Pick<CameraInput, "width" | "height" | "intrinsics" | "fovX" | "fovY"> {
  distortion?: Distortion | undefined;
  depth?: "z" | "range" | undefined;
}

/** The widest ray a distorted camera may see: the five cube faces around the camera (no back face) cover rays up to 125.26° from the axis (the faces' corners). */
const MAX_RAY_ANGLE = (125 * Math.PI) / 180;

const FIELD = "camera.distortion";
const plans = new LruCache<string, LensPlan>(4);

/** The plan of a camera, or null for a pinhole camera (no distortion, or OpenCV coefficients all 0). Throws an InputError for a model that folds the image or a field no render covers. */
export function lensPlan(cam: LensCamera, file = "scene"): LensPlan | null {
  const d = cam.distortion;
  if (!d || isPinhole(d)) return null;
  const K = intrinsicsOf(cam);
  const depth = cam.depth ?? "z";
  const key = JSON.stringify([cam.width, cam.height, K, d, depth]);
  return plans.getOrMake(key, () => makePlan(cam.width, cam.height, K, d, depth, file));
}

/** The unit ray (camera frame) of every distorted pixel centre, rows from the top, and the widest angle from the axis. */
function pixelRays(width: number, height: number, K: Intrinsics, d: Distortion, depth: "z" | "range", fail: (detail: string) => InputError): { dirs: Float64Array; maxAngle: number } {
  // the farthest image corner (pixel edges) from the principal point, in normalized distorted units
  let rdMax = 0;
  for (const u of [-0.5, width - 0.5]) for (const v of [-0.5, height - 0.5]) rdMax = Math.max(rdMax, Math.hypot((u - K.cx) / K.fx, (v - K.cy) / K.fy));
  const fold = radialFoldProblem(d, rdMax);
  if (fold) throw fail(fold);
  const dirs = new Float64Array(3 * width * height);
  let maxAngle = 0;
  let prev: [number, number] | undefined;
  const rowStart: [number, number][] = [];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const xd = (u - K.cx) / K.fx, yd = (v - K.cy) / K.fy;
      let X: number, Y: number, Z: number;
      if (d.model === "opencv") {
        const guess = u > 0 ? prev : rowStart[v - 1];
        const sol = undistortOpenCv(d, xd, yd, guess) ?? undistortOpenCv(d, xd, yd);
        if (!sol) throw fail(`the coefficients fold the image near pixel (${u}, ${v}): the distortion is not one-to-one there (its Jacobian is not positive), so no ray is seen at that pixel`);
        prev = sol;
        if (u === 0) rowStart[v] = sol;
        const l = Math.hypot(sol[0], sol[1], 1);
        [X, Y, Z] = [sol[0] / l, sol[1] / l, 1 / l];
      } else {
        const rd = Math.hypot(xd, yd);
        const t = rd === 0 ? 0 : fisheyeAngle(d, rd);
        if (t === null) throw fail(`the coefficients fold the image near pixel (${u}, ${v}): θd = ${rd.toPrecision(4)} has no angle on the increasing branch of the model`);
        if (t >= Math.PI / 2 && depth === "z") {
          throw fail(`pixel (${u}, ${v}) sees a ray ${((t * 180) / Math.PI).toFixed(1)}° from the optical axis: depth is the camera z of the surface, which rays at 90° or more do not have: set camera.depth to "range" (the distance along each pixel's ray) for a field of 180° or more, or keep it under 180° (larger fx, fy or a smaller image)`);
        }
        if (t > MAX_RAY_ANGLE) {
          throw fail(`pixel (${u}, ${v}) sees a ray ${((t * 180) / Math.PI).toFixed(1)}° from the optical axis: fields of up to 250° (rays up to 125°) are rendered, not wider (larger fx, fy or a smaller image)`);
        }
        maxAngle = Math.max(maxAngle, t);
        const sr = rd === 0 ? 0 : Math.sin(t) / rd;
        [X, Y, Z] = [xd * sr, yd * sr, Math.cos(t)];
      }
      const i = 3 * (v * width + u);
      dirs[i] = X;
      dirs[i + 1] = Y;
      dirs[i + 2] = Z;
    }
  }
  return { dirs, maxAngle };
}

/** Cube faces as rotations camera -> face (rows: the face's x, y, z axes in the camera frame); the front face first. */
const CUBE: number[][] = [
  [1, 0, 0, 0, 1, 0, 0, 0, 1], // front, +z
  [0, 0, -1, 0, 1, 0, 1, 0, 0], // +x
  [0, 0, 1, 0, 1, 0, -1, 0, 0], // -x
  // the ±y faces turned a quarter about their axis, so that all side faces are portrait: cropped to the
  // rays of a wide image they are tall and narrow, and similar sizes let the page re-use its targets
  [0, 0, 1, 1, 0, 0, 0, 1, 0], // +y (down)
  [0, 0, -1, 1, 0, 0, 0, -1, 0], // -y (up)
];

/**
 * Views that cover the rays: `rotations` assigns each ray to the one whose axis is nearest;
 * each view is then cropped to its rays and sampled `oversample` times finer than the
 * distorted image needs there (at least as fine, where that fits MAX_LENS_RENDER_SIDE).
 */
function planViews(width: number, height: number, K: Intrinsics, dirs: Float64Array, rotations: number[][]): Omit<LensPlan, "width" | "height" | "depth"> | null {
  const n = width * height;
  const view = new Uint8Array(n);
  const rays = new Float64Array(2 * n);
  for (let p = 0; p < n; p++) {
    const X = dirs[3 * p]!, Y = dirs[3 * p + 1]!, Z = dirs[3 * p + 2]!;
    let best = 0, bestZ = -Infinity;
    rotations.forEach((R, k) => {
      const z = R[6]! * X + R[7]! * Y + R[8]! * Z;
      if (z > bestZ + 1e-12) [best, bestZ] = [k, z];
    });
    const R = rotations[best]!;
    view[p] = best;
    rays[2 * p] = (R[0]! * X + R[1]! * Y + R[2]! * Z) / bestZ;
    rays[2 * p + 1] = (R[3]! * X + R[4]! * Y + R[5]! * Z) / bestZ;
  }
  const views: LensView[] = [];
  for (const [k, R] of rotations.entries()) {
    // the view's rays: extent, and the smallest step between neighbouring pixels it serves
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, minStepU = Infinity, minStepV = Infinity;
    for (let v = 0; v < height; v++) {
      for (let u = 0; u < width; u++) {
        const p = v * width + u;
        if (view[p] !== k) continue;
        const x = rays[2 * p]!, y = rays[2 * p + 1]!;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (u > 0 && view[p - 1] === k) minStepU = Math.min(minStepU, Math.hypot(x - rays[2 * p - 2]!, y - rays[2 * p - 1]!));
        if (v > 0 && view[p - width] === k) minStepV = Math.min(minStepV, Math.hypot(x - rays[2 * (p - width)]!, y - rays[2 * (p - width) + 1]!));
      }
    }
    const none = { pixels: new Uint32Array(0), texels: new Uint32Array(0), coords: new Float32Array(0) };
    if (x0 > x1) {
      views.push({ K: { fx: 1, fy: 1, cx: 0, cy: 0 }, width: 0, height: 0, R, ...none });
      continue;
    }
    const needed = Math.max(1, 1 / (K.fx * minStepU), 1 / (K.fy * minStepV));
    // 1.5 times as fine as needed where that fits, so that taking the nearest texel moves an
    // edge by at most a third of a distorted pixel. Quantized, so that a tiny change of a
    // coefficient does not change the render size.
    const quantized = (v: number) => Math.min(MAX_OVERSAMPLE, Math.ceil(v * 8 - 1e-6) / 8);
    const sizeAt = (s: number): LensView => {
      const fx = K.fx * s, fy = K.fy * s;
      // the principal point on a texel centre of the same phase as the camera's: near the
      // centre, where the lens barely distorts, texels and pixels line up exactly
      const cx = s * K.cx + Math.ceil(MARGIN - x0 * fx - s * K.cx);
      const cy = s * K.cy + Math.ceil(MARGIN - y0 * fy - s * K.cy);
      return { K: { fx, fy, cx, cy }, width: Math.ceil(cx + x1 * fx) + MARGIN + 1, height: Math.ceil(cy + y1 * fy) + MARGIN + 1, R, ...none };
    };
    const fits = (w: LensView) => w.width <= MAX_LENS_RENDER_SIDE && w.height <= MAX_LENS_RENDER_SIDE;
    let w = sizeAt(quantized(LABEL_OVERSAMPLE * needed));
    if (!fits(w)) w = sizeAt(quantized(needed));
    if (!fits(w)) return null;
    views.push(w);
  }
  // views that serve no pixel are dropped (the pixels' view indices shift down)
  const keep = views.map((w) => w.width > 0);
  const index = keep.map((_, k) => keep.slice(0, k).filter(Boolean).length);
  for (let p = 0; p < n; p++) view[p] = index[view[p]!]!;
  const used = views.filter((_, k) => keep[k]);
  const coords = new Float64Array(2 * n);
  const nearest = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const w = used[view[p]!]!;
    const uu = w.K.cx + w.K.fx * rays[2 * p]!;
    const vv = w.K.cy + w.K.fy * rays[2 * p + 1]!;
    coords[2 * p] = uu;
    coords[2 * p + 1] = vv;
    nearest[p] = Math.round(vv) * w.width + Math.round(uu);
  }
  // each view's lists of the pixels it serves, in pixel order
  const counts = used.map(() => 0);
  for (let p = 0; p < n; p++) counts[view[p]!]!++;
  const lists = used.map((w, k) => ({ ...w, pixels: new Uint32Array(counts[k]!), texels: new Uint32Array(counts[k]!), coords: new Float32Array(2 * counts[k]!) }));
  const fill = used.map(() => 0);
  for (let p = 0; p < n; p++) {
    const k = view[p]!;
    const j = fill[k]!++;
    const l = lists[k]!;
    l.pixels[j] = p;
    l.texels[j] = nearest[p]!;
    l.coords[2 * j] = coords[2 * p]!;
    l.coords[2 * j + 1] = coords[2 * p + 1]!;
  }
  return { views: lists, view, nearest, coords, rays };
}

const pixelsOf = (v: Omit<LensPlan, "width" | "height" | "depth">) => v.views.reduce((s, w) => s + w.width * w.height, 0);

function makePlan(width: number, height: number, K: Intrinsics, d: Distortion, depth: "z" | "range", file: string): LensPlan {
  const fail = (detail: string) => new InputError(detail, { file, field: FIELD });
  const { dirs, maxAngle } = pixelRays(width, height, K, d, depth, fail);
  // one pinhole view while it is cheaper than the cube faces (rays far from the axis blow it up as tan θ)
  const single = maxAngle < (80 * Math.PI) / 180 ? planViews(width, height, K, dirs, [CUBE[0]!]) : null;
  const cube = !single || maxAngle > Math.PI / 4 ? planViews(width, height, K, dirs, CUBE) : null;
  const best = single && (!cube || pixelsOf(single) <= pixelsOf(cube)) ? single : cube;
  if (!best) {
    throw fail(`this field of view (rays up to ${((maxAngle * 180) / Math.PI).toFixed(1)}° from the optical axis) needs views of more than ${MAX_LENS_RENDER_SIDE} pixels a side to cover it: make the field smaller or the image smaller`);
  }
  return { width, height, ...best, depth };
}

// ---------------------------------------------------------------- the page's samples -> the distorted image

const f32 = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const aligned = (b: Uint8Array) => (b.byteOffset % 4 === 0 ? b : new Uint8Array(b));

/** The name of view k's part `name` in a frame's read-backs: `v<k>.<name>`. */
export const viewPart = (k: number, name: string) => `v${k}.${name}`;

/**
 * Depth at a distorted pixel p from its nearest texel's sample (depth on the texel centre's
 * ray, octahedral plane normal ex, ey): the texel's plane met by p's own ray, as the camera z
 * of that point (or its distance from the camera centre, plan.depth "range"). The rays are less than a texel apart, but near grazing incidence that can
 * still move the depth by a few percent: the plane is trusted for a change under 10% and a
 * ray not within 0.06° of the plane; otherwise the texel's own point stands.
 */
function exactDepth(plan: LensPlan, w: LensView, p: number, dt: number, ex: number, ey: number, nrm: Float64Array): number {
  if (!(dt > 0)) return 0;
  decodeOctahedralInto(ex, ey, nrm);
  const t = plan.nearest[p]!;
  const tu = t % w.width, tv = (t - tu) / w.width;
  const xt = (tu - w.K.cx) / w.K.fx, yt = (tv - w.K.cy) / w.K.fy;
  const x = plan.rays[2 * p]!, y = plan.rays[2 * p + 1]!;
  const denom = nrm[0]! * x + nrm[1]! * y + nrm[2]!;
  const z = (dt * (nrm[0]! * xt + nrm[1]! * yt + nrm[2]!)) / denom;
  const exact = Math.abs(denom) > 1e-3 * Math.hypot(x, y, 1) && Math.abs(z - dt) < 0.1 * dt;
  const [X, Y, Z] = exact ? [z * x, z * y, z] : [dt * xt, dt * yt, dt];
  // its distance from the camera centre (the views share it), or its camera z: the third column of R (p_camera = Rᵀ · p_view)
  if (plan.depth === "range") return Math.sqrt(X * X + Y * Y + Z * Z);
  const R = w.R;
  return R[2]! * X + R[5]! * Y + R[8]! * Z;
}

/**
 * The page's samples of each view (parts `v<k>.lens.rgba`, `.lens.labels`, `.lens.normals`,
 * `.lens.coverage<t>`, in the order of the view's served pixels) as the raw read-backs of the
 * distorted image, in the layouts a pinhole frame's come in (rows bottom-up): rgba, depth,
 * instance, normals (camera frame) and coverage<t>.<c> for `objects` objects.
 */
export function distortParts(parts: Record<string, Uint8Array>, plan: LensPlan, objects: number): Record<string, Uint8Array> {
  const { width, height } = plan;
  const n = width * height;
  const get = (k: number, name: string) => {
    const b = parts[viewPart(k, name)];
    return b ? aligned(b) : undefined;
  };
  const has = (name: string) => plan.views.some((_, k) => get(k, name));
  const out: Record<string, Uint8Array> = {};
  // bottom-up row-major index of the pixel at top-down index p
  const flip = (p: number) => {
    const u = p % width;
    return (height - 1 - (p - u) / width) * width + u;
  };
  if (has("lens.rgba")) {
    const rgba = new Uint8Array(4 * n);
    plan.views.forEach((w, k) => {
      const src = get(k, "lens.rgba")!;
      w.pixels.forEach((p, j) => rgba.set(src.subarray(4 * j, 4 * j + 4), 4 * flip(p)));
    });
    out.rgba = rgba;
  }
  if (has("lens.labels")) {
    const depth = new Float32Array(n);
    const stride = 2 * Math.ceil(width / 2);
    const instance = new Uint16Array(stride * height);
    const nrm = new Float64Array(3);
    plan.views.forEach((w, k) => {
      const s = f32(get(k, "lens.labels")!);
      w.pixels.forEach((p, j) => {
        const o = flip(p);
        depth[o] = exactDepth(plan, w, p, s[4 * j]!, s[4 * j + 2]!, s[4 * j + 3]!, nrm);
        const u = p % width;
        instance[(height - 1 - (p - u) / width) * stride + u] = s[4 * j + 1]!;
      });
    });
    out.depth = bytes(depth);
    out.instance = bytes(instance);
  }
  if (has("lens.normals")) {
    const normals = new Float32Array(4 * n);
    plan.views.forEach((w, k) => {
      const s = f32(get(k, "lens.normals")!);
      const R = w.R;
      w.pixels.forEach((p, j) => {
        const X = s[4 * j]!, Y = s[4 * j + 1]!, Z = s[4 * j + 2]!;
        const i = 4 * flip(p);
        // p_camera = Rᵀ · p_view
        normals[i] = R[0]! * X + R[3]! * Y + R[6]! * Z;
        normals[i + 1] = R[1]! * X + R[4]! * Y + R[7]! * Z;
        normals[i + 2] = R[2]! * X + R[5]! * Y + R[8]! * Z;
        normals[i + 3] = s[4 * j + 3]!;
      });
    });
    out.normals = bytes(normals);
  }
  for (let t = 0; has(`lens.coverage${t}`); t++) {
    const planes = Math.ceil(Math.min(OBJECTS_PER_COVERAGE_TARGET, objects - t * OBJECTS_PER_COVERAGE_TARGET) / 24);
    const words = Array.from({ length: planes }, () => new Uint32Array(n));
    plan.views.forEach((w, k) => {
      const s = f32(get(k, `lens.coverage${t}`)!);
      w.pixels.forEach((p, j) => {
        const o = flip(p);
        for (let c = 0; c < planes; c++) words[c]![o] = s[4 * j + c]!;
      });
    });
    words.forEach((plane, c) => (out[`coverage${t}.${c}`] = bytes(plane)));
  }
  return out;
}
