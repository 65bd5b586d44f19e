// The tabletop-bin template (scenes/tabletop-bin.json), written by make-scenes.mjs from
// scenes/tabletop-grasping.json: the same table, objects, distractors, lights and camera
// effects, with the objects dropped into an open bin standing on the table (bin picking).
// The bin is a stuff class (the COCO and BOP writers leave it out, as they do the table).
// Inside: x in [-0.25, 0.25], y in [-0.18, 0.18], from its floor at z = 0.762 up to its rim at 0.942.
export const BIN = { halfX: 0.25, halfY: 0.18, wall: 0.012, floorZ: 0.75 + 0.012, height: 0.18 };

const U = (a, b) => ({ uniform: [a, b] });

/** The five boxes of the bin: floor and four walls. */
function binParts(firstId) {
  const { halfX, halfY, wall, floorZ, height } = BIN;
  const outX = halfX + wall, outY = halfY + wall, midZ = floorZ + height / 2;
  const material = { baseColor: { hsv: { h: [0, 360], s: [0.1, 0.6], v: [0.25, 0.8] } }, roughness: U(0.4, 0.9) };
  const part = (id, size, position) => ({ id, class: "bin", shape: { type: "box", size }, pose: { position }, material });
  return [
    part(firstId, [2 * outX, 2 * outY, wall], [0, 0, floorZ - wall / 2]),
    part(firstId + 1, [wall, 2 * outY, height], [outX - wall / 2, 0, midZ]),
    part(firstId + 2, [wall, 2 * outY, height], [-(outX - wall / 2), 0, midZ]),
    part(firstId + 3, [2 * halfX, wall, height], [0, outY - wall / 2, midZ]),
    part(firstId + 4, [2 * halfX, wall, height], [0, -(outY - wall / 2), midZ]),
  ];
}

/** tabletop-grasping with a bin: spawned objects fall into it, and the camera looks into it from above. */
export function tabletopBin(tabletop) {
  const t = structuredClone(tabletop);
  t.classes.push({ id: Math.max(...t.classes.map((c) => c.id)) + 1, name: "bin", stuff: true, color: [0.3, 0.5, 0.7] });
  const spawns = t.objects.filter((o) => o.spawn);
  const fixed = t.objects.filter((o) => !o.spawn);
  for (const s of spawns) {
    s.spawn.count = s.spawn.firstId === 100 ? { int: [3, 12] } : { int: [0, 4] };
    for (const f of s.spawn.from) f.object.pose.position = [U(-BIN.halfX + 0.06, BIN.halfX - 0.06), U(-BIN.halfY + 0.06, BIN.halfY - 0.06), U(0.95, 1.5)];
  }
  t.objects = [...fixed, ...binParts(10), ...spawns];
  t.camera.pose.position = { shell: { center: [0, 0, 0.8], radius: [0.7, 1.1], elevation: [55, 85] } };
  t.camera.pose.lookAt = [U(-0.05, 0.05), U(-0.05, 0.05), 0.8];
  return t;
}
