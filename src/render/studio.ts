/**
 * A studio environment (scene.environment.studio): the radiance seen from an eye point inside
 * a box-shaped room, as a function of direction, for the environment cube map
 * (render/environment.ts).
 *
 * - The room is axis-aligned, `room` = [X, Y, Z] metres, the eye at its horizontal centre and
 *   `eye` metres above the floor.
 * - The floor and the walls are Lambertian, their albedo a procedural material's exemplar
 *   (texture/exemplars.ts, seeded, sRGB decoded to linear) tiled every `tile` metres; the
 *   ceiling is a plain albedo.
 * - Each panel is a lit rectangle of constant radiance on the surface the eye sees in its
 *   direction (azimuth, elevation).
 * - A surface point x reflects albedo(x) · E(x) / π, where E is
 *   - the direct irradiance from each panel P (area A, radiance L, centre c, normals n_x and n_P):
 *     E_P = L A cos θ_x cos θ_P / (r² + A / π), the on-axis irradiance of a disk of area A
 *     (L π R² / (d² + R²)) generalized by the two cosines, which stays finite next to a panel;
 *   - plus the interreflected light of an integrating sphere, E_ind = Φ ρ̄ / (S (1 - ρ̄)),
 *     Φ = Σ π L A the panels' flux, S the room's surface area and ρ̄ its mean albedo.
 *   The room is convex, so every panel sees every point not on its own surface.
 */
import { InputError } from "../errors.js";
import { MATERIALS, isMaterial, materialExemplar } from "../texture/exemplars.js";
import type { ConcreteScene } from "../scene/schema.js";

export type StudioSpec = NonNullable<NonNullable<ConcreteScene["environment"]>["studio"]>;

/** texels of the floor and wall exemplars */
const TEXTURE_SIZE = 128;

type V3 = [number, number, number];

/** The six inner surfaces: axis, the side (-1: the low wall) and the inward normal. */
const SURFACES = [0, 1, 2].flatMap((axis) => [-1, 1].map((side) => ({ axis, side, normal: [0, 1, 2].map((k) => (k === axis ? -side : 0)) as V3 })));

const srgbToLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

interface Albedo {
  data: Float32Array;
  mean: V3;
}

function albedoOf(name: string, seed: string | number, field: string, file: string): Albedo {
  if (!isMaterial(name)) throw new InputError(`unknown material ${JSON.stringify(name)} (known: ${MATERIALS.join(", ")})`, { file, field });
  const img = materialExemplar(name, TEXTURE_SIZE, `studio/${seed}`).image;
  const data = img.data.map(srgbToLinear);
  const mean: V3 = [0, 0, 0];
  for (let i = 0; i < data.length; i++) mean[i % 3]! += data[i]! / (data.length / 3);
  return { data, mean };
}

/** The studio's radiance in a unit world direction (Z up), linear RGB. */
export function studioRadiance(spec: StudioSpec, file: string): (x: number, y: number, z: number) => V3 {
  const [X, Y, Z] = spec.room;
  const eye: V3 = [0, 0, spec.eye];
  // the room in eye-centred coordinates: [lo, hi] per axis
  const lo: V3 = [-X / 2, -Y / 2, 0], hi: V3 = [X / 2, Y / 2, Z];
  const floor = albedoOf(spec.floor, spec.seed, "environment.studio.floor", file);
  const walls = albedoOf(spec.walls, spec.seed, "environment.studio.walls", file);
  const ceiling: V3 = [...spec.ceiling];

  /** where the ray from the eye along d leaves the room, and which surface it meets */
  const hit = (d: readonly number[]): { p: V3; s: number } => {
    let best = Infinity, s = 0;
    for (let k = 0; k < 6; k++) {
      const { axis, side } = SURFACES[k]!;
      const dk = d[axis]!;
      if (dk === 0 || Math.sign(dk) !== side) continue;
      const t = ((side < 0 ? lo : hi)[axis]! - eye[axis]!) / dk;
      if (t < best) {
        best = t;
        s = k;
      }
    }
    return { p: [eye[0] + best * d[0]!, eye[1] + best * d[1]!, eye[2] + best * d[2]!], s };
  };
  /** the two in-surface axes of a surface (floor and ceiling: X, Y; a wall: its horizontal axis, then Z) */
  const tangents = (s: number): [number, number] => {
    const a = SURFACES[s]!.axis;
    return a === 2 ? [0, 1] : [a === 0 ? 1 : 0, 2];
  };

  const panels = spec.panels.map((pn, i) => {
    const az = (pn.azimuth * Math.PI) / 180, el = (pn.elevation * Math.PI) / 180;
    const { p: c, s } = hit([Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)]);
    const [ta, tb] = tangents(s);
    const area = pn.size[0] * pn.size[1];
    if (!(area > 0)) throw new InputError("a panel must have an area", { file, field: `environment.studio.panels[${i}].size` });
    return { c, s, ta, tb, half: [pn.size[0] / 2, pn.size[1] / 2], area, L: pn.color.map((k) => k * pn.radiance) as V3 };
  });

  // interreflection: the integrating-sphere estimate over the room's mean albedo
  const areas = SURFACES.map(({ axis }) => [X, Y, Z].reduce((m, e, k) => (k === axis ? m : m * e), 1));
  const albedoOfSurface = (s: number): V3 => (SURFACES[s]!.axis === 2 ? (SURFACES[s]!.side < 0 ? floor.mean : ceiling) : walls.mean);
  const S = areas.reduce((a, b) => a + b, 0);
  const indirect: V3 = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const rho = areas.reduce((m, a, s) => m + a * albedoOfSurface(s)[c]!, 0) / S;
    const flux = panels.reduce((m, p) => m + Math.PI * p.L[c]! * p.area, 0);
    indirect[c] = (flux * rho) / (S * (1 - Math.min(rho, 0.95)));
  }

  const sample = (a: Albedo, u: number, v: number): V3 => {
    const n = TEXTURE_SIZE;
    const iu = ((Math.floor((u / spec.tile) * n) % n) + n) % n, iv = ((Math.floor((v / spec.tile) * n) % n) + n) % n;
    const o = (iv * n + iu) * 3;
    return [a.data[o]!, a.data[o + 1]!, a.data[o + 2]!];
  };

  return (x, y, z) => {
    const { p, s } = hit([x, y, z]);
    const [ta, tb] = tangents(s);
    for (const pn of panels) {
      if (pn.s === s && Math.abs(p[ta]! - pn.c[ta]!) <= pn.half[0]! && Math.abs(p[tb]! - pn.c[tb]!) <= pn.half[1]!) return [...pn.L];
    }
    const n = SURFACES[s]!.normal;
    const E: V3 = [...indirect];
    for (const pn of panels) {
      if (pn.s === s) continue;
      const d = [pn.c[0] - p[0], pn.c[1] - p[1], pn.c[2] - p[2]];
      const r2 = d[0]! * d[0]! + d[1]! * d[1]! + d[2]! * d[2]!, r = Math.sqrt(r2);
      const np = SURFACES[pn.s]!.normal;
      const cosX = (n[0] * d[0]! + n[1] * d[1]! + n[2] * d[2]!) / r, cosP = -(np[0] * d[0]! + np[1] * d[1]! + np[2] * d[2]!) / r;
      if (cosX <= 0 || cosP <= 0) continue;
      const g = (pn.area * cosX * cosP) / (r2 + pn.area / Math.PI);
      for (let c = 0; c < 3; c++) E[c]! += pn.L[c]! * g;
    }
    const axis = SURFACES[s]!.axis;
    const rho = axis === 2 ? (SURFACES[s]!.side < 0 ? sample(floor, p[0], p[1]) : ceiling) : sample(walls, p[ta]!, p[2]);
    return [rho[0] * E[0] / Math.PI, rho[1] * E[1] / Math.PI, rho[2] * E[2] / Math.PI];
  };
}
