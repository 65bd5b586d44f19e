/**
 * A map of at most `capacity` entries that, when full, drops the entry used least recently:
 * for caches of things made again from their key (meshes, BVHs, lens plans, cube maps) where
 * keys that recur across frames (library assets, fixed variants) should stay while one-off
 * keys (sizes drawn from ranges) pass through. A root leaf: any layer may import it.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`an LruCache holds at least one entry, got capacity ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** The value kept for `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key)!;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  /** Keeps `value` for `key` as the most recently used, dropping the least recently used entry when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }

  /** The value kept for `key`, or `make(key)` kept for it. */
  getOrMake(key: K, make: (key: K) => V): V {
    if (this.map.has(key)) return this.get(key)!;
    const value = make(key);
    this.set(key, value);
    return value;
  }

  /** The keys, least recently used first. */
  keys(): K[] {
    return [...this.map.keys()];
  }
}
