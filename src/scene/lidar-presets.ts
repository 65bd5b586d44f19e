/**
 * Beam tables and default parameters of real spinning LiDAR sensors, for simulated scans.
 *
 * The per-laser angles are copied verbatim from published calibration files (see the source
 * comment above each table) and only converted here, at load time:
 *  - radians -> degrees (Velodyne yaml files are in radians), rounded to 1e-9 degree to drop
 *    float noise (the files carry ~8 significant digits, so nothing of the source is lost);
 *  - rows re-sorted by elevation ascending (ring 0 = lowest beam), azimuth offsets carried along;
 *  - azimuth offsets expressed counter-clockwise positive seen from above (z up), i.e. the sign
 *    that a positive offset turns the beam towards +y when it would otherwise point along +x.
 *
 * Sign conventions of the sources, taken from the code that consumes them:
 *  - Velodyne (ros-drivers/velodyne, velodyne_pointcloud/src/lib/rawdata.cpp): the driver uses
 *    angle a - rot_correction (a = packet azimuth, clockwise) and maps x_ros = d*cos(a - c),
 *    y_ros = -d*sin(a - c); the point's CCW azimuth is therefore rot_correction - a, so
 *    azimuthOffset = +rot_correction.
 *  - Ouster (ouster-lidar/ouster-sdk, make_xyz_lut): direction angle = encoder - beam_azimuth_angle
 *    in the (right-handed, z up) lidar frame, so azimuthOffset = -beam_azimuth_angles[i].
 *
 * Things the model does not carry (documented here only): Velodyne per-laser distance, focal and
 * horizontal/vertical offset corrections (VLP-16 vert_offset_correction up to +-11.2 mm; HDL-64E
 * S2.1 horiz_offset +-2.6 cm, vert_offset 0.105-0.212 m), Ouster beam origin 15.806 mm off the
 * rotation axis (OS1-128 file; beam_to_lidar_transform) and the lidar->sensor frame transform
 * (z +36.18 mm, 180 degree yaw).
 */

export interface LidarModel {
  name: string; // preset name, e.g. "VLP-16"
  /** elevation of each laser in degrees above the horizontal plane, indexed by ring; rings sorted by elevation ascending (ring 0 = lowest) */
  elevations: number[];
  /** azimuth offset of each laser in degrees (counter-clockwise positive), same ring order; 0 where the source has none */
  azimuthOffsets: number[];
  /** the order the lasers fire in hardware within one firing sequence, as ring indices (for documentation and time offsets); identity when unknown */
  firingOrder: number[];
  /** columns per revolution (azimuth samples) at the default rate */
  columns: number;
  /** allowed column counts (e.g. Ouster 512/1024/2048), or [columns] */
  columnChoices: number[];
  /** revolutions per second default and allowed values */
  rotationHz: number;
  rotationChoices: number[];
  /** horizontal field of view, degrees (360 for spinning sensors) */
  horizontalFov: number;
  minRange: number; // metres
  maxRange: number; // metres
  /** default 1-sigma range noise in metres (datasheet accuracy) */
  rangeNoise: number;
  /** range quantisation step in metres (0 = none), e.g. Velodyne 0.002 */
  rangeResolution: number;
  /** wavelength in nm */
  wavelength: number;
  /** full beam divergence in degrees, where the datasheet publishes one (beam divergence needs it, or an explicit angle) */
  divergence?: number;
  source: string; // short citation(s)
}

const RAD_TO_DEG = 180 / Math.PI;
/** Rounds to 1e-9 (degrees): removes float noise of the conversion, far below any source precision. */
const tidy = (deg: number): number => {
  const r = Math.round(deg * 1e9) / 1e9;
  return r === 0 ? 0 : r; // no -0
};
const radToDeg = (rad: number): number => tidy(rad * RAD_TO_DEG);

/** One laser as the source lists it (source index = Velodyne laser id / Ouster beam index). */
interface SourceBeam {
  elevation: number; // degrees
  azimuth: number; // degrees, CCW positive
}

/**
 * Sorts source beams into rings (elevation ascending) and returns the ring tables plus
 * ringOfSource[i] = ring index of source beam i.
 */
function toRings(beams: SourceBeam[]): { elevations: number[]; azimuthOffsets: number[]; ringOfSource: number[] } {
  const order = beams.map((_, i) => i).sort((a, b) => beams[a]!.elevation - beams[b]!.elevation || a - b);
  const ringOfSource = new Array<number>(beams.length);
  order.forEach((src, ring) => (ringOfSource[src] = ring));
  return {
    elevations: order.map((i) => beams[i]!.elevation),
    azimuthOffsets: order.map((i) => beams[i]!.azimuth),
    ringOfSource,
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Freezes a model and its arrays: presets are shared tables; copy before changing one. */
function frozen(m: LidarModel): LidarModel {
  Object.freeze(m.elevations);
  Object.freeze(m.azimuthOffsets);
  Object.freeze(m.firingOrder);
  Object.freeze(m.columnChoices);
  Object.freeze(m.rotationChoices);
  return Object.freeze(m);
}

/**
 * A Velodyne model from vert_correction (and optional rot_correction) in radians, by laser id.
 * firingOrder = ring index of laser id 0, 1, 2, ...: the packet/firing order of these sensors.
 */
function velodyne(
  base: Omit<LidarModel, "elevations" | "azimuthOffsets" | "firingOrder">,
  vertRad: readonly number[],
  rotRad?: readonly number[],
): LidarModel {
  const beams = vertRad.map((v, id) => ({ elevation: radToDeg(v), azimuth: rotRad ? radToDeg(rotRad[id]!) : 0 }));
  const { elevations, azimuthOffsets, ringOfSource } = toRings(beams);
  return frozen({ ...base, elevations, azimuthOffsets, firingOrder: ringOfSource });
}

/**
 * An Ouster model from a metadata file's beam_altitude_angles / beam_azimuth_angles (degrees,
 * listed top beam first). All beams of one column are measured together (one timestamp per
 * measurement block/column in the packet format), so there is no sequential firing order:
 * firingOrder is the identity.
 */
function ouster(
  base: Omit<LidarModel, "elevations" | "azimuthOffsets" | "firingOrder">,
  altitudeDeg: readonly number[],
  azimuthDeg: readonly number[],
): LidarModel {
  if (altitudeDeg.length !== azimuthDeg.length) throw new Error(`${base.name}: beam table lengths differ`);
  const beams = altitudeDeg.map((alt, i) => ({ elevation: tidy(alt), azimuth: tidy(-azimuthDeg[i]!) }));
  const { elevations, azimuthOffsets } = toRings(beams);
  return frozen({ ...base, elevations, azimuthOffsets, firingOrder: range(0, elevations.length - 1) });
}

// ---------------------------------------------------------------------------------------------
// Velodyne VLP-16 (Puck)
// Source: ros-drivers/velodyne velodyne_pointcloud/params/VLP16db.yaml (commit 3353568),
// vert_correction by laser_id, radians; rot_correction all 0; distance_resolution 0.002.
// Laser ids interleave: id 0 = -15 deg, id 1 = +1 deg, id 2 = -13 deg, id 3 = +3 deg, ...
// Ids fire in order 0..15 every 2.304 us, 16 firings + recharge = 55.296 us per sequence
// (VLP-16 User Manual 63-9243 Rev D, section 9.4).
const VLP16_VERT_RAD = [
  -0.2617993877991494, 0.017453292519943295, -0.22689280275926285, 0.05235987755982989,
  -0.19198621771937624, 0.08726646259971647, -0.15707963267948966, 0.12217304763960307,
  -0.12217304763960307, 0.15707963267948966, -0.08726646259971647, 0.19198621771937624,
  -0.05235987755982989, 0.22689280275926285, -0.017453292519943295, 0.2617993877991494,
];

// Velodyne HDL-32E
// Source: ros-drivers/velodyne velodyne_pointcloud/params/32db.yaml (commit 4c5309f), the first
// 32 entries (num_lasers: 32; entries 32..63 of the file are zero padding); rot_correction all 0.
// Laser ids fire in packet order 0..31 (ring order 0, 16, 1, 17, ... 15, 31, as in the HDL-32E
// manual, Appendix B), 1.152 us apart; one sequence = 46.08 us (manual Appendix E timing formula).
const HDL32_VERT_RAD = [
  -0.5352924815866609, -0.1628392174657417, -0.5119050696099369, -0.13962634015954636,
  -0.4886921905584123, -0.11641346285335104, -0.4654793115068877, -0.09302604738596851,
  -0.44209189953016365, -0.06981317007977318, -0.4188790204786391, -0.046600292773577856,
  -0.39566614142711454, -0.023212879051524585, -0.3722787294503905, 0,
  -0.3490658503988659, 0.023212879051524585, -0.32585297134734137, 0.046600292773577856,
  -0.30246555937061725, 0.06981317007977318, -0.2792526803190927, 0.09302604738596851,
  -0.25603980126756815, 0.11641346285335104, -0.23265238929084414, 0.13962634015954636,
  -0.20943951023931956, 0.1628392174657417, -0.18622663118779495, 0.18622663118779495,
];

// Velodyne HDL-64E S2.1, one real unit's factory calibration (the sensor family KITTI used; KITTI's
// own per-laser calibration is not published, so this table is a stand-in for "an HDL-64E S2").
// Source: ros-drivers/velodyne velodyne_pointcloud/params/64e_s2.1-sztaki.yaml (commit 04a7ca7),
// [rot_correction, vert_correction] in radians by laser_id. Ids 0-31 are the upper block, 32-63 the
// lower block; laser k of the upper block and laser k+32 of the lower block fire at the same time
// (HDL-64E S2 manual, Ethernet transmit timing table: "Laser Numbers Lower, Upper 0,32 1,33 ...").
const HDL64_S21_SZTAKI_RAD: ReadonlyArray<readonly [rot: number, vert: number]> = [
  [-0.1248942899601548, -0.15304134919741974], // 0
  [-0.06924466398252106, -0.1458455539136526], // 1
  [0.0824016906676694, 0.04339494149708345], // 2
  [0.137808349360133, 0.05196082373432465], // 3
  [-0.011199603626188263, -0.1358262679404349], // 4
  [0.045795414990398894, -0.12678532627942263], // 5
  [-0.031646046452444135, -0.1895564226946273], // 6
  [0.023408326257150665, -0.18086723120040343], // 7
  [0.10065885915180103, -0.11973897655818674], // 8
  [0.15996423607269877, -0.10924820210484752], // 9
  [0.08313316164783874, -0.17135657256846043], // 10
  [0.13862572370075624, -0.1630088948849621], // 11
  [-0.1255805045528199, -0.04526314018308893], // 12
  [-0.06716508498014805, -0.03587557613263058], // 13
  [-0.14578889529014513, -0.09893566067472198], // 14
  [-0.08892898296002069, -0.09062974348423608], // 15
  [-0.013006177528832626, -0.02770725895504266], // 16
  [0.04596628970548614, -0.02014825541794774], // 17
  [-0.03237303019110658, -0.08210824496987311], // 18
  [0.02431275238487562, -0.0727614640280461], // 19
  [0.10029393174916004, -0.009929893699589059], // 20
  [0.15867894419560363, -0.0037977317325845416], // 21
  [0.08044522544540282, -0.06482699129962814], // 22
  [0.13867708175932542, -0.05566171063737453], // 23
  [-0.12505298227706313, 0.06113007152996804], // 24
  [-0.06814826559971075, 0.06988221181432357], // 25
  [-0.14531660046790917, 0.00887576771486082], // 26
  [-0.08904354811745085, 0.017050959569839413], // 27
  [-0.012061568860271928, 0.07842048992411524], // 28
  [0.043892943273872005, 0.08674443287511571], // 29
  [-0.033068739374902546, 0.02522388232225749], // 30
  [0.025535290948715324, 0.034414332377654115], // 31
  [-0.13309965698710405, -0.39666389380060213], // 32
  [-0.07241159183553281, -0.39021216204755743], // 33
  [0.08292710807634829, -0.2010672181773803], // 34
  [0.14006506182829093, -0.19103771853737994], // 35
  [-0.012004346320883118, -0.3819670695815035], // 36
  [0.04832190474636683, -0.3718940414299584], // 37
  [-0.03583078923869515, -0.4336284663746853], // 38
  [0.026883486237381612, -0.4261966798867682], // 39
  [0.1076316048478218, -0.3640637439139335], // 40
  [0.1679293847080498, -0.3511493721000192], // 41
  [0.0861156692854385, -0.4163231777753111], // 42
  [0.15024020221305323, -0.4046365927302973], // 43
  [-0.12998527227122358, -0.28892197890806653], // 44
  [-0.07009281894983248, -0.28120381879648226], // 45
  [-0.1533711640661691, -0.34156398894148127], // 46
  [-0.0927890927600715, -0.3348332488542128], // 47
  [-0.012004348415278218, -0.2738300470529015], // 48
  [0.047471358677980184, -0.2649030020882158], // 49
  [-0.03378136079915033, -0.32678797913421975], // 50
  [0.025334358173250228, -0.3179609589889659], // 51
  [0.10481975724981128, -0.25478428121685354], // 52
  [0.16311715242247551, -0.24576616497179882], // 53
  [0.08384971878954978, -0.31000962288931516], // 54
  [0.14374613400834294, -0.2986601307360315], // 55
  [-0.12741928396895377, -0.18393445537456576], // 56
  [-0.06853129555735342, -0.1744342722087932], // 57
  [-0.1497316045423758, -0.23400086557751998], // 58
  [-0.08973572126418226, -0.22644383426247983], // 59
  [-0.011751946229237658, -0.1678843098347878], // 60
  [0.04489272721060892, -0.158331168143522], // 61
  [-0.0340408982402389, -0.21671681763514258], // 62
  [0.024857907722065305, -0.2106649408137298], // 63
];

// Ouster OS1-64 (gen 1), serial 991913000010, firmware v1.12.0, prod_line "OS-1-64".
// Source: ouster-lidar/ouster-sdk tests/metadata/1_12_os1-991913000010-64.json (commit 59570cd),
// beam_intrinsics.beam_altitude_angles / beam_azimuth_angles, degrees, top beam first.
const OS1_64_ALTITUDE_DEG = [
  16.729, 16.118, 15.543, 14.995, 14.526, 13.937, 13.381, 12.837,
  12.378, 11.801, 11.251, 10.704, 10.251, 9.693, 9.138, 8.603,
  8.149, 7.594, 7.049, 6.513, 6.056, 5.504, 4.961, 4.419,
  3.967, 3.424, 2.881, 2.328, 1.88, 1.337, 0.787, 0.239,
  -0.205, -0.756, -1.39, -1.854, -2.3, -2.839, -3.386, -3.935,
  -4.391, -4.929, -5.472, -6.028, -6.471, -7.02, -7.563, -8.116,
  -8.572, -9.112, -9.66, -10.227, -10.687, -11.226, -11.777, -12.35,
  -12.807, -13.347, -13.902, -14.49, -14.968, -15.504, -16.078, -16.679,
];
const OS1_64_AZIMUTH_DEG = [
  3.073, 0.904, -1.261, -3.384, 3.048, 0.9, -1.235, -3.335,
  3.029, 0.915, -1.2, -3.301, 3.026, 0.921, -1.179, -3.268,
  3.032, 0.933, -1.156, -3.23, 3.028, 0.953, -1.131, -3.209,
  3.059, 0.976, -1.112, -3.182, 3.071, 0.99, -1.087, -3.155,
  3.097, 1.014, -1.103, -3.133, 3.118, 1.035, -1.039, -3.116,
  3.144, 1.061, -1.013, -3.101, 3.178, 1.092, -0.993, -3.089,
  3.217, 1.125, -0.972, -3.072, 3.265, 1.159, -0.949, -3.066,
  3.321, 1.204, -0.921, -3.055, 3.381, 1.252, -0.898, -3.071,
];

// Ouster OS1-128, serial 992146000760, firmware v2.5.0, prod_line "OS-1-128".
// Source: ouster-lidar/ouster-sdk tests/metadata/2_5_0_os-992146000760-128_legacy.json
// (commit 51d2f1d), beam_altitude_angles / beam_azimuth_angles, degrees, top beam first.
const OS1_128_ALTITUDE_DEG = [
  21.34, 21.03, 20.72, 20.41, 20.08, 19.78, 19.48, 19.17,
  18.83, 18.51, 18.21, 17.88, 17.56, 17.23, 16.92, 16.59,
  16.26, 15.94, 15.61, 15.28, 14.93, 14.6, 14.27, 13.95,
  13.61, 13.26, 12.94, 12.6, 12.26, 11.91, 11.58, 11.24,
  10.89, 10.55, 10.21, 9.88, 9.52, 9.18, 8.83, 8.5,
  8.14, 7.78, 7.46, 7.11, 6.75, 6.39, 6.05, 5.7,
  5.33, 4.99, 4.64, 4.29, 3.94, 3.59, 3.24, 2.88,
  2.52, 2.18, 1.81, 1.48, 1.11, 0.76, 0.4, 0.05,
  -0.3, -0.67, -1.01, -1.37, -1.75, -2.08, -2.43, -2.79,
  -3.15, -3.5, -3.86, -4.2, -4.56, -4.9, -5.27, -5.6,
  -5.96, -6.32, -6.68, -7, -7.38, -7.71, -8.05, -8.41,
  -8.77, -9.11, -9.45, -9.79, -10.16, -10.49, -10.83, -11.18,
  -11.54, -11.86, -12.2, -12.55, -12.91, -13.24, -13.58, -13.89,
  -14.26, -14.58, -14.89, -15.21, -15.6, -15.89, -16.22, -16.54,
  -16.88, -17.21, -17.52, -17.85, -18.2, -18.5, -18.82, -19.14,
  -19.47, -19.78, -20.09, -20.38, -20.72, -21.03, -21.33, -21.62,
];
const OS1_128_AZIMUTH_DEG = [
  4.27, 1.43, -1.39, -4.23, 4.26, 1.45, -1.38, -4.22,
  4.28, 1.43, -1.39, -4.24, 4.27, 1.44, -1.4, -4.22,
  4.28, 1.45, -1.39, -4.23, 4.26, 1.44, -1.4, -4.23,
  4.27, 1.43, -1.39, -4.23, 4.26, 1.43, -1.4, -4.24,
  4.26, 1.44, -1.4, -4.23, 4.28, 1.43, -1.4, -4.24,
  4.26, 1.42, -1.39, -4.24, 4.27, 1.43, -1.42, -4.25,
  4.26, 1.43, -1.42, -4.25, 4.28, 1.43, -1.42, -4.25,
  4.26, 1.43, -1.44, -4.25, 4.27, 1.43, -1.43, -4.26,
  4.27, 1.42, -1.43, -4.26, 4.25, 1.42, -1.43, -4.28,
  4.25, 1.42, -1.45, -4.28, 4.26, 1.42, -1.44, -4.26,
  4.26, 1.4, -1.46, -4.27, 4.24, 1.41, -1.43, -4.28,
  4.26, 1.4, -1.44, -4.28, 4.22, 1.4, -1.43, -4.29,
  4.25, 1.41, -1.45, -4.29, 4.24, 1.4, -1.46, -4.28,
  4.24, 1.4, -1.44, -4.28, 4.22, 1.41, -1.45, -4.28,
  4.25, 1.39, -1.45, -4.29, 4.23, 1.4, -1.45, -4.3,
  4.22, 1.39, -1.47, -4.29, 4.22, 1.38, -1.47, -4.3,
];

/**
 * Velodyne spin rates, whole hertz 5..20: the VLP-16 manual sets 300-1200 RPM in 60 RPM steps; the
 * HDL-32E and HDL-64E are specified as 5-20 Hz (listed here in the same 1 Hz steps).
 */
const VELODYNE_HZ = range(5, 20);

export const LIDAR_PRESETS: Record<string, LidarModel> = Object.freeze({
  "VLP-16": velodyne(
    {
      name: "VLP-16",
      // Datasheet: 0.1-0.4 deg azimuth resolution, 0.2 deg at 10 Hz -> 1800 columns. (The firing cycle,
      // 55.296 us, gives 18,084 sequences/s = 1808.4 per revolution at 10 Hz; the nominal 0.2 deg is used.)
      columns: 1800,
      columnChoices: [1800],
      rotationHz: 10,
      rotationChoices: VELODYNE_HZ,
      horizontalFov: 360,
      // Manual: "range from 1 m to 100 m"; the driver maintainers report returns down to 0.9 m
      // (ros-drivers/velodyne#60), the min_range the ROS driver uses.
      minRange: 0.9,
      maxRange: 100,
      rangeNoise: 0.03, // datasheet: +-3 cm typical accuracy
      rangeResolution: 0.002, // VLP16db.yaml distance_resolution; manual: 2 mm distance unit
      wavelength: 903,
      source:
        "ros-drivers/velodyne velodyne_pointcloud/params/VLP16db.yaml; VLP-16 User Manual 63-9243 Rev D (timing, 2 mm unit, 903 nm); ros-drivers/velodyne#60 (0.9 m min range)",
    },
    VLP16_VERT_RAD,
  ),
  "HDL-32E": velodyne(
    {
      name: "HDL-32E",
      // One firing sequence of all 32 lasers every 46.08 us (HDL-32E manual, Appendix E timing formula
      // -542.592 + PacketOffset/100*46.08 + Dsr*1.152) -> 21,701 sequences/s -> 2170 columns at 10 Hz
      // (0.1659 deg). Chosen over 2250 (the rounded "0.16 deg"), which the hardware does not produce.
      columns: 2170,
      columnChoices: [2170],
      rotationHz: 10,
      rotationChoices: VELODYNE_HZ,
      horizontalFov: 360,
      minRange: 0.05, // HDL-32E manual specifications: 5 cm to 100 m
      maxRange: 100,
      rangeNoise: 0.02, // datasheet: < 2 cm accuracy
      rangeResolution: 0.002, // 2 mm distance unit (manual)
      wavelength: 903, // Velodyne datasheet value; not in the project's research sources
      source:
        "ros-drivers/velodyne velodyne_pointcloud/params/32db.yaml; HDL-32E User's Manual (firing order App. B, timing App. E, 5 cm-100 m, 2 mm unit)",
    },
    HDL32_VERT_RAD,
  ),
  "HDL-64E": velodyne(
    {
      name: "HDL-64E",
      // KITTI's HDL-64E at 10 Hz: ~1.3 M points/s over 64 lasers = ~20,833 firings/s per laser
      // -> 2083 columns per revolution (0.1728 deg).
      columns: 2083,
      columnChoices: [2083],
      rotationHz: 10,
      rotationChoices: VELODYNE_HZ,
      horizontalFov: 360,
      // No datasheet minimum found; 0.9 m is the ROS velodyne driver's default min_range.
      minRange: 0.9,
      maxRange: 120, // KITTI sensor sheet: 120 m
      rangeNoise: 0.02, // KITTI sensor sheet: +-2 cm
      rangeResolution: 0.002, // 64e_s2.1-sztaki.yaml distance_resolution
      wavelength: 903, // as the project's KITTI sensor notes give it (some HDL-64E sheets say 905 nm)
      source:
        "ros-drivers/velodyne velodyne_pointcloud/params/64e_s2.1-sztaki.yaml (real S2.1 calibration); HDL-64E S2 manual (block timing); KITTI setup (10 Hz, 120 m, 2 cm)",
    },
    HDL64_S21_SZTAKI_RAD.map((l) => l[1]),
    HDL64_S21_SZTAKI_RAD.map((l) => l[0]),
  ),
  "OS1-64": ouster(
    {
      name: "OS1-64",
      columns: 1024, // lidar_mode "1024x10" in the metadata file
      // Modes 512x10, 512x20, 1024x10, 1024x20, 2048x10 (2048 columns only at 10 Hz).
      columnChoices: [512, 1024, 2048],
      rotationHz: 10,
      rotationChoices: [10, 20],
      horizontalFov: 360,
      minRange: 0.8, // datasheet: 0.8-120 m @ 80 % reflectivity (40 m @ 10 %)
      maxRange: 120,
      rangeNoise: 0.03, // datasheet range repeatability: 1.5 cm (SNR>250), 3 cm (SNR 100), 10 cm (SNR 12)
      // Packets carry range in mm, "discretized to the nearest 3 millimeters" (OS1 User Guide v1.14,
      // Lidar Data Format); the datasheet's "range resolution 1.2 cm" is coarser and not a packet step.
      rangeResolution: 0.003,
      wavelength: 850, // datasheet; OS-1 software user guide v1.12: "operate in the 850nm band"
      divergence: 0.13, // datasheet (gen 1): 0.13° FWHM
      source:
        "ouster-lidar/ouster-sdk tests/metadata/1_12_os1-991913000010-64.json; Ouster OS1 datasheet (gen 1); OS1 User Guide v1.14 (3 mm range step)",
    },
    OS1_64_ALTITUDE_DEG,
    OS1_64_AZIMUTH_DEG,
  ),
  "OS1-128": ouster(
    {
      name: "OS1-128",
      columns: 1024, // lidar_mode "1024x10" in the metadata file
      columnChoices: [512, 1024, 2048],
      rotationHz: 10,
      rotationChoices: [10, 20],
      horizontalFov: 360,
      minRange: 0.8, // OS1 datasheet (gen 1, which lists the 128-channel model)
      maxRange: 120,
      rangeNoise: 0.03,
      rangeResolution: 0.003,
      // The gen-1 datasheet says 850 nm; the OS1 User Guide v1.14 (2020) says the OS1 uses an 865 nm
      // laser, and this unit (serial 9921..., firmware 2.5) is a later build, so 865 nm.
      wavelength: 865,
      divergence: 0.18, // OS1 datasheet: 0.18°
      source:
        "ouster-lidar/ouster-sdk tests/metadata/2_5_0_os-992146000760-128_legacy.json; Ouster OS1 datasheet; OS1 User Guide v1.14 (865 nm, 3 mm range step)",
    },
    OS1_128_ALTITUDE_DEG,
    OS1_128_AZIMUTH_DEG,
  ),
});
