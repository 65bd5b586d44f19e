/**
 * The host-side renderer: one RenderSession (browser + page) reused across frames, turning
 * a ConcreteScene into raw passes as typed arrays (rows top to bottom, OpenCV pixel grid).
 */
import type { ConcreteScene } from "../scene/schema.js";
import { glProjection, type Intrinsics } from "../sensors/camera.js";
import { glViewMatrix, type Mat4 } from "../math/transforms.js";
import { buildRequest, cameraState } from "./request.js";
import { applyRgbEffects, hasRgbEffects } from "../sensors/rgb-effects.js";
import { RenderSession, type SessionInfo, type SessionOptions } from "./session.js";
import { OBJECTS_PER_COVERAGE_TARGET, type FrameRequest, type LidarViewRequest, type ObjectStats, type PassSelection } from "./protocol.js";
import type { LidarScan } from "./lidar.js";
import { assertFrameSize } from "./frame-limits.js";

export interface PassOptions {
  /** RGB image (default true) */
  rgb?: boolean;
  /** depth, instance and semantic masks, amodal silhouettes (default true) */
  labels?: boolean;
  /** surface normals in the camera frame (default false) */
  normals?: boolean;
  /** every object's unoccluded silhouette as a mask (RenderedFrame.amodal; default false; needs labels) */
  amodalMasks?: boolean;
  /** LiDAR faces rendered from the same scene build (see LidarView) */
  lidarViews?: LidarView[];
}

/** A pinhole view for the LiDAR pass: depth, instance id and plane normal per pixel. */
export interface LidarView {
  T_world_camera: Mat4;
  K: Intrinsics;
  width: number;
  height: number;
  near: number;
  far: number;
  /** only these pixels (row * width + column, rows from the top) come back, 4 floats each; absent: all */
  texels?: Uint32Array;
}

export interface RenderedFrame {
  scene: ConcreteScene;
  width: number;
  height: number;
  K: Intrinsics;
  T_world_camera: Mat4;
  /** RGB8, sRGB */
  rgb?: Uint8Array;
  /** metres along the camera z axis, 0 = no surface */
  depth?: Float32Array;
  /** instance ids, 0 = background */
  instance?: Uint16Array;
  /** class ids, 0 = background */
  semantic?: Uint16Array;
  /** unit normals (x, y, z per pixel) in the OpenCV camera frame, 0 = no surface */
  normals?: Float32Array;
  /** coverage bits of every object's unoccluded silhouette (see PassName "amodal"); read with amodalMask() */
  amodal?: Uint32Array;
  /** per LidarView: depth, instance id, octahedral plane normal (2) per pixel or listed pixel */
  lidarViews?: Float32Array[];
  /** per object, in scene order */
  objects: ObjectStats[];
  /** one scan per LiDAR of the scene (filled in by the caller that scans them) */
  lidars?: LidarScan[];
  /** milliseconds per step in the page */
  timings: Record<string, number>;
}

/** Bytes at an offset aligned for any typed array (small Buffers share a pool at odd offsets). */
function aligned(buf: Buffer): Uint8Array {
  return buf.byteOffset % 8 === 0 ? buf : new Uint8Array(buf);
}

const decode = {
  u8: (buf: Buffer) => aligned(buf),
  u16: (buf: Buffer) => {
    const b = aligned(buf);
    return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
  },
  u32: (buf: Buffer) => {
    const b = aligned(buf);
    return new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  },
  f32: (buf: Buffer) => {
    const b = aligned(buf);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  },
};

/**
 * The unoccluded silhouette of the object at `index` (scene order) as 0/1 per pixel, rows
 * from the top, from a frame rendered with `amodalMasks`.
 */
export function amodalMask(frame: RenderedFrame, index: number): Uint8Array {
  if (!frame.amodal) throw new Error("amodalMask() needs a frame rendered with amodalMasks");
  const n = frame.objects.length;
  const pixels = frame.width * frame.height;
  const group = Math.floor(index / OBJECTS_PER_COVERAGE_TARGET);
  let offset = 0;
  for (let g = 0; g < group; g++) offset += pixels * Math.ceil(Math.min(OBJECTS_PER_COVERAGE_TARGET, n - g * OBJECTS_PER_COVERAGE_TARGET) / 24);
  const words = Math.ceil(Math.min(OBJECTS_PER_COVERAGE_TARGET, n - group * OBJECTS_PER_COVERAGE_TARGET) / 24);
  const j = index - group * OBJECTS_PER_COVERAGE_TARGET;
  const word = Math.floor(j / 24);
  const bit = 1 << (j % 24);
  const out = new Uint8Array(pixels);
  const bits = frame.amodal;
  for (let p = 0, i = offset + word; p < pixels; p++, i += words) out[p] = bits[i]! & bit ? 1 : 0;
  return out;
}

/** Class id per pixel from instance ids and the scene's object -> class table. */
export function semanticFromInstance(instance: Uint16Array, scene: ConcreteScene): Uint16Array {
  const classIds = new Map(scene.classes.map((c) => [c.name, c.id]));
  const lut = new Uint16Array(65536);
  for (const o of scene.objects) lut[o.id] = classIds.get(o.class) ?? 0;
  const out = new Uint16Array(instance.length);
  for (let i = 0; i < instance.length; i++) out[i] = lut[instance[i]!]!;
  return out;
}

function lidarViewRequest(v: LidarView): LidarViewRequest {
  return {
    width: v.width,
    height: v.height,
    view: Array.from(glViewMatrix(v.T_world_camera)),
    projection: Array.from(glProjection(v.K, v.width, v.height, v.near, v.far)),
    intrinsics: [v.K.fx, v.K.fy, v.K.cx, v.K.cy],
    ...(v.texels ? { texels: Buffer.from(v.texels.buffer, v.texels.byteOffset, v.texels.byteLength).toString("base64") } : {}),
  };
}

export class Renderer {
  private issuing: Promise<void> = Promise.resolve();

  private constructor(private readonly session: RenderSession) {}

  static async open(options: SessionOptions = {}): Promise<Renderer> {
    return new Renderer(await RenderSession.open(options));
  }

  /** Browser, WebGL renderer string (SwiftShader or a GPU) and versions. */
  get info(): SessionInfo {
    return this.session.info;
  }

  get alive(): boolean {
    return this.session.alive;
  }

  /** The browser's process id. */
  get pid(): number | undefined {
    return this.session.pid;
  }

  async render(scene: ConcreteScene, options: PassOptions & { file?: string } = {}): Promise<RenderedFrame> {
    const passes: PassSelection = {
      rgb: options.rgb ?? true,
      labels: options.labels ?? true,
      normals: options.normals ?? false,
      coverage: options.labels ?? true,
      ...(options.amodalMasks && (options.labels ?? true) ? { amodalMasks: true } : {}),
    };
    assertFrameSize(scene.camera.width, scene.camera.height, passes, scene.objects.length, this.session.info.limits, options.file ?? "scene");
    const cam = cameraState(scene);
    const s = this.session;
    // Requests are built and handed to the page one at a time, in order, even when frames
    // overlap: the asset ledger's view (what the page holds, what it drops) is only right
    // if the page sees requests in the order they were built.
    const issued = this.issuing.then(async () => {
      const req: FrameRequest = await buildRequest(scene, cam, {
        passes,
        ledger: s.assets,
        serve: (key, source) => s.serve(key, source),
        file: options.file ?? "scene",
      });
      // the page keeps its own copy of a dropped asset until it reads this request; a later
      // request that needs it again is served afresh
      s.forget(req.evict);
      if (options.lidarViews) req.lidarViews = options.lidarViews.map(lidarViewRequest);
      return { req, reply: s.render(req) };
    });
    this.issuing = issued.then(() => undefined, () => undefined);
    const { req, reply: replied } = await issued;
    const reply = await replied;
    const posted = RenderSession.passes(reply);
    s.assets.received(Object.keys(req.assets));
    const frame: RenderedFrame = {
      scene,
      width: req.width,
      height: req.height,
      K: cam.K,
      T_world_camera: cam.T_world_camera,
      objects: reply.objects,
      timings: reply.timings,
    };
    if (posted.rgb) {
      frame.rgb = decode.u8(posted.rgb);
      // camera sensor effects act on RGB only; the label passes are untouched
      const fx = scene.camera.effects;
      if (fx && hasRgbEffects(fx)) frame.rgb = applyRgbEffects(frame.rgb, req.width, req.height, fx, 3);
    }
    if (posted.depth) frame.depth = decode.f32(posted.depth);
    if (posted.instance) {
      frame.instance = decode.u16(posted.instance);
      frame.semantic = semanticFromInstance(frame.instance, scene);
    }
    if (posted.normals) frame.normals = decode.f32(posted.normals);
    if (posted.amodal) frame.amodal = decode.u32(posted.amodal);
    if (reply.lidarViews) frame.lidarViews = reply.lidarViews.map((v) => decode.f32(RenderSession.inflate(v)));
    return frame;
  }

  /** Drops the WebGL context as a GPU reset would (failure tests). */
  loseContext(): Promise<void> {
    return this.session.loseContext();
  }

  /** Kills the browser (crash tests). */
  kill(): void {
    this.session.kill();
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
