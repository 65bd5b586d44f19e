/**
 * A loopback HTTP server per render session: it serves the page and its bundle, and asset
 * files by content key (a glTF's sidecar .bin and images resolve next to it), so asset
 * bytes never travel inside protocol messages. Bound to 127.0.0.1 on a free port.
 *
 * It is also the far end of the page's read-back channel: a WebSocket under a random
 * token, on which the page announces an upload (a text message: its id and parts) and
 * then sends each part as one binary message. An upload is stored only once every part
 * has arrived whole, and then acknowledged, so the page reports a frame done only when its
 * bytes are here. (A WebSocket moves a frame's megabytes 3-5x faster than a fetch POST of
 * a Blob, which pays a blob-registry copy and a fixed ~10 ms per request in Chromium.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, normalize, sep } from "node:path";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { PAGE_BUNDLE } from "./bundle.js";
import { acceptWebSocket, type ServerSocket } from "./websocket.js";
import type { UploadInfo } from "../page/protocol.js";

const HTML = "<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:0'><script src='/page.js'></script></body></html>";

/** An asset file on disk, or bytes made on the host (a procedural mesh) under a file name. */
export type AssetSource = string | { name: string; bytes: Uint8Array };

/** Uploads not yet taken are dropped past this many (a page that keeps posting for frames nobody reads). */
const MAX_PENDING_UPLOADS = 64;

export class PageServer {
  private readonly assets = new Map<string, AssetSource>();
  private readonly uploads = new Map<string, Map<string, Uint8Array>>();
  private readonly sockets = new Set<ServerSocket>();
  /** the path of the page's read-back WebSocket; a random token keeps other local processes out */
  readonly uploadPath = `/upload/${randomBytes(16).toString("hex")}`;
  private constructor(private readonly server: Server, readonly origin: string) {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  static async start(): Promise<PageServer> {
    let self: PageServer | undefined;
    const server = createServer((req, res) => {
      self!.handle(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const port = (server.address() as AddressInfo).port;
    self = new PageServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** Makes an asset available to the page as /asset/<key>/<file name>. */
  addAsset(key: string, source: AssetSource): string {
    this.assets.set(key, source);
    return `/asset/${key}/${encodeURIComponent(typeof source === "string" ? basename(source) : source.name)}`;
  }

  removeAsset(key: string): void {
    this.assets.delete(key);
  }

  /** The parts the page uploaded under `id`, by name (once: they are forgotten here), or undefined. */
  takeUpload(id: string): Map<string, Uint8Array> | undefined {
    const parts = this.uploads.get(id);
    this.uploads.delete(id);
    return parts;
  }

  /** The read-back channel: one WebSocket per page, uploads assembled from its messages. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (new URL(req.url ?? "/", this.origin).pathname !== this.uploadPath) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    // the upload being received; `part`: the part being filled from several messages
    let open: { info: UploadInfo; got: Map<string, Uint8Array>; part?: { bytes: Uint8Array; filled: number } } | null = null;
    const ws = acceptWebSocket(req, socket, head, {
      message: (data) => {
        if (typeof data === "string") {
          // an announcement; one left unfinished (the page failed mid-upload) is dropped
          let info: UploadInfo | undefined;
          try {
            info = JSON.parse(data) as UploadInfo;
          } catch {
            info = undefined;
          }
          if (typeof info?.id !== "string" || !Array.isArray(info.parts)) {
            open = null;
            return ws!.sendText(JSON.stringify({ error: `not an upload announcement: ${data.slice(0, 80)}` }));
          }
          open = { info, got: new Map() };
        } else {
          if (!open) return ws!.sendText(JSON.stringify({ error: "bytes without an upload announcement" }));
          const { info, got } = open;
          const part = info.parts[got.size]!;
          // each message: the next chunk of the part (the whole part without chunks)
          const filled = open.part?.filled ?? 0;
          const expected = info.chunk ? Math.min(info.chunk, part.byteLength - filled) : part.byteLength;
          if (data.length !== expected) {
            open = null;
            return ws!.sendText(JSON.stringify({ id: info.id, error: `part ${part.name}: ${data.length} bytes where ${expected} were announced` }));
          }
          if (data.length === part.byteLength) got.set(part.name, data);
          else {
            // its own buffer (8-byte aligned), filled chunk by chunk
            open.part ??= { bytes: new Uint8Array(part.byteLength), filled: 0 };
            open.part.bytes.set(data, open.part.filled);
            open.part.filled += data.length;
            if (open.part.filled === part.byteLength) {
              got.set(part.name, open.part.bytes);
              delete open.part;
            }
          }
        }
        if (open && open.got.size === open.info.parts.length) {
          this.uploads.set(open.info.id, open.got);
          while (this.uploads.size > MAX_PENDING_UPLOADS) this.uploads.delete(this.uploads.keys().next().value!);
          ws!.sendText(JSON.stringify({ id: open.info.id }));
          open = null;
        }
      },
      close: () => {
        open = null; // never stored: a cut-off upload is not a frame
        if (ws) this.sockets.delete(ws);
      },
    });
    if (ws) this.sockets.add(ws);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "GET" && url.pathname === "/") {
      res.setHeader("content-type", "text/html");
      res.end(HTML);
    } else if (req.method === "GET" && url.pathname === "/favicon.ico") {
      res.statusCode = 204;
      res.end();
    } else if (req.method === "GET" && url.pathname === "/page.js") {
      res.setHeader("content-type", "text/javascript");
      res.end(await readFile(PAGE_BUNDLE));
    } else if (req.method === "GET" && parts[0] === "asset" && parts.length >= 3) {
      const source = this.assets.get(parts[1]!);
      const rest = parts.slice(2).join("/");
      if (source === undefined) return this.notFound(res);
      if (typeof source !== "string") {
        if (rest !== source.name) return this.notFound(res);
        res.end(source.bytes);
        return;
      }
      const file = source;
      const dir = dirname(file);
      const path = rest === basename(file) ? file : normalize(join(dir, rest));
      if (path !== file && !path.startsWith(dir + sep)) return this.notFound(res);
      try {
        res.end(await readFile(path));
      } catch {
        this.notFound(res);
      }
    } else {
      this.notFound(res);
    }
  }

  private notFound(res: ServerResponse): void {
    res.statusCode = 404;
    res.end("not found");
  }

  async close(): Promise<void> {
    this.uploads.clear();
    for (const ws of this.sockets) ws.close();
    this.sockets.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
