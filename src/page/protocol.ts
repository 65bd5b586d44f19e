/**
 * The request/reply protocol between the host (Node) and the page (Babylon.js in
 * Chromium). Plain JSON only: matrices are 16 numbers in Babylon/gl-matrix memory layout
 * (column-major). Pixels never travel in this JSON: the page sends its raw read-backs as
 * binary messages on a WebSocket to the session's loopback server (see FrameReply.upload). Everything geometric is resolved
 * on the host (src/math, src/math/camera), so the page only draws.
 */

export type PagePrimitive =
  | { type: "box"; size: [number, number, number] }
  | { type: "sphere"; radius: number; segments: number }
  | { type: "cylinder"; radius: number; height: number; tessellation: number }
  | { type: "cone"; radius: number; height: number; tessellation: number }
  | { type: "capsule"; radius: number; height: number; tessellation: number }
  | { type: "torus"; radius: number; tube: number; tessellation: number }
  | { type: "plane"; size: [number, number] };

export interface PageTexture {
  asset: string;
  uScale: number;
  vScale: number;
  uOffset: number;
  vOffset: number;
  /** rotation about the texture's w axis, radians */
  wAng: number;
}

export interface PageMaterial {
  baseColor: [number, number, number];
  roughness: number;
  metallic: number;
  emissive: [number, number, number];
  texture?: PageTexture;
}

export interface PageObject {
  id: number;
  classId: number;
  /** object -> world, including scale and a mesh file's axis conversion */
  world: number[];
  shape: PagePrimitive | { type: "mesh"; asset: string };
  /** undefined: keep a mesh file's own materials */
  material?: PageMaterial;
  doubleSided: boolean;
}

export type PageLight =
  | { type: "directional"; direction: number[]; color: number[]; intensity: number; shadows: boolean }
  | { type: "point"; position: number[]; color: number[]; intensity: number; range?: number; shadows: boolean }
  | { type: "spot"; position: number[]; direction: number[]; angle: number; exponent: number; color: number[]; intensity: number; range?: number; shadows: boolean }
  | { type: "hemispheric"; direction: number[]; color: number[]; groundColor: number[]; intensity: number };

export interface PageAsset {
  /** environment: a cube map made by the host (src/render/environment.ts) */
  kind: "mesh" | "texture" | "environment";
  /** file extension with the dot, e.g. ".glb" */
  ext: string;
  /** where the page fetches it, relative to the page's origin */
  url: string;
  /** where the asset came from, for error messages: "scene.json: objects[2].shape.uri" */
  origin: string;
}

export interface PassSelection {
  rgb: boolean;
  /** depth (metres along camera z) and instance ids */
  labels: boolean;
  normals: boolean;
  /** per-object unoccluded silhouettes (amodal pixel counts and boxes) */
  coverage: boolean;
  /** send the silhouettes themselves back (pass "amodal"), not only their counts and boxes */
  amodalMasks?: boolean;
  /** with labels: the labels target holds each pixel's triangle plane too (octahedral normal in channels 2, 3), for a distorted camera's depth */
  labelPlanes?: boolean;
}

export interface FrameRequest {
  width: number;
  height: number;
  /** world -> OpenGL camera */
  view: number[];
  projection: number[];
  /** fx, fy, cx, cy: the projection's K, for per-pixel rays in the label pass */
  intrinsics: [number, number, number, number];
  clearColor: [number, number, number];
  /** an image filling the frame behind everything, RGB only */
  backgroundTexture?: PageTexture;
  lights: PageLight[];
  /** the asset key of the environment cube that lights the scene and reflects in it (image-based lighting) */
  environment?: string;
  /** with `environment`: draw it behind everything in RGB, on a box of this half-size centred on the camera */
  skybox?: number;
  /** the tone curve on linear radiance in the RGB pass (camera.effects.toneMapping); absent: none */
  toneMapping?: "standard" | "aces" | "neutral";
  objects: PageObject[];
  passes: PassSelection;
  /** assets the page has not been sent before (the page caches them by key) */
  assets: Record<string, PageAsset>;
  /** cached assets the page should drop (none of this frame's) */
  evict: string[];
  /**
   * LiDAR cube faces rendered from this one scene build: each a pinhole view whose LiDAR pass
   * (depth, instance id, octahedral plane normal) comes back in FrameReply.lidarViews, for
   * the listed pixels only when `texels` is given.
   */
  lidarViews?: LidarViewRequest[];
  /**
   * A distorted camera's view (render/lens.ts): instead of whole images, only the texels the
   * distorted pixels this view serves read come back, in list order: `lens.rgba` (RGBA8,
   * bilinear at `coords`), `lens.labels` (the labels target's 4 floats at `texels`: depth,
   * instance, octahedral plane normal), `lens.normals`, `lens.coverage<k>` (4 floats each).
   */
  lens?: LensViewRequest;
}

export interface LensViewRequest {
  /** the nearest texel of each served pixel (a texel list, as LidarViewRequest.texels) */
  texelKey: string;
  texels?: string;
  /** each served pixel's ray in this view's pixel coordinates (u', v'), rows from the top: base64 little-endian float32 pairs, sent the first time its key is used */
  coordKey: string;
  coords?: string;
  /** lens lists (texels or coords) the page should drop now */
  evict?: string[];
}

export interface LidarViewRequest {
  width: number;
  height: number;
  view: number[];
  projection: number[];
  intrinsics: [number, number, number, number];
  /**
   * The pixels to send back, as a list the page keeps for the session under this key
   * (content-addressed); absent: every pixel, rows from the top
   */
  texelKey?: string;
  /** the list itself (base64 little-endian uint32 pixel indices, row * width + column, rows from the top), sent only the first time its key is used in a session */
  texels?: string;
}

export interface ObjectStats extends PageObjectInfo {
  /** pixels covered by the object rendered alone (no occluders) */
  amodalPixels: number;
  /** [uMin, vMin, uMax, vMax] inclusive pixel indices of the unoccluded silhouette, null if off-image */
  amodalBox: [number, number, number, number] | null;
}

/**
 * Binary passes sent back by the page, rows top to bottom:
 * rgb: RGB8 sRGB; depth: float32 metres along camera z (0 = no surface);
 * instance: uint16 ids (0 = background); normals: float32 x3 unit normals in the OpenCV
 * camera frame (0 where there is no surface).
 */
/**
 * "amodal": per pixel, rows from the top, `ceil(n / 24)` uint32 words per pixel for each
 * group of up to 96 objects (groups one after another, whole images each); bit j of word c
 * of group g set where object g * 96 + c * 24 + j covers the pixel, occluded or not.
 */
/** Objects per coverage target: 24 bits in each of 4 float channels. */
export const OBJECTS_PER_COVERAGE_TARGET = 96;

/**
 * One raw read-back inside a frame's upload: `rgba` (RGBA8 of the anti-aliased RGB pass),
 * `labels`, `normals`, `coverage<k>` (RGBA float32 of those targets), all with rows bottom-up
 * as WebGL reads them, and `lidar<j>` (float32 x4 per listed texel, or every texel with rows
 * from the top). Without amodal masks a coverage target comes as its summary instead
 * (page/pack.ts COVERAGE_ROWS): `coverage<k>.rows.<q>` (q = 0..2) and `coverage<k>.columns`.
 */
/** One read-back of an upload: sent as its own binary messages (UploadInfo.chunk), in the order listed. */
export interface UploadPart {
  name: string;
  byteLength: number;
}

/** Where a frame's read-backs are: sent by the page over its read-back WebSocket, and acknowledged, before it replies. */
export interface UploadInfo {
  id: string;
  byteLength: number;
  parts: UploadPart[];
  /**
   * Each part is sent as binary messages of this many bytes (the last one shorter); without
   * it, each part is one message. Small messages keep the browser's copies of what it sends
   * in memory it re-uses: a multi-megabyte message is copied into fresh memory every time,
   * and first touching fresh memory page-faults (about 4 ms a MiB on a 2-core VM).
   */
  chunk?: number;
}

/** What the page knows of an object of the frame; pixel counts are made on the host. */
export interface PageObjectInfo {
  id: number;
  /** bounds of the object's geometry in its own coordinates before `world` (mesh-local) */
  localMin: [number, number, number];
  localMax: [number, number, number];
}

export interface FrameReply {
  width: number;
  height: number;
  /** the frame's read-backs (raw bytes, no compression: the loopback socket is faster than deflate) */
  upload: UploadInfo;
  objects: PageObjectInfo[];
  /** milliseconds spent in the page per step */
  timings: Record<string, number>;
}

export interface PageInfo {
  renderer: string;
  vendor: string;
  version: string;
  shadingLanguage: string;
  babylon: string;
  userAgent: string;
  /** the WebGL limits a frame's size must fit (gl.MAX_RENDERBUFFER_SIZE, MAX_TEXTURE_SIZE, MAX_VIEWPORT_DIMS) */
  limits: { maxRenderbufferSize: number; maxTextureSize: number; maxViewportDims: [number, number] };
}

/** What the page bundle installs on `window`. */
export interface PageApi {
  /** `uploadUrl`: the read-back WebSocket's address as http ("/upload/<token>"), opened before init resolves */
  init(uploadUrl: string): Promise<PageInfo>;
  renderFrame(req: FrameRequest): Promise<FrameReply>;
  /** drops the WebGL context the way a GPU reset does (for failure tests) */
  loseContext(): void;
  /** the triangles the page draws for a primitive, in object coordinates (for tests of the host's tessellation) */
  drawnPrimitive(shape: PagePrimitive): { positions: number[]; indices: number[] };
}

/** The extension of a mesh built on the host (src/assets/library.ts encodeMesh). */
export const MESH_EXT = ".sfmesh";

/** The message the page fails with once its WebGL context is gone. */
export const CONTEXT_LOST = "WebGL context lost";

/** An error raised in the page about a specific input (asset), carried back to the host. */
export interface PageErrorShape {
  simforgeInputError: true;
  origin: string;
  message: string;
}
