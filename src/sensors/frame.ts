/**
 * One frame of every sensor of a scene: the camera passes and the cube faces of all its
 * LiDARs come from one scene build on the page; then the LiDAR scans are finished on the host.
 */
import type { ConcreteScene } from "../scene/schema.js";
import { concreteLidarBackends, planLidarScan } from "./lidar/pipeline.js";
import { decodeFrame, type PassOptions, type RenderedFrame, type Renderer } from "../render/renderer.js";
import { averageSrgb } from "../render/rgb-effects.js";
import { sceneAt } from "../scene/motion.js";
import { isPinhole } from "../math/lens.js";
import { InputError } from "../errors.js";
import type { LidarScan } from "./lidar/pipeline.js";

/** A rendered frame with its LiDAR scans: what the writers take. */
export interface SensorFrame extends RenderedFrame {
  /** one scan per LiDAR of the scene */
  lidars?: LidarScan[];
}

/** The camera passes of a scene and the cube faces of all its LiDARs, from one scene build on the page; then the scans. */
export async function renderSensors(r: Renderer, input: ConcreteScene, options: PassOptions, file: string): Promise<SensorFrame> {
  // the LiDAR backends this renderer gets ("auto" decided), recorded in the frame's scene
  const scene = concreteLidarBackends(input, r.info.renderer, file);
  const plans = scene.lidars.map((_, i) => planLidarScan(scene, i, file));
  const views = plans.flatMap((p) => p.views);
  const blur = options.rgb !== false ? scene.camera.effects?.motionBlur : undefined;
  if (blur && scene.camera.distortion && !isPinhole(scene.camera.distortion)) {
    throw new InputError("motion blur is rendered for pinhole cameras only, not with lens distortion (yet)", { file, field: "camera.effects.motionBlur" });
  }
  // with motion blur the frame stays raw until its RGB is the exposure's average (the effects act on that)
  const frame: SensorFrame = await r.render(scene, { ...options, file, ...(views.length ? { lidarViews: views } : {}), ...(blur ? { raw: true } : {}) });
  if (blur) {
    await exposeRgb(r, scene, frame, blur, file);
    if (!options.raw) decodeFrame(frame);
  }
  if (plans.length > 0) {
    let at = 0;
    frame.lidars = await Promise.all(plans.map((p) => p.finish(frame.lidarViews?.slice(at, (at += p.views.length)) ?? [])));
    delete frame.lidarViews;
  }
  return frame;
}


/**
 * Motion blur: the frame's RGB becomes the average, in linear light, of the scene at
 * `samples` moments evenly spread over [0, exposure] (the first is the frame itself), each
 * with the objects and the rig moved (scene/motion.ts). Only RGB is rendered for the later
 * moments; the labels stay those of the frame's time.
 */
async function exposeRgb(r: Renderer, scene: ConcreteScene, frame: SensorFrame, blur: { exposure: number; samples: number }, file: string): Promise<void> {
  const first = frame.raw?.parts["rgba"];
  if (!first) return;
  const images = [first];
  for (let i = 1; i < blur.samples; i++) {
    const moment = sceneAt(scene, (blur.exposure * i) / (blur.samples - 1));
    const sub = await r.render(moment, { rgb: true, labels: false, normals: false, raw: true, file: `${file}: camera.effects.motionBlur` });
    images.push(sub.raw!.parts["rgba"]!);
  }
  frame.raw!.parts["rgba"] = averageSrgb(images, 4);
}
