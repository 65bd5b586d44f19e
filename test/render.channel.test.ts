// The binary page -> host channel: uploads are taken whole or not at all, and read-backs
// are turned into images exactly (rows flipped, channels picked), without a browser. The
// WebSocket frames here are built by hand, as RFC 6455 defines them (masked, fragmented,
// split across TCP writes); the browser's own sends are covered by every render test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { PageServer } from "../src/render/server.js";
import { unmask } from "../src/render/websocket.js";
import { RuntimeError } from "../src/errors.js";
import { amodalBits, countCoverage, depthFromPlane, instanceFromPlane, rgbFromRgba, uploadParts } from "../src/render/readback.js";

let server: PageServer;
beforeAll(async () => {
  server = await PageServer.start();
});
afterAll(async () => {
  await server.close();
});

/** A client frame: FIN (unless `more`), opcode, a random mask, the payload masked. */
function clientFrame(opcode: number, payload: Uint8Array, more = false): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, 0x80 | n]) : n < 65536 ? Buffer.from([0, 0x80 | 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  head[0] = (more ? 0 : 0x80) | opcode;
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!));
  return Buffer.concat([head, mask, body]);
}

/** Opens a WebSocket to `path` by hand; resolves with the socket and the text messages the server sends. */
function openSocket(path: string): Promise<{ sock: Socket; texts: string[]; status: string }> {
  const url = new URL(server.origin);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const texts: string[] = [];
    let buf = Buffer.alloc(0);
    let status = "";
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!status) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        status = buf.subarray(0, buf.indexOf("\r\n")).toString();
        buf = buf.subarray(end + 4);
        resolve({ sock, texts, status });
      }
      // server frames: short, unmasked
      while (buf.length >= 2 && buf.length >= 2 + (buf[1]! & 0x7f)) {
        const n = buf[1]! & 0x7f;
        if ((buf[0]! & 0x0f) === 1) texts.push(buf.subarray(2, 2 + n).toString());
        buf = buf.subarray(2 + n);
      }
    });
    sock.on("error", reject);
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

const announce = (id: string, parts: [string, number][]) =>
  clientFrame(1, Buffer.from(JSON.stringify({ id, byteLength: parts.reduce((s, [, n]) => s + n, 0), parts: parts.map(([name, byteLength]) => ({ name, byteLength })) })));

describe("upload channel", () => {
  it("stores a complete upload once, acknowledges it, under the session's token only", async () => {
    const { sock, texts, status } = await openSocket(server.uploadPath);
    expect(status).toBe("HTTP/1.1 101 Switching Protocols");
    const a = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 255));
    const b = randomBytes(60_000); // a 16-bit length; the next test has a 64-bit one
    sock.write(Buffer.concat([announce("7", [["rgba", a.length], ["depth", b.length]]), clientFrame(2, a), clientFrame(2, b)]));
    await until(() => texts.length > 0);
    expect(texts).toEqual([JSON.stringify({ id: "7" })]);
    const got = server.takeUpload("7")!;
    expect(Buffer.compare(got.get("rgba")!, a)).toBe(0);
    expect(Buffer.compare(got.get("depth")!, b)).toBe(0);
    expect(got.get("depth")!.byteOffset % 8).toBe(0);
    expect(server.takeUpload("7")).toBeUndefined();
    sock.destroy();
    const other = await openSocket("/upload/not-the-token");
    expect(other.status).toBe("HTTP/1.1 404 Not Found");
    other.sock.destroy();
  });

  it("assembles fragmented messages and frames split across writes, byte for byte", async () => {
    const { sock, texts } = await openSocket(server.uploadPath);
    const big = randomBytes(300_000); // a 64-bit length
    const frames = Buffer.concat([
      announce("8", [["coverage0.0", big.length], ["empty", 0]]),
      clientFrame(2, big.subarray(0, 1000), true),
      clientFrame(9, Buffer.from("ping")), // a control frame between fragments
      clientFrame(0, big.subarray(1000, 200_000), true),
      clientFrame(0, big.subarray(200_000)),
      clientFrame(2, new Uint8Array(0)),
    ]);
    // dribbled out: headers and payloads cut at awkward places
    for (let at = 0; at < frames.length; ) {
      const n = Math.min(frames.length - at, 1 + ((at * 7919) % 50_000));
      sock.write(frames.subarray(at, at + n));
      at += n;
      await new Promise((r) => setImmediate(r));
    }
    await until(() => texts.length > 0);
    expect(texts).toEqual([JSON.stringify({ id: "8" })]);
    const got = server.takeUpload("8")!;
    expect(Buffer.compare(got.get("coverage0.0")!, big)).toBe(0);
    expect(got.get("empty")!.length).toBe(0);
    sock.destroy();
  });

  it("assembles parts sent in chunks of the announced size, and refuses a chunk of another size", async () => {
    const { sock, texts } = await openSocket(server.uploadPath);
    const a = randomBytes(2500), b = randomBytes(999), c = randomBytes(1000);
    const chunked = (id: string, parts: [string, number][]) =>
      clientFrame(1, Buffer.from(JSON.stringify({ id, byteLength: parts.reduce((s, [, n]) => s + n, 0), parts: parts.map(([name, byteLength]) => ({ name, byteLength })), chunk: 1000 })));
    // a: three messages (1000, 1000, 500); b: one short one; c: exactly one chunk; an empty part: one empty message
    sock.write(Buffer.concat([
      chunked("11", [["depth", a.length], ["instance", b.length], ["rgba", c.length], ["empty", 0]]),
      clientFrame(2, a.subarray(0, 1000)), clientFrame(2, a.subarray(1000, 2000)), clientFrame(2, a.subarray(2000)),
      clientFrame(2, b), clientFrame(2, c), clientFrame(2, new Uint8Array(0)),
    ]));
    await until(() => texts.length > 0);
    expect(texts).toEqual([JSON.stringify({ id: "11" })]);
    const got = server.takeUpload("11")!;
    expect(Buffer.compare(got.get("depth")!, a)).toBe(0);
    expect(got.get("depth")!.byteOffset % 8).toBe(0);
    expect(Buffer.compare(got.get("instance")!, b)).toBe(0);
    expect(Buffer.compare(got.get("rgba")!, c)).toBe(0);
    expect(got.get("empty")!.length).toBe(0);
    // the second chunk of a 2500-byte part is 1000 bytes, not 1500
    sock.write(Buffer.concat([chunked("12", [["depth", a.length]]), clientFrame(2, a.subarray(0, 1000)), clientFrame(2, a.subarray(1000))]));
    await until(() => texts.length > 1);
    expect(JSON.parse(texts[1]!)).toEqual({ id: "12", error: "part depth: 1500 bytes where 1000 were announced" });
    expect(server.takeUpload("12")).toBeUndefined();
    sock.destroy();
  });

  it("an upload cut off mid-frame is never stored, and a part of the wrong length is refused", async () => {
    const first = await openSocket(server.uploadPath);
    const frame = clientFrame(2, randomBytes(100_000));
    first.sock.write(Buffer.concat([announce("9", [["depth", 100_000]]), frame.subarray(0, 5000)]));
    await new Promise((r) => setTimeout(r, 50));
    first.sock.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.takeUpload("9")).toBeUndefined();

    const second = await openSocket(server.uploadPath);
    second.sock.write(Buffer.concat([announce("10", [["depth", 16]]), clientFrame(2, new Uint8Array(12))]));
    await until(() => second.texts.length > 0);
    expect(JSON.parse(second.texts[0]!)).toEqual({ id: "10", error: "part depth: 12 bytes where 16 were announced" });
    expect(server.takeUpload("10")).toBeUndefined();
    second.sock.destroy();
  });

  it("an unmasked client frame closes the connection", async () => {
    const { sock } = await openSocket(server.uploadPath);
    const closed = new Promise<void>((r) => sock.on("close", () => r()));
    sock.write(Buffer.from([0x82, 3, 1, 2, 3]));
    await closed;
  });

  it("unmasks a word at a time exactly as byte by byte, at any alignment", () => {
    const mask = Uint8Array.from([0x12, 0x34, 0x56, 0x78]);
    const data = randomBytes(1031);
    const want = Uint8Array.from(data, (b, i) => b ^ mask[i & 3]!);
    const aligned = new Uint8Array(data);
    unmask(aligned, mask);
    expect(Buffer.compare(aligned, want)).toBe(0);
    const holder = new Uint8Array(data.length + 1);
    holder.set(data, 1);
    const odd = holder.subarray(1);
    unmask(odd, mask);
    expect(Buffer.compare(odd, want)).toBe(0);
  });

  it("a missing or short upload is an error, never a frame", () => {
    const info = { id: "3", byteLength: 16, parts: [{ name: "depth", byteLength: 16 }] };
    expect(() => uploadParts(undefined, info)).toThrow(RuntimeError);
    expect(() => uploadParts(new Map(), info)).toThrow(/part depth never arrived/);
    expect(() => uploadParts(new Map([["depth", new Uint8Array(12)]]), info)).toThrow(/truncated: 12 of 16 bytes/);
    const parts = uploadParts(new Map([["depth", new Uint8Array(16)]]), info);
    expect(parts.get("depth")!.byteLength).toBe(16);
  });
});

describe("read-backs to images", () => {
  // a 3x2 image; WebGL lists rows bottom-up
  const w = 3, h = 2;
  it("RGBA rows bottom-up become RGB rows top-down", () => {
    const rgba = Uint8Array.from([10, 11, 12, 255, 20, 21, 22, 255, 30, 31, 32, 255, 40, 41, 42, 255, 50, 51, 52, 255, 60, 61, 62, 255]);
    expect([...rgbFromRgba(rgba, w, h)]).toEqual([40, 41, 42, 50, 51, 52, 60, 61, 62, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
  });

  it("depth float bits and instance ids (two per texel, odd width) are flipped exactly", () => {
    const depth = Float32Array.from([1.5, 2.25, 3.125, 4.0625, 5.5, 0]);
    expect([...depthFromPlane(new Uint8Array(depth.buffer), w, h)]).toEqual([4.0625, 5.5, 0, 1.5, 2.25, 3.125]);
    // stride 4 (ceil(3 / 2) texels of two) per row, the last slot of each row unused
    const inst = Uint16Array.from([1, 2, 3, 0, 65535, 300, 7, 0]);
    expect([...instanceFromPlane(new Uint8Array(inst.buffer), w, h)]).toEqual([65535, 300, 7, 1, 2, 3]);
  });

  it("coverage bits give each object's pixel count and box, and the per-pixel words amodalMask reads", () => {
    // object 0 (bit 0) on the bottom row's first two pixels; object 25 (plane 1, bit 1) on the top-right pixel
    const plane0 = Uint32Array.from([1, 1, 0, 0, 0, 0]);
    const plane1 = Uint32Array.from([0, 0, 0, 0, 0, 2]);
    const { pixels, boxes } = countCoverage([plane0, plane1], w, h, 26);
    expect(pixels[0]).toBe(2);
    expect(boxes[0]).toEqual([0, 1, 1, 1]);
    expect(pixels[25]).toBe(1);
    expect(boxes[25]).toEqual([2, 0, 2, 0]);
    expect(boxes[1]).toBeNull();
    expect([...amodalBits([[plane0, plane1]], w, h)]).toEqual([0, 0, 0, 0, 0, 2, 1, 0, 1, 0, 0, 0]);
  });
});
