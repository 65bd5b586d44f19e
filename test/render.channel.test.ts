// The binary page -> host channel: uploads are taken whole or not at all, and read-backs
// are turned into images exactly (rows flipped, channels picked), without a browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { request } from "node:http";
import { PageServer } from "../src/render/server.js";
import { RuntimeError } from "../src/errors.js";
import { amodalBits, countCoverage, depthFromPlane, instanceFromPlane, rgbFromRgba, uploadParts } from "../src/render/readback.js";

let server: PageServer;
beforeAll(async () => {
  server = await PageServer.start();
});
afterAll(async () => {
  await server.close();
});

const post = (path: string, body: Buffer) =>
  new Promise<number>((resolve, reject) => {
    const url = new URL(path, server.origin);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });

describe("upload channel", () => {
  it("stores a complete upload once, under the session's token only", async () => {
    const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 255));
    expect(await post(`${server.uploadPath}/7`, body)).toBe(204);
    expect(Buffer.compare(server.takeUpload("7")!, body)).toBe(0);
    expect(server.takeUpload("7")).toBeUndefined();
    expect(await post("/upload/not-the-token/8", body)).toBe(404);
    expect(server.takeUpload("8")).toBeUndefined();
  });

  it("a body cut off mid-frame is never stored", async () => {
    const url = new URL(server.origin);
    await new Promise<void>((resolve) => {
      const sock = connect(Number(url.port), url.hostname, () => {
        sock.write(`POST ${server.uploadPath}/9 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n`);
        sock.write(Buffer.alloc(5000, 1), () => setTimeout(() => sock.destroy(), 50));
      });
      sock.on("close", () => resolve());
      sock.on("error", () => resolve());
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.takeUpload("9")).toBeUndefined();
  });

  it("a missing or short upload is an error, never a frame", () => {
    const info = { id: "3", byteLength: 16, parts: [{ name: "depth", offset: 0, byteLength: 16 }] };
    expect(() => uploadParts(undefined, info)).toThrow(RuntimeError);
    expect(() => uploadParts(new Uint8Array(12), info)).toThrow(/truncated: 12 of 16 bytes/);
    expect(() => uploadParts(new Uint8Array(16), { ...info, parts: [{ name: "x", offset: 8, byteLength: 16 }] })).toThrow(/outside the body/);
    const parts = uploadParts(new Uint8Array(16), info);
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
