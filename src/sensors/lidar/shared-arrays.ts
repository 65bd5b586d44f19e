/**
 * Typed arrays the LiDAR pool's threads read and write in place: on a SharedArrayBuffer
 * when a job goes to the pool, on an ordinary ArrayBuffer when it runs on the calling thread.
 *
 * SharedArrayBuffers are recycled: a fresh one is new memory, and first touching it costs a
 * page fault per 4 KiB page (on the 2-core development VM, about 4 ms a MiB: a scan's 10 MiB
 * of job arrays cost ~40 ms that way). `collectShared` records the buffers a job allocates,
 * `recycleShared` hands them back when the scan is done, and the next job of the same sizes
 * takes them again, zeroed.
 */

type TypedCtor<T> = { new (b: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/** Recycled buffers, smallest first. */
const free: SharedArrayBuffer[] = [];
let freeBytes = 0;
/** The most memory kept for re-use. */
const MAX_FREE_BYTES = 512 * 2 ** 20;
/** Buffer sizes are rounded up to this many bytes. */
const GRAIN = 64 * 1024;
let collecting: SharedArrayBuffer[] | null = null;

/** A buffer of at least `bytes` (the first `bytes` zeroed unless `zero` is false): a recycled one up to twice that size, else a new one. */
function sharedBuffer(bytes: number, zero: boolean): SharedArrayBuffer {
  const size = Math.ceil(bytes / GRAIN) * GRAIN;
  let lo = 0, hi = free.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (free[mid]!.byteLength < size) lo = mid + 1;
    else hi = mid;
  }
  let buf: SharedArrayBuffer;
  const b = free[lo];
  if (b && b.byteLength <= 2 * size) {
    free.splice(lo, 1);
    freeBytes -= b.byteLength;
    if (zero) new Uint8Array(b, 0, bytes).fill(0);
    buf = b;
  } else buf = new SharedArrayBuffer(size);
  collecting?.push(buf);
  return buf;
}

/**
 * A typed array of n elements (at least one) on a (recycled) SharedArrayBuffer when `shared`:
 * zeroed, unless `zero` is false because the caller writes every element (a recycled buffer
 * then holds the last scan's values until it does).
 */
export function alloc<T>(ctor: TypedCtor<T>, n: number, shared: boolean, zero = true): T {
  const len = Math.max(1, n);
  return shared ? new ctor(sharedBuffer(len * ctor.BYTES_PER_ELEMENT, zero), 0, len) : new ctor(new ArrayBuffer(len * ctor.BYTES_PER_ELEMENT));
}

/** `a` itself, or (when `shared` and it is not on a SharedArrayBuffer yet) a copy of it on one. */
export function shareable<T extends Uint32Array | Float32Array>(a: T, shared: boolean): T {
  if (!shared || a.buffer instanceof SharedArrayBuffer) return a;
  const out = alloc(a.constructor as TypedCtor<T>, a.length, true, false);
  out.set(a as never);
  return out.subarray(0, a.length) as T;
}

/** Runs `make` (synchronous) and returns what it made with the SharedArrayBuffers `alloc` gave it, to recycle later. */
export function collectShared<T>(make: () => T): { value: T; buffers: SharedArrayBuffer[] } {
  const outer = collecting;
  const mine: SharedArrayBuffer[] = [];
  collecting = mine;
  try {
    return { value: make(), buffers: mine };
  } finally {
    collecting = outer;
    outer?.push(...mine);
  }
}

/** Hands buffers from `collectShared` back for re-use: nothing may read or write them after this. */
export function recycleShared(buffers: readonly SharedArrayBuffer[]): void {
  for (const b of buffers) {
    const size = b.byteLength;
    if (freeBytes + size > MAX_FREE_BYTES || free.includes(b)) continue;
    let at = free.findIndex((x) => x.byteLength >= size);
    if (at < 0) at = free.length;
    free.splice(at, 0, b);
    freeBytes += size;
  }
}
