// KITTI label_2 / label_02 lines (src/writers/kitti-labels.ts) checked against geometry worked
// out by hand. The scene: a level camera 1.65 m above the ground (KITTI's camera height) at
// the world origin, looking along world +Y, so a world point (X, Y, Z) is the camera point
// (X, 1.65 - Z, Y): camera x = world X, camera y = -world Z, camera z = world Y. A car's box
// is 4 m long (object x), 1.8 m wide (object y), 1.5 m high (object z, up); the object origin
// is on the ground, under the box centre, unless a test says otherwise.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import type { ObjectAnnotation } from "../src/sensors/annotations.js";
import {
  kittiBox3D,
  kittiObjectLine,
  kittiOcclusion,
  kittiTrackingLine,
  kittiTrackingTruncation,
  kittiTruncation,
  kittiType,
  wrapToPi,
} from "../src/writers/kitti-labels.js";
import { composeTRS, invertRigid, lookAtCameraPose, multiply, rotationQuat, toRows } from "../src/math/transforms.js";

const W = 1242;
const H = 375;
const PI = Math.PI;

/** Camera rotation rows (world -> camera) of the level camera, and a T_camera_object from them. */
// R_camera_object = R_camera_world · R_world_object, with R_camera_world rows (1,0,0), (0,0,-1), (0,1,0):
// row 1 = row 1 of R_world_object, row 2 = -(row 3), row 3 = row 2.
// Heading along world +X (R_world_object = I):          rows (1,0,0), (0,0,-1), (0,1,0)
// Turned +90° about world Z (object x -> world +Y):      rows (0,-1,0), (0,0,-1), (1,0,0)
// Turned 180° (object x -> world -X):                    rows (-1,0,0), (0,0,-1), (0,-1,0)
// Turned -90° (object x -> world -Y):                    rows (0,1,0), (0,0,-1), (-1,0,0)
const R_ALONG_X = [[1, 0, 0], [0, 0, -1], [0, 1, 0]];
const R_PLUS_90 = [[0, -1, 0], [0, 0, -1], [1, 0, 0]];
const R_180 = [[-1, 0, 0], [0, 0, -1], [0, -1, 0]];
const R_MINUS_90 = [[0, 1, 0], [0, 0, -1], [-1, 0, 0]];

/** T_camera_object rows from a camera rotation and the object origin in the camera frame. */
function T(R: number[][], t: [number, number, number]): number[][] {
  return [[...R[0]!, t[0]], [...R[1]!, t[1]], [...R[2]!, t[2]], [0, 0, 0, 1]];
}

/** 8 projected corners spanning the 2D box [u0, u1] x [v0, v1] (the order does not matter here). */
function corners(u0: number, v0: number, u1: number, v1: number): [number, number][] {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i & 1 ? u1 : u0, i & 2 ? v1 : v0]);
}

function car(over: Partial<ObjectAnnotation> = {}): ObjectAnnotation {
  return {
    id: 7,
    class_id: 1,
    class: "car",
    T_camera_object: T(R_ALONG_X, [0, 1.65, 20]),
    T_world_object: [[1, 0, 0, 0], [0, 1, 0, 20], [0, 0, 1, 0], [0, 0, 0, 1]],
    quaternion_camera_object: [0, 0, 0, 1],
    scale: [1, 1, 1],
    bbox_visible: [580, 160, 60, 25],
    bbox_amodal: [580, 160, 60, 25],
    px_count_visible: 1000,
    px_count_amodal: 1000,
    visible_fraction: 1,
    truncated: false,
    bbox_3d: { center: [0, 0, 0.75], size: [4, 1.8, 1.5] },
    bbox_3d_corners_2d: corners(560, 150, 660, 200),
    ...over,
  };
}

describe("kittiType", () => {
  it("maps scene classes to KITTI's types, case-insensitively and with - or _", () => {
    expect(kittiType("car")).toBe("Car");
    expect(kittiType("CAR")).toBe("Car");
    expect(kittiType("Van")).toBe("Van");
    expect(kittiType("truck")).toBe("Truck");
    expect(kittiType("person")).toBe("Pedestrian");
    expect(kittiType("Pedestrian")).toBe("Pedestrian");
    expect(kittiType("person_sitting")).toBe("Person_sitting");
    expect(kittiType("Person-Sitting")).toBe("Person_sitting");
    expect(kittiType("cyclist")).toBe("Cyclist");
    expect(kittiType("bicyclist")).toBe("Cyclist");
    expect(kittiType("tram")).toBe("Tram");
  });

  it("leaves other classes out (no Misc, no DontCare)", () => {
    for (const c of ["pole", "tree", "misc", "dontcare", "bus", "person sitting", "carx", "", "constructor", "toString"]) {
      expect(kittiType(c)).toBeNull();
    }
  });
});

describe("kittiBox3D: location, dimensions, rotation_y, alpha", () => {
  it("car 20 m straight ahead, heading along camera x: location = bottom centre, ry = alpha = 0", () => {
    // bottom centre: object (0, 0, 0.75 - 0.75) = origin -> camera (0, 1.65, 20)
    const b = kittiBox3D(car());
    expect(b.location[0]).toBeCloseTo(0, 12);
    expect(b.location[1]).toBeCloseTo(1.65, 12);
    expect(b.location[2]).toBeCloseTo(20, 12);
    expect([b.h, b.w, b.l]).toEqual([1.5, 1.8, 4]);
    expect(b.rotation_y).toBeCloseTo(0, 12);
    expect(b.alpha).toBeCloseTo(0, 12);
  });

  it("turned +90° about world Z (= -90° about camera y): ry = -π/2, and alpha = ry on the z axis", () => {
    // heading d = R·(1,0,0) = first column = (0, 0, 1): driving away; ry = atan2(-1, 0) = -π/2
    const b = kittiBox3D(car({ T_camera_object: T(R_PLUS_90, [0, 1.65, 20]) }));
    expect(b.rotation_y).toBeCloseTo(-PI / 2, 12);
    expect(b.alpha).toBeCloseTo(b.rotation_y, 12);
    expect(b.alpha).toBeCloseTo(-PI / 2, 12);
    // the bottom centre does not move when the box turns about its vertical axis
    expect(b.location[0]).toBeCloseTo(0, 12);
    expect(b.location[1]).toBeCloseTo(1.65, 12);
    expect(b.location[2]).toBeCloseTo(20, 12);
  });

  it("turned -90° (facing the camera): ry = +π/2; turned 180°: ry = π (wrapped into (-π, π])", () => {
    expect(kittiBox3D(car({ T_camera_object: T(R_MINUS_90, [0, 1.65, 20]) })).rotation_y).toBeCloseTo(PI / 2, 12);
    // d = (-1, 0, 0): atan2(-0, -1) = -π, which wrapToPi makes +π
    const b = kittiBox3D(car({ T_camera_object: T(R_180, [0, 1.65, 20]) }));
    expect(b.rotation_y).toBeCloseTo(PI, 12);
    expect(b.alpha).toBeCloseTo(PI, 12);
  });

  it("to the left (x = -20, z = 20, 45° off the axis): ry does not change, alpha = ry + π/4", () => {
    // alpha = ry - atan2(x, z) = ry - atan2(-20, 20) = ry + π/4
    const along = kittiBox3D(car({ T_camera_object: T(R_ALONG_X, [-20, 1.65, 20]) }));
    expect(along.location).toEqual([-20, 1.65, 20]);
    expect(along.rotation_y).toBeCloseTo(0, 12);
    expect(along.alpha).toBeCloseTo(PI / 4, 12);
    const away = kittiBox3D(car({ T_camera_object: T(R_PLUS_90, [-20, 1.65, 20]) }));
    expect(away.rotation_y).toBeCloseTo(-PI / 2, 12);
    expect(away.alpha).toBeCloseTo(-PI / 4, 12);
    const toward = kittiBox3D(car({ T_camera_object: T(R_MINUS_90, [-20, 1.65, 20]) }));
    expect(toward.rotation_y).toBeCloseTo(PI / 2, 12);
    expect(toward.alpha).toBeCloseTo((3 * PI) / 4, 12);
    // 180°: ry = π, alpha = π + π/4 = 5π/4, wrapped to -3π/4
    const back = kittiBox3D(car({ T_camera_object: T(R_180, [-20, 1.65, 20]) }));
    expect(back.rotation_y).toBeCloseTo(PI, 12);
    expect(back.alpha).toBeCloseTo((-3 * PI) / 4, 12);
  });

  it("to the right (x = +20, z = 20), driving away: alpha = -π/2 - π/4 = -3π/4", () => {
    const b = kittiBox3D(car({ T_camera_object: T(R_PLUS_90, [20, 1.65, 20]) }));
    expect(b.rotation_y).toBeCloseTo(-PI / 2, 12);
    expect(b.alpha).toBeCloseTo((-3 * PI) / 4, 12);
  });

  it("a car heading straight away along its own ray has alpha = -π/2 wherever it is", () => {
    // at (-20, 1.65, 20), heading along the ray (-1, 0, 1)/√2: turned 135° about world Z
    // (object x -> world (-1, 1, 0)/√2); camera rows: row 1 = (-s, -s, 0), row 2 = (0, 0, -1),
    // row 3 = (s, -s, 0), s = 1/√2. d = (-s, 0, s): ry = atan2(-s, -s) = -3π/4; alpha = -3π/4 + π/4.
    const s = Math.SQRT1_2;
    const b = kittiBox3D(car({ T_camera_object: T([[-s, -s, 0], [0, 0, -1], [s, -s, 0]], [-20, 1.65, 20]) }));
    expect(b.rotation_y).toBeCloseTo((-3 * PI) / 4, 12);
    expect(b.alpha).toBeCloseTo(-PI / 2, 12);
  });

  it("the location is the box's bottom centre, not the object origin: offset geometry, origin at mid-height", () => {
    // Origin at world (3, 15, 0.75) (mid-height), turned +90° about Z; geometry centre at object
    // (0.3, 0, 0) (0.3 m ahead of the origin), size 4.2 x 1.9 x 1.5. Bottom centre in the
    // object frame (0.3, 0, -0.75) -> world (3, 15.3, 0) -> camera (3, 1.65, 15.3).
    const b = kittiBox3D(
      car({ T_camera_object: T(R_PLUS_90, [3, 0.9, 15]), bbox_3d: { center: [0.3, 0, 0], size: [4.2, 1.9, 1.5] } }),
    );
    expect(b.location[0]).toBeCloseTo(3, 12);
    expect(b.location[1]).toBeCloseTo(1.65, 12);
    expect(b.location[2]).toBeCloseTo(15.3, 12);
    expect([b.h, b.w, b.l]).toEqual([1.5, 1.9, 4.2]);
    // alpha = -π/2 - atan2(3, 15.3); atan(0.1960784) = x - x³/3 + x⁵/5 - x⁷/7 + … = 0.1936220,
    // so alpha = -1.5707963 - 0.1936220 = -1.7644183
    expect(b.alpha).toBeCloseTo(-1.7644183, 6);
  });

  it("a pitched camera: the bottom centre goes through the whole rotation", () => {
    // Camera pitched down by 30° about its x axis (c = cos 30°, s = sin 30°): a level
    // camera's point (x, y, z) becomes (x, c·y - s·z, s·y + c·z). The car ahead (level camera:
    // bottom centre (0, 1.65, 20), heading (1, 0, 0)) is then at (0, c·1.65 - 10, 0.825 + 20c).
    // The object origin is at mid-height here (box centre (0, 0, 0)): level camera (0, 0.9, 20).
    const c = Math.cos(PI / 6), s = Math.sin(PI / 6);
    const rows = [[1, 0, 0], [0, -s, -c], [0, c, -s]]; // pitch · R_ALONG_X
    const t: [number, number, number] = [0, c * 0.9 - s * 20, s * 0.9 + c * 20];
    const b = kittiBox3D(car({ T_camera_object: T(rows, t), bbox_3d: { center: [0, 0, 0], size: [4, 1.8, 1.5] } }));
    expect(b.location[0]).toBeCloseTo(0, 12);
    expect(b.location[1]).toBeCloseTo(1.4289419 - 10, 6);
    expect(b.location[2]).toBeCloseTo(0.825 + 17.3205081, 6);
    expect(b.rotation_y).toBeCloseTo(0, 12); // pitch is about camera x: the heading stays (1, 0, 0)
  });

  it("from world poses (the repo's own transforms, as annotate() builds them): +90° about Z flips ry from 0 to -π/2", () => {
    const T_world_camera = lookAtCameraPose([0, 0, 1.65], [0, 20, 1.65], [0, 0, 1]);
    const at = (deg: number, x: number) =>
      kittiBox3D(car({ T_camera_object: toRows(multiply(invertRigid(T_world_camera), composeTRS([x, 20, 0], rotationQuat({ euler: [0, 0, deg] })))) }));
    const zero = at(0, 0);
    expect(zero.location[0]).toBeCloseTo(0, 9);
    expect(zero.location[1]).toBeCloseTo(1.65, 9);
    expect(zero.location[2]).toBeCloseTo(20, 9);
    expect(zero.rotation_y).toBeCloseTo(0, 9);
    expect(at(90, 0).rotation_y).toBeCloseTo(-PI / 2, 9);
    expect(at(-90, 0).rotation_y).toBeCloseTo(PI / 2, 9);
    expect(at(30, 0).rotation_y).toBeCloseTo(-PI / 6, 9);
    expect(at(0, -20).alpha).toBeCloseTo(PI / 4, 9);
  });
});

describe("wrapToPi", () => {
  it("wraps into (-π, π] as the devkit's wrapToPi", () => {
    expect(wrapToPi(-PI)).toBeCloseTo(PI, 12);
    expect(wrapToPi(PI)).toBeCloseTo(PI, 12);
    expect(wrapToPi((5 * PI) / 4)).toBeCloseTo((-3 * PI) / 4, 12);
    expect(wrapToPi((-5 * PI) / 4)).toBeCloseTo((3 * PI) / 4, 12);
    expect(wrapToPi(7)).toBeCloseTo(7 - 2 * PI, 12);
    expect(wrapToPi(0.5)).toBe(0.5);
  });
});

describe("occluded", () => {
  it("0 from 90 % visible, 1 from 50 %, 2 above 0, 3 without a measure", () => {
    const occ = (vf: number, amodal = 1000) => kittiOcclusion(car({ visible_fraction: vf, px_count_amodal: amodal }));
    expect(occ(1)).toBe(0);
    expect(occ(0.9)).toBe(0);
    expect(occ(0.8999)).toBe(1);
    expect(occ(0.5)).toBe(1);
    expect(occ(0.4999)).toBe(2);
    expect(occ(0.01)).toBe(2);
    expect(occ(0)).toBe(3);
    expect(occ(0.7, 0)).toBe(3);
    expect(occ(Number.NaN)).toBe(3);
  });
});

describe("truncated", () => {
  // The image spans [-0.5, 1241.5] x [-0.5, 374.5].
  const trunc = (c: ([number, number] | null)[], truncated = true) => {
    const o = car({ truncated, bbox_3d_corners_2d: c });
    return [kittiTruncation(o, W, H), kittiTrackingTruncation(o, W, H)];
  };

  it("is the fraction of the projected box outside the image", () => {
    // u in [-100.5, 99.5]: 100 of 200 columns inside -> 0.5
    expect(trunc(corners(-100.5, 150, 99.5, 250))).toEqual([0.5, 2]);
    // u in [-50.5, 149.5]: 150 of 200 inside -> 0.25
    expect(trunc(corners(-50.5, 150, 149.5, 250))).toEqual([0.25, 1]);
    // u in [-10.5, 189.5]: 190 of 200 inside -> 0.05
    const [t, level] = trunc(corners(-10.5, 150, 189.5, 250));
    expect(t).toBeCloseTo(0.05, 12);
    expect(level).toBe(1);
    // bottom-right corner: u in [1141.5, 1341.5] (100 of 200 inside), v in [274.5, 474.5] (100 of 200) -> 1 - 1/4
    expect(trunc(corners(1141.5, 274.5, 1341.5, 474.5))).toEqual([0.75, 2]);
  });

  it("is 1 when a corner is behind the camera", () => {
    const c: ([number, number] | null)[] = corners(100, 100, 200, 200);
    c[5] = null;
    expect(trunc(c)).toEqual([1, 2]);
  });

  it("is 0 when the silhouette does not touch the border, even if the box's corners leave the image", () => {
    expect(trunc(corners(-100.5, 150, 99.5, 250), false)).toEqual([0, 0]);
    // touching the border but with the projected box inside: 0 too
    expect(trunc(corners(-0.5, 150, 99.5, 250), true)).toEqual([0, 0]);
  });
});

describe("kittiObjectLine (label_2)", () => {
  it("writes every column of the car straight ahead, 2 decimals", () => {
    // type trunc occ alpha | left top right bottom = 580, 160, 580+60-1, 160+25-1 | h w l | x y z | ry
    expect(kittiObjectLine(car(), W, H)).toBe("Car 0.00 0 0.00 580.00 160.00 639.00 184.00 1.50 1.80 4.00 0.00 1.65 20.00 0.00");
  });

  it("the turned car on the left: ry -π/2 -> -1.57, alpha -π/4 -> -0.79; occluded 1, truncated 0.25", () => {
    const o = car({
      class: "Car",
      T_camera_object: T(R_PLUS_90, [-20, 1.65, 20]),
      bbox_visible: [0, 150, 150, 101],
      visible_fraction: 0.6,
      truncated: true,
      bbox_3d_corners_2d: corners(-50.5, 150, 149.5, 250),
    });
    expect(kittiObjectLine(o, W, H)).toBe("Car 0.25 1 -0.79 0.00 150.00 149.00 250.00 1.50 1.80 4.00 -20.00 1.65 20.00 -1.57");
  });

  it("a pedestrian facing the camera on the left: ry π/2 -> 1.57, alpha 3π/4 -> 2.36, occluded 2", () => {
    const o = car({
      class: "person",
      T_camera_object: T(R_MINUS_90, [-20, 1.65, 20]),
      bbox_3d: { center: [0, 0, 0.875], size: [0.5, 0.6, 1.75] },
      bbox_visible: [300, 120, 10, 30],
      visible_fraction: 0.3,
    });
    expect(kittiObjectLine(o, W, H)).toBe("Pedestrian 0.00 2 2.36 300.00 120.00 309.00 149.00 1.75 0.60 0.50 -20.00 1.65 20.00 1.57");
  });

  it("turned 180° on the left: ry π -> 3.14, alpha wrapped from 5π/4 to -3π/4 -> -2.36", () => {
    expect(kittiObjectLine(car({ T_camera_object: T(R_180, [-20, 1.65, 20]) }), W, H)).toBe(
      "Car 0.00 0 -2.36 580.00 160.00 639.00 184.00 1.50 1.80 4.00 -20.00 1.65 20.00 3.14",
    );
  });

  it("writes no '-0.00'", () => {
    // x = -0.001 rounds to 0.00; alpha = -atan2(-0.001, 20) = +0.00005; ry = atan2(-0, 1) = -0
    const line = kittiObjectLine(car({ T_camera_object: T(R_ALONG_X, [-0.001, 1.65, 20]) }), W, H)!;
    expect(line).toBe("Car 0.00 0 0.00 580.00 160.00 639.00 184.00 1.50 1.80 4.00 0.00 1.65 20.00 0.00");
    expect(line).not.toContain("-0.00");
  });

  it("gives null for a class without a KITTI type or an object without visible pixels", () => {
    expect(kittiObjectLine(car({ class: "pole" }), W, H)).toBeNull();
    expect(kittiObjectLine(car({ bbox_visible: null, visible_fraction: 0, px_count_visible: 0 }), W, H)).toBeNull();
  });

  it("has 15 columns that a KITTI reader splits as the readme says", () => {
    const cols = kittiObjectLine(car({ T_camera_object: T(R_PLUS_90, [20, 1.65, 20]) }), W, H)!.split(" ");
    expect(cols).toHaveLength(15);
    expect(cols[0]).toBe("Car");
    expect(Number(cols[3])).toBeCloseTo(-2.36, 2); // alpha = -3π/4
    expect(cols.slice(11, 14).map(Number)).toEqual([20, 1.65, 20]); // x y z
    expect(Number(cols[14])).toBeCloseTo(-1.57, 2); // rotation_y
  });

  it("rejects a non-finite pose", () => {
    const bad = car({ T_camera_object: T(R_ALONG_X, [Number.NaN, 1.65, 20]) });
    expect(() => kittiObjectLine(bad, W, H)).toThrow(InputError);
  });
});

describe("kittiTrackingLine (label_02)", () => {
  it("writes frame, track id (the object id), integer truncation and occlusion, floats as %f", () => {
    expect(kittiTrackingLine(3, car(), W, H)).toBe(
      "3 7 Car 0 0 0.000000 580.000000 160.000000 639.000000 184.000000 1.500000 1.800000 4.000000 0.000000 1.650000 20.000000 0.000000",
    );
  });

  it("the turned car on the left, truncated 0.25 (level 1), occluded 1", () => {
    const o = car({
      id: 12,
      class: "van",
      T_camera_object: T(R_PLUS_90, [-20, 1.65, 20]),
      bbox_visible: [0, 150, 150, 101],
      visible_fraction: 0.75,
      truncated: true,
      bbox_3d_corners_2d: corners(-50.5, 150, 149.5, 250),
    });
    // alpha = -π/4 = -0.785398(16), ry = -π/2 = -1.570796(33)
    expect(kittiTrackingLine(0, o, W, H)).toBe(
      "0 12 Van 1 1 -0.785398 0.000000 150.000000 149.000000 250.000000 1.500000 1.800000 4.000000 -20.000000 1.650000 20.000000 -1.570796",
    );
  });

  it("half the box out of the image is truncation level 2; the columns are 17", () => {
    const o = car({ truncated: true, bbox_3d_corners_2d: corners(-100.5, 150, 99.5, 250) });
    const cols = kittiTrackingLine(41, o, W, H)!.split(" ");
    expect(cols).toHaveLength(17);
    expect(cols.slice(0, 5)).toEqual(["41", "7", "Car", "2", "0"]);
  });

  it("gives null where the object line does, and rejects a bad frame number", () => {
    expect(kittiTrackingLine(0, car({ class: "tree" }), W, H)).toBeNull();
    expect(kittiTrackingLine(0, car({ bbox_visible: null }), W, H)).toBeNull();
    expect(() => kittiTrackingLine(-1, car(), W, H)).toThrow(InputError);
    expect(() => kittiTrackingLine(1.5, car(), W, H)).toThrow(InputError);
  });
});
