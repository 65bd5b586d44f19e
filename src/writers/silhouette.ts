/**
 * A model's silhouette beyond the image, as bop_toolkit's calc_gt_info.py measures it: the
 * model rendered at its pose on a canvas three times the image size (the image in the
 * middle), so that a truncated object still counts its whole silhouette.
 *
 * The BOP writer takes the pixels inside the image from the page's amodal mask and adds
 * the pixels of the surrounding canvas from `outsideSilhouette`. That is a host raster of
 * the model's triangles, with a pixel counted when its centre lies in a projected triangle
 * (the image's own pixels are not rasterized).
 * Triangles are clipped at 10 mm in front of the camera (bop_toolkit's near plane).
 * A distorted camera's vertices are placed through its lens model as cv2.projectPoints
 * places them (beyond the image the model is extrapolated) and joined by straight edges.
 */
import { projectLens, type Distortion } from "../math/lens.js";

/** Pixels of the silhouette outside the image and their extent (image coordinates; may be negative). */
export interface OutsideSilhouette {
  count: number;
  /** [x0, y0, x1, y1] inclusive, or null when there is none */
  extent: [number, number, number, number] | null;
}

const NEAR_MM = 10;

type P3 = [number, number, number];

/** The part of a camera-space triangle in front of the near plane, as a convex polygon (Sutherland–Hodgman). */
function clipNear(tri: P3[]): P3[] {
  const out: P3[] = [];
  for (let i = 0; i < tri.length; i++) {
    const a = tri[i]!, b = tri[(i + 1) % tri.length]!;
    const ina = a[2] >= NEAR_MM, inb = b[2] >= NEAR_MM;
    if (ina) out.push(a);
    if (ina !== inb) {
      const s = (NEAR_MM - a[2]) / (b[2] - a[2]);
      out.push([a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]), NEAR_MM]);
    }
  }
  return out;
}

/**
 * The silhouette pixels of a model (mm, object frame) at pose (R row-major 3x3, t in mm)
 * seen with K, on the canvas [-W, 2W) x [-H, 2H) minus the image [0, W) x [0, H).
 */
export function outsideSilhouette(positions: ArrayLike<number>, indices: ArrayLike<number>, R: readonly number[], t: readonly number[], K: readonly (readonly number[])[], width: number, height: number, distortion?: Distortion): OutsideSilhouette {
  const k = { fx: K[0]![0]!, cx: K[0]![2]!, fy: K[1]![1]!, cy: K[1]![2]! };
  const cw = 3 * width, ch = 3 * height;
  const covered = canvas(cw * ch);
  // the canvas rows and columns any triangle touched
  let rx0 = cw, ry0 = ch, rx1 = -1, ry1 = -1;
  const cam = (v: number): P3 => {
    const x = positions[v * 3]!, y = positions[v * 3 + 1]!, z = positions[v * 3 + 2]!;
    return [R[0]! * x + R[1]! * y + R[2]! * z + t[0]!, R[3]! * x + R[4]! * y + R[5]! * z + t[1]!, R[6]! * x + R[7]! * y + R[8]! * z + t[2]!];
  };
  try {
    for (let f = 0; f < indices.length; f += 3) {
      const poly = clipNear([cam(indices[f]!), cam(indices[f + 1]!), cam(indices[f + 2]!)]);
      // canvas coordinates: the image's pixel (u, v) is canvas pixel (u + W, v + H)
      const px = poly.map((p) => {
        if (!distortion) return [k.fx * (p[0] / p[2]) + k.cx + width, k.fy * (p[1] / p[2]) + k.cy + height] as const;
        const [u, v] = projectLens(k, distortion, p)!; // in front of the near plane: always imaged
        return [u + width, v + height] as const;
      });
      for (let k = 1; k + 1 < px.length; k++) {
        const A = px[0]!, B = px[k]!, C = px[k + 1]!;
        const area = (B[0] - A[0]) * (C[1] - A[1]) - (B[1] - A[1]) * (C[0] - A[0]);
        if (area === 0) continue;
        const y0 = Math.max(0, Math.ceil(Math.min(A[1], B[1], C[1]))), y1 = Math.min(ch - 1, Math.floor(Math.max(A[1], B[1], C[1])));
        const x0 = Math.max(0, Math.ceil(Math.min(A[0], B[0], C[0]))), x1 = Math.min(cw - 1, Math.floor(Math.max(A[0], B[0], C[0])));
        if (x0 > x1 || y0 > y1) continue;
        rx0 = Math.min(rx0, x0);
        ry0 = Math.min(ry0, y0);
        rx1 = Math.max(rx1, x1);
        ry1 = Math.max(ry1, y1);
        const [ax, ay] = A, [bx, by] = B, [qx, qy] = C;
        for (let y = y0; y <= y1; y++) {
          // the image's own pixels are the page's to count: a row through it skips them
          const gap = y >= height && y < 2 * height && x0 < 2 * width && x1 >= width;
          const gapFrom = gap ? Math.max(x0, width) : x1 + 1, gapTo = gap ? 2 * width : x1 + 1;
          for (let x = x0; x <= x1; x++) {
            if (x === gapFrom) {
              x = gapTo - 1;
              continue;
            }
            const w0 = ((bx - x) * (qy - y) - (by - y) * (qx - x)) / area;
            const w1 = ((qx - x) * (ay - y) - (qy - y) * (ax - x)) / area;
            if (w0 >= 0 && w1 >= 0 && w0 + w1 <= 1) covered[y * cw + x] = 1;
          }
        }
      }
    }
  } catch (err) {
    shared = new Uint8Array(0); // a throw mid-raster: the canvas is not known to be zero
    throw err;
  }
  let count = 0;
  let ex0 = Infinity, ey0 = Infinity, ex1 = -Infinity, ey1 = -Infinity;
  for (let y = ry0; y <= ry1; y++) {
    const row = y * cw;
    for (let x = rx0; x <= rx1; x++) {
      if (!covered[row + x]) continue;
      covered[row + x] = 0; // the canvas is reused: left all zero
      const u = x - width, v = y - height;
      count++;
      if (u < ex0) ex0 = u;
      if (u > ex1) ex1 = u;
      if (v < ey0) ey0 = v;
      if (v > ey1) ey1 = v;
    }
  }
  return { count, extent: count > 0 ? [ex0, ey0, ex1, ey1] : null };
}

let shared = new Uint8Array(0);

/** An all-zero canvas of at least n pixels, reused from call to call (outsideSilhouette leaves it zero). */
function canvas(n: number): Uint8Array {
  if (shared.length < n) shared = new Uint8Array(n);
  return shared;
}
