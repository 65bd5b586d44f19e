// A contact sheet of a dataset's first 8 frames (RGB), 4 by 2, for the README.
// Usage: node scripts/contact-sheet.mjs OUT_DIR sheet.png|sheet.jpg
import sharp from "sharp";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const [out, file] = process.argv.slice(2);
if (!out || !file) throw new Error("usage: node scripts/contact-sheet.mjs OUT_DIR sheet.png");
const frames = readdirSync(join(out, "frames")).filter((f) => /^\d{6}$/.test(f)).sort().slice(0, 8);
const { width: w, height: h } = await sharp(join(out, "frames", frames[0], "rgb.png")).metadata();
const gap = 4;
const sheet = await sharp({ create: { width: 4 * w + 3 * gap, height: 2 * h + gap, channels: 3, background: "#ffffff" } })
  .composite(frames.map((f, i) => ({ input: join(out, "frames", f, "rgb.png"), left: (i % 4) * (w + gap), top: Math.floor(i / 4) * (h + gap) })))
  .png()
  .toBuffer();
// JPEG for frames with sensor noise (a noisy PNG sheet is megabytes), PNG otherwise
const resized = sharp(sheet).resize({ width: 1600 });
await (file.endsWith(".jpg") ? resized.jpeg({ quality: 85, mozjpeg: true }) : resized.png({ compressionLevel: 9 })).toFile(file);
