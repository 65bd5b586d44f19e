/**
 * The page side of simforge (bundled with esbuild into dist/page.js, served to a blank
 * page by the session's loopback server): builds the Babylon scene of a FrameRequest, renders RGB (anti-aliased) and
 * the label passes from that one scene state, and uploads the raw read-backs to the host.
 */
import { Engine } from "@babylonjs/core/Engines/engine.js";
import { Scene } from "@babylonjs/core/scene.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Layer } from "@babylonjs/core/Layers/layer.js";
import { ImageProcessingConfiguration } from "@babylonjs/core/Materials/imageProcessingConfiguration.js";
import { CONTEXT_LOST, OBJECTS_PER_COVERAGE_TARGET, type FrameReply, type FrameRequest, type UploadInfo, type PageApi, type PageInfo, type PageTexture } from "./protocol.js";
import { AssetCache } from "./assets.js";
import { LightRig, NodePool, buildFrame, drawnPrimitive, placedTexture, type BuiltObject } from "./build-scene.js";
import { MatrixCamera } from "./camera.js";
import { openChannel, upload } from "./upload.js";
import { Packer, uploadCoordList, uploadTexelList, type CoordList, type TexelList } from "./pack.js";
import { FloatTarget, PassMaterials, bindPass } from "./passes.js";
import { Skybox } from "./skybox.js";
import { DeferredReads, releaseReads } from "./deferred-reads.js";

let engine: Engine;
let scene: Scene;
let assets: AssetCache;
const pool = new NodePool();
const lights = new LightRig();
let passMaterials: PassMaterials;
let contextLost = false;
let backdrop: Layer | undefined;
let skybox: Skybox;
let packer: Packer;
const targets = new Map<string, FloatTarget>();
/** the LiDAR texel lists of this session, by content key (a handful: one per face of each sensor pattern) */
const texelLists = new Map<string, TexelList>();
/** a distorted camera's sampling points per view, by content key */
const coordLists = new Map<string, CoordList>();

/**
 * The float target `name` at a size, kept across frames. A distorted camera renders views
 * of a few sizes in turn, so up to TARGET_SIZES sizes of one name are kept (least recently
 * used dropped first): re-making a target every view costs more than drawing it.
 */
const TARGET_SIZES = 6;
function target(name: string, width: number, height: number, stencil: boolean): FloatTarget {
  const key = `${name}:${width}x${height}`;
  let t = targets.get(key);
  if (t) targets.delete(key);
  else {
    const same = [...targets.keys()].filter((k) => k.startsWith(`${name}:`));
    for (const k of same.slice(0, Math.max(0, same.length - (TARGET_SIZES - 1)))) {
      targets.get(k)!.dispose();
      targets.delete(k);
    }
    t = new FloatTarget(name, scene, width, height, stencil);
    try {
      assertComplete(t, width, height);
    } catch (err) {
      t.dispose();
      throw err;
    }
  }
  targets.set(key, t); // most recently used last
  return t;
}

/**
 * Disposes a frame's camera, and the entry each mesh keeps for it: Babylon's meshes hold a
 * per-camera LOD entry that disposing the camera leaves behind, and the pool keeps meshes
 * across frames, so every pooled mesh held every old camera (about 100 JS objects a frame).
 */
function disposeCamera(camera: MatrixCamera): void {
  for (const mesh of scene.meshes) mesh._internalAbstractMeshDataInfo._currentLOD.delete(camera);
  camera.dispose();
}

async function init(url: string): Promise<PageInfo> {
  await openChannel(url);
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
  const gl = engine._gl;
  const dbg = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  // Mesa's llvmpipe hangs (minutes, then the watchdog) sampling some rotated textures with
  // anisotropic filtering: textures there are filtered trilinearly only. Other backends keep
  // Babylon's default of 4.
  assets = new AssetCache(scene, /llvmpipe/i.test(renderer) ? 1 : 4);
  passMaterials = new PassMaterials(scene);
  skybox = new Skybox(scene);
  packer = new Packer(engine);
  // Label passes render into float targets; amodal counting blends into them.
  for (const ext of ["EXT_color_buffer_float", "EXT_float_blend"]) {
    if (!gl.getExtension(ext)) throw new Error(`this WebGL2 implementation lacks ${ext}, which the label passes need`);
  }
  const viewport = Array.from(gl.getParameter(gl.MAX_VIEWPORT_DIMS) as Int32Array) as [number, number];
  return {
    renderer,
    vendor: String(dbg ? gl.getParameter(dbg.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)),
    version: String(gl.getParameter(gl.VERSION)),
    shadingLanguage: String(gl.getParameter(gl.SHADING_LANGUAGE_VERSION)),
    babylon: Engine.Version,
    userAgent: navigator.userAgent,
    limits: {
      maxRenderbufferSize: Number(gl.getParameter(gl.MAX_RENDERBUFFER_SIZE)),
      maxTextureSize: Number(gl.getParameter(gl.MAX_TEXTURE_SIZE)),
      maxViewportDims: viewport,
    },
  };
}

const TONE_CURVES = { standard: ImageProcessingConfiguration.TONEMAPPING_STANDARD, aces: ImageProcessingConfiguration.TONEMAPPING_ACES, neutral: ImageProcessingConfiguration.TONEMAPPING_KHR_PBR_NEUTRAL };

/** The tone curve of the RGB pass's materials (their image processing); label passes are shader materials without it. */
function setToneMapping(curve: FrameRequest["toneMapping"]): void {
  const ip = scene.imageProcessingConfiguration;
  const enabled = curve !== undefined;
  if (ip.toneMappingEnabled !== enabled) ip.toneMappingEnabled = enabled;
  if (curve && ip.toneMappingType !== TONE_CURVES[curve]) ip.toneMappingType = TONE_CURVES[curve];
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

/**
 * What the pass targets (labels, normals, coverage, LiDAR faces) need before they draw: each
 * mesh's geometry. Their materials are made ready by bindPass; the meshes' own (RGB)
 * materials are never drawn by them, so a frame without RGB never waits for, or prepares,
 * those (sceneReady does, for every mesh, every time it is asked: 10-15 ms a call for a
 * street scene on a 2-core CPU, and a LiDAR frame asked once a face).
 */
async function geometryReady(objects: readonly BuiltObject[]): Promise<void> {
  for (let i = 0; !objects.every((o) => o.meshes.every((m) => m.isReady(false))); i++) {
    if (i > 2) await new Promise((r) => setTimeout(r, 1));
  }
}

/** Every RGBA float texel of a bottom-up read-back, rows from the top. */
function topDownTexels(src: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height * 4);
  for (let v = 0; v < height; v++) out.set(src.subarray((height - 1 - v) * width * 4, (height - v) * width * 4), v * width * 4);
  return out;
}

function decodeU32(b64: string): Uint32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Uint32Array(bytes.buffer);
}

/** What the exclusive part of a frame hands to the upload: raw read-backs, named as UploadPart. */
interface ReadBack {
  width: number;
  height: number;
  parts: [string, ArrayBufferView][];
  objects: FrameReply["objects"];
  timings: Record<string, number>;
  /** read-backs still in pack buffers: collected by `send` */
  deferred?: DeferredReads;
}

/** A float target's framebuffer. */
function framebufferOf(t: FloatTarget): WebGLFramebuffer | null {
  const fb = (t.rtt.renderTarget as unknown as { _framebuffer?: WebGLFramebuffer | null } | null)?._framebuffer;
  if (!fb) throw new Error(`the ${t.rtt.name} target has no framebuffer`);
  return fb;
}

/** Runs `read` with `fb` bound (null: the canvas), then restores the binding and Babylon's view of the GL state. */
function readFramebuffer(fb: WebGLFramebuffer | null, read: () => void): void {
  const gl = engine._gl;
  const previous = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  try {
    read();
  } finally {
    gl.bindFramebuffer(gl.FRAMEBUFFER, previous);
    engine.wipeCaches(true);
  }
}

/**
 * The exclusive part of a frame: build the scene, render every pass, read the pixels back.
 * Frames take turns here (the scene is shared); the packing part of one frame then runs
 * while the GPU works on the next.
 */
async function renderAndRead(req: FrameRequest): Promise<ReadBack> {
  if (contextLost) throw new Error(CONTEXT_LOST);
  if (outOfMemory) throw new Error(outOfMemory);
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  // texel lists first: a later request may name one whatever becomes of this frame
  const fresh = (req.lidarViews ?? []).filter((v) => v.texelKey && v.texels && !texelLists.has(v.texelKey));
  for (const v of fresh) texelLists.set(v.texelKey!, uploadTexelList(engine._gl as WebGL2RenderingContext, decodeU32(v.texels!)));
  const lens = req.lens;
  for (const key of lens?.evict ?? []) {
    const gl = engine._gl as WebGL2RenderingContext;
    for (const lists of [texelLists, coordLists] as Map<string, { texture: WebGLTexture }>[]) {
      const l = lists.get(key);
      if (l) gl.deleteTexture(l.texture);
      lists.delete(key);
    }
  }
  let lensUploads = 0;
  if (lens?.texels && !texelLists.has(lens.texelKey)) {
    texelLists.set(lens.texelKey, uploadTexelList(engine._gl as WebGL2RenderingContext, decodeU32(lens.texels)));
    lensUploads++;
  }
  if (lens?.coords && !coordLists.has(lens.coordKey)) {
    coordLists.set(lens.coordKey, uploadCoordList(engine._gl as WebGL2RenderingContext, new Float32Array(decodeU32(lens.coords).buffer)));
    lensUploads++;
  }
  // the uploads bound textures behind Babylon's back: make it bind everything again
  if (fresh.length || lensUploads) engine.wipeCaches(true);
  for (const key of req.evict) {
    pool.dropModels(key);
    assets.drop(key);
  }
  for (const [key, asset] of Object.entries(req.assets)) await assets.add(key, asset);
  const { width, height } = req;
  if (engine.getRenderWidth() !== width || engine.getRenderHeight() !== height) engine.setSize(width, height);
  const gl = engine._gl;
  if (req.passes.rgb && (gl.drawingBufferWidth !== width || gl.drawingBufferHeight !== height)) {
    throw new Error(`the browser gave a ${gl.drawingBufferWidth}x${gl.drawingBufferHeight} drawing buffer for a ${width}x${height} frame`);
  }
  const c = req.clearColor;
  scene.clearColor = new Color4(c[0], c[1], c[2], 1);
  setBackdrop(req.backgroundTexture);
  const camera = new MatrixCamera(scene, req.view, req.projection);
  // without RGB, the main pass draws nothing (render targets list their own meshes)
  camera.layerMask = req.passes.rgb ? 0x0fffffff : 0;
  scene.activeCamera = camera;
  lights.set(req.lights, scene);
  // image-based lighting: PBR materials take the scene's environment texture
  const env = req.environment ? assets.environment(req.environment) : null;
  if (scene.environmentTexture !== env) scene.environmentTexture = env;
  skybox.set(env, req.skybox);
  setToneMapping(req.toneMapping);
  const frame = buildFrame(req.objects, scene, assets, pool);
  lights.castFrom(frame.objects, req.passes.rgb);
  try {
    scene.customRenderTargets = [];
    let labels: FloatTarget | undefined;
    let normals: FloatTarget | undefined;
    const coverage: FloatTarget[] = [];
    if (req.passes.labels) {
      labels = target("labels", width, height, false);
      // the LiDAR pass writes depth and instance as the labels pass does, plus the plane normal
      await bindPass(req.passes.labelPlanes ? "lidar" : "labels", labels, frame.objects, passMaterials, req.intrinsics, height);
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
    // RGB draws the meshes' own materials (and their shadows): those must be ready
    await (req.passes.rgb ? sceneReady() : geometryReady(frame.objects));
    timings.build = performance.now() - t0;
    const t1 = performance.now();
    scene.render();
    if (contextLost) throw new Error(CONTEXT_LOST);
    // draw: the calls issued (a GPU may still be drawing); readback below waits for it
    timings.draw = performance.now() - t1;
    const t2 = performance.now();
    const out: ReadBack = {
      width,
      height,
      parts: [],
      objects: frame.objects.map((o) => ({ id: o.spec.id, localMin: o.localMin, localMax: o.localMax })),
      timings,
    };
    if (lens) {
      // a distorted camera's view: only the texels its pixels read cross to the host
      const texels = texelLists.get(lens.texelKey), coords = coordLists.get(lens.coordKey);
      if (!texels || !coords) throw new Error(`lens view: list ${texels ? lens.coordKey : lens.texelKey} was never sent to this page`);
      if (req.passes.rgb) out.parts.push(["lens.rgba", packer.sampleCanvas(width, height, coords)]);
      if (labels) out.parts.push(["lens.labels", packer.gather(labels.rtt, texels)]);
      if (normals) out.parts.push(["lens.normals", packer.gather(normals.rtt, texels)]);
      for (const [k, t] of coverage.entries()) out.parts.push([`lens.coverage${k}`, packer.gather(t.rtt, texels)]);
    }
    // a pinhole frame's images go into pack buffers, collected after this exclusive part (send)
    const deferred = new DeferredReads(gl as WebGL2RenderingContext);
    out.deferred = deferred;
    if (req.passes.rgb && !lens) readFramebuffer(null, () => deferred.read("rgba", width, height, gl.UNSIGNED_BYTE));
    if (labels && !lens) packer.packDeferred(labels.rtt, [{ channel: 0, mode: "float" }, { channel: 1, mode: "u16" }], deferred, ["depth", "instance"]);
    if (normals && !lens) readFramebuffer(framebufferOf(normals), () => deferred.read("normals", width, height, gl.FLOAT));
    // LiDAR faces: the same built scene seen from each face's camera in turn
    for (const [j, v] of (req.lidarViews ?? []).entries()) {
      const t = target(`lidar${j}`, v.width, v.height, false);
      const faceCamera = new MatrixCamera(scene, v.view, v.projection);
      faceCamera.layerMask = 0;
      scene.activeCamera = faceCamera;
      try {
        await bindPass("lidar", t, frame.objects, passMaterials, v.intrinsics, v.height);
        scene.customRenderTargets = [t.rtt];
        await geometryReady(frame.objects);
        scene.render();
        if (v.texelKey) {
          const list = texelLists.get(v.texelKey);
          if (!list) throw new Error(`LiDAR view ${j}: texel list ${v.texelKey} was never sent to this page`);
          packer.gatherDeferred(t.rtt, list, deferred, `lidar${j}`);
        } else out.parts.push([`lidar${j}`, topDownTexels(await t.read(), v.width, v.height)]);
      } finally {
        t.rtt.renderList = [];
        scene.activeCamera = camera;
        disposeCamera(faceCamera);
      }
    }
    for (const [k, t] of lens ? [] : coverage.entries()) {
      const n = Math.min(OBJECTS_PER_COVERAGE_TARGET, frame.objects.length - k * OBJECTS_PER_COVERAGE_TARGET);
      const planes = Array.from({ length: Math.ceil(n / 24) }, (_, c) => ({ channel: c, mode: "u32" as const }));
      // the silhouettes themselves only for amodal masks; otherwise their counts and boxes
      if (req.passes.amodalMasks) packer.packDeferred(t.rtt, planes, deferred, planes.map((_, c) => `coverage${k}.${c}`));
      else packer.summarizeCoverageDeferred(t.rtt, planes.length, deferred, `coverage${k}`);
    }
    deferred.fence();
    if (contextLost) throw new Error(CONTEXT_LOST);
    timings.readback = performance.now() - t2;
    return out;
  } finally {
    scene.customRenderTargets = [];
    for (const t of targets.values()) t.rtt.renderList = [];
    frame.dispose();
    disposeCamera(camera);
    // Babylon counts frames in endFrame (its render loop calls it; this page has none). The
    // render targets hand out their scene uniform buffers per frame id: without a new id
    // every render took a fresh one, five GL buffers a frame that were never freed.
    engine.endFrame();
  }
}

/**
 * A target the GL could not allocate (SwiftShader: a float RGBA texture of 1 GiB) is an
 * incomplete framebuffer that draws nothing and reads back zeros: a new target is checked
 * once, when it is made (both checks wait for the GPU, so never on a frame's draw path).
 */
function assertComplete(t: FloatTarget, width: number, height: number): void {
  const gl = engine._gl;
  if (gl.getError() === gl.OUT_OF_MEMORY) throw new Error(`the GL ran out of memory making the ${t.rtt.name} target of a ${width}x${height} frame`);
  let status = 0;
  readFramebuffer(framebufferOf(t), () => (status = gl.checkFramebufferStatus(gl.FRAMEBUFFER)));
  if (status !== gl.FRAMEBUFFER_COMPLETE) throw new Error(`the ${t.rtt.name} target of a ${width}x${height} frame is incomplete (framebuffer status 0x${status.toString(16)})`);
}

/**
 * The GL ran out of memory at some point: what it drew since is undefined, so this frame and
 * every later one on this page fail. Asked once the frame's reads are done (the GPU has
 * passed them, so asking costs no wait for this frame's draws); an error raised by a later
 * frame's draws fails this frame too, never a frame silently.
 */
let outOfMemory: string | null = null;
function assertMemory(width: number, height: number): void {
  const gl = engine._gl;
  if (!outOfMemory && gl.getError() === gl.OUT_OF_MEMORY) outOfMemory = `the GL ran out of memory rendering a ${width}x${height} frame`;
  if (outOfMemory) throw new Error(outOfMemory);
}

/** The upload part: the raw read-backs go to the host on the read-back WebSocket while the GPU works on the next frame. */
async function send(rb: ReadBack): Promise<FrameReply> {
  let collected: [string, ArrayBufferView][] = [];
  if (rb.deferred?.count) {
    const t = performance.now();
    try {
      collected = await rb.deferred.collect(() => contextLost);
    } catch (err) {
      if (contextLost) throw new Error(CONTEXT_LOST);
      throw err;
    }
    rb.parts.push(...collected);
    rb.timings.collect = performance.now() - t;
  }
  try {
    assertMemory(rb.width, rb.height);
  } catch (err) {
    releaseReads(collected.map(([, v]) => v));
    throw err;
  }
  const t0 = performance.now();
  let info: UploadInfo;
  try {
    info = await upload(rb.parts);
  } finally {
    // sent (the socket copied them) or failed: the arrays serve the next frames
    releaseReads(collected.map(([, v]) => v));
  }
  rb.timings.upload = performance.now() - t0;
  return { width: rb.width, height: rb.height, upload: info, objects: rb.objects, timings: rb.timings };
}

let turn: Promise<unknown> = Promise.resolve();

async function renderFrame(req: FrameRequest): Promise<FrameReply> {
  const mine = turn.then(() => renderAndRead(req));
  turn = mine.catch(() => undefined);
  return send(await mine);
}

function loseContext(): void {
  engine._gl.getExtension("WEBGL_lose_context")?.loseContext();
}

const api: PageApi = { init, renderFrame, loseContext, drawnPrimitive: (shape) => drawnPrimitive(shape, scene) };
(window as unknown as { simforge: PageApi }).simforge = api;
