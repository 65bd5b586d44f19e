/**
 * Typed arrays the LiDAR pool's threads read and write in place: on a SharedArrayBuffer
 * when a job goes to the pool, on an ordinary ArrayBuffer when it runs on the calling thread.
 */

type TypedCtor<T> = { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };

/** A typed array of n elements (at least one byte is allocated), on a SharedArrayBuffer when `shared`. */
export function alloc<T>(ctor: TypedCtor<T>, n: number, shared: boolean): T {
  const bytes = Math.max(1, n) * ctor.BYTES_PER_ELEMENT;
  return new ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

/** `a` itself, or (when `shared` and it is not on a SharedArrayBuffer yet) a copy of it on one. */
export function shareable<T extends Uint32Array | Float32Array>(a: T, shared: boolean): T {
  if (!shared || a.buffer instanceof SharedArrayBuffer) return a;
  const out = alloc(a.constructor as TypedCtor<T>, a.length, true);
  out.set(a as never);
  return out.subarray(0, a.length) as T;
}
