// LiDAR presets: shape of every table, and spot checks against the published sources
// (values below are the sources' own numbers, converted by hand where the source is in radians).
import { describe, it, expect } from "vitest";
import { LIDAR_PRESETS, type LidarModel } from "../src/scene/lidar-presets.js";

const preset = (name: string): LidarModel => {
  const m = LIDAR_PRESETS[name];
  if (!m) throw new Error(`no preset ${name}`);
  return m;
};
const first = (a: number[]) => a[0]!;
const last = (a: number[]) => a[a.length - 1]!;

const CHANNELS: Record<string, number> = { "VLP-16": 16, "HDL-32E": 32, "HDL-64E": 64, "OS1-64": 64, "OS1-128": 128 };

describe("every preset", () => {
  it("has exactly the expected presets", () => {
    expect(Object.keys(LIDAR_PRESETS).sort()).toEqual(Object.keys(CHANNELS).sort());
  });

  for (const [name, n] of Object.entries(CHANNELS)) {
    describe(name, () => {
      const m = preset(name);

      it("has consistent tables", () => {
        expect(m.name).toBe(name);
        expect(m.elevations).toHaveLength(n);
        expect(m.azimuthOffsets).toHaveLength(n);
        expect(m.firingOrder).toHaveLength(n);
        for (const v of [...m.elevations, ...m.azimuthOffsets]) expect(Number.isFinite(v)).toBe(true);
      });

      it("sorts rings by elevation, strictly ascending", () => {
        for (let i = 1; i < n; i++) expect(m.elevations[i]!).toBeGreaterThan(m.elevations[i - 1]!);
      });

      it("has a firing order that is a permutation of the rings", () => {
        expect([...m.firingOrder].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      });

      it("has sane scalar parameters", () => {
        expect(m.columnChoices).toContain(m.columns);
        expect(m.rotationChoices).toContain(m.rotationHz);
        expect(m.horizontalFov).toBe(360);
        expect(m.minRange).toBeGreaterThan(0);
        expect(m.maxRange).toBeGreaterThan(m.minRange);
        expect(m.rangeNoise).toBeGreaterThan(0);
        expect(m.rangeNoise).toBeLessThanOrEqual(0.03);
        expect(m.rangeResolution).toBeGreaterThanOrEqual(0);
        expect(m.wavelength).toBeGreaterThan(800);
        expect(m.wavelength).toBeLessThan(1000);
        expect(m.source.length).toBeGreaterThan(10);
      });

      it("is frozen", () => {
        expect(Object.isFrozen(m)).toBe(true);
        expect(Object.isFrozen(m.elevations)).toBe(true);
      });
    });
  }
});

describe("VLP-16 (VLP16db.yaml)", () => {
  const m = preset("VLP-16");
  it("spans -15..+15 in exact 2 degree steps, no azimuth offsets", () => {
    expect(m.elevations).toEqual(Array.from({ length: 16 }, (_, i) => -15 + 2 * i));
    expect(m.azimuthOffsets.every((a) => a === 0)).toBe(true);
  });
  it("fires the interleaved laser ids: -15, +1, -13, +3, ...", () => {
    const fired = m.firingOrder.map((r) => m.elevations[r]!);
    expect(fired.slice(0, 4)).toEqual([-15, 1, -13, 3]);
    expect(fired).toEqual([-15, 1, -13, 3, -11, 5, -9, 7, -7, 9, -5, 11, -3, 13, -1, 15]);
    expect(m.firingOrder.slice(0, 4)).toEqual([0, 8, 1, 9]);
  });
  it("has the datasheet parameters", () => {
    expect([m.columns, m.rotationHz, m.maxRange, m.rangeNoise, m.rangeResolution, m.wavelength]).toEqual([
      1800, 10, 100, 0.03, 0.002, 903,
    ]);
    expect(m.minRange).toBe(0.9);
    expect(Math.min(...m.rotationChoices)).toBe(5);
    expect(Math.max(...m.rotationChoices)).toBe(20);
  });
});

describe("HDL-32E (32db.yaml)", () => {
  const m = preset("HDL-32E");
  it("spans -30.67..+10.67 in ~1.333 degree steps", () => {
    expect(first(m.elevations)).toBe(-30.67); // laser 0: -0.5352924815866609 rad
    expect(last(m.elevations)).toBe(10.67); // laser 31: 0.18622663118779495 rad
    for (let i = 1; i < 32; i++) expect(Math.abs(m.elevations[i]! - m.elevations[i - 1]! - 4 / 3)).toBeLessThan(0.01);
    expect(m.elevations).toContain(0); // laser 15
    expect(m.azimuthOffsets.every((a) => a === 0)).toBe(true);
  });
  it("fires in the manual's staggered order 0, 16, 1, 17, ... 15, 31", () => {
    expect(m.firingOrder).toEqual(Array.from({ length: 32 }, (_, k) => (k % 2 === 0 ? k / 2 : 16 + (k - 1) / 2)));
    expect(m.elevations[m.firingOrder[1]!]).toBeCloseTo(-9.33, 6); // laser 1: -0.1628392174657417 rad
  });
  it("uses 2170 columns at 10 Hz (46.08 us firing cycle)", () => {
    expect(m.columns).toBe(2170);
    expect(m.rangeResolution).toBe(0.002);
  });
});

describe("HDL-64E (64e_s2.1-sztaki.yaml)", () => {
  const m = preset("HDL-64E");
  const deg = (rad: number) => (rad * 180) / Math.PI;
  it("spans the S2.1 calibration's +4.97..-24.85 degrees", () => {
    // lowest: laser 38, vert -0.4336284663746853 rad, rot -0.03583078923869515 rad
    expect(first(m.elevations)).toBeCloseTo(deg(-0.4336284663746853), 8);
    expect(first(m.elevations)).toBeCloseTo(-24.845081, 5);
    expect(first(m.azimuthOffsets)).toBeCloseTo(deg(-0.03583078923869515), 8);
    // highest: laser 29, vert 0.08674443287511571 rad, rot 0.043892943273872005 rad
    expect(last(m.elevations)).toBeCloseTo(deg(0.08674443287511571), 8);
    expect(last(m.elevations)).toBeCloseTo(4.97009, 5);
    expect(last(m.azimuthOffsets)).toBeCloseTo(deg(0.043892943273872005), 8);
    // within the KITTI sheet's ~+2..-24.9 degrees, allowing for this unit's +5 degree top beam
    expect(first(m.elevations)).toBeGreaterThan(-25);
    expect(last(m.elevations)).toBeLessThan(5);
  });
  it("carries the real per-laser azimuth offsets (about -8.8..+9.6 degrees)", () => {
    expect(Math.min(...m.azimuthOffsets)).toBeCloseTo(deg(-0.1533711640661691), 8); // laser 46
    expect(Math.max(...m.azimuthOffsets)).toBeCloseTo(deg(0.1679293847080498), 8); // laser 41
  });
  it("records the firing order by laser id (upper block 0-31, then lower block 32-63)", () => {
    const fired = m.firingOrder.map((r) => m.elevations[r]!);
    expect(fired[0]).toBeCloseTo(deg(-0.15304134919741974), 8); // laser 0
    expect(fired[32]).toBeCloseTo(deg(-0.39666389380060213), 8); // laser 32
    expect(fired[63]).toBeCloseTo(deg(-0.2106649408137298), 8); // laser 63
    // upper block is the top of the field of view, lower block the bottom (they overlap slightly)
    expect(Math.min(...fired.slice(0, 32))).toBeCloseTo(-10.860783, 5);
    expect(Math.max(...fired.slice(32))).toBeCloseTo(-9.0717077, 5);
  });
  it("uses KITTI's 10 Hz, 2083 columns, 120 m, 2 cm", () => {
    expect([m.rotationHz, m.columns, m.maxRange, m.rangeNoise]).toEqual([10, 2083, 120, 0.02]);
  });
});

describe("OS1-64 (1_12_os1-991913000010-64.json)", () => {
  const m = preset("OS1-64");
  it("reverses the top-first beam list and negates azimuths to CCW-positive", () => {
    expect(first(m.elevations)).toBe(-16.679); // last beam of the file, azimuth -3.071
    expect(first(m.azimuthOffsets)).toBe(3.071);
    expect(last(m.elevations)).toBe(16.729); // first beam of the file, azimuth 3.073
    expect(last(m.azimuthOffsets)).toBe(-3.073);
    expect(m.elevations[31]).toBe(-0.205);
    expect(m.elevations[32]).toBe(0.239);
  });
  it("stays within the datasheet's +-16.6 degrees (plus calibration spread)", () => {
    expect(first(m.elevations)).toBeGreaterThan(-17.1);
    expect(last(m.elevations)).toBeLessThan(17.1);
  });
  it("has the datasheet modes", () => {
    expect(m.columnChoices).toEqual([512, 1024, 2048]);
    expect(m.rotationChoices).toEqual([10, 20]);
    expect([m.minRange, m.maxRange, m.rangeNoise, m.wavelength]).toEqual([0.8, 120, 0.03, 850]);
    expect(m.firingOrder).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });
});

describe("OS1-128 (2_5_0_os-992146000760-128_legacy.json)", () => {
  const m = preset("OS1-128");
  it("spans about +-21.5 degrees, within the datasheet's +-22.5", () => {
    expect(first(m.elevations)).toBe(-21.62); // last beam of the file, azimuth -4.3
    expect(first(m.azimuthOffsets)).toBe(4.3);
    expect(last(m.elevations)).toBe(21.34); // first beam of the file, azimuth 4.27
    expect(last(m.azimuthOffsets)).toBe(-4.27);
    expect(first(m.elevations)).toBeGreaterThan(-22.5);
    expect(last(m.elevations)).toBeLessThan(22.5);
  });
  it("keeps the four azimuth columns of the file (+4.27/+1.43/-1.39/-4.23 top-first, negated)", () => {
    // ring 127..124 are file beams 0..3
    expect([m.azimuthOffsets[127], m.azimuthOffsets[126], m.azimuthOffsets[125], m.azimuthOffsets[124]]).toEqual([
      -4.27, -1.43, 1.39, 4.23,
    ]);
  });
});
