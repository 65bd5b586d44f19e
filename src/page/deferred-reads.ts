/**
 * Read-backs that do not stall the page: each `read` copies a rectangle of the bound
 * framebuffer into a pixel-pack buffer (the GL queues it behind the draws), `fence` marks the
 * end of a frame's reads, and `collect` waits for the GPU to pass the fence (yielding, so the
 * page builds and draws the next frame meanwhile) and only then copies the bytes out. Pack
 * buffers are kept by size and re-used from frame to frame.
 */
const poolOf = new WeakMap<WebGL2RenderingContext, Map<number, WebGLBuffer[]>>();

/**
 * The arrays the bytes are copied out into, kept by size and re-used once their upload has
 * sent them (releaseReads): a fresh multi-megabyte array is fresh memory, and first
 * touching it page-faults (about 4 ms a MiB on a 2-core VM), which cost more than the copy.
 */
const arrays = new Map<number, ArrayBuffer[]>();

function takeArray(byteLength: number): ArrayBuffer {
  return arrays.get(byteLength)?.pop() ?? new ArrayBuffer(byteLength);
}

/** Gives collected arrays back for re-use: their bytes must never be read again. */
export function releaseReads(views: readonly ArrayBufferView[]): void {
  for (const v of views) {
    const b = v.buffer;
    // a read's array, whole or its leading part (a read that keeps fewer bytes than it reads)
    if (!(b instanceof ArrayBuffer) || v.byteOffset !== 0) continue;
    let list = arrays.get(b.byteLength);
    if (!list) arrays.set(b.byteLength, (list = []));
    // two frames in flight, a few reads each
    if (list.length < 8 && !list.includes(b)) list.push(b);
  }
}

interface Pending {
  name: string;
  buffer: WebGLBuffer;
  byteLength: number;
  /** the leading bytes handed on (the rest of the rectangle is padding) */
  keep: number;
  float: boolean;
}

export class DeferredReads {
  private readonly pending: Pending[] = [];
  private sync: WebGLSync | null = null;

  constructor(private readonly gl: WebGL2RenderingContext) {}

  /**
   * Queues a read of (0, 0, width, height) of the bound read framebuffer (its read buffer) as
   * RGBA bytes (`type` UNSIGNED_BYTE), floats (FLOAT) or, from an unsigned integer target,
   * 32-bit words (UNSIGNED_INT); `keep`: how many leading bytes of it to hand on (all).
   */
  read(name: string, width: number, height: number, type: number, keep?: number): void {
    const gl = this.gl;
    const float = type === gl.FLOAT;
    const byteLength = width * height * 4 * (type === gl.UNSIGNED_BYTE ? 1 : 4);
    if (keep !== undefined && !(keep >= 0 && keep <= byteLength && keep % 4 === 0)) throw new Error(`deferred read ${name}: cannot keep ${keep} of ${byteLength} bytes`);
    const buffer = this.take(byteLength);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buffer);
    gl.readPixels(0, 0, width, height, type === gl.UNSIGNED_INT ? gl.RGBA_INTEGER : gl.RGBA, type, 0);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    this.pending.push({ name, buffer, byteLength, keep: keep ?? byteLength, float });
  }

  /** Ends the frame's reads: the GPU signals once they are done. */
  fence(): void {
    const gl = this.gl;
    this.sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    gl.flush();
  }

  get count(): number {
    return this.pending.length;
  }

  /** Waits for the fence (yielding to other work) and returns each read's bytes, named. */
  async collect(lost: () => boolean): Promise<[string, ArrayBufferView][]> {
    const gl = this.gl;
    if (!this.sync) throw new Error("deferred reads collected before their fence");
    for (;;) {
      if (lost()) throw new Error("lost");
      const state = gl.clientWaitSync(this.sync, 0, 0);
      if (state === gl.ALREADY_SIGNALED || state === gl.CONDITION_SATISFIED) break;
      if (state === gl.WAIT_FAILED) throw new Error("waiting for the read-backs failed");
      await new Promise((r) => setTimeout(r, 1));
    }
    gl.deleteSync(this.sync);
    this.sync = null;
    const out: [string, ArrayBufferView][] = [];
    for (const p of this.pending) {
      const array = takeArray(p.byteLength);
      const view = p.float ? new Float32Array(array) : new Uint8Array(array);
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, p.buffer);
      gl.getBufferSubData(gl.PIXEL_PACK_BUFFER, 0, view);
      gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
      this.give(p.buffer, p.byteLength);
      out.push([p.name, p.keep === p.byteLength ? view : view.subarray(0, p.keep / view.BYTES_PER_ELEMENT)]);
    }
    this.pending.length = 0;
    return out;
  }

  private take(byteLength: number): WebGLBuffer {
    const gl = this.gl;
    let pool = poolOf.get(gl);
    if (!pool) poolOf.set(gl, (pool = new Map()));
    const reused = pool.get(byteLength)?.pop();
    if (reused) return reused;
    const buffer = gl.createBuffer()!;
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, buffer);
    gl.bufferData(gl.PIXEL_PACK_BUFFER, byteLength, gl.STREAM_READ);
    gl.bindBuffer(gl.PIXEL_PACK_BUFFER, null);
    return buffer;
  }

  private give(buffer: WebGLBuffer, byteLength: number): void {
    const pool = poolOf.get(this.gl)!;
    let list = pool.get(byteLength);
    if (!list) pool.set(byteLength, (list = []));
    // a few frames in flight, a few reads each
    if (list.length < 8) list.push(buffer);
    else this.gl.deleteBuffer(buffer);
  }
}
