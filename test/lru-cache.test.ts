// src/lru-cache.ts: the bounded cache behind the BVH, mesh, lens-plan and cube-map caches.
import { describe, expect, it } from "vitest";
import { LruCache } from "../src/lru-cache.js";

describe("LruCache", () => {
  it("drops the least recently used entry when full, and a get or set makes an entry the most recent", () => {
    const c = new LruCache<string, number>(3);
    c.set("a", 1);
    c.set("b", 2);
    c.set("c", 3);
    expect(c.get("a")).toBe(1); // a is now the most recent: b is the oldest
    c.set("d", 4);
    expect(c.keys()).toEqual(["c", "a", "d"]);
    c.set("c", 30); // a new value refreshes c
    c.set("e", 5);
    expect(c.keys()).toEqual(["d", "c", "e"]);
    expect(c.get("c")).toBe(30);
    expect(c.get("a")).toBeUndefined();
    expect(c.size).toBe(3);
  });

  it("getOrMake makes a value once per key while it is kept, and keeps null values", () => {
    const c = new LruCache<number, string | null>(2);
    let made = 0;
    const make = (k: number) => (made++, k === 0 ? null : `v${k}`);
    expect(c.getOrMake(0, make)).toBeNull();
    expect(c.getOrMake(0, make)).toBeNull();
    expect(c.getOrMake(1, make)).toBe("v1");
    expect(made).toBe(2);
    c.getOrMake(0, make); // 0 the most recent: making 2 drops 1
    c.getOrMake(2, make);
    expect(c.keys()).toEqual([0, 2]);
    expect(c.getOrMake(1, make)).toBe("v1");
    expect(made).toBe(4);
  });

  it("refuses a capacity below one", () => {
    expect(() => new LruCache(0)).toThrow(/at least one entry/);
    expect(() => new LruCache(1.5)).toThrow(RangeError);
  });
});
