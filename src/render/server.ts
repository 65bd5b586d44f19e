/**
 * A loopback HTTP server per render session: it serves the page and its bundle, and asset
 * files by content key (a glTF's sidecar .bin and images resolve next to it), so asset
 * bytes never travel inside protocol messages. Bound to 127.0.0.1 on a free port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, normalize, sep } from "node:path";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { PAGE_BUNDLE } from "./bundle.js";

const HTML = "<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:0'><script src='/page.js'></script></body></html>";

/** An asset file on disk, or bytes made on the host (a procedural mesh) under a file name. */
export type AssetSource = string | { name: string; bytes: Uint8Array };

/** Uploads not yet taken are dropped past this many (a page that keeps posting for frames nobody reads). */
const MAX_PENDING_UPLOADS = 64;

export class PageServer {
  private readonly assets = new Map<string, AssetSource>();
  private readonly uploads = new Map<string, Buffer>();
  /** the path the page POSTs its frame read-backs under; a random token keeps other local processes out */
  readonly uploadPath = `/upload/${randomBytes(16).toString("hex")}`;
  private constructor(private readonly server: Server, readonly origin: string) {}

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

  /** The body the page uploaded under `id` (once: it is forgotten here), or undefined. */
  takeUpload(id: string): Buffer | undefined {
    const body = this.uploads.get(id);
    this.uploads.delete(id);
    return body;
  }

  private async receive(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const declared = Number(req.headers["content-length"]);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
    if (Number.isFinite(declared) && declared !== length) {
      res.statusCode = 400;
      res.end(`upload ${id}: got ${length} of ${declared} bytes`);
      return;
    }
    this.uploads.set(id, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
    while (this.uploads.size > MAX_PENDING_UPLOADS) this.uploads.delete(this.uploads.keys().next().value!);
    res.statusCode = 204;
    res.end();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "POST" && url.pathname.startsWith(`${this.uploadPath}/`) && parts.length === 3) {
      await this.receive(req, res, parts[2]!);
    } else if (req.method === "GET" && url.pathname === "/") {
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
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
