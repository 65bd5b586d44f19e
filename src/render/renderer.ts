/**
 * The host-side renderer: one RenderSession (browser + page) reused across frames, turning
 * a ConcreteScene into raw passes as typed arrays (rows top to bottom, OpenCV pixel grid).
 */
import type { ConcreteScene } from "../scene/schema.js";
import { glProjection, intrinsicsOf, type Intrinsics } from "../math/camera.js";
import { glViewMatrix, type Mat4 } from "../math/transforms.js";
import { buildRequest, cameraState } from "./request.js";
import { applyRgbEffects, hasRgbEffects } from "./rgb-effects.js";
import { createHash } from "node:crypto";
import { RuntimeError } from "../errors.js";
import { RenderSession, type SessionInfo, type SessionOptions } from "./session.js";
import { OBJECTS_PER_COVERAGE_TARGET, type FrameRequest, type LensViewRequest, type LidarViewRequest, type ObjectStats, type PageObjectInfo, type PagePrimitive, type PassSelection } from "../page/protocol.js";
import { amodalBits, asFloat32, asUint32, countCoverage, countCoverageSummary, depthFromPlane, instanceFromPlane, normalsFromTarget, objectsInCoverageTarget, rgbFromRgba } from "./readback.js";
import { assertFrameSize } from "./frame-limits.js";
import { distortParts, lensPlan, viewPart, type LensView } from "./lens.js";

/** The page's timings of a frame's requests, step by step, added up. */
function sumTimings(list: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of list) for (const [k, v] of Object.entries(t)) out[k] = (out[k] ?? 0) + v;
  return out;
}

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
  /**
   * leave the camera passes as the page read them (RenderedFrame.raw) for decodeFrame to
   * turn into images later, e.g. on the writer thread that writes the frame (default false)
   */
  raw?: boolean;
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

/** The page's read-backs of a frame's camera passes, named as UploadPart, with what the page knows of its objects. */
export interface RawReadback {
  parts: Record<string, Uint8Array>;
  objects: PageObjectInfo[];
  amodalMasks: boolean;
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
  /** coverage bits of every object's unoccluded silhouette (see readback.ts amodalBits); read with amodalMask() */
  amodal?: Uint32Array;
  /** per LidarView: depth, instance id, octahedral plane normal (2) per pixel or listed pixel */
  lidarViews?: Float32Array[];
  /** per object, in scene order (empty while the frame is raw) */
  objects: ObjectStats[];
  /** the camera passes' read-backs not decoded yet (see PassOptions.raw and decodeFrame) */
  raw?: RawReadback;
  /** milliseconds per step in the page */
  timings: Record<string, number>;
}

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

/** Content keys of texel lists (the beam plans that own them are cached, so lists are reused by identity). */
const texelKeys = new WeakMap<Uint32Array | Float32Array, string>();
function texelKey(texels: Uint32Array | Float32Array): string {
  let key = texelKeys.get(texels);
  if (!key) {
    key = createHash("sha256").update(new Uint8Array(texels.buffer, texels.byteOffset, texels.byteLength)).digest("hex").slice(0, 32);
    texelKeys.set(texels, key);
  }
  return key;
}

/** A LiDAR view as the page takes it; a texel list crosses only the first time this page (`sent`) needs it. */
function lidarViewRequest(v: LidarView, sent: Set<string>): LidarViewRequest {
  const req: LidarViewRequest = {
    width: v.width,
    height: v.height,
    view: Array.from(glViewMatrix(v.T_world_camera)),
    projection: Array.from(glProjection(v.K, v.width, v.height, v.near, v.far)),
    intrinsics: [v.K.fx, v.K.fy, v.K.cx, v.K.cy],
  };
  if (v.texels) {
    req.texelKey = texelKey(v.texels);
    if (!sent.has(req.texelKey)) {
      req.texels = Buffer.from(v.texels.buffer, v.texels.byteOffset, v.texels.byteLength).toString("base64");
      sent.add(req.texelKey);
    }
  }
  return req;
}

/** How many lens lists (texels, coords) a page keeps: a frame needs at most 10 (5 views), and a sweep may vary its lens every frame. */
const LENS_LISTS_KEPT = 24;

/**
 * A distorted camera's view as the page takes it: its lists cross only when the page does
 * not hold them. `held` lists the keys the page holds, oldest first; beyond LENS_LISTS_KEPT
 * the oldest are dropped here and in the page (the request says which), so the page's
 * GPU memory stays bounded.
 */
function lensViewRequest(v: LensView, held: string[]): LensViewRequest {
  const req: LensViewRequest = { texelKey: texelKey(v.texels), coordKey: texelKey(v.coords) };
  const evict: string[] = [];
  const need = (key: string, data: ArrayBufferView): string | undefined => {
    const at = held.indexOf(key);
    if (at >= 0) {
      held.splice(at, 1);
      held.push(key);
      return undefined;
    }
    held.push(key);
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
  };
  const texels = need(req.texelKey, v.texels);
  const coords = need(req.coordKey, v.coords);
  if (texels) req.texels = texels;
  if (coords) req.coords = coords;
  while (held.length > LENS_LISTS_KEPT) evict.push(held.shift()!);
  if (evict.length) req.evict = evict;
  return req;
}

/** Camera z (rows from the top) to the distance along each pixel's ray, in place. */
function zToRange(depth: Float32Array, width: number, height: number, K: Intrinsics): void {
  for (let v = 0; v < height; v++) {
    const y = (v - K.cy) / K.fy;
    for (let u = 0; u < width; u++) {
      const x = (u - K.cx) / K.fx;
      depth[v * width + u] = depth[v * width + u]! * Math.sqrt(x * x + y * y + 1);
    }
  }
}

/**
 * Turns a frame's raw read-backs (frame.raw) into its images and object statistics: rows
 * flipped, channels picked, coverage counted, RGB sensor effects applied. Renderer.render
 * does this unless asked for a raw frame; a writer thread does it for a raw one.
 */
export function decodeFrame(frame: RenderedFrame): RenderedFrame {
  const raw = frame.raw;
  if (!raw) return frame;
  const { width, height, scene } = frame;
  const lens = lensPlan(scene.camera);
  const parts = lens ? distortParts(raw.parts, lens, raw.objects.length) : raw.parts;
  const part = (name: string) => parts[name];
  const n = raw.objects.length;
  // coverage target k: one plane of bits per 24 of its objects
  const coverage: Uint32Array[][] = [];
  for (let k = 0; part(`coverage${k}.0`); k++) {
    const planes: Uint32Array[] = [];
    for (let c = 0; part(`coverage${k}.${c}`); c++) planes.push(asUint32(part(`coverage${k}.${c}`)!));
    coverage.push(planes);
  }
  const counts = coverage.map((px, k) => countCoverage(px, width, height, objectsInCoverageTarget(k, n)));
  // without amodal masks the page sent each target's summary instead of its bits
  for (let k = coverage.length; part(`coverage${k}.columns`); k++) {
    const rows = [0, 1, 2].map((q) => part(`coverage${k}.rows.${q}`));
    if (!rows.every((r) => r !== undefined)) throw new RuntimeError(`coverage target ${k}: its summary came without all of its row counts`);
    counts.push(countCoverageSummary(rows as Uint8Array[], part(`coverage${k}.columns`)!, width, height, objectsInCoverageTarget(k, n)));
  }
  frame.objects = raw.objects.map((o, i) => {
    const c = counts[Math.floor(i / OBJECTS_PER_COVERAGE_TARGET)];
    const j = i % OBJECTS_PER_COVERAGE_TARGET;
    return { ...o, amodalPixels: c?.pixels[j] ?? 0, amodalBox: c?.boxes[j] ?? null };
  });
  const rgba = part("rgba");
  if (rgba) {
    frame.rgb = rgbFromRgba(rgba, width, height);
    // camera sensor effects act on RGB only; the label passes are untouched
    const fx = scene.camera.effects;
    if (fx && hasRgbEffects(fx)) frame.rgb = applyRgbEffects(frame.rgb, width, height, fx, 3);
  }
  const depth = part("depth");
  const instance = part("instance");
  if (depth) {
    frame.depth = depthFromPlane(depth, width, height);
    // a pinhole camera's range: its camera z times the length of the pixel's ray at z = 1 (pixel centres at integers)
    if (!lens && scene.camera.depth === "range") zToRange(frame.depth, width, height, intrinsicsOf(scene.camera));
  }
  if (instance) {
    frame.instance = instanceFromPlane(instance, width, height);
    frame.semantic = semanticFromInstance(frame.instance, scene);
  }
  const normals = part("normals");
  if (normals) frame.normals = normalsFromTarget(asFloat32(normals), width, height);
  if (raw.amodalMasks && coverage.length) frame.amodal = amodalBits(coverage, width, height);
  delete frame.raw;
  return frame;
}

export class Renderer {
  private issuing: Promise<void> = Promise.resolve();
  /** keys of the LiDAR texel lists this session's page holds */
  private readonly texelListsSent = new Set<string>();
  /** keys of the lens lists this session's page holds, least recently used first */
  private readonly lensListsHeld: string[] = [];

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
    const file = options.file ?? "scene";
    const cam = cameraState(scene, file);
    if (cam.lens && passes.labels) passes.labelPlanes = true;
    for (const v of cam.views) assertFrameSize(v.width, v.height, passes, scene.objects.length, this.session.info.limits, file);
    const s = this.session;
    // Requests are built and handed to the page one at a time, in order, even when frames
    // overlap: the asset ledger's view (what the page holds, what it drops) is only right
    // if the page sees requests in the order they were built. A distorted camera's views
    // are one request each, in a row; the LiDAR faces go with the first.
    const issued = this.issuing.then(async () => {
      const out: { req: FrameRequest; reply: ReturnType<RenderSession["render"]> }[] = [];
      for (const [k, view] of cam.views.entries()) {
        const req: FrameRequest = await buildRequest(scene, view, { passes, ledger: s.assets, serve: (key, source) => s.serve(key, source), file });
        // the page keeps its own copy of a dropped asset until it reads this request; a later
        // request that needs it again is served afresh
        s.forget(req.evict);
        if (k === 0 && options.lidarViews) req.lidarViews = options.lidarViews.map((v) => lidarViewRequest(v, this.texelListsSent));
        if (cam.lens) req.lens = lensViewRequest(cam.lens.views[k]!, this.lensListsHeld);
        out.push({ req, reply: s.render(req) });
      }
      return out;
    });
    this.issuing = issued.then(() => undefined, () => undefined);
    const requests = await issued;
    const replies = await Promise.all(requests.map((r) => r.reply));
    const t0 = performance.now();
    const parts = new Map<string, Uint8Array>();
    for (const [k, reply] of replies.entries()) {
      for (const [name, bytes] of s.takeUpload(reply.upload)) parts.set(name.startsWith("lens.") ? viewPart(k, name) : name, bytes);
      s.assets.received(Object.keys(requests[k]!.req.assets));
    }
    const reply = replies[0]!;
    const frame: RenderedFrame = {
      scene,
      // a distorted camera's frame: decodeFrame resamples the page's pinhole views into it
      width: cam.lens ? cam.lens.width : reply.width,
      height: cam.lens ? cam.lens.height : reply.height,
      K: cam.K,
      T_world_camera: cam.T_world_camera,
      objects: [],
      timings: sumTimings(replies.map((r) => r.timings)),
    };
    if (options.lidarViews) {
      frame.lidarViews = options.lidarViews.map((_, j) => {
        const view = parts.get(`lidar${j}`);
        if (!view) throw new RuntimeError(`the page sent no read-back for LiDAR view ${j}`);
        return asFloat32(view);
      });
    }
    const camera: Record<string, Uint8Array> = {};
    for (const [name, bytes] of parts) if (!name.startsWith("lidar")) camera[name] = bytes;
    frame.raw = { parts: camera, objects: reply.objects, amodalMasks: passes.amodalMasks === true };
    if (!options.raw) decodeFrame(frame);
    frame.timings.host = performance.now() - t0;
    return frame;
  }

  /** Drops the WebGL context as a GPU reset would (failure tests). */
  /** The triangles the page draws for a primitive, in object coordinates (tests of the host's tessellation). */
  drawnPrimitive(shape: PagePrimitive): Promise<{ positions: number[]; indices: number[] }> {
    return this.session.drawnPrimitive(shape);
  }

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
