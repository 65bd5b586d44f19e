/**
 * Label passes rendered from the same scene state as RGB, into float targets without
 * anti-aliasing (every pixel holds exactly one surface):
 * - labels:   R = depth (metres along camera z), G = instance id, B = class id.
 *   The rasterizer snaps vertices to a sub-pixel grid, so the interpolated position is on
 *   the triangle's plane but up to ~1/32 px away from the pixel centre's ray: on a tilted
 *   surface that is a 1e-4 relative depth error. The shader removes it by intersecting the
 *   exact ray of the pixel centre (from K) with the triangle's plane.
 * - normals:  RGB = unit normal in the OpenCV camera frame, facing the camera
 * - lidar:    R = depth as in labels, G = instance id, BA = the triangle's plane normal
 *   (octahedral-encoded, OpenCV camera frame): a LiDAR samples a cube face of these and
 *   intersects each beam with the plane of the texel it falls in.
 * - coverage: each object rendered alone (no depth test) adds its own bit 2^k; a stencil
 *   reference per object keeps an object from adding twice where it overlaps itself, so
 *   each float channel (24 exact integer bits) carries 24 objects, 96 per target.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import { Color4 } from "@babylonjs/core/Maths/math.color.js";
import { Vector4 } from "@babylonjs/core/Maths/math.vector.js";
import { ShaderMaterial } from "@babylonjs/core/Materials/shaderMaterial.js";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import "@babylonjs/core/Engines/Extensions/engine.readTexture.js";
import type { BuiltObject } from "./build-scene.js";

const VERTEX = `
precision highp float;
attribute vec3 position;
attribute vec3 normal;
uniform mat4 worldView;
uniform mat4 projection;
varying vec3 vPos;
varying vec3 vNormal;
void main(void) {
  vec4 p = worldView * vec4(position, 1.0);
  vPos = p.xyz;
  vNormal = transpose(inverse(mat3(worldView))) * normal;
  gl_Position = projection * p;
}`;

/** Uniforms and varyings of the passes that write a refined depth (labels, lidar). */
const DEPTH_HEAD = `precision highp float;
uniform vec4 ids;
uniform vec4 intrinsics; // fx, fy, cx, cy (OpenCV, pixel centres at integers)
uniform float imageHeight;
uniform mat4 projection;
varying vec3 vPos;
varying vec3 vNormal;`;

/**
 * depth along the camera z, refined onto the pixel centre's exact ray; n: the triangle's plane
 * normal (view space). On a sliver triangle (a 4 mm-thin, 200 m-long box side) the
 * interpolated position can be far off the triangle and its derivatives degenerate: there
 * the depth comes from the depth buffer (what the depth test used) and n from the vertex
 * normals.
 */
const DEPTH_REFINED = `  float depth = -vPos.z;
  vec3 n = cross(dFdx(vPos), dFdy(vPos));
  float zBuffer = projection[3][2] / ((2.0 * gl_FragCoord.z - 1.0) + projection[2][2]);
  // a sliver can even rasterize with an undefined window z (NaN in SwiftShader); its vPos is
  // then a vertex, not a point on the pixel's ray: no surface is known, so the fragment is
  // dropped and the pixel keeps the surface behind it
  if (isnan(zBuffer) || isinf(zBuffer)) discard;
  float ln = length(n);
  if (!(abs(depth - zBuffer) < 0.01 * zBuffer) || !(ln > 1e-9 * length(dFdx(vPos)) * length(dFdy(vPos)))) {
    depth = zBuffer;
    n = vNormal;
  } else {
    float u = gl_FragCoord.x - 0.5;
    float v = imageHeight - gl_FragCoord.y - 0.5;
    vec3 ray = vec3((u - intrinsics.z) / intrinsics.x, -(v - intrinsics.w) / intrinsics.y, -1.0);
    float denom = dot(n, ray);
    if (abs(denom) > 1e-6 * ln * length(ray)) {
      float exact = dot(n, vPos) / denom;
      // keep the refinement only where it is a sub-pixel correction
      if (abs(exact - depth) < 0.01 * depth) depth = exact;
    }
  }`;

const FRAGMENT: Record<PassKind, string> = {
  labels: `
${DEPTH_HEAD}
void main(void) {
${DEPTH_REFINED}
  gl_FragColor = vec4(depth, ids.x, ids.y, 1.0);
}`,
  lidar: `
${DEPTH_HEAD}
void main(void) {
${DEPTH_REFINED}
  // the triangle's own plane normal, in the OpenCV camera frame, octahedral-encoded
  n = normalize(vec3(n.x, -n.y, -n.z));
  n /= abs(n.x) + abs(n.y) + abs(n.z);
  vec2 e = n.xy;
  if (n.z < 0.0) e = (1.0 - abs(n.yx)) * vec2(n.x >= 0.0 ? 1.0 : -1.0, n.y >= 0.0 ? 1.0 : -1.0);
  gl_FragColor = vec4(depth, ids.x, e.x, e.y);
}`,
  normals: `
precision highp float;
varying vec3 vPos;
varying vec3 vNormal;
void main(void) {
  vec3 n = normalize(vNormal);
  if (dot(n, vPos) > 0.0) n = -n;
  gl_FragColor = vec4(n.x, -n.y, -n.z, 1.0);
}`,
  coverage: `
precision highp float;
uniform vec4 bits;
varying vec3 vPos;
varying vec3 vNormal;
void main(void) { gl_FragColor = bits; }`,
};

export type PassKind = "labels" | "normals" | "coverage" | "lidar";


function passMaterial(kind: PassKind, scene: Scene, configure: (m: ShaderMaterial) => void): ShaderMaterial {
  const mat = new ShaderMaterial(
    `simforge-${kind}`,
    scene,
    { vertexSource: VERTEX, fragmentSource: FRAGMENT[kind] },
    {
      attributes: ["position", "normal"],
      uniforms: ["worldView", "projection", "ids", "bits", "intrinsics", "imageHeight"],
      needAlphaBlending: kind === "coverage",
    },
  );
  mat.backFaceCulling = false;
  configure(mat);
  return mat;
}

/** A float render target of the frame size, re-created when the size changes. */
export class FloatTarget {
  readonly rtt: RenderTargetTexture;
  constructor(name: string, scene: Scene, width: number, height: number, stencil: boolean) {
    this.rtt = new RenderTargetTexture(name, { width, height }, scene, {
      generateMipMaps: false,
      type: Constants.TEXTURETYPE_FLOAT,
      format: Constants.TEXTUREFORMAT_RGBA,
      samplingMode: Constants.TEXTURE_NEAREST_SAMPLINGMODE,
      generateDepthBuffer: true,
      generateStencilBuffer: stencil,
      samples: 1,
    });
    this.rtt.clearColor = new Color4(0, 0, 0, 0);
    this.rtt.renderParticles = false;
    this.rtt.renderSprites = false;
  }
  dispose(): void {
    this.rtt.dispose();
  }
  async read(): Promise<Float32Array> {
    const px = await this.rtt.readPixels(0, 0, undefined, true);
    if (!px) throw new Error(`reading back ${this.rtt.name} failed`);
    return px as Float32Array;
  }
}

/**
 * Pass materials by kind and slot, kept across frames: slot i of a pass always draws the
 * i-th object of its target, and only its uniforms change from frame to frame.
 */
export class PassMaterials {
  private readonly byKind = new Map<PassKind, ShaderMaterial[]>();
  constructor(private readonly scene: Scene) {}

  get(kind: PassKind, slot: number): { mat: ShaderMaterial; fresh: boolean } {
    let list = this.byKind.get(kind);
    if (!list) this.byKind.set(kind, (list = []));
    const have = list[slot];
    if (have) return { mat: have, fresh: false };
    const mat = passMaterial(kind, this.scene, (m) => {
      if (kind !== "coverage") return;
      const bits = [0, 0, 0, 0];
      bits[Math.floor(slot / 24)] = 2 ** (slot % 24);
      m.setVector4("bits", new Vector4(bits[0], bits[1], bits[2], bits[3]));
      m.alphaMode = Constants.ALPHA_ONEONE_ONEONE;
      m.depthFunction = Constants.ALWAYS;
      m.disableDepthWrite = true;
      const st = m.stencil;
      st.enabled = true;
      st.mask = 0xff;
      st.funcRef = slot + 1; // a target holds at most OBJECTS_PER_COVERAGE_TARGET objects
      st.funcMask = 0xff;
      st.func = Constants.NOTEQUAL;
      st.backFunc = Constants.NOTEQUAL;
      st.opStencilFail = Constants.KEEP;
      st.opDepthFail = Constants.REPLACE;
      st.opStencilDepthPass = Constants.REPLACE;
      st.backOpStencilFail = Constants.KEEP;
      st.backOpDepthFail = Constants.REPLACE;
      st.backOpStencilDepthPass = Constants.REPLACE;
    });
    list[slot] = mat;
    return { mat, fresh: true };
  }
}

/**
 * Assigns pass materials to the objects' meshes for one target, compiling the ones created
 * now (scene.whenReadyAsync does not check materials that only a render target uses).
 */
export async function bindPass(
  kind: PassKind, target: FloatTarget, objects: BuiltObject[], materials: PassMaterials, intrinsics: [number, number, number, number], height: number,
): Promise<void> {
  const compiled: Promise<void>[] = [];
  const rtt = target.rtt;
  rtt.renderList = [];
  objects.forEach((o, i) => {
    const { mat, fresh } = materials.get(kind, i);
    if (kind === "labels" || kind === "lidar") {
      mat.setVector4("ids", new Vector4(o.spec.id, o.spec.classId, 0, 1));
      mat.setVector4("intrinsics", new Vector4(...intrinsics));
      mat.setFloat("imageHeight", height);
    }
    for (const mesh of o.meshes) {
      rtt.renderList!.push(mesh);
      rtt.setMaterialForRendering(mesh, mat);
      // a pooled material meets new meshes: a draw that is not ready would be skipped silently
      if (fresh || !mat.isReady(mesh)) compiled.push(mat.forceCompilationAsync(mesh));
    }
  });
  await Promise.all(compiled);
}
