/**
 * The server end of a WebSocket (RFC 6455), just what the page -> host channel needs: the
 * opening handshake, client frames of any size (fragmented or not, always masked), ping,
 * close, and short text messages back. No extensions are negotiated, so nothing is
 * compressed.
 *
 * Why not the `ws` package: a frame's read-backs are megabytes, and unmasking them is the
 * hot loop. Here each frame's payload is copied once into its own buffer and unmasked a
 * 32-bit word at a time (about 6x faster than ws's byte loop without its native addon,
 * which is several milliseconds per frame on the host's one event loop).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const EMPTY = Buffer.alloc(0);
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** the largest message taken (a frame's read-backs are far below it) */
export const MAX_MESSAGE_BYTES = 2 ** 31 - 1;

export interface SocketHandlers {
  /** a whole message: text as a string, binary as bytes in a buffer of their own (8-byte aligned) */
  message(data: string | Uint8Array): void;
  /** the connection ended (cleanly or not); a message cut off by it is never delivered */
  close(reason: string): void;
}

export interface ServerSocket {
  sendText(text: string): void;
  close(): void;
}

/** Completes the opening handshake on an HTTP upgrade request, or answers 400 and returns null. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, handlers: SocketHandlers): ServerSocket | null {
  const key = req.headers["sec-websocket-key"];
  if (req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string" || req.headers["sec-websocket-version"] !== "13") {
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    return null;
  }
  const accept = createHash("sha1").update(key + GUID).digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  (socket as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const reader = new FrameReader(socket, handlers);
  // bytes that came with the upgrade are read once the caller holds the socket
  if (head.length) queueMicrotask(() => reader.push(head));
  socket.on("data", (chunk: Buffer) => reader.push(chunk));
  socket.on("close", () => reader.end("the connection closed"));
  socket.on("error", (e: Error) => reader.end(e.message));
  return {
    sendText: (text) => {
      if (!socket.destroyed) socket.write(encodeFrame(0x1, Buffer.from(text)));
    },
    close: () => reader.closeSocket(1000),
  };
}

/** A server frame (never masked) with FIN set. */
export function encodeFrame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/** XORs `bytes` (which start a payload) with the 4-byte mask, a word at a time where aligned. */
export function unmask(bytes: Uint8Array, mask: Uint8Array): void {
  const words = bytes.byteOffset % 4 === 0 ? bytes.length >> 2 : 0;
  if (words) {
    const m = new Uint32Array(Uint8Array.from(mask).buffer)[0]!; // native byte order, as the words are
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
    for (let i = 0; i < words; i++) w[i]! ^= m;
  }
  for (let i = words * 4; i < bytes.length; i++) bytes[i]! ^= mask[i & 3]!;
}

interface FrameHead {
  fin: boolean;
  opcode: number;
  mask: Uint8Array;
  /** the payload, filled as bytes arrive */
  payload: Uint8Array;
  filled: number;
}

class FrameReader {
  /** header bytes not yet parsed */
  private pending: Buffer = EMPTY;
  private frame: FrameHead | null = null;
  /** the fragments of a message begun by a frame without FIN */
  private fragments: { opcode: number; parts: Uint8Array[]; bytes: number } | null = null;
  private ended = false;

  constructor(private readonly socket: Duplex, private readonly handlers: SocketHandlers) {}

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length && !this.ended) {
      const f = this.frame;
      if (f) {
        const n = Math.min(f.payload.length - f.filled, data.length);
        f.payload.set(data.subarray(0, n), f.filled);
        f.filled += n;
        data = data.subarray(n);
        if (f.filled === f.payload.length) this.finishFrame();
        continue;
      }
      this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
      const used = this.parseHead();
      if (used === 0) return; // the rest of the header is still to come (or the socket failed)
      data = this.pending.subarray(used);
      this.pending = EMPTY;
      if (this.frame!.payload.length === 0) this.finishFrame();
    }
  }

  /** Parses a frame header from `pending`; returns the bytes it used (0: incomplete). */
  private parseHead(): number {
    const b = this.pending;
    if (b.length < 2) return 0;
    if ((b[0]! & 0x70) !== 0) return this.fail(1002, "reserved bits set (no extension was negotiated)");
    if ((b[1]! & 0x80) === 0) return this.fail(1002, "an unmasked client frame");
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    let len = b[1]! & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return 0;
      len = b.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return 0;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE_BYTES)) return this.fail(1009, `a frame of ${big} bytes is over the limit`);
      len = Number(big);
      at = 10;
    }
    if (b.length < at + 4) return 0;
    if (opcode >= 8 && (!fin || len > 125)) return this.fail(1002, "a fragmented or long control frame");
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) return this.fail(1002, `unknown opcode ${opcode}`);
    const inMessage = (this.fragments?.bytes ?? 0) + len;
    if (inMessage > MAX_MESSAGE_BYTES) return this.fail(1009, `a message of over ${MAX_MESSAGE_BYTES} bytes`);
    // its own buffer: 8-byte aligned, so typed arrays view the bytes in place
    this.frame = { fin, opcode, mask: Uint8Array.from(b.subarray(at, at + 4)), payload: new Uint8Array(len), filled: 0 };
    return at + 4;
  }

  private finishFrame(): void {
    const f = this.frame!;
    this.frame = null;
    unmask(f.payload, f.mask);
    if (f.opcode === 8) return this.closeSocket(1000);
    if (f.opcode === 9) {
      if (!this.socket.destroyed) this.socket.write(encodeFrame(0xa, f.payload));
      return;
    }
    if (f.opcode === 10) return;
    if (f.opcode === 0) {
      if (!this.fragments) return void this.fail(1002, "a continuation frame outside a message");
      this.fragments.parts.push(f.payload);
      this.fragments.bytes += f.payload.length;
    } else {
      if (this.fragments) return void this.fail(1002, "a new message inside a fragmented one");
      this.fragments = { opcode: f.opcode, parts: [f.payload], bytes: f.payload.length };
    }
    if (!f.fin) return;
    const { opcode, parts, bytes } = this.fragments!;
    this.fragments = null;
    const whole = parts.length === 1 ? parts[0]! : joinParts(parts, bytes);
    this.handlers.message(opcode === 1 ? Buffer.from(whole.buffer, whole.byteOffset, whole.length).toString("utf8") : whole);
  }

  private fail(code: number, why: string): number {
    this.closeSocket(code);
    this.end(`protocol error: ${why}`);
    return 0;
  }

  closeSocket(code: number): void {
    if (!this.socket.destroyed) this.socket.end(encodeFrame(0x8, Uint8Array.from([code >> 8, code & 255])));
    this.end("closed");
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.frame = null;
    this.fragments = null;
    this.handlers.close(reason);
  }
}

function joinParts(parts: Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
