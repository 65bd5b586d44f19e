// The README's picture of a LiDAR scan: a frame's bird's-eye view next to its camera image,
// with the range image (rows stretched 3x so 64 rings are visible) underneath.
// Usage: node scripts/lidar-picture.mjs FRAME_DIR SENSOR_NAME out.jpg
import sharp from "sharp";
import { join } from "node:path";

const [dir, name, file] = process.argv.slice(2);
if (!dir || !name || !file) throw new Error("usage: node scripts/lidar-picture.mjs FRAME_DIR SENSOR_NAME out.jpg");
const bev = join(dir, `lidar_${name}_bev.png`), range = join(dir, `lidar_${name}_range.png`);
const { width: bw, height: bh } = await sharp(bev).metadata();
const { width: rw, height: rh } = await sharp(range).metadata();
const cam = await sharp(join(dir, "rgb.png")).resize({ height: bh }).toBuffer();
const { width: cw } = await sharp(cam).metadata();
const rangeTall = await sharp(range).resize({ width: rw, height: rh * 3, kernel: "nearest" }).resize({ width: bw + cw }).toBuffer();
const { height: rth } = await sharp(rangeTall).metadata();
await sharp({ create: { width: bw + cw, height: bh + rth, channels: 3, background: "#000" } })
  .composite([{ input: bev, left: 0, top: 0 }, { input: cam, left: bw, top: 0 }, { input: rangeTall, left: 0, top: bh }])
  [file.endsWith(".jpg") ? "jpeg" : "png"]()
  .toFile(file);
