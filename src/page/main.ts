/**
 * The page side of simforge (bundled with esbuild into dist/page.js, served to a blank
 * page by the session's loopback server): builds the Babylon scene of a FrameRequest, renders RGB (anti-aliased) and
 * the label passes from that one scene state, and sends the pixels back.
 */
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { Scene } from "@babylonjs/core/scene.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Layer } from "@babylonjs/core/Layers/layer.js";
import "@babylonjs/core/Layers/layerSceneComponent.js";
import { CONTEXT_LOST, OBJECTS_PER_COVERAGE_TARGET, type FrameReply, type FrameRequest, type PageApi, type PageInfo, type PassName, type PageTexture } from "../render/protocol.js";
import { AssetCache } from "./assets.js";
import { LightRig, NodePool, buildFrame, placedTexture } from "./build-scene.js";
import { MatrixCamera } from "./camera.js";
import { deflateBase64 } from "./encode.js";
import { FloatTarget, PassMaterials, bindPass, countCoverage } from "./passes.js";

let engine: Engine;
let scene: Scene;
let assets: AssetCache;
const pool = new NodePool();
const lights = new LightRig();
let passMaterials: PassMaterials;
let contextLost = false;
let backdrop: Layer | undefined;
const targets = new Map<string, FloatTarget>();

function target(name: string, width: number, height: number, stencil: boolean): FloatTarget {
  const key = `${name}:${width}x${height}`;
  let t = targets.get(key);
  if (!t) {
    for (const [k, old] of targets) if (k.startsWith(`${name}:`)) { old.dispose(); targets.delete(k); }
    t = new FloatTarget(name, scene, width, height, stencil);
    targets.set(key, t);
  }
  return t;
}

async function init(): Promise<PageInfo> {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  // Not attached to the document: nothing is composited on screen, which would cost a SwiftShader pass per frame.
  canvas.addEventListener("webglcontextlost", (e) => {
    e.preventDefault();
    contextLost = true;
  });
  engine = new Engine(canvas, true, {
    preserveDrawingBuffer: true,
    stencil: true,
    antialias: true,
    premultipliedAlpha: false,
    useHighPrecisionMatrix: true,
    disableWebGL2Support: false,
    powerPreference: "high-performance",
    failIfMajorPerformanceCaveat: false,
  }, false);
  if (engine.webGLVersion < 2) throw new Error("WebGL2 is not available in this browser");
  scene = new Scene(engine);
  scene.useRightHandedSystem = true;
  scene.autoClear = true;
  scene.skipPointerMovePicking = true;
  assets = new AssetCache(scene);
  passMaterials = new PassMaterials(scene);
  const gl = engine._gl;
  // Label passes render into float targets; amodal counting blends into them.
  for (const ext of ["EXT_color_buffer_float", "EXT_float_blend"]) {
    if (!gl.getExtension(ext)) throw new Error(`this WebGL2 implementation lacks ${ext}, which the label passes need`);
  }
  const dbg = gl.getExtension("WEBGL_debug_renderer_info");
  return {
    renderer: String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)),
    vendor: String(dbg ? gl.getParameter(dbg.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)),
    version: String(gl.getParameter(gl.VERSION)),
    shadingLanguage: String(gl.getParameter(gl.SHADING_LANGUAGE_VERSION)),
    babylon: Engine.Version,
    userAgent: navigator.userAgent,
  };
}

/** The background image, drawn behind everything in the RGB pass only (label targets never list the layer). */
function setBackdrop(spec: PageTexture | undefined): void {
  if (!spec) {
    if (backdrop) backdrop.isEnabled = false;
    return;
  }
  backdrop ??= new Layer("background", null, scene, true);
  backdrop.texture?.dispose();
  backdrop.texture = placedTexture(spec, assets);
  backdrop.isEnabled = true;
}

/**
 * Copies channels [c0, c0 + n) of a bottom-up RGBA read-back into a top-down array with
 * n channels per pixel (WebGL reads rows from the bottom; images list them from the top).
 */
function topDown<T extends Float32Array | Uint32Array | Uint16Array | Uint8Array>(out: T, src: ArrayLike<number>, width: number, height: number, c0: number, n: number): T {
  let o = 0;
  for (let row = height - 1; row >= 0; row--) {
    let i = row * width * 4 + c0;
    for (let u = 0; u < width; u++, i += 4) for (let c = 0; c < n; c++) out[o++] = src[i + c]!;
  }
  return out;
}

/**
 * Waits until every mesh, material and render target is ready to draw. New lights mark
 * materials dirty, so the first check of a frame usually fails even when every shader is
 * cached; scene.whenReadyAsync then waits on a timer, while re-checking at once (and only
 * then yielding to let shaders compile) costs nothing.
 */
async function sceneReady(): Promise<void> {
  for (let i = 0; !scene.isReady(true); i++) {
    if (i > 2) await new Promise((r) => setTimeout(r, 1));
  }
}

/** The RGBA floats of the listed pixels (indices with rows from the top) of a bottom-up read-back. */
function gatherTexels(src: Float32Array, width: number, height: number, texels: Uint32Array): Float32Array {
  const out = new Float32Array(texels.length * 4);
  for (let j = 0; j < texels.length; j++) {
    const t = texels[j]!;
    const u = t % width, v = (t - u) / width;
    // four plain copies: a subarray per texel cost an allocation per beam
    const s = ((height - 1 - v) * width + u) * 4, o = j * 4;
    out[o] = src[s]!;
    out[o + 1] = src[s + 1]!;
    out[o + 2] = src[s + 2]!;
    out[o + 3] = src[s + 3]!;
  }
  return out;
}

function decodeU32(b64: string): Uint32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Uint32Array(bytes.buffer);
}

/** What the exclusive part of a frame hands to the packing part: raw read-backs (rows bottom-up). */
interface ReadBack {
  /** send the coverage bits themselves (pass "amodal") */
  amodalMasks: boolean;
  width: number;
  height: number;
  rgba?: Uint8Array;
  labels?: Float32Array;
  normals?: Float32Array;
  lidarViews: Float32Array[];
  coverage: Float32Array[];
  objects: { id: number; localMin: [number, number, number]; localMax: [number, number, number] }[];
  timings: Record<string, number>;
}

/**
 * The exclusive part of a frame: build the scene, render every pass, read the pixels back.
 * Frames take turns here (the scene is shared); the packing part of one frame then runs
 * while the GPU works on the next.
 */
async function renderAndRead(req: FrameRequest): Promise<ReadBack> {
  if (contextLost) throw new Error(CONTEXT_LOST);
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  for (const key of req.evict) assets.drop(key);
  for (const [key, asset] of Object.entries(req.assets)) await assets.add(key, asset);
  const { width, height } = req;
  if (engine.getRenderWidth() !== width || engine.getRenderHeight() !== height) engine.setSize(width, height);
  const c = req.clearColor;
  scene.clearColor = new Color4(c[0], c[1], c[2], 1);
  setBackdrop(req.backgroundTexture);
  const camera = new MatrixCamera(scene, req.view, req.projection);
  // without RGB, the main pass draws nothing (render targets list their own meshes)
  camera.layerMask = req.passes.rgb ? 0x0fffffff : 0;
  scene.activeCamera = camera;
  lights.set(req.lights, scene);
  const frame = buildFrame(req.objects, scene, assets, pool);
  try {
    scene.customRenderTargets = [];
    let labels: FloatTarget | undefined;
    let normals: FloatTarget | undefined;
    const coverage: FloatTarget[] = [];
    if (req.passes.labels) {
      labels = target("labels", width, height, false);
      await bindPass("labels", labels, frame.objects, passMaterials, req.intrinsics, height);
      scene.customRenderTargets.push(labels.rtt);
    }
    if (req.passes.normals) {
      normals = target("normals", width, height, false);
      await bindPass("normals", normals, frame.objects, passMaterials, req.intrinsics, height);
      scene.customRenderTargets.push(normals.rtt);
    }
    if (req.passes.coverage) {
      for (let k = 0; k * OBJECTS_PER_COVERAGE_TARGET < frame.objects.length; k++) {
        const t = target(`coverage${k}`, width, height, true);
        const subset = frame.objects.slice(k * OBJECTS_PER_COVERAGE_TARGET, (k + 1) * OBJECTS_PER_COVERAGE_TARGET);
        await bindPass("coverage", t, subset, passMaterials, req.intrinsics, height);
        scene.customRenderTargets.push(t.rtt);
        coverage.push(t);
      }
    }
    await sceneReady();
    timings.build = performance.now() - t0;
    const t1 = performance.now();
    scene.render();
    if (contextLost) throw new Error(CONTEXT_LOST);
    const out: ReadBack = {
      width,
      height,
      coverage: [],
      amodalMasks: req.passes.amodalMasks === true,
      lidarViews: [],
      objects: frame.objects.map((o) => ({ id: o.spec.id, localMin: o.localMin, localMax: o.localMax })),
      timings,
    };
    if (req.passes.rgb) out.rgba = (await engine.readPixels(0, 0, width, height, true, false)) as Uint8Array;
    if (labels) out.labels = await labels.read();
    if (normals) out.normals = await normals.read();
    // LiDAR faces: the same built scene seen from each face's camera in turn
    for (const [j, v] of (req.lidarViews ?? []).entries()) {
      const t = target(`lidar${j}`, v.width, v.height, false);
      const faceCamera = new MatrixCamera(scene, v.view, v.projection);
      faceCamera.layerMask = 0;
      scene.activeCamera = faceCamera;
      try {
        await bindPass("lidar", t, frame.objects, passMaterials, v.intrinsics, v.height);
        scene.customRenderTargets = [t.rtt];
        await sceneReady();
        scene.render();
        const px = await t.read();
        out.lidarViews.push(v.texels ? gatherTexels(px, v.width, v.height, decodeU32(v.texels)) : topDown(new Float32Array(v.width * v.height * 4), px, v.width, v.height, 0, 4));
      } finally {
        t.rtt.renderList = [];
        scene.activeCamera = camera;
        faceCamera.dispose();
      }
    }
    for (const t of coverage) out.coverage.push(await t.read());
    if (contextLost) throw new Error(CONTEXT_LOST);
    timings.render = performance.now() - t1;
    return out;
  } finally {
    scene.customRenderTargets = [];
    for (const t of targets.values()) t.rtt.renderList = [];
    frame.dispose();
    camera.dispose();
  }
}

/** The packing part: top-down copies, deflate, amodal counts. Runs alongside the next frame's GPU work. */
async function pack(rb: ReadBack): Promise<FrameReply> {
  const t0 = performance.now();
  const { width: w, height: h } = rb;
  const reply: FrameReply = { passes: {}, objects: [], timings: rb.timings };
  const send = async (name: PassName, data: ArrayBufferView) => {
    reply.passes[name] = await deflateBase64(data);
  };
  if (rb.rgba) await send("rgb", topDown(new Uint8Array(w * h * 3), rb.rgba, w, h, 0, 3));
  if (rb.labels) {
    await send("depth", topDown(new Float32Array(w * h), rb.labels, w, h, 0, 1));
    await send("instance", topDown(new Uint16Array(w * h), rb.labels, w, h, 1, 1));
  }
  if (rb.normals) await send("normals", topDown(new Float32Array(w * h * 3), rb.normals, w, h, 0, 3));
  if (rb.lidarViews.length) reply.lidarViews = await Promise.all(rb.lidarViews.map((v) => deflateBase64(v)));
  if (rb.amodalMasks && rb.coverage.length) {
    const groups = rb.coverage.map((px, k) => {
      const words = Math.ceil(Math.min(OBJECTS_PER_COVERAGE_TARGET, rb.objects.length - k * OBJECTS_PER_COVERAGE_TARGET) / 24);
      return topDown(new Uint32Array(w * h * words), px, w, h, 0, words);
    });
    const all = new Uint32Array(groups.reduce((s, g) => s + g.length, 0));
    let at = 0;
    for (const g of groups) all.set(g, (at += g.length) - g.length);
    await send("amodal", all);
  }
  const pixels: number[] = [];
  const boxes: ([number, number, number, number] | null)[] = [];
  rb.coverage.forEach((px, k) => {
    const counted = countCoverage(px, w, h, Math.min(OBJECTS_PER_COVERAGE_TARGET, rb.objects.length - k * OBJECTS_PER_COVERAGE_TARGET));
    pixels.push(...counted.pixels);
    boxes.push(...counted.boxes);
  });
  reply.objects = rb.objects.map((o, i) => ({ ...o, amodalPixels: pixels[i] ?? 0, amodalBox: boxes[i] ?? null }));
  rb.timings.pack = performance.now() - t0;
  return reply;
}

let turn: Promise<unknown> = Promise.resolve();

async function renderFrame(req: FrameRequest): Promise<FrameReply> {
  const mine = turn.then(() => renderAndRead(req));
  turn = mine.catch(() => undefined);
  return pack(await mine);
}

function loseContext(): void {
  engine._gl.getExtension("WEBGL_lose_context")?.loseContext();
}

const api: PageApi = { init, renderFrame, loseContext };
(window as unknown as { simforge: PageApi }).simforge = api;
