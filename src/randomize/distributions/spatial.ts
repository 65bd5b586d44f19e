/**
 * The distributions of orientations and positions (angles in degrees): uniformRotation,
 * rotationAbout (an axis and an angle) and shell (a point on a spherical shell, e.g. a
 * camera position around a target).
 */
import { shellPoint, uniformRotation } from "../../math/distributions.js";
import { objectArgument, type Distribution, type DrawContext, type Json, type JsonObject } from "../distribution.js";

/** `{ "uniformRotation": true }` -> { "quaternion": [...] }, uniform on SO(3). */
export const uniformRotationDistribution: Distribution = {
  name: "uniformRotation",
  summary: '{ "uniformRotation": true } -> { "quaternion": [...] }, uniform on SO(3) (not uniform Euler angles)',
  draw(node: JsonObject, ctx: DrawContext): Json {
    if (node.uniformRotation !== true) ctx.fail(ctx.at, "expected true");
    return { quaternion: uniformRotation(ctx.rng) };
  },
};

/** `{ "rotationAbout": { "axis": [x, y, z], "angle"?: x } }` -> { "axisAngle": ... }; the angle defaults to [0, 360]. */
export const rotationAboutDistribution: Distribution = {
  name: "rotationAbout",
  summary: '{ "rotationAbout": { "axis": [x, y, z], "angle": x } } -> { "axisAngle": ... } (angle [0, 360] when left out)',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at } = ctx;
    const expected = 'expected { "axis": [x, y, z], "angle": ... }';
    const arg = objectArgument(node, "rotationAbout", ctx, expected);
    if (!Array.isArray(arg.axis) || arg.axis.length !== 3) ctx.fail(at, expected);
    const axis = arg.axis.map((x, i) => ctx.num(x, [...at, "axis", i]));
    if (axis.every((x) => x === 0)) ctx.fail([...at, "axis"], "the axis must not be zero");
    return { axisAngle: { axis, angle: ctx.scalar(arg.angle ?? [0, 360], [...at, "angle"], ctx.rng) } };
  },
};

/** `{ "shell": { "center": [x, y, z], "radius": [a, b], "elevation"?: [a, b], "azimuth"?: [a, b] } }` -> [x, y, z]. */
export const shellDistribution: Distribution = {
  name: "shell",
  summary: '{ "shell": { "center": [x, y, z], "radius": [a, b], "elevation"?: [a, b], "azimuth"?: [a, b] } } -> [x, y, z], uniform in area on the shell',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at } = ctx;
    const arg = objectArgument(node, "shell", ctx, 'expected { "center": [x, y, z], "radius": [a, b], "elevation"?: [a, b], "azimuth"?: [a, b] }');
    const center = Array.isArray(arg.center) && arg.center.length === 3 ? arg.center.map((x, i) => ctx.num(x, [...at, "center", i])) : ctx.fail([...at, "center"], "expected 3 numbers");
    const radius = ctx.range(arg.radius, [...at, "radius"]);
    if (radius[0] < 0) ctx.fail([...at, "radius"], "the radius must be >= 0");
    const elevation = arg.elevation === undefined ? undefined : ctx.range(arg.elevation, [...at, "elevation"]);
    if (elevation && (elevation[0] < -90 || elevation[1] > 90)) ctx.fail([...at, "elevation"], "elevation must lie in [-90, 90] degrees");
    const azimuth = arg.azimuth === undefined ? undefined : ctx.range(arg.azimuth, [...at, "azimuth"]);
    return shellPoint(ctx.rng, center, radius, elevation, azimuth);
  },
};
