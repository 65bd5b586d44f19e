/**
 * One frame of every sensor of a scene: the camera passes and the cube faces of all its
 * LiDARs come from one scene build on the page; then the LiDAR scans are finished on the host.
 */
import type { ConcreteScene } from "../scene/schema.js";
import { concreteLidarBackends, planLidarScan } from "./lidar/pipeline.js";
import type { PassOptions, RenderedFrame, Renderer } from "../render/renderer.js";
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
  const frame: SensorFrame = await r.render(scene, { ...options, file, ...(views.length ? { lidarViews: views } : {}) });
  if (plans.length > 0) {
    let at = 0;
    frame.lidars = await Promise.all(plans.map((p) => p.finish(frame.lidarViews?.slice(at, (at += p.views.length)) ?? [])));
    delete frame.lidarViews;
  }
  return frame;
}

