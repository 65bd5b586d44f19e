// Makes the README's picture strip (RGB | depth | instance | semantic) from a rendered frame.
// Usage: node scripts/picture-strip.mjs out/demo/frames/000000 docs-image.png
import sharp from "sharp";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { decodeNpy } = await import(join(root, "dist/formats/npy.js"));
const { decodePng, colorizeDepth, colorizeIds } = await import(join(root, "dist/formats/png.js"));
const [frameDir, outFile] = process.argv.slice(2);
if (!frameDir || !outFile) throw new Error("usage: node scripts/picture-strip.mjs FRAME_DIR OUT.png");

const depth = decodeNpy(readFileSync(join(frameDir, "depth.npy")));
const [h, w] = depth.shape;
const inst = await decodePng(readFileSync(join(frameDir, "instance.png")));
const raw = (data) => sharp(Buffer.from(data), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
const tiles = [
  readFileSync(join(frameDir, "rgb.png")),
  await raw(colorizeDepth(depth.data, w, h)),
  await raw(colorizeIds(inst.data, w, h)),
  readFileSync(join(frameDir, "semantic_preview.png")),
];
const gap = 6;
const strip = await sharp({ create: { width: 4 * w + 3 * gap, height: h, channels: 3, background: "#ffffff" } })
  .composite(tiles.map((input, i) => ({ input, left: i * (w + gap), top: 0 })))
  .png()
  .toBuffer();
await sharp(strip)
  .resize({ width: 1600 })
  .png({ compressionLevel: 9 })
  .toFile(outFile);
