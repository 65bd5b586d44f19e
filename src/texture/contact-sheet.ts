/**
 * Contact sheets of textures, written as PNG with sharp:
 * - `textureReport`: each texture of a folder tiled 2x2, so a seam shows as a line through
 *   the middle if there is one, captioned with its metrics from the JSON sidecar;
 * - `materialSheet`: rows of images with a label (the README's exemplar | samples sheet).
 * Captions are SVG text composited by sharp (librsvg), so no font files are shipped.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import sharp, { type OverlayOptions } from "sharp";
import { InputError } from "../errors.js";
import { writeFileAtomic } from "../formats/atomic.js";
import { escapeHtml } from "../formats/html.js";


function caption(lines: string[], width: number, height: number): Buffer {
  const text = lines.map((l, i) => `<text x="6" y="${16 + i * 15}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#222">${escapeHtml(l)}</text>`).join("");
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fafafa"/>${text}</svg>`);
}

/** An image scaled to `side`x`side`, tiled 2x2 (2·side square). */
async function tiled(png: Buffer, side: number): Promise<Buffer> {
  const one = await sharp(png).resize(side, side, { kernel: "nearest" }).removeAlpha().png().toBuffer();
  return sharp({ create: { width: 2 * side, height: 2 * side, channels: 3, background: "#000" } })
    .composite([0, 1, 2, 3].map((k) => ({ input: one, left: (k % 2) * side, top: Math.floor(k / 2) * side })))
    .png()
    .toBuffer();
}

function metricLines(meta: unknown): string[] {
  const m = (meta as { meta?: { metrics?: Record<string, number | null> | null; backend?: string; seed?: unknown } } | null)?.meta;
  const lines: string[] = [];
  if (m?.backend) lines.push(`${m.backend}, seed ${String(m.seed)}`);
  for (const [k, v] of Object.entries(m?.metrics ?? {})) if (typeof v === "number") lines.push(`${k} ${v.toFixed(3)}`);
  return lines;
}

/** Writes `file`: every texture PNG of `dir` tiled 2x2 with its metrics, `columns` per row. */
export async function textureReport(dir: string, file: string, options: { side?: number; columns?: number } = {}): Promise<string> {
  const side = options.side ?? 128;
  const columns = options.columns ?? 4;
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".png") && n !== basename(file)).sort();
  } catch {
    throw new InputError("folder not found", { file: dir });
  }
  if (names.length === 0) throw new InputError("no textures (.png) to report on", { file: dir });
  const capH = 110;
  const cellW = 2 * side;
  const cellH = 2 * side + capH;
  const layers: OverlayOptions[] = [];
  for (const [i, n] of names.entries()) {
    const left = (i % columns) * (cellW + 8);
    const top = Math.floor(i / columns) * (cellH + 8);
    let sidecar: unknown = null;
    try {
      sidecar = JSON.parse(await readFile(join(dir, n.replace(/\.png$/, ".json")), "utf8"));
    } catch {
      // a texture without a sidecar: the caption has its name only
    }
    layers.push({ input: await tiled(await readFile(join(dir, n)), side), left, top });
    layers.push({ input: caption([n, ...metricLines(sidecar)].slice(0, 7), cellW, capH), left, top: top + 2 * side });
  }
  const rows = Math.ceil(names.length / columns);
  const out = await sharp({ create: { width: Math.min(columns, names.length) * (cellW + 8), height: rows * (cellH + 8), channels: 3, background: "#fff" } })
    .composite(layers)
    .png()
    .toBuffer();
  await writeFileAtomic(file, out);
  return file;
}

/** Writes `file` (JPEG): one row per entry, its label then its images side by side at `side` px. */
export async function materialSheet(rows: { label: string; images: Buffer[] }[], file: string, side = 160): Promise<string> {
  const labelW = 130;
  const cols = Math.max(...rows.map((r) => r.images.length));
  const layers: OverlayOptions[] = [];
  for (const [r, row] of rows.entries()) {
    const top = r * (side + 6);
    layers.push({ input: caption([row.label], labelW, side), left: 0, top });
    for (const [c, img] of row.images.entries()) {
      layers.push({ input: await sharp(img).resize(side, side).removeAlpha().png().toBuffer(), left: labelW + c * (side + 6), top });
    }
  }
  const out = await sharp({ create: { width: labelW + cols * (side + 6), height: rows.length * (side + 6), channels: 3, background: "#fff" } })
    .composite(layers)
    .jpeg({ quality: 85 })
    .toBuffer();
  await writeFileAtomic(file, out);
  return file;
}
