/**
 * Babylon.js prefiltered environment files (.env, Babylon's EnvironmentTextureTools): the 8
 * magic bytes 86 16 87 96 f6 d6 96 36, a JSON manifest ending in a NUL byte, then the
 * images it lists: per mip level (largest first), the six faces of a cube map (+X, -X, +Y,
 * -Y, +Z, -Z, OpenGL's layout, the image's top row the face's last) as PNG or WebP images in RGBD:
 * linear radiance = (rgb / 255)^2.2 / (a / 255). Version 1 files are PNG, version 2 names
 * its `imageType`. Only level 0 (the sharp, unfiltered cube) is read: simforge prefilters
 * the cube itself, as it does for .hdr images.
 */
import sharp, { type OutputInfo } from "sharp";
import { InputError } from "../errors.js";

const MAGIC = [0x86, 0x16, 0x87, 0x96, 0xf6, 0xd6, 0x96, 0x36];

export interface EnvCube {
  /** face size in texels */
  size: number;
  /** six faces (+X, -X, +Y, -Y, +Z, -Z) of linear RGB, 3 floats a texel, rows from the first stored */
  faces: Float32Array[];
}

interface Manifest {
  version?: number;
  width?: number;
  imageType?: string;
  specular?: { mipmaps?: { position: number; length: number }[] };
}

export async function decodeBabylonEnv(bytes: Uint8Array, file: string): Promise<EnvCube> {
  const fail = (why: string) => new InputError(`not a readable Babylon .env file: ${why}`, { file });
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) throw fail("it does not start with the .env magic bytes");
  const end = bytes.indexOf(0, MAGIC.length);
  if (end < 0) throw fail("its manifest never ends");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length, end)).toString("latin1")) as Manifest;
  } catch {
    throw fail("its manifest is not JSON");
  }
  const version = manifest.version ?? 1;
  if (version > 2) throw fail(`version ${version} (versions 1 and 2 are read)`);
  const size = manifest.width;
  const mipmaps = manifest.specular?.mipmaps;
  if (!Number.isInteger(size) || size! < 1 || !Array.isArray(mipmaps) || mipmaps.length < 6) throw fail("its manifest lists no cube (width, specular.mipmaps)");
  const type = version === 2 ? (manifest.imageType ?? "image/png") : "image/png";
  if (type !== "image/png" && type !== "image/webp") throw fail(`images of type ${type} (PNG and WebP are read)`);
  const data = end + 1;
  const faces: Float32Array[] = [];
  for (let f = 0; f < 6; f++) {
    const { position, length } = mipmaps[f]!;
    if (!(position >= 0 && length > 0 && data + position + length <= bytes.length)) throw fail(`face ${f} lies outside the file`);
    let px: Buffer, info: OutputInfo;
    try {
      ({ data: px, info } = await sharp(bytes.subarray(data + position, data + position + length)).ensureAlpha().raw().toBuffer({ resolveWithObject: true }));
    } catch {
      throw fail(`face ${f} is not a decodable ${type === "image/png" ? "PNG" : "WebP"} image`);
    }
    if (info.width !== size || info.height !== size || info.channels !== 4) throw fail(`face ${f} is ${info.width}x${info.height}, not ${size}x${size}`);
    const n = size!;
    const out = new Float32Array(n * n * 3);
    for (let i = 0; i < n * n; i++) {
      // the image's last row is the face's first (Babylon reads a face back and encodes it bottom row first)
      const x = i % n, o = (n - 1 - (i - x) / n) * n + x;
      const d = px[i * 4 + 3]! / 255;
      for (let c = 0; c < 3; c++) out[o * 3 + c] = d > 0 ? (px[i * 4 + c]! / 255) ** 2.2 / d : 0;
    }
    faces.push(out);
  }
  return { size: size!, faces };
}
