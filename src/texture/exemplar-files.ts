/**
 * A user's exemplar folder (photos of their real table, floor or road): every PNG, JPEG or
 * WebP in it, any size, decoded with sharp to RGB in [0, 1] (alpha dropped, colour profile
 * converted to sRGB). Photos are shrunk so their longer side is at most `maxSide` pixels
 * (default 256): patch diffusion's cost grows with the exemplar's pixels, and the patches
 * then cover texture features rather than sensor noise. Bad input is one InputError naming
 * the folder or the file: missing or empty folder, an unreadable image, one too small.
 */
import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import sharp, { type OutputInfo } from "sharp";
import { InputError } from "../errors.js";
import { fromRgb8, type RgbImage } from "./image.js";

export const EXEMPLAR_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp"] as const;

export interface ExemplarFolder {
  images: RgbImage[];
  /** the files, in name order (as the images) */
  files: string[];
}

export async function loadExemplarFolder(dir: string, options: { patch?: number; maxSide?: number } = {}): Promise<ExemplarFolder> {
  const patch = options.patch ?? 7;
  const maxSide = options.maxSide ?? 256;
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new InputError("not a folder (give a folder of PNG or JPEG photos)", { file: dir });
    names = await readdir(dir);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError("exemplar folder not found", { file: dir });
  }
  const files = names
    .filter((n) => (EXEMPLAR_EXTENSIONS as readonly string[]).includes(extname(n).toLowerCase()))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => join(dir, n));
  if (files.length === 0) throw new InputError(`no exemplar images here (${EXEMPLAR_EXTENSIONS.join(", ")})`, { file: dir });
  const images: RgbImage[] = [];
  for (const file of files) {
    let raw: { data: Buffer; info: OutputInfo };
    try {
      raw = await sharp(file).rotate().toColourspace("srgb").removeAlpha()
        .resize({ width: maxSide, height: maxSide, fit: "inside", withoutEnlargement: true })
        .raw().toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw new InputError(`cannot decode this image: ${(err as Error).message}`, { file });
    }
    const { width, height, channels } = raw.info;
    if (width < patch || height < patch) throw new InputError(`the image is ${width}x${height}, smaller than the ${patch}x${patch} patches it must supply`, { file });
    images.push(fromRgb8(new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), width, height, channels === 4 ? 4 : 3));
  }
  return { images, files };
}
