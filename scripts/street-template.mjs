// The urban-street template (scenes/urban-street.json), written by make-scenes.mjs because
// its lane markings are many small boxes. World: x along the road (the ego car drives
// towards +x), y to the left, z up; the road is 12 m wide (two 3.5 m lanes and a 2.5 m
// parking strip each side), then kerbs, 3 m sidewalks 15 cm high, and buildings.
// Class names and colours follow SemanticKITTI (and Cityscapes where it has the class).

const U = (a, b) => ({ uniform: [a, b] });
/** uniform over [a, b] on the left side (s = 1), over [-b, -a] on the right (s = -1) */
const sideU = (s, a, b) => (s > 0 ? U(a, b) : U(-b, -a));
const BANK = "../assets/textures/bank";
const tex = (file, scale, rotation = 0) => ({ uri: `${BANK}/${file}`, scale, rotation });

const CLASSES = [
  ["road", [0.5, 0.25, 0.5]], ["sidewalk", [0.96, 0.14, 0.91]], ["lane-marking", [0.6, 0.6, 0.2]],
  ["terrain", [0.6, 0.98, 0.6]], ["building", [0.27, 0.27, 0.27]], ["car", [0, 0, 0.56]],
  ["person", [0.86, 0.08, 0.24]], ["pole", [0.6, 0.6, 0.6]], ["traffic-sign", [0.86, 0.86, 0]],
  ["vegetation", [0.42, 0.56, 0.14]],
];

// amorphous background, not objects: the COCO and BOP writers leave these classes out
const STUFF = new Set(["road", "sidewalk", "lane-marking", "terrain", "building", "vegetation"]);

const ROAD_HALF = 6, KERB = 0.15, WALK = 3, WALK_Y = ROAD_HALF + KERB + WALK / 2, X0 = -30, X1 = 170;
// Shapes repeat across frames (sizes vary by scale, gaits by one of 8 phases), so the page
// re-uses their meshes instead of building new ones every frame.
const GAIT = Array.from({ length: 8 }, (_, k) => k / 8);
const paint = (v) => ({ baseColor: [v, v, v * 0.95], roughness: 0.6 });

/** A material whose colour (and maybe texture from the bank) is drawn per frame. */
const carPaint = {
  baseColor: { hsv: { h: [0, 360], s: { choice: [0, U(0.3, 0.9)] }, v: [0.1, 0.9] } },
  roughness: U(0.15, 0.5),
  metallic: { choice: [0, 0.6, 0.9] },
};

function objects() {
  const out = [];
  let id = 1;
  const add = (o) => out.push({ id: id++, ...o });
  const len = X1 - X0, cx = (X0 + X1) / 2;
  add({ class: "terrain", shape: { type: "plane", size: [len, 80] }, pose: { position: [cx, 0, -0.01] },
    material: { baseColor: { hsv: { h: [70, 110], s: [0.3, 0.7], v: [0.5, 1] } }, texture: tex("grass.png", [len / 4, 20]) } });
  add({ class: "road", shape: { type: "plane", size: [len, 2 * ROAD_HALF] }, pose: { position: [cx, 0, 0] },
    material: { baseColor: { hsv: { h: [0, 360], s: [0, 0.05], v: [0.6, 1] } }, roughness: U(0.6, 0.95), texture: tex("asphalt.png", [len / 4, 3]) } });
  for (const side of [1, -1]) {
    add({ class: "sidewalk", shape: { type: "box", size: [len, KERB, KERB] }, pose: { position: [cx, side * (ROAD_HALF + KERB / 2), KERB / 2] }, material: paint(0.7) });
    add({ class: "sidewalk", shape: { type: "box", size: [len, WALK, KERB] }, pose: { position: [cx, side * WALK_Y, KERB / 2] },
      material: { baseColor: { hsv: { h: [0, 360], s: [0, 0.1], v: [0.6, 1] } }, texture: { choice: [tex("tiles.png", [len / 2, 1.5]), tex("concrete.png", [len / 3, 1])] } } });
    // edge lines of the driving lanes
    add({ class: "lane-marking", shape: { type: "box", size: [len, 0.12, 0.004] }, pose: { position: [cx, side * 3.5, 0.002] }, material: paint(0.9) });
  }
  // the dashed centre line: 3 m dashes every 9 m
  for (let x = X0 + 2; x < X1; x += 9) {
    add({ class: "lane-marking", shape: { type: "box", size: [3, 0.12, 0.004] }, pose: { position: [x, 0, 0.002] }, material: paint(0.92) });
  }
  return out;
}

/** A spawn group on one side of the street (side 1 left, -1 right). */
const onSide = (side, firstId, count, object) => ({ spawn: { count, firstId, avoidOverlap: true, tries: 30, from: [{ object: object(side) }] } });

export function urbanStreet() {
  const objs = objects();
  const groups = [];
  // street furniture first (placed on the sidewalks), then trees, then buildings behind them
  for (const [k, side] of [1, -1].entries()) {
    groups.push(onSide(side, 100 + 20 * k, { int: [2, 5] }, (s) => ({
      class: "pole", shape: { type: "asset", name: "pole", params: { height: { choice: [6, 7, 8] }, variant: 1 } },
      pose: { position: [U(0, 150), s * (ROAD_HALF + KERB + 0.4), KERB], rotation: { euler: [0, 0, s > 0 ? -90 : 90] } },
      material: { baseColor: { hsv: { h: [0, 360], s: [0, 0.2], v: [0.3, 0.7] } }, metallic: 0.6, roughness: 0.4 },
    })));
    groups.push(onSide(side, 140 + 20 * k, { int: [1, 3] }, (s) => ({
      class: "traffic-sign", shape: { type: "asset", name: "sign", params: { height: { choice: [2.2, 2.5, 2.8] }, variant: { int: [0, 3] } } },
      pose: { position: [U(5, 80), s * (ROAD_HALF + KERB + 0.5), KERB], rotation: { euler: [0, 0, U(170, 190)] } },
      material: { baseColor: { choice: [[0.8, 0.1, 0.1], [0.1, 0.3, 0.8], [0.95, 0.95, 0.95], [0.95, 0.8, 0.1]] }, roughness: 0.4 },
    })));
    groups.push(onSide(side, 200 + 50 * k, { int: [2, 12] }, (s) => ({
      class: "person", shape: { type: "asset", name: "pedestrian", params: { phase: { choice: GAIT }, stride: { choice: [15, 25] } } }, scale: U(0.86, 1.11),
      pose: { position: [U(3, 70), sideU(s, ROAD_HALF + KERB + 0.5, ROAD_HALF + KERB + WALK - 0.5), KERB], rotation: { rotationAbout: { axis: [0, 0, 1], angle: [0, 360] } } },
      material: { baseColor: { hsv: { h: [0, 360], s: [0, 0.7], v: [0.1, 0.9] } }, roughness: 0.8 },
    })));
    groups.push(onSide(side, 300 + 50 * k, { int: [3, 10] }, (s) => ({
      class: "vegetation", shape: { type: "asset", name: "tree", params: { height: 6, variant: { choice: [0, 1], weights: [3, 1] } } }, scale: U(0.67, 1.33),
      pose: { position: [U(0, 160), s * (ROAD_HALF + KERB + WALK - 0.6), KERB], rotation: { rotationAbout: { axis: [0, 0, 1], angle: [0, 360] } } },
      material: { baseColor: { hsv: { h: [70, 130], s: [0.4, 0.8], v: [0.2, 0.6] } }, roughness: 0.9 },
    })));
  }
  // parked cars in the parking strips, driving cars in the lanes (ours towards +x on the right, oncoming on the left)
  const car = (position, yaw) => ({ class: "car", shape: { type: "asset", name: "car", params: { type: { int: [0, 3] } } }, pose: { position, rotation: { euler: [0, 0, yaw] } }, material: carPaint });
  groups.push({ spawn: { count: { int: [3, 12] }, firstId: 400, avoidOverlap: true, tries: 30, from: [
    { object: car([U(-5, 120), U(4.4, 4.8), 0], { choice: [U(-3, 3), U(177, 183)] }) },
    { object: car([U(-5, 120), U(-4.8, -4.4), 0], { choice: [U(-3, 3), U(177, 183)] }) },
  ] } });
  groups.push({ spawn: { count: { int: [1, 5] }, firstId: 450, avoidOverlap: true, tries: 30, from: [
    { object: car([U(10, 90), U(-2, -1.5), 0], U(-2, 2)) },
    { object: car([U(10, 90), U(1.5, 2), 0], U(178, 182)) },
  ] } });
  for (const [k, side] of [1, -1].entries()) {
    groups.push(onSide(side, 500 + 50 * k, { int: [5, 9] }, (s) => ({
      class: "building", shape: { type: "asset", name: "building", params: { width: 12, depth: 12, height: 15 } }, scale: [U(0.7, 2), 1, { logUniform: [0.4, 2.7] }],
      pose: { position: [U(-20, 160), sideU(s, WALK_Y + WALK / 2 + 6.5, WALK_Y + WALK / 2 + 9), 0] },
      material: {
        baseColor: { hsv: { h: [0, 360], s: [0, 0.25], v: [0.5, 1] } }, roughness: U(0.6, 0.95),
        texture: { uri: { choice: [`${BANK}/brick.png`, `${BANK}/concrete.png`, `${BANK}/tiles.png`, `${BANK}/marble.png`] }, scale: [U(2, 6), U(2, 6)] },
      },
    })));
  }
  return {
    $schema: "./scene.schema.json",
    version: 1,
    classes: CLASSES.map(([name, color], i) => ({ id: i + 1, name, color, ...(STUFF.has(name) ? { stuff: true } : {}) })),
    camera: {
      // a front camera on the ego car, in the right-hand lane, 1.65 m up (KITTI's cam2)
      width: 1024, height: 384, fovX: U(70, 90),
      pose: { position: [0, U(-2, -1.5), U(1.5, 1.8)], lookAt: [30, U(-3.5, 0), U(0.5, 1.8)], up: [0, 0, 1] },
      near: 0.1, far: 300,
      effects: { exposure: { normal: [0, 0.3], clip: [-1, 1] }, whiteBalance: [U(0.92, 1.08), 1, U(0.92, 1.08)], noise: { read: U(0, 0.008), shot: U(0, 0.002) } },
    },
    lights: [
      { type: "directional", direction: [U(-1, 1), U(-1, 1), U(-1.5, -0.4)], color: { kelvin: [4500, 6500] }, intensity: U(1.5, 3.5) },
      { type: "hemispheric", color: { kelvin: [6500, 12000] }, groundColor: [0.15, 0.15, 0.15], intensity: U(0.4, 1) },
    ],
    background: { color: { hsv: { h: [190, 225], s: [0.15, 0.6], v: [0.6, 1] } } },
    // a roof LiDAR on the ego car, mounted like KITTI's (1.73 m up)
    lidars: [{ name: "roof", preset: "HDL-64E", pose: { position: [0.3, -1.75, 1.73] } }],
    objects: [...objs, ...groups],
  };
}

/**
 * The drive scenario (scenes/urban-drive.json): urban-street with the rig on the ego car
 * driving its lane (a `drive` block), traffic in both lanes at one speed per lane (so no car
 * catches up with another) and pedestrians walking the sidewalks, one lane per direction
 * at one pace. Parked cars, poles, signs, trees and buildings stay.
 */
export function urbanDrive() {
  const t = urbanStreet();
  const pace = 1.3;
  for (const g of t.objects) {
    const sp = g.spawn;
    if (!sp) continue;
    if (sp.firstId === 450) {
      const [lead, oncoming] = sp.from.map((f) => f.object);
      Object.assign(lead, { pose: { position: [U(10, 90), U(-1.85, -1.65), 0], rotation: { euler: [0, 0, 0] } }, velocity: [13, 0, 0] });
      Object.assign(oncoming, { pose: { position: [U(20, 160), U(1.65, 1.85), 0], rotation: { euler: [0, 0, 180] } }, velocity: [-10, 0, 0] });
    }
    if (sp.firstId === 200 || sp.firstId === 250) {
      const s = sp.firstId === 200 ? 1 : -1;
      const walker = sp.from[0].object;
      const lane = (a, b) => U(Math.min(s * a, s * b), Math.max(s * a, s * b));
      // the asset faces +x: walkers with the traffic nearer the kerb, against it nearer the houses
      const along = { ...structuredClone(walker), pose: { position: [walker.pose.position[0], lane(7.25, 7.35), walker.pose.position[2]], rotation: { euler: [0, 0, 0] } }, velocity: [pace, 0, 0] };
      const against = { ...structuredClone(walker), pose: { position: [walker.pose.position[0], lane(7.95, 8.05), walker.pose.position[2]], rotation: { euler: [0, 0, 180] } }, velocity: [-pace, 0, 0] };
      sp.from = [{ object: along }, { object: against }];
    }
  }
  const { $schema, version, classes, camera, ...rest } = t;
  camera.pose = { position: [0, -1.75, 1.65], lookAt: [30, -1.75, U(0.8, 1.4)], up: [0, 0, 1] };
  rest.lidars = [{ name: "roof", preset: "HDL-64E", backend: "auto", pose: { position: [0.3, -1.75, 1.73] } }];
  // the ego: 6-10 m/s, slowly speeding up or slowing down; 100 frames stay on the 200 m road
  return { $schema, version, classes, drive: { rate: 10, speed: U(6, 10), acceleration: U(-0.3, 0.2) }, camera, ...rest };
}

/** JSON with short objects and arrays kept on one line (the scenes are read by people too). */
export function compactJson(v, indent = 0, used = 0, width = 110) {
  const flat = JSON.stringify(v, null, 1).replace(/\n\s*/g, " ").replace(/\[ /g, "[").replace(/ \]/g, "]").replace(/\{ /g, "{").replace(/ \}/g, "}");
  if (used + flat.length <= width || typeof v !== "object" || v === null) return flat;
  const pad = " ".repeat(indent + 2);
  const items = Array.isArray(v)
    ? v.map((x) => pad + compactJson(x, indent + 2, indent + 2, width))
    : Object.entries(v).map(([k, x]) => pad + JSON.stringify(k) + ": " + compactJson(x, indent + 2, indent + 4 + JSON.stringify(k).length, width));
  return (Array.isArray(v) ? "[\n" : "{\n") + items.join(",\n") + "\n" + " ".repeat(indent) + (Array.isArray(v) ? "]" : "}");
}
