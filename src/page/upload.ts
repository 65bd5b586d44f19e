/**
 * The binary page -> host channel: a WebSocket to the session's loopback server. An upload
 * is a text message announcing its id and parts, then each part as binary messages of at most
 * UploadInfo.chunk bytes (the read-back's own bytes: no compression, no base64). The host
 * acknowledges an upload once every part has arrived whole; `upload` resolves then, so the
 * page replies for a frame only when its bytes are on the host. The DevTools protocol
 * carries only the small JSON reply.
 */
import type { UploadInfo } from "./protocol.js";

/** Bytes per binary message (UploadInfo.chunk): well inside the sizes the browser's allocator re-uses. */
const CHUNK = 256 * 1024;

let socket: WebSocket | undefined;
let sequence = 0;
const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

/** Opens the channel to `url` (http://host:port/upload/<token>). */
export function openChannel(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"));
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      socket = ws;
      resolve();
    };
    ws.onerror = () => reject(new Error(`the read-back channel ${url} could not open`));
    ws.onmessage = (e: MessageEvent) => {
      const msg = JSON.parse(String(e.data)) as { id?: string; error?: string };
      const w = msg.id === undefined ? undefined : waiting.get(msg.id);
      if (msg.error !== undefined) {
        // an error without an id is about no upload in particular: fail every one in flight
        const err = new Error(`the host refused a read-back upload: ${msg.error}`);
        if (w) w.reject(err);
        else for (const x of waiting.values()) x.reject(err);
      } else w?.resolve();
    };
    ws.onclose = () => {
      socket = undefined;
      for (const w of waiting.values()) w.reject(new Error("the read-back channel closed mid-upload"));
      waiting.clear();
    };
  });
}

export async function upload(parts: readonly [string, ArrayBufferView][]): Promise<UploadInfo> {
  if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error("the read-back channel is not open");
  const id = String(++sequence);
  const info: UploadInfo = {
    id,
    byteLength: parts.reduce((s, [, v]) => s + v.byteLength, 0),
    parts: parts.map(([name, v]) => ({ name, byteLength: v.byteLength })),
    chunk: CHUNK,
  };
  const acked = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
  try {
    // one synchronous run: announcements and parts of two uploads never interleave
    socket.send(JSON.stringify(info));
    for (const [, view] of parts) {
      const bytes = new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
      if (bytes.length === 0) socket.send(bytes);
      for (let at = 0; at < bytes.length; at += CHUNK) socket.send(bytes.subarray(at, at + CHUNK));
    }
    await acked;
  } finally {
    waiting.delete(id);
  }
  return info;
}
