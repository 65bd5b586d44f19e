// The README's texture contact sheet: for every built-in material, its first procedural
// exemplar, three patch-diffusion samples (seeds 1-3, 256 px) and sample 1 tiled 2x2 (a seam
// would show as a cross through the middle). Uses dist/ (npm run build first).
//   node scripts/texture-sheet.mjs [out.jpg]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { generateTexture, EXEMPLAR_SEED } = await import(join(root, "dist/texture/generate.js"));
const { MATERIALS, materialExemplars } = await import(join(root, "dist/texture/exemplars.js"));
const { toRgb8 } = await import(join(root, "dist/texture/image.js"));
const { materialSheet } = await import(join(root, "dist/texture/contact-sheet.js"));

const out = process.argv[2] ?? join(root, "assets", "docs", "textures.jpg");
const png = (img) => sharp(Buffer.from(toRgb8(img)), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
const rows = [];
for (const material of MATERIALS) {
  const images = [await png(materialExemplars(material, 128, 2, EXEMPLAR_SEED)[0].image)];
  let first;
  for (const seed of [1, 2, 3]) {
    const g = await generateTexture({ material, seed, size: 256, metrics: false });
    first ??= await png(g.image);
    images.push(await png(g.image));
  }
  const half = await sharp(first).resize(128, 128).toBuffer();
  images.push(await sharp({ create: { width: 256, height: 256, channels: 3, background: "#000" } })
    .composite([0, 1, 2, 3].map((k) => ({ input: half, left: (k % 2) * 128, top: Math.floor(k / 2) * 128 })))
    .png()
    .toBuffer());
  rows.push({ label: material, images });
  process.stderr.write(`${material} `);
}
console.log(`\nwrote ${await materialSheet(rows, out, 150)}`);
