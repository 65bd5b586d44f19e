/**
 * The concrete scene: plain JSON with no randomness left in it (docs/ARCHITECTURE.md; scenes/scene.schema.json).
 *
 * Zod v4 schemas, strict everywhere (an unknown key is an error, so typos are caught), with
 * defaults filled in by parsing. `ConcreteScene` is what parsing returns (every default
 * present); `SceneInput` is what a scene file or a library user may write.
 *
 * Conventions (src/math/transforms.ts): world Z up, metres; angles in degrees; quaternions
 * [x, y, z, w]; Euler angles XYZ as in Blender (R = Rz·Ry·Rx); the camera frame is OpenCV's
 * (x right, y down, z forward) and a pose matrix is row-major T_world_camera.
 *
 * Error messages are written here, next to the shapes they describe; validate.ts adds the
 * field path and the file name. A message that starts with AT_PARENT belongs to the
 * enclosing array (e.g. a non-finite element of a Vec3 is reported at the Vec3's path as
 * "expected 3 finite numbers").
 */
import { MAX_FACE, MAX_LIGHTS } from "./limits.js";
import { ASSET_NAMES, paramProblem } from "../assets/library.js";
import { LIDAR_PRESETS } from "./lidar-presets.js";
import { SEMANTIC_KITTI_IDS, SEMANTIC_KITTI_NAMES } from "../formats/semantic-kitti.js";

import { angularStep } from "./beams.js";
import { z } from "zod";

/** Marks a message to be reported at the enclosing array's path (see validate.ts). */
export const AT_PARENT = "\u0000";

export const MISSING = "missing required field";

type ErrorMap = z.core.$ZodErrorMap;

/** A short rendering of an input value for "got ..." in messages. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? "" : "s"}`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 37) + "..." : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

/**
 * An error map for one scalar field: `expected <what>, got <value>`, or the missing-field
 * message when the key is absent.
 */
function expecting(what: string): ErrorMap {
  return (iss) => {
    if (iss.code === "invalid_type" && iss.input === undefined) return `${MISSING} (expected ${what})`;
    return `expected ${what}, got ${describeValue(iss.input)}`;
  };
}

/** An error map for an array-shaped field: the same message for every way it can be wrong. */
function expectList(what: string): ErrorMap {
  return (iss) => (iss.code === "invalid_type" && iss.input === undefined ? `${MISSING} (expected ${what})` : `expected ${what}`);
}

// ---------------------------------------------------------------- numbers

const finite = (what = "a finite number") => z.number({ error: expecting(what) });
const positive = (what = "a positive number") => z.number({ error: expecting(what) }).gt(0, { error: expecting(what) });
const nonNegative = (what = "a number >= 0") => z.number({ error: expecting(what) }).min(0, { error: expecting(what) });
const unit = (what = "a number in [0, 1]") =>
  z.number({ error: expecting(what) }).min(0, { error: expecting(what) }).max(1, { error: expecting(what) });
/** Degrees in the open interval (0, 180). */
const openAngle = (what = "an angle in degrees in (0, 180)") =>
  z.number({ error: expecting(what) }).gt(0, { error: expecting(what) }).lt(180, { error: expecting(what) });
const intIn = (min: number, max: number, note = "") => {
  const what = `an integer in ${min}..${max}${note}`;
  return z.int({ error: expecting(what) }).min(min, { error: expecting(what) }).max(max, { error: expecting(what) });
};
const nonEmpty = (what = "a non-empty string") => z.string({ error: expecting(what) }).min(1, { error: expecting(what) });

/** A fixed-length tuple of numbers; any element error is reported at the tuple as `what`. */
function triple(what: string, elem: (what: string) => z.ZodNumber) {
  const e = elem(AT_PARENT + `expected ${what}`);
  return z.tuple([e, e, e], { error: expectList(what) });
}
function pair(what: string, elem: (what: string) => z.ZodNumber) {
  const e = elem(AT_PARENT + `expected ${what}`);
  return z.tuple([e, e], { error: expectList(what) });
}
/** An element schema whose own message is passed in verbatim (already "expected ..."). */
const el = {
  finite: (m: string) => z.number({ error: m }),
  positive: (m: string) => z.number({ error: m }).gt(0, { error: m }),
  unit: (m: string) => z.number({ error: m }).min(0, { error: m }).max(1, { error: m }),
};

const isZero = (v: readonly number[]) => v.every((x) => x === 0);
const v3 = (x: number, y: number, z: number): [number, number, number] => [x, y, z];
const v2 = (x: number, y: number): [number, number] => [x, y];

export const Vec3Schema = triple("3 finite numbers", el.finite);
const PositiveVec3 = triple("3 positive numbers", el.positive);
const NonzeroVec3 = Vec3Schema.refine((v) => !isZero(v), { error: "must not be [0, 0, 0]" });
export const RgbSchema = triple("3 numbers in [0, 1]", el.unit).describe("colour, 3 numbers in [0, 1]");

// ---------------------------------------------------------------- rotations and poses

const QuaternionSchema = z
  .tuple([0, 1, 2, 3].map(() => el.finite(AT_PARENT + "expected 4 finite numbers [x, y, z, w]")) as [z.ZodNumber, z.ZodNumber, z.ZodNumber, z.ZodNumber], {
    error: expectList("4 finite numbers [x, y, z, w]"),
  })
  .refine((q) => !isZero(q), { error: "must not be [0, 0, 0, 0] (a quaternion needs a non-zero norm)" })
  .describe("[x, y, z, w]; normalised when used");

export const RotationSchema = z.union(
  [
    z.strictObject({ quaternion: QuaternionSchema }),
    z.strictObject({ euler: Vec3Schema.describe("degrees, XYZ order as in Blender: R = Rz·Ry·Rx") }),
    z.strictObject({
      axisAngle: z.strictObject({ axis: NonzeroVec3, angle: finite("an angle in degrees") }),
    }),
  ],
  { error: "expected exactly one of { quaternion: [x, y, z, w] }, { euler: [x, y, z] }, { axisAngle: { axis, angle } }" },
);

const identityRotation = () => ({ quaternion: [0, 0, 0, 1] as [number, number, number, number] });

export const PoseSchema = z.strictObject({
  position: Vec3Schema,
  rotation: RotationSchema.default(identityRotation),
});

// ---------------------------------------------------------------- camera

const sub = (a: readonly number[], b: readonly number[]): [number, number, number] => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
const norm = (a: readonly number[]) => Math.hypot(a[0]!, a[1]!, a[2]!);
const cross = (a: readonly number[], b: readonly number[]): [number, number, number] => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];

const LookAtPoseSchema = z
  .strictObject({
    position: Vec3Schema,
    lookAt: Vec3Schema,
    up: Vec3Schema.default(() => v3(0, 0, 1)).describe("world up hint, default +Z"),
  })
  .superRefine((p, ctx) => {
    const d = sub(p.lookAt, p.position);
    const dn = norm(d);
    if (dn === 0) {
      ctx.addIssue({ code: "custom", path: ["lookAt"], message: "must differ from position" });
      return;
    }
    const un = norm(p.up);
    if (un === 0) {
      ctx.addIssue({ code: "custom", path: ["up"], message: "must not be [0, 0, 0]" });
      return;
    }
    if (norm(cross(d, p.up)) / (dn * un) < 1e-6) {
      ctx.addIssue({ code: "custom", path: ["up"], message: "is parallel to the view direction (lookAt - position)" });
    }
  });

const RotationPoseSchema = z.strictObject({
  position: Vec3Schema,
  rotation: RotationSchema.describe("the OpenCV camera frame (x right, y down, z forward) in the world"),
});

const MATRIX_WHAT = "16 finite numbers (row-major 4x4 T_world_camera)";
const MatrixPoseSchema = z.strictObject({
  matrix: z
    .array(el.finite(AT_PARENT + `expected ${MATRIX_WHAT}`), { error: expectList(MATRIX_WHAT) })
    .length(16, { error: expectList(MATRIX_WHAT) })
    .superRefine((m, ctx) => {
      const problem = matrixProblem(m);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe("row-major 4x4 T_world_camera, camera axes as in OpenCV"),
});

/** Why a row-major 4x4 is not a rigid transform, or undefined if it is one. */
export function matrixProblem(m: readonly number[]): string | undefined {
  const last = m.slice(12, 16);
  if (last.some((v, i) => Math.abs(v - (i === 3 ? 1 : 0)) > 1e-9)) {
    return `last row must be [0, 0, 0, 1], got [${last.join(", ")}]`;
  }
  const r = (i: number, j: number) => m[i * 4 + j]!;
  let err = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += r(i, k) * r(j, k);
      err = Math.max(err, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  if (err > 1e-6) return `the 3x3 part is not a rotation: not orthonormal (max |R·Rᵀ - I| = ${err.toPrecision(3)})`;
  const det =
    r(0, 0) * (r(1, 1) * r(2, 2) - r(1, 2) * r(2, 1)) -
    r(0, 1) * (r(1, 0) * r(2, 2) - r(1, 2) * r(2, 0)) +
    r(0, 2) * (r(1, 0) * r(2, 1) - r(1, 1) * r(2, 0));
  if (det < 0) return "the 3x3 part is a reflection (determinant -1), not a rotation";
  return undefined;
}

export const CameraPoseSchema = z.union([LookAtPoseSchema, RotationPoseSchema, MatrixPoseSchema], {
  error: "expected exactly one of { position, lookAt, up? }, { position, rotation }, { matrix }",
});

const IntrinsicsSchema = z.strictObject({
  fx: positive(),
  fy: positive(),
  cx: finite(),
  cy: finite(),
});

/**
 * Camera sensor effects on RGB only (labels are never touched), in the order a camera
 * applies them: exposure and white balance on linear radiance, optical blur, sensor noise,
 * then a display gamma (src/render/rgb-effects.ts).
 */
const CameraEffectsSchema = z.strictObject({
  exposure: finite("a number of EV stops").default(0).describe("EV stops: linear radiance x 2^exposure"),
  whiteBalance: PositiveVec3.default(() => v3(1, 1, 1)).describe("per-channel gains on linear RGB"),
  blur: nonNegative("a standard deviation in pixels, >= 0").default(0).describe("Gaussian blur, standard deviation in pixels"),
  noise: z
    .strictObject({
      read: nonNegative().default(0).describe("read noise standard deviation, linear units"),
      shot: nonNegative().default(0).describe("shot noise: variance grows by shot x signal"),
      seed: nonEmpty().default("0").describe("noise stream seed; a template fills in one per frame"),
    })
    .optional(),
  motionBlur: z
    .strictObject({
      exposure: positive("the exposure time in seconds, in (0, 0.5]").max(0.5, { error: expecting("the exposure time in seconds, in (0, 0.5]") }).describe("seconds the shutter stays open from the frame's time"),
      samples: intIn(2, 64).default(8).describe("moments rendered over the exposure and averaged in linear light"),
    })
    .optional()
    .describe("motion blur: RGB is the average of the scene over the exposure, objects moved by their velocity and the camera with lidars[0]'s motion (the rig); labels stay sharp at the frame's time"),
  gamma: positive().default(1).describe("display gamma adjustment: v' = v^(1/gamma) on sRGB values"),
  toneMapping: z
    .enum(["none", "standard", "aces", "neutral"], { error: expecting('"none", "standard", "aces" or "neutral"') })
    .default("none")
    .describe("tone curve the renderer applies to linear radiance before the 8-bit image (Babylon's standard, ACES filmic, Khronos PBR Neutral); the other effects act on that image"),
});

/**
 * Lens distortion with OpenCV's names and conventions (src/math/lens.ts): coefficients from
 * cv2.calibrateCamera ("opencv": k1, k2, p1, p2, k3 and the rational k4..k6) or
 * cv2.fisheye.calibrate ("fisheye": k1..k4) paste in unchanged. Omitted coefficients are 0.
 */
const coefficient = () => finite().default(0);
const DistortionSchema = z.discriminatedUnion(
  "model",
  [
    z.strictObject({
      model: z.literal("opencv").describe("Brown–Conrady with the rational model, as cv2.projectPoints"),
      k1: coefficient(), k2: coefficient(), p1: coefficient(), p2: coefficient(), k3: coefficient(),
      k4: coefficient(), k5: coefficient(), k6: coefficient(),
    }),
    z.strictObject({
      model: z.literal("fisheye").describe("OpenCV's equidistant fisheye, as cv2.fisheye.projectPoints"),
      k1: coefficient(), k2: coefficient(), k3: coefficient(), k4: coefficient(),
    }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? 'expected "model": "opencv" or "fisheye"' : undefined) },
);

const PROJECTIONS = ["intrinsics", "fovY", "fovX"] as const;

export const CameraSchema = z
  .strictObject({
    width: intIn(1, 8192),
    height: intIn(1, 8192),
    intrinsics: IntrinsicsSchema.optional().describe("OpenCV K: a centred principal point is ((W-1)/2, (H-1)/2)"),
    fovY: openAngle().optional().describe("vertical field of view, degrees"),
    fovX: openAngle().optional().describe("horizontal field of view, degrees"),
    pose: CameraPoseSchema,
    near: positive().default(0.05),
    far: positive().default(1000),
    effects: CameraEffectsSchema.optional().describe("sensor effects applied to RGB only"),
    distortion: DistortionSchema.optional().describe("lens distortion (OpenCV conventions); every pass and label is of the distorted image"),
    depth: z
      .enum(["z", "range"], { error: expecting('"z" or "range"') })
      .optional()
      .describe("what depth.npy and depth.png hold: z (absent: the default) the camera z of each pixel's surface; range its distance from the camera centre along the pixel's ray, which a fisheye field of 180° or more needs"),
  })
  .superRefine((c, ctx) => {
    const given = PROJECTIONS.filter((k) => c[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `expected exactly one of intrinsics, fovY, fovX (got ${given.length === 0 ? "none" : given.join(" and ")})`,
      });
    }
    if (c.far <= c.near) ctx.addIssue({ code: "custom", path: ["far"], message: `must be greater than near (${c.near}), got ${c.far}` });
  });

// ---------------------------------------------------------------- environment

/**
 * far / near must exceed this for environment.background: the sky is drawn on a box about the
 * camera whose corners (√3 farther than its faces) lie just inside the far plane, and whose faces
 * must then lie beyond the near plane even at the corners of a 90° view.
 */
export const SKYBOX_SPAN = 4;

/**
 * Image-based lighting (src/render/environment.ts): a procedural Preetham sky or an HDR
 * image, as a prefiltered cube map that PBR materials reflect and are lit by.
 */
/** A softbox panel of a studio environment: a lit rectangle on the room surface seen from the eye in its direction. */
const PanelSchema = z.strictObject({
  azimuth: finite("an angle in degrees").describe("degrees, counter-clockwise from world +X towards +Y"),
  elevation: z.number({ error: expecting("an elevation in degrees in [-90, 90]") }).min(-90, { error: expecting("an elevation in degrees in [-90, 90]") }).max(90, { error: expecting("an elevation in degrees in [-90, 90]") }).describe("degrees above the eye's horizontal"),
  size: pair("2 positive numbers", el.positive).default(() => v2(1.2, 1.2)).describe("width and height on its surface, m (a ceiling panel: along world X and Y)"),
  radiance: nonNegative().default(20).describe("its radiance, relative to the sky's zenith luminance of 1"),
  color: RgbSchema.default(() => v3(1, 1, 1)).describe("linear RGB tint"),
});
const MATERIAL_NAME = "a procedural material name (wood, concrete, tiles...)";
const StudioSchema = z
  .strictObject({
    room: PositiveVec3.default(() => v3(6, 6, 3)).describe("the room's size along world X, Y and Z (height), m"),
    eye: positive().default(1).describe("the height above the floor the environment is seen from (at the room's centre), m"),
    floor: nonEmpty(MATERIAL_NAME).default("wood").describe("the floor's procedural material"),
    walls: nonEmpty(MATERIAL_NAME).default("concrete").describe("the walls' procedural material"),
    ceiling: RgbSchema.default(() => v3(0.8, 0.8, 0.8)).describe("the ceiling's linear albedo"),
    tile: positive().default(1.5).describe("metres one repeat of a material's texture spans"),
    panels: z
      .array(PanelSchema, { error: expectList("an array of panels") })
      .max(8, { error: "at most 8 panels" })
      .default(() => [
        { azimuth: 30, elevation: 50, size: v2(1.5, 1.5), radiance: 20, color: v3(1, 1, 1) },
        { azimuth: 200, elevation: 15, size: v2(1.2, 0.9), radiance: 10, color: v3(1, 1, 1) },
      ])
      .describe("softbox panels, the studio's lights"),
    seed: z.union([z.string(), z.number()], { error: expecting("a string or a number") }).default("studio").describe("the materials' look"),
  })
  .superRefine((st, ctx) => {
    if (st.eye >= st.room[2]) ctx.addIssue({ code: "custom", path: ["eye"], message: `must be below the ceiling (${st.room[2]}), got ${st.eye}` });
  });

const SUN_ELEVATION = "a sun elevation in degrees in (0, 90]";
const TURBIDITY = "a turbidity in [1.7, 10]";
export const EnvironmentSchema = z
  .strictObject({
    sky: z
      .strictObject({
        sunElevation: z.number({ error: expecting(SUN_ELEVATION) }).gt(0, { error: expecting(SUN_ELEVATION) }).max(90, { error: expecting(SUN_ELEVATION) }).describe("degrees above the horizon"),
        sunAzimuth: finite("an angle in degrees").default(0).describe("degrees, counter-clockwise from world +X towards +Y"),
        turbidity: z.number({ error: expecting(TURBIDITY) }).min(1.7, { error: expecting(TURBIDITY) }).max(10, { error: expecting(TURBIDITY) }).default(3),
        groundAlbedo: RgbSchema.default(() => v3(0.3, 0.3, 0.3)).describe("linear albedo of the ground below the horizon"),
      })
      .optional()
      .describe("the Preetham daylight sky (SIGGRAPH 1999), its zenith luminance 1"),
    hdr: z
      .strictObject({ uri: nonEmpty("a path to a Radiance .hdr or Babylon .env file") })
      .optional()
      .describe("an environment file: an equirectangular Radiance .hdr image (top row the zenith, the centre column world +X, azimuth increasing to the left) or a Babylon .env cube (its +Y up as world +Z, its +Z as world +X)"),
    studio: StudioSchema.optional().describe("a room with softbox panels, its floor and walls from the procedural materials (src/render/studio.ts)"),
    intensity: nonNegative().default(1).describe("scales the environment's radiance"),
    rotation: finite("an angle in degrees").default(0).describe("turns the environment about world Z, degrees"),
    size: intIn(16, 1024).default(128).describe("cube face size in texels"),
    background: z.boolean({ error: expecting("true or false") }).default(false).describe("draw the environment behind everything in RGB, instead of background.color (labels keep id 0 and no depth there)"),
  })
  .superRefine((e, ctx) => {
    const given = (["sky", "hdr", "studio"] as const).filter((k) => e[k] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: "custom", message: `expected exactly one of sky, hdr, studio (got ${given.length ? given.join(" and ") : "none"})` });
  });

// ---------------------------------------------------------------- grasps

/**
 * Parallel-jaw grasp annotations (src/sensors/grasps.ts): which classes are graspable, the
 * friction coefficient and the gripper. Defaults: a Franka-Hand-like jaw.
 */
const GripperSchema = z
  .strictObject({
  maxWidth: positive().default(0.08).describe("the widest opening, m"),
  fingerLength: positive().default(0.045).describe("finger length along the approach (+z), m"),
  fingerWidth: positive().default(0.02).describe("finger size along x, m"),
  fingerThickness: positive().default(0.01).describe("finger size along the closing axis (y), m"),
  fingertipDepth: nonNegative().default(0.01).describe("how far the fingertips reach past the contacts along +z, m"),
  palm: PositiveVec3.default(() => v3(0.06, 0.2, 0.05)).describe("the palm box behind the fingers: x, y, z sizes, m"),
  })
  .superRefine((g, ctx) => {
    // the open fingers hang from the palm: an opening wider than the palm leaves them in the air
    const span = g.maxWidth + 2 * g.fingerThickness;
    if (span > g.palm[1]) ctx.addIssue({ code: "custom", path: ["maxWidth"], message: `the open fingers span ${span} m (maxWidth + 2 fingerThickness), wider than the palm (palm[1] = ${g.palm[1]} m) that holds them` });
  });
export const GraspsSchema = z.strictObject({
  classes: z.array(nonEmpty("a class name"), { error: expectList("an array of class names") }).min(1, { error: "expected at least one graspable class" }),
  friction: positive("a friction coefficient μ > 0").default(0.4).describe("Coulomb friction coefficient μ: the friction cone's half-angle is atan μ"),
  candidates: intIn(1, 100000).default(200).describe("contact points drawn per object"),
  approaches: intIn(1, 360).default(8).describe("approach directions tried about the closing axis"),
  gripper: GripperSchema.default(() => GripperSchema.parse({}) as z.output<typeof GripperSchema>),
  seed: nonEmpty().default("0").describe("the grasp sampler's seed"),
});

// ---------------------------------------------------------------- lights

const lightColor = () => RgbSchema.default(() => v3(1, 1, 1));
const intensity = () => nonNegative().default(1);

export const LightSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("directional"),
    direction: NonzeroVec3.describe("direction the light travels"),
    color: lightColor(),
    intensity: intensity(),
    shadows: z.boolean({ error: expecting("true or false") }).optional().describe("cast shadows (RGB only; labels never change): default true"),
  }),
  z.strictObject({
    type: z.literal("point"),
    position: Vec3Schema,
    color: lightColor(),
    intensity: intensity(),
    range: positive().optional(),
    shadows: z.boolean({ error: expecting("true or false") }).optional().describe("cast shadows (a cube shadow map: six more depth renders; RGB only): default false"),
  }),
  z.strictObject({
    type: z.literal("spot"),
    position: Vec3Schema,
    direction: NonzeroVec3,
    angle: openAngle().describe("full cone angle, degrees"),
    exponent: nonNegative().default(2),
    color: lightColor(),
    intensity: intensity(),
    range: positive().optional(),
    shadows: z.boolean({ error: expecting("true or false") }).optional().describe("cast shadows (RGB only; labels never change): default true"),
  }),
  z.strictObject({
    type: z.literal("hemispheric"),
    direction: NonzeroVec3.default(() => v3(0, 0, 1)).describe("towards the sky"),
    color: lightColor(),
    groundColor: RgbSchema.default(() => v3(0, 0, 0)),
    intensity: intensity(),
  }),
]);

// ---------------------------------------------------------------- shapes

const tessellation = () => intIn(3, 512).default(48);

export const ShapeSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("box"), size: PositiveVec3 }),
  z.strictObject({ type: z.literal("sphere"), radius: positive(), segments: intIn(3, 512).default(32) }),
  z.strictObject({ type: z.literal("cylinder"), radius: positive(), height: positive(), tessellation: tessellation() }),
  z.strictObject({ type: z.literal("cone"), radius: positive(), height: positive(), tessellation: tessellation() }),
  z
    .strictObject({
      type: z.literal("capsule"),
      radius: positive(),
      height: positive().describe("total length including both caps, >= 2 * radius"),
      tessellation: tessellation(),
    })
    .superRefine((s, ctx) => {
      if (s.height < 2 * s.radius) {
        ctx.addIssue({ code: "custom", path: ["height"], message: `must be at least 2 * radius (${2 * s.radius}): it is the total length including the caps` });
      }
    }),
  z
    .strictObject({
      type: z.literal("torus"),
      radius: positive().describe("major radius"),
      tube: positive().describe("minor radius, < radius"),
      tessellation: tessellation(),
    })
    .superRefine((s, ctx) => {
      if (s.tube >= s.radius) ctx.addIssue({ code: "custom", path: ["tube"], message: `must be less than radius (${s.radius})` });
    }),
  z.strictObject({ type: z.literal("plane"), size: pair("2 positive numbers [width, height]", el.positive) }),
  z.strictObject({
    type: z.literal("mesh"),
    uri: nonEmpty().describe("path to a .gltf, .glb, .obj or .stl file, relative to the scene file"),
    upAxis: z
      .enum(["y", "z"], { error: expecting('"y" or "z"') })
      .optional()
      .describe("the file's up axis; default by extension: Z for .stl, Y otherwise"),
  }),
  z
    .strictObject({
      type: z.literal("asset"),
      name: z.enum(ASSET_NAMES as [string, ...string[]], { error: (iss) => `unknown asset ${describeValue(iss.input)} (known: ${ASSET_NAMES.join(", ")})` }).describe("a built-in procedural asset"),
      params: z.record(z.string(), finite()).default(() => ({})).describe("the asset's parameters; defaults give a typical real-world size"),
    })
    .superRefine((s, ctx) => {
      const problem = paramProblem(s.name, s.params);
      if (problem) ctx.addIssue({ code: "custom", path: problem.field.split("."), message: problem.message });
    })
    .describe("built-in procedural asset, origin at the centre of its footprint on the ground"),
]);

// ---------------------------------------------------------------- materials

export const TextureRefSchema = z.strictObject({
  uri: nonEmpty().describe("path to a .png, .jpg, .jpeg or .webp file, relative to the scene file"),
  scale: pair("2 finite numbers [u, v]", el.finite).default(() => v2(1, 1)),
  offset: pair("2 finite numbers [u, v]", el.finite).default(() => v2(0, 0)),
  rotation: finite("an angle in degrees").default(0),
});

export const MaterialSchema = z.strictObject({
  baseColor: RgbSchema.default(() => v3(0.8, 0.8, 0.8)).describe("linear, like glTF baseColorFactor"),
  roughness: unit().default(0.5),
  metallic: unit().default(0),
  emissive: RgbSchema.default(() => v3(0, 0, 0)),
  texture: TextureRefSchema.optional(),
  reflectivity: unit().optional().describe("LiDAR diffuse reflectivity at its wavelength; default: the base colour's luminance"),
});

// ---------------------------------------------------------------- LiDAR

const PRESET_NAMES = Object.keys(LIDAR_PRESETS);
/** The highest rain and snowfall rates (mm/h) the particle sizes of sensors/lidar/precipitation.ts are used for. */
export const RAIN_MAX = 50;
export const SNOW_MAX = 10;

const LidarSchema = z
  .strictObject({
    name: z.string({ error: expecting("a name of letters, digits, - and _") }).regex(/^[A-Za-z0-9_-]+$/, { error: "expected a name of letters, digits, - and _ (it names the output files)" }),
    preset: z.enum(PRESET_NAMES as [string, ...string[]], { error: (iss) => `unknown LiDAR preset ${describeValue(iss.input)} (known: ${PRESET_NAMES.join(", ")})` }).optional(),
    elevations: z
      .array(z.number({ error: AT_PARENT + "expected elevation angles in degrees in (-90, 90)" }).gt(-90, { error: AT_PARENT + "expected elevation angles in degrees in (-90, 90)" }).lt(90, { error: AT_PARENT + "expected elevation angles in degrees in (-90, 90)" }), { error: expectList("a list of elevation angles in degrees") })
      .min(1, { error: "expected at least one elevation" })
      .max(1024, { error: "at most 1024 channels" })
      .optional()
      .describe("custom sensor: one elevation per laser, degrees above the horizontal"),
    channels: intIn(1, 1024).optional().describe("custom sensor: lasers spread uniformly over verticalFov"),
    verticalFov: pair("[lowest, highest] elevation in degrees", el.finite).optional(),
    columns: intIn(1, 65536).optional().describe("azimuth samples per revolution"),
    rotationHz: positive("revolutions per second").optional(),
    horizontalFov: z.number({ error: expecting("degrees in (0, 360]") }).gt(0, { error: expecting("degrees in (0, 360]") }).max(360, { error: expecting("degrees in (0, 360]") }).optional(),
    minRange: nonNegative().optional(),
    maxRange: positive().optional(),
    pose: PoseSchema.describe("the sensor frame (x forward, y left, z up) in the world"),
    noise: z.boolean({ error: expecting("true or false") }).default(true).describe("range noise and quantisation with the preset's figures (or rangeNoise)"),
    rangeNoise: nonNegative("metres, >= 0").optional().describe("1-sigma range noise, metres (default: the preset's)"),
    dropout: unit().default(0).describe("probability that a return is lost"),
    carlaDropoff: z.boolean({ error: expecting("true or false") }).default(false).describe("CARLA's intensity-dependent drop"),
    intensity: z.enum(["physical", "carla"], { error: expecting('"physical" or "carla"') }).default("physical"),
    attenuation: nonNegative().default(0.004).describe("atmospheric attenuation, 1/m"),
    fog: z.strictObject({ visibility: positive("a visibility in metres") }).optional().describe("fog: extinction from the visibility, and soft returns from the fog near the sensor"),
    rain: z
      .strictObject({ rate: positive(`a rain rate in mm/h, in (0, ${RAIN_MAX}] (the Marshall–Palmer drop sizes hold no further)`).max(RAIN_MAX, { error: expecting(`a rain rate in mm/h, in (0, ${RAIN_MAX}] (the Marshall–Palmer drop sizes hold no further)`) }) })
      .optional()
      .describe("rain: extinction and returns from drops in the beam (Marshall–Palmer drop sizes)"),
    snow: z
      .strictObject({ rate: positive(`a snowfall rate as melted water in mm/h, in (0, ${SNOW_MAX}] (the Gunn–Marshall flake sizes hold no further)`).max(SNOW_MAX, { error: expecting(`a snowfall rate as melted water in mm/h, in (0, ${SNOW_MAX}] (the Gunn–Marshall flake sizes hold no further)`) }) })
      .optional()
      .describe("snow: extinction and returns from flakes in the beam (Gunn–Marshall sizes)"),
    seed: nonEmpty().default("0").describe("noise stream seed; a template fills in one per frame"),
    motion: z
      .strictObject({
        velocity: finite("m/s along the sensor's x axis").default(0),
        yawRate: finite("degrees per second").default(0),
      })
      .optional()
      .describe("ego motion during the sweep (the pose is the sensor at the start of the sweep): each column fires from where the sensor is then"),
    backend: z
      .enum(["raster", "raycast", "gpu", "auto"], { error: expecting('"raster", "raycast", "gpu" or "auto"') })
      .default("raster")
      .describe("raster: cube faces rendered by the page; raycast: the CPU ray caster on every core (a beam raster for a still sensor, a BVH otherwise; primitives and library assets only, no mesh files); gpu: raster, and an error where the renderer is not a GPU; auto: raycast unless the scene has mesh files, else raster; the choice is written to the frame's scene.json"),
    deskew: z.boolean({ error: expecting("true or false") }).default(false).describe("with motion: also write the points in the sweep-start frame (lidar_<name>.deskewed.bin)"),
    divergence: z
      .strictObject({
        angle: positive("the full angle of the beam's cone in degrees, > 0").max(5, { error: expecting("the full angle of the beam's cone in degrees, at most 5") }).optional().describe("default: the preset's published divergence"),
        subRays: intIn(1, 64).default(8).describe("rays cast per beam, spread over the cone (Vogel's sunflower pattern)"),
      })
      .optional()
      .describe("beam divergence: each beam is cast as subRays rays across its cone and its echoes are formed from them (raycast backend)"),
    returns: z.enum(["strongest", "last", "dual"], { error: expecting('"strongest", "last" or "dual"') }).optional().describe("which echo of a beam becomes its point (default strongest); dual: the strongest, and the last (or, when the last is the strongest, the second strongest) in lidar_<name>.return2.*"),
    echoSeparation: positive("metres, > 0").optional().describe("the least range between two echoes of one beam, default 0.4 m (as Isaac Sim's minDistBetweenEchosM); nearer hits merge into one echo"),
  })
  .superRefine((l, ctx) => {
    const kinds = [l.preset !== undefined, l.elevations !== undefined, l.channels !== undefined || l.verticalFov !== undefined].filter(Boolean).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "expected exactly one of preset, elevations, or channels with verticalFov" });
    if ((l.channels === undefined) !== (l.verticalFov === undefined) && l.preset === undefined && l.elevations === undefined) {
      ctx.addIssue({ code: "custom", path: [l.channels === undefined ? "channels" : "verticalFov"], message: "channels and verticalFov go together" });
    }
    if (l.verticalFov && !(l.verticalFov[0] < l.verticalFov[1] && l.verticalFov[0] > -90 && l.verticalFov[1] < 90)) {
      ctx.addIssue({ code: "custom", path: ["verticalFov"], message: `expected lowest < highest, both in (-90, 90), got [${l.verticalFov.join(", ")}]` });
    }
    const preset = l.preset ? LIDAR_PRESETS[l.preset] : undefined;
    if (preset && preset.columnChoices.length > 1 && l.columns !== undefined && !preset.columnChoices.includes(l.columns)) {
      ctx.addIssue({ code: "custom", path: ["columns"], message: `${l.preset} runs with ${preset.columnChoices.join(", ")} columns, got ${l.columns}` });
    }
    if (preset && l.rotationHz !== undefined && !preset.rotationChoices.includes(l.rotationHz)) {
      ctx.addIssue({ code: "custom", path: ["rotationHz"], message: `${l.preset} spins at ${preset.rotationChoices.join(", ")} Hz, got ${l.rotationHz}` });
    }
    // the cube faces must sample the finest angular step twice over within MAX_FACE pixels
    const elevations = preset?.elevations ?? l.elevations ?? (l.channels && l.verticalFov ? Array.from({ length: l.channels }, (_, i) => l.verticalFov![0] + ((l.verticalFov![1] - l.verticalFov![0]) * i) / Math.max(1, l.channels! - 1)) : undefined);
    const columns = l.columns ?? preset?.columns;
    if (elevations && columns) {
      const step = angularStep({ elevations, azimuthOffsets: [], columns, rotationHz: 10, horizontalFov: l.horizontalFov ?? preset?.horizontalFov ?? 360 });
      const needed = Math.ceil(4 / ((step * Math.PI) / 180));
      if (needed > MAX_FACE) {
        ctx.addIssue({ code: "custom", path: [l.columns !== undefined ? "columns" : "elevations"], message: `an angular step of ${step.toPrecision(3)}° needs cube faces of ${needed} px (2x oversampling), more than the ${MAX_FACE} px this renderer allows: use a coarser sensor` });
      }
    }
    if (l.divergence && l.divergence.angle === undefined && preset?.divergence === undefined) {
      ctx.addIssue({ code: "custom", path: ["divergence", "angle"], message: `${l.preset ? `the ${l.preset} preset has no published divergence` : "a custom sensor has no divergence"}: give the angle in degrees` });
    }
    const min = l.minRange ?? preset?.minRange ?? 0, max = l.maxRange ?? preset?.maxRange ?? 100;
    if (!(min < max)) ctx.addIssue({ code: "custom", path: [l.maxRange !== undefined ? "maxRange" : "minRange"], message: `the range window is empty: minRange ${min} >= maxRange ${max}` });
  });

// ---------------------------------------------------------------- objects, classes, scene

const ScaleSchema = z.union([positive(), PositiveVec3], { error: "expected a positive number or 3 positive numbers" });

export const ObjectSchema = z.strictObject({
  id: intIn(1, 65535, " (0 is the background)"),
  class: nonEmpty("a class name").describe('a name from "classes"'),
  shape: ShapeSchema,
  pose: PoseSchema.default(() => ({ position: v3(0, 0, 0), rotation: identityRotation() })),
  scale: ScaleSchema.default(1),
  material: MaterialSchema.optional().describe("absent: a mesh keeps its own materials, a primitive gets the default material"),
  doubleSided: z.boolean({ error: expecting("true or false") }).default(true),
  velocity: triple("3 finite numbers [vx, vy, vz] in m/s", el.finite)
    .optional()
    .describe("world-frame velocity, m/s: the pose is the object at t = 0 (the camera's exposure, the start of each LiDAR sweep); a LiDAR column fired at t sees it moved by velocity·t (raycast backend), and its points take SemanticKITTI's moving classes"),
});

export const ClassSchema = z.strictObject({
  id: intIn(1, 65535),
  name: nonEmpty(),
  color: RgbSchema.optional(),
  stuff: z.boolean({ error: expecting("true or false") }).optional().describe("true for amorphous background (floor, table, road, building): the COCO and BOP writers leave it out of their objects and categories"),
  semanticKitti: z
    .union([z.string(), z.number()], { error: expecting("a SemanticKITTI class name or id") })
    .refine((v) => (typeof v === "string" ? Object.hasOwn(SEMANTIC_KITTI_IDS, v) : Object.hasOwn(SEMANTIC_KITTI_NAMES, v)), {
      error: (iss) => `unknown SemanticKITTI class ${describeValue(iss.input)} (a name such as "car", "road", "pole", or an id such as 10, 40, 80)`,
    })
    .optional()
    .describe("the SemanticKITTI class of this class's LiDAR points (name or id); default: from the class name"),
});

export const BackgroundSchema = z.strictObject({
  color: RgbSchema.describe("sRGB display values in [0, 1]"),
  texture: TextureRefSchema.optional().describe("an image filling the frame behind every object (RGB only: labels keep id 0 there)"),
});

export const SceneSchema = z
  .strictObject({
    $schema: z.string().optional().describe("optional path or URL of scene.schema.json, for editors"),
    version: z.literal(1, { error: (iss) => (iss.input === undefined ? `${MISSING} (expected 1)` : `unsupported version ${describeValue(iss.input)} (expected 1)`) }),
    classes: z.array(ClassSchema, { error: expectList("an array of classes") }),
    camera: CameraSchema,
    lights: z
      .array(LightSchema, { error: expectList("an array of lights") })
      .max(MAX_LIGHTS, { error: `at most ${MAX_LIGHTS} lights (the most a material takes into account)` })
      .default(() => []),
    background: BackgroundSchema.default(() => ({ color: v3(0, 0, 0) })),
    environment: EnvironmentSchema.optional().describe("image-based lighting: a procedural sky or an HDR image"),
    objects: z.array(ObjectSchema, { error: expectList("an array of objects") }),
    lidars: z.array(LidarSchema, { error: expectList("an array of LiDAR sensors") }).default(() => []),
    grasps: GraspsSchema.optional().describe("parallel-jaw grasp annotations for objects of the listed classes (grasps.json per frame)"),
  })
  .superRefine((s, ctx) => {
    const firstIndex = (seen: Map<unknown, number>, key: unknown, i: number) => {
      const j = seen.get(key);
      if (j === undefined) seen.set(key, i);
      return j;
    };
    const classIds = new Map<unknown, number>();
    const classNames = new Map<unknown, number>();
    s.classes.forEach((c, i) => {
      const j = firstIndex(classIds, c.id, i);
      if (j !== undefined) ctx.addIssue({ code: "custom", path: ["classes", i, "id"], message: `duplicate class id ${c.id} (already used by classes[${j}])` });
      const k = firstIndex(classNames, c.name, i);
      if (k !== undefined) ctx.addIssue({ code: "custom", path: ["classes", i, "name"], message: `duplicate class name ${JSON.stringify(c.name)} (already used by classes[${k}])` });
    });
    const lidarNames = new Map<unknown, number>();
    s.lidars.forEach((l, i) => {
      const j = firstIndex(lidarNames, l.name, i);
      if (j !== undefined) ctx.addIssue({ code: "custom", path: ["lidars", i, "name"], message: `duplicate LiDAR name ${JSON.stringify(l.name)} (already used by lidars[${j}])` });
    });
    const known = s.classes.map((c) => c.name);
    const knownNames = new Set(known);
    const objectIds = new Map<unknown, number>();
    s.objects.forEach((o, i) => {
      const j = firstIndex(objectIds, o.id, i);
      if (j !== undefined) ctx.addIssue({ code: "custom", path: ["objects", i, "id"], message: `duplicate object id ${o.id} (already used by objects[${j}])` });
      if (!knownNames.has(o.class)) {
        ctx.addIssue({
          code: "custom",
          path: ["objects", i, "class"],
          message: `unknown class ${JSON.stringify(o.class)} (known: ${known.length ? known.join(", ") : "none"})`,
        });
      }
    });
    if (s.environment?.background) {
      if (s.background.texture) ctx.addIssue({ code: "custom", path: ["environment", "background"], message: "background.texture already fills the frame: draw the environment or the texture, not both" });
      // the environment is drawn on a box about the camera that must lie between the clip planes
      if (s.camera.far <= SKYBOX_SPAN * s.camera.near) ctx.addIssue({ code: "custom", path: ["camera", "far"], message: `must be more than ${SKYBOX_SPAN} x near (${s.camera.near}) to draw environment.background, got ${s.camera.far}` });
    }
    s.grasps?.classes.forEach((name, i) => {
      if (!knownNames.has(name)) ctx.addIssue({ code: "custom", path: ["grasps", "classes", i], message: `unknown class ${JSON.stringify(name)} (known: ${known.length ? known.join(", ") : "none"})` });
    });
  })
  .meta({
    title: "simforge concrete scene",
    description: "A scene with no randomness left: classes, camera, lights, background and objects. World Z up, metres, angles in degrees.",
  });

// ---------------------------------------------------------------- types

/** A parsed scene: every default filled in. */
export type ConcreteScene = z.output<typeof SceneSchema>;
/** What a scene file (or a library user building a scene in code) may write: defaults optional. */
export type SceneInput = z.input<typeof SceneSchema>;

export type Vec3 = z.output<typeof Vec3Schema>;
export type Rgb = z.output<typeof RgbSchema>;
export type Rotation = z.output<typeof RotationSchema>;
export type Pose = z.output<typeof PoseSchema>;
export type CameraPose = z.output<typeof CameraPoseSchema>;
export type CameraSpec = z.output<typeof CameraSchema>;
export type ClassSpec = z.output<typeof ClassSchema>;
export type LightSpec = z.output<typeof LightSchema>;
export type ShapeSpec = z.output<typeof ShapeSchema>;
export type MeshShape = Extract<ShapeSpec, { type: "mesh" }>;
export type AssetShape = Extract<ShapeSpec, { type: "asset" }>;
export type PrimitiveShape = Exclude<ShapeSpec, { type: "mesh" | "asset" }>;
export type TextureRef = z.output<typeof TextureRefSchema>;
export type CameraEffects = z.output<typeof CameraEffectsSchema>;
export type LidarSpec = z.output<typeof LidarSchema>;
export type MaterialSpec = z.output<typeof MaterialSchema>;
export type ObjectSpec = z.output<typeof ObjectSchema>;
