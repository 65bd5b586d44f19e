/**
 * A scene's environment (scene.environment) as the cube map the page lights with: six
 * float RGBA faces of linear radiance, made on the host from the Preetham sky
 * (src/math/sky.ts), a studio room (render/studio.ts), an equirectangular Radiance .hdr image
 * or a Babylon .env cube (formats/babylon-env.ts), and keyed by content so a
 * sweep makes and sends each environment once. The page prefilters it for PBR
 * (src/page/environment.ts).
 *
 * Faces follow OpenGL's cube map layout (+X, -X, +Y, -Y, +Z, -Z; texel (u, v) of a face,
 * rows from the first stored, at s = 2(u + 0.5)/N - 1, t = 2(v + 0.5)/N - 1, looks along
 * +X: (1, -t, -s), -X: (-1, -t, s), +Y: (s, 1, t), -Y: (s, -1, -t), +Z: (s, -t, 1),
 * -Z: (-s, -t, -1)). The page samples the cube with the world direction as Babylon's
 * right-handed scenes do, with z negated; a face texel therefore holds the radiance of the
 * world direction (x, y, -z) of its cube direction.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { InputError, errnoText } from "../errors.js";
import { preethamSky } from "../math/sky.js";
import { studioRadiance } from "./studio.js";
import { decodeBabylonEnv, type EnvCube } from "../formats/babylon-env.js";
import type { ConcreteScene } from "../scene/schema.js";
import { LruCache } from "../lru-cache.js";

export type EnvironmentSpec = NonNullable<ConcreteScene["environment"]>;

/** The file extension the page sees for an environment asset (it is never a file on disk). */
export const ENVIRONMENT_EXT = ".simforge-env";

/** The cube direction of texel (u, v) of face f (OpenGL layout), not normalized. */
export function cubeDirection(f: number, u: number, v: number, size: number): [number, number, number] {
  const s = (2 * (u + 0.5)) / size - 1, t = (2 * (v + 0.5)) / size - 1;
  switch (f) {
    case 0: return [1, -t, -s];
    case 1: return [-1, -t, s];
    case 2: return [s, 1, t];
    case 3: return [s, -1, -t];
    case 4: return [s, -t, 1];
    default: return [-s, -t, -1];
  }
}

/** Fills six faces of `size`² RGBA float texels from a radiance function of unit world directions (Z up). */
function cubeFrom(size: number, radiance: (x: number, y: number, z: number) => readonly number[], turn: number, scale: number): Float32Array {
  const out = new Float32Array(6 * size * size * 4);
  const c = Math.cos(turn), sn = Math.sin(turn);
  let o = 0;
  for (let f = 0; f < 6; f++) {
    for (let v = 0; v < size; v++) {
      for (let u = 0; u < size; u++) {
        const [cx, cy, cz] = cubeDirection(f, u, v, size);
        const l = Math.hypot(cx, cy, cz);
        // the world direction this texel is looked up with (z negated), turned back by the environment's rotation
        const wx = cx / l, wy = cy / l, wz = -cz / l;
        const rgb = radiance(c * wx + sn * wy, -sn * wx + c * wy, wz);
        out[o++] = Math.max(0, rgb[0]!) * scale;
        out[o++] = Math.max(0, rgb[1]!) * scale;
        out[o++] = Math.max(0, rgb[2]!) * scale;
        out[o++] = 1;
      }
    }
  }
  return out;
}

/** An equirectangular image of linear RGB floats (rows from the top: zenith first). */
export interface HdrImage {
  width: number;
  height: number;
  /** RGB per pixel */
  data: Float32Array;
}

/**
 * Parses a Radiance RGBE (.hdr) file: the "#?RADIANCE" / "#?RGBE" header, FORMAT=32-bit_rle_rgbe,
 * a "-Y H +X W" resolution line, then flat or run-length-encoded scanlines (Greg Ward's format).
 */
export function parseHdr(bytes: Uint8Array, file: string): HdrImage {
  const fail = (why: string) => new InputError(`not a readable Radiance .hdr file: ${why}`, { file });
  let pos = 0;
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    if (end < 0) throw fail("the header never ends");
    const s = Buffer.from(bytes.subarray(pos, end)).toString("latin1");
    pos = end + 1;
    return s;
  };
  const magic = line();
  if (!magic.startsWith("#?")) throw fail(`it starts with ${JSON.stringify(magic.slice(0, 16))}, not "#?RADIANCE"`);
  for (let l = line(); l !== ""; l = line()) {
    if (l.startsWith("FORMAT=") && l !== "FORMAT=32-bit_rle_rgbe") throw fail(`unsupported ${l} (only 32-bit_rle_rgbe)`);
  }
  const res = /^-Y (\d+) \+X (\d+)$/.exec(line().trim());
  if (!res) throw fail('only the standard orientation "-Y H +X W" is supported');
  const height = Number(res[1]), width = Number(res[2]);
  if (!(width > 0 && height > 0 && width * height <= 2 ** 26)) throw fail(`bad size ${width}x${height}`);
  const data = new Float32Array(width * height * 3);
  const scan = new Uint8Array(width * 4);
  for (let y = 0; y < height; y++) {
    if (pos + 4 > bytes.length) throw fail(`it ends at scanline ${y} of ${height}`);
    if (width >= 8 && width < 32768 && bytes[pos] === 2 && bytes[pos + 1] === 2 && (bytes[pos + 2]! << 8 | bytes[pos + 3]!) === width) {
      pos += 4;
      for (let c = 0; c < 4; c++) {
        for (let x = 0; x < width; ) {
          if (pos >= bytes.length) throw fail(`it ends inside scanline ${y}`);
          let n = bytes[pos++]!;
          if (n > 128) {
            n -= 128;
            if (n === 0 || x + n > width) throw fail(`a bad run in scanline ${y}`);
            const val = bytes[pos++]!;
            for (let k = 0; k < n; k++) scan[(x++) * 4 + c] = val;
          } else {
            if (n === 0 || x + n > width || pos + n > bytes.length) throw fail(`a bad run in scanline ${y}`);
            for (let k = 0; k < n; k++) scan[(x++) * 4 + c] = bytes[pos++]!;
          }
        }
      }
    } else {
      if (pos + width * 4 > bytes.length) throw fail(`it ends at scanline ${y} of ${height}`);
      scan.set(bytes.subarray(pos, pos + width * 4));
      pos += width * 4;
    }
    for (let x = 0; x < width; x++) {
      const e = scan[x * 4 + 3]!;
      const f = e === 0 ? 0 : Math.pow(2, e - 136); // m · 2^(e - 136), as stb_image and most readers decode RGBE
      const o = (y * width + x) * 3;
      data[o] = scan[x * 4]! * f;
      data[o + 1] = scan[x * 4 + 1]! * f;
      data[o + 2] = scan[x * 4 + 2]! * f;
    }
  }
  return { width, height, data };
}

/** Bilinear radiance of an equirectangular image in a world direction: top row the zenith, centre column +X, azimuth increasing to the left. */
export function equirectRadiance(img: HdrImage): (x: number, y: number, z: number) => [number, number, number] {
  const { width: W, height: H, data } = img;
  return (x, y, z) => {
    const fu = (0.5 - Math.atan2(y, x) / (2 * Math.PI)) * W - 0.5;
    const fv = (Math.acos(Math.max(-1, Math.min(1, z))) / Math.PI) * H - 0.5;
    const u0 = Math.floor(fu), v0 = Math.max(0, Math.min(H - 1, Math.floor(fv)));
    const v1 = Math.min(H - 1, v0 + 1);
    const a = fu - u0, b = Math.max(0, Math.min(1, fv - v0));
    const at = (u: number, v: number, c: number) => data[(v * W + (((u % W) + W) % W)) * 3 + c]!;
    return [0, 1, 2].map((c) => (1 - b) * ((1 - a) * at(u0, v0, c) + a * at(u0 + 1, v0, c)) + b * ((1 - a) * at(u0, v1, c) + a * at(u0 + 1, v1, c))) as [number, number, number];
  };
}

/**
 * The radiance of a Babylon .env cube in a world direction. Babylon's world is left-handed
 * with +Y up, where a cube is looked up with the direction itself: a viewer looking along
 * +Z with +Y up has +X on the right. simforge's world is right-handed with +Z up, so the
 * cube's (x, y, z) is world (z, -x, y): up stays up, and a camera looking along world +X
 * sees what Babylon's camera looking along +Z sees, the same way round. Bilinear within a face.
 */
export function cubeRadiance(cube: EnvCube): (x: number, y: number, z: number) => [number, number, number] {
  const N = cube.size;
  return (wx, wy, wz) => {
    const x = -wy, y = wz, z = wx;
    const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
    // OpenGL's face selection and (sc, tc) per face
    let f: number, sc: number, tc: number, ma: number;
    if (ax >= ay && ax >= az) [f, sc, tc, ma] = x > 0 ? [0, -z, -y, ax] : [1, z, -y, ax];
    else if (ay >= az) [f, sc, tc, ma] = y > 0 ? [2, x, z, ay] : [3, x, -z, ay];
    else [f, sc, tc, ma] = z > 0 ? [4, x, -y, az] : [5, -x, -y, az];
    const fu = ((sc / ma + 1) / 2) * N - 0.5, fv = ((tc / ma + 1) / 2) * N - 0.5;
    const u0 = Math.max(0, Math.min(N - 1, Math.floor(fu))), v0 = Math.max(0, Math.min(N - 1, Math.floor(fv)));
    const u1 = Math.min(N - 1, u0 + 1), v1 = Math.min(N - 1, v0 + 1);
    const a = Math.max(0, Math.min(1, fu - u0)), b = Math.max(0, Math.min(1, fv - v0));
    const F = cube.faces[f]!;
    const at = (u: number, v: number, c: number) => F[(v * N + u) * 3 + c]!;
    return [0, 1, 2].map((c) => (1 - b) * ((1 - a) * at(u0, v0, c) + a * at(u1, v0, c)) + b * ((1 - a) * at(u0, v1, c) + a * at(u1, v1, c))) as [number, number, number];
  };
}

/** A made environment: the page asset's content key and bytes (a uint32 face size, then the six faces' RGBA float32 texels). */
export interface EnvironmentAsset {
  key: string;
  bytes: Uint8Array;
}

const made = new LruCache<string, EnvironmentAsset>(8);

/** The environment's cube map, made once per content (sky or studio parameters, or the .hdr's bytes) and kept for the last few. */
export async function environmentAsset(env: Omit<EnvironmentSpec, "background">, file: string): Promise<EnvironmentAsset> {
  let hdrBytes: Uint8Array | undefined;
  const hash = createHash("sha256").update(JSON.stringify({ sky: env.sky, studio: env.studio, intensity: env.intensity, rotation: env.rotation, size: env.size }));
  if (env.hdr) {
    try {
      hdrBytes = await readFile(env.hdr.uri);
    } catch (err) {
      throw new InputError(`cannot read ${env.hdr.uri}: ${errnoText(err)}`, { file, field: "environment.hdr.uri" });
    }
    hash.update(hdrBytes);
  }
  const key = `env-${hash.digest("hex").slice(0, 32)}`;
  let asset = made.get(key);
  if (!asset) {
    let radiance: (x: number, y: number, z: number) => readonly number[];
    if (env.sky) radiance = preethamSky(env.sky).radiance;
    else if (env.studio) radiance = studioRadiance(env.studio, file);
    else {
      try {
        radiance = /\.env$/i.test(env.hdr!.uri) ? cubeRadiance(await decodeBabylonEnv(hdrBytes!, env.hdr!.uri)) : equirectRadiance(parseHdr(hdrBytes!, env.hdr!.uri));
      } catch (err) {
        if (err instanceof InputError) throw new InputError(err.message, { file, field: "environment.hdr.uri" });
        throw err;
      }
    }
    const faces = cubeFrom(env.size, radiance, (env.rotation * Math.PI) / 180, env.intensity);
    const bytes = new Uint8Array(4 + faces.byteLength);
    new DataView(bytes.buffer).setUint32(0, env.size, true);
    bytes.set(new Uint8Array(faces.buffer), 4);
    asset = { key, bytes };
    made.set(key, asset);
  }
  return asset;
}
