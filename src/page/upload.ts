/**
 * The binary page -> host channel: a frame's raw read-backs go to the session's loopback
 * server as one POST body, each part at an offset aligned to 8 bytes so the host views it
 * in place. No compression and no base64: the page spends no CPU on packing, and the
 * DevTools protocol (a few tens of MB/s) carries only the small JSON reply.
 */
import type { UploadInfo, UploadPart } from "./protocol.js";

let sequence = 0;

export async function upload(url: string, parts: readonly [string, ArrayBufferView][]): Promise<UploadInfo> {
  const id = String(++sequence);
  const chunks: BlobPart[] = [];
  const layout: UploadPart[] = [];
  let offset = 0;
  for (const [name, view] of parts) {
    const pad = (8 - (offset % 8)) % 8;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    layout.push({ name, offset, byteLength: view.byteLength });
    chunks.push(new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength));
    offset += view.byteLength;
  }
  const res = await fetch(`${url}/${id}`, { method: "POST", body: new Blob(chunks), headers: { "content-type": "application/octet-stream" } });
  if (!res.ok) throw new Error(`uploading frame read-backs failed: HTTP ${res.status} ${await res.text()}`);
  return { id, byteLength: offset, parts: layout };
}
