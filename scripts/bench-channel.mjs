// The page -> host channel (run by `npm run bench`): MB/s of a frame's read-backs moved out
// of the page four ways, on the same bytes in the same browser: the first channel (deflate
// with CompressionStream, base64, through the DevTools protocol, inflate on the host), the
// second (one raw fetch POST of a Blob to a loopback server), and one WebSocket to the
// session's server (an announcement, the parts as binary messages, an acknowledgement): each
// part one message, and today's 256 KiB messages.
// The bytes are a frame's read-backs (seed-cubes 640x480: RGBA, depth bits, instance ids,
// coverage bits).
// Options: --rounds N (default 10), --gpu BACKEND.
import { inflateRawSync } from "node:zlib";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { PageServer } = await import(join(root, "dist/render/server.js"));
const { launchBrowser, backendOrder } = await import(join(root, "dist/render/browser.js"));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const rounds = Number(arg("rounds", "10"));
const gpu = arg("gpu", "auto");
// the first backend --gpu would try (the channel does not depend on it much)
const backend = backendOrder(gpu)[0];

const server = await PageServer.start();
// the second channel's far end: a POST sink on its own port (the page server no longer takes POSTs)
let posted = 0;
const sink = createServer(async (req, res) => {
  for await (const chunk of req) posted += chunk.length;
  res.setHeader("access-control-allow-origin", "*");
  res.statusCode = 204;
  res.end();
});
await new Promise((r) => sink.listen(0, "127.0.0.1", r));
const { browser } = await launchBrowser(backend);
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/`, { waitUntil: "load" });
  // a frame's read-backs: rendered labels compress well, RGB less; build comparable bytes
  await page.evaluate(() => {
    const w = 640, h = 480, n = w * h;
    const rgba = new Uint8Array(n * 4), depth = new Float32Array(n), inst = new Uint16Array(n + (n % 2)), cov = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const u = i % w, v = (i / w) | 0, cube = ((u >> 6) + (v >> 6) * 10) % 37;
      const shade = (u * 3 + v * 5 + ((u * v) % 7)) & 255;
      rgba.set([shade, (shade * 3) & 255, (cube * 7) & 255, 255], i * 4);
      depth[i] = cube ? 3 + cube * 0.01 + u * 1e-4 : 0;
      inst[i] = cube;
      cov[i] = cube ? 1 << cube % 24 : 0;
    }
    window.parts = [rgba, depth, inst, cov];
  });
  const bytes = await page.evaluate(() => window.parts.reduce((s, p) => s + p.byteLength, 0));

  let t = performance.now();
  for (let k = 0; k < rounds; k++) {
    const packed = await page.evaluate(async () => {
      const out = [];
      for (const p of window.parts) {
        const stream = new Blob([p]).stream().pipeThrough(new CompressionStream("deflate-raw"));
        const blob = await new Response(stream).blob();
        out.push(await new Promise((res) => {
          const fr = new FileReader();
          fr.onload = () => res(fr.result.slice(fr.result.indexOf(",") + 1));
          fr.readAsDataURL(blob);
        }));
      }
      return out;
    });
    for (const b64 of packed) inflateRawSync(Buffer.from(b64, "base64"));
  }
  const old = (bytes * rounds) / 1e6 / ((performance.now() - t) / 1000);

  const sinkUrl = `http://127.0.0.1:${sink.address().port}/`;
  t = performance.now();
  for (let k = 0; k < rounds; k++) {
    await page.evaluate(async (u) => {
      const res = await fetch(u, { method: "POST", body: new Blob(window.parts) });
      if (!res.ok) throw new Error(`upload failed: ${res.status}`);
    }, sinkUrl);
  }
  if (posted !== bytes * rounds) throw new Error(`the POST sink got ${posted} of ${bytes * rounds} bytes`);
  const post = (bytes * rounds) / 1e6 / ((performance.now() - t) / 1000);

  // today's channel, as src/page/upload.ts speaks it, to the session's own server
  await page.evaluate(async (u) => {
    window.ws = await new Promise((resolve, reject) => {
      const ws = new WebSocket(u.replace(/^http/, "ws"));
      ws.binaryType = "arraybuffer";
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error("channel did not open"));
    });
  }, `${server.origin}${server.uploadPath}`);
  // chunk 0: a part per message (the channel before 256 KiB messages); else messages of `chunk` bytes
  const viaSocket = async (chunk, first) => {
    const t = performance.now();
    for (let k = first; k < first + rounds; k++) {
      await page.evaluate(async (id, chunk) => {
        const acked = new Promise((resolve) => (window.ws.onmessage = resolve));
        window.ws.send(JSON.stringify({ id, byteLength: 0, parts: window.parts.map((p, i) => ({ name: `p${i}`, byteLength: p.byteLength })), ...(chunk ? { chunk } : {}) }));
        for (const p of window.parts) {
          const b = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
          if (!chunk) window.ws.send(b);
          else for (let at = 0; at < b.length; at += chunk) window.ws.send(b.subarray(at, at + chunk));
        }
        await acked;
      }, String(k), chunk);
      const got = server.takeUpload(String(k));
      if (!got || [...got.values()].reduce((s, p) => s + p.length, 0) !== bytes) throw new Error("upload lost");
    }
    return (bytes * rounds) / 1e6 / ((performance.now() - t) / 1000);
  };
  const whole = await viaSocket(0, 0);
  const socket = await viaSocket(256 * 1024, rounds);
  console.log(`\nsimforge channel bench (${backend}): one frame's read-backs, ${(bytes / 1e6).toFixed(2)} MB, ${rounds} rounds`);
  console.log(`deflate + base64 through DevTools      ${old.toFixed(0).padStart(5)} MB/s`);
  console.log(`raw fetch POST of a Blob               ${post.toFixed(0).padStart(5)} MB/s   ${(post / old).toFixed(2)}x`);
  console.log(`WebSocket, a binary message a part     ${whole.toFixed(0).padStart(5)} MB/s   ${(whole / old).toFixed(2)}x`);
  console.log(`WebSocket, 256 KiB messages            ${socket.toFixed(0).padStart(5)} MB/s   ${(socket / old).toFixed(2)}x   (today's channel)`);
} finally {
  await browser.close();
  await server.close();
  sink.close();
}
