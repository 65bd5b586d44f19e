/**
 * Packs float label targets into bytes on the GPU before they are read back, so that only
 * the bytes the host needs cross to it: a channel of an RGBA float32 target (16 bytes per
 * pixel as WebGL reads it) becomes one 32-bit word per pixel (depth as its float bits,
 * coverage bits as an integer), or one 16-bit word (instance ids, two pixels per texel).
 * Raw WebGL2, one full-screen triangle per plane; Babylon's state caches are wiped after.
 */
import type { Engine } from "@babylonjs/core/Engines/engine.js";
import type { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import type { DeferredReads } from "./deferred-reads.js";

/** How a channel is packed: its float bits, its value as a 32-bit integer, or as 16-bit integers two per texel. */
export type PackMode = "float" | "u32" | "u16";
const MODES: Record<PackMode, number> = { float: 0, u32: 1, u16: 2 };

const VERTEX = `#version 300 es
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D src;
uniform int channel;
uniform int mode;
uniform int srcWidth;
out vec4 color;
vec4 bytes(uint u) {
  return vec4(float(u & 255u), float((u >> 8) & 255u), float((u >> 16) & 255u), float(u >> 24)) / 255.0;
}
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  if (mode == 2) {
    uint a = uint(texelFetch(src, ivec2(2 * p.x, p.y), 0)[channel]);
    uint b = 2 * p.x + 1 < srcWidth ? uint(texelFetch(src, ivec2(2 * p.x + 1, p.y), 0)[channel]) : 0u;
    color = bytes(a | (b << 16));
  } else {
    float v = texelFetch(src, p, 0)[channel];
    color = bytes(mode == 0 ? floatBitsToUint(v) : uint(v));
  }
}`;

/**
 * Gathers listed texels of an RGBA float target into a compact RGBA float image: output
 * texel j (row-major in an outWidth-wide image) is the source texel at list[j], a pixel
 * index counted with rows from the top. So only the texels the beams read cross the bus.
 */
const GATHER = `#version 300 es
precision highp float;
precision highp int;
precision highp usampler2D;
uniform highp sampler2D src;
uniform usampler2D list;
uniform int srcWidth;
uniform int srcHeight;
uniform int outWidth;
uniform int count;
out vec4 color;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int j = p.y * outWidth + p.x;
  if (j >= count) { color = vec4(0.0); return; }
  int listWidth = textureSize(list, 0).x;
  int t = int(texelFetch(list, ivec2(j % listWidth, j / listWidth), 0).r);
  int u = t % srcWidth;
  int v = t / srcWidth;
  color = texelFetch(src, ivec2(u, srcHeight - 1 - v), 0);
}`;

/**
 * Bilinear samples of an RGBA8 image at listed points: output texel j is the image at
 * coords[j] (pixel coordinates, pixel centres at integers, rows from the top), weighted by
 * hand from the four texels around it (hardware filtering would round the weights to 8 bits).
 */
const BILINEAR = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D src;
uniform highp sampler2D coords;
uniform int srcHeight;
uniform int outWidth;
uniform int count;
out vec4 color;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int j = p.y * outWidth + p.x;
  if (j >= count) { color = vec4(0.0); return; }
  int listWidth = textureSize(coords, 0).x;
  vec2 c = texelFetch(coords, ivec2(j % listWidth, j / listWidth), 0).rg;
  vec2 f = floor(c);
  vec2 w = c - f;
  ivec2 t = ivec2(f);
  // rows from the top -> the texture's rows from the bottom
  int r0 = srcHeight - 1 - t.y, r1 = srcHeight - 2 - t.y;
  vec4 a = texelFetch(src, ivec2(t.x, r0), 0), b = texelFetch(src, ivec2(t.x + 1, r0), 0);
  vec4 d = texelFetch(src, ivec2(t.x, r1), 0), e = texelFetch(src, ivec2(t.x + 1, r1), 0);
  color = mix(mix(a, b, w.x), mix(d, e, w.x), w.y);
}`;

/**
 * A coverage target summarized for the host (instead of read whole) when no amodal mask is
 * asked for: only each object's pixel count and box cross, so 1.2 MB a 640x480 frame becomes
 * about 25 KB. Two passes over the coverage bits, each fragment reading a whole row or column:
 * - rows: fragment f (row-major in an outWidth-wide image) takes channel f / srcHeight, row
 *   f % srcHeight, and counts each of the channel's 24 bits along the row with a bit-sliced
 *   counter (15 bit planes: up to 32767 pixels a row). Its counts go out as 16-bit halves of
 *   three RGBA32UI attachments: attachment q, word i holds bits 8q + 2i (low) and 8q + 2i + 1.
 * - columns: fragment f takes channel f / srcWidth, column f % srcWidth, and writes the OR of
 *   the column's bits as four bytes (RGBA8).
 * The host adds the row counts (pixels), takes the rows with a count (v range) and the
 * columns with the bit (u range): the same numbers a count over the whole image gives.
 */
/** What both summary passes take: the coverage target, its size, the output's width and the channels in use. */
const SUMMARY_HEAD = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D src;
uniform int srcWidth;
uniform int srcHeight;
uniform int outWidth;
uniform int planes;
`;

const COVERAGE_ROWS = `${SUMMARY_HEAD}layout(location = 0) out uvec4 counts0;
layout(location = 1) out uvec4 counts1;
layout(location = 2) out uvec4 counts2;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int f = p.y * outWidth + p.x;
  if (f >= planes * srcHeight) { counts0 = uvec4(0u); counts1 = uvec4(0u); counts2 = uvec4(0u); return; }
  int channel = f / srcHeight, row = f % srcHeight;
  uint s[15];
  for (int b = 0; b < 15; b++) s[b] = 0u;
  for (int u = 0; u < srcWidth; u++) {
    uint carry = uint(texelFetch(src, ivec2(u, row), 0)[channel]);
    for (int b = 0; b < 15; b++) {
      if (carry == 0u) break;
      uint t = s[b] & carry;
      s[b] ^= carry;
      carry = t;
    }
  }
  uint n[24];
  for (int k = 0; k < 24; k++) {
    uint c = 0u;
    for (int b = 0; b < 15; b++) c |= ((s[b] >> uint(k)) & 1u) << uint(b);
    n[k] = c;
  }
  counts0 = uvec4(n[0] | (n[1] << 16), n[2] | (n[3] << 16), n[4] | (n[5] << 16), n[6] | (n[7] << 16));
  counts1 = uvec4(n[8] | (n[9] << 16), n[10] | (n[11] << 16), n[12] | (n[13] << 16), n[14] | (n[15] << 16));
  counts2 = uvec4(n[16] | (n[17] << 16), n[18] | (n[19] << 16), n[20] | (n[21] << 16), n[22] | (n[23] << 16));
}`;

const COVERAGE_COLUMNS = `${SUMMARY_HEAD}out vec4 color;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int f = p.y * outWidth + p.x;
  uint bits = 0u;
  if (f < planes * srcWidth) {
    int channel = f / srcWidth, column = f % srcWidth;
    for (int v = 0; v < srcHeight; v++) bits |= uint(texelFetch(src, ivec2(column, v), 0)[channel]);
  }
  color = vec4(float(bits & 255u), float((bits >> 8) & 255u), float((bits >> 16) & 255u), float(bits >> 24)) / 255.0;
}`;

/** Width of the coverage summaries' output images (fragments laid out in rows, not one long line). */
const SUMMARY_ROW = 64;

/** The output image (width, height) of `count` summary fragments. */
const summaryShape = (count: number): [number, number] => [Math.min(SUMMARY_ROW, count), Math.ceil(count / SUMMARY_ROW)];

/** Widest row of a list or gather image (well under every WebGL2 implementation's MAX_TEXTURE_SIZE of >= 2048). */
const ROW = 2048;

/** A texel list on the GPU: an R32UI texture, ROW texels a row. */
export interface TexelList {
  texture: WebGLTexture;
  count: number;
}

export function uploadTexelList(gl: WebGL2RenderingContext, texels: Uint32Array): TexelList {
  const width = Math.max(1, Math.min(ROW, texels.length)), height = Math.max(1, Math.ceil(texels.length / width));
  const padded = new Uint32Array(width * height);
  padded.set(texels);
  const texture = gl.createTexture()!;
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texStorage2D(gl.TEXTURE_2D, 1, gl.R32UI, width, height);
  withPlainUnpack(gl, () => gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, gl.RED_INTEGER, gl.UNSIGNED_INT, padded));
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.bindTexture(gl.TEXTURE_2D, null);
  return { texture, count: texels.length };
}

/** A list of points on the GPU: an RG32F texture, ROW points a row. */
export interface CoordList {
  texture: WebGLTexture;
  count: number;
}

export function uploadCoordList(gl: WebGL2RenderingContext, coords: Float32Array): CoordList {
  const count = coords.length / 2;
  const width = Math.max(1, Math.min(ROW, count)), height = Math.max(1, Math.ceil(count / width));
  const padded = new Float32Array(width * height * 2);
  padded.set(coords);
  const texture = gl.createTexture()!;
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RG32F, width, height);
  withPlainUnpack(gl, () => gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, gl.RG, gl.FLOAT, padded));
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.bindTexture(gl.TEXTURE_2D, null);
  return { texture, count };
}

/** Runs an upload with the unpack state as plain as the data: Babylon leaves flip-y, premultiplied alpha and an unpack buffer set. */
function withPlainUnpack(gl: WebGL2RenderingContext, upload: () => void): void {
  const flip = gl.getParameter(gl.UNPACK_FLIP_Y_WEBGL) as boolean;
  const premultiply = gl.getParameter(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL) as boolean;
  const unpackBuffer = gl.getParameter(gl.PIXEL_UNPACK_BUFFER_BINDING) as WebGLBuffer | null;
  gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, null);
  gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
  for (const p of [gl.UNPACK_ROW_LENGTH, gl.UNPACK_IMAGE_HEIGHT, gl.UNPACK_SKIP_ROWS, gl.UNPACK_SKIP_PIXELS, gl.UNPACK_SKIP_IMAGES]) gl.pixelStorei(p, 0);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
  upload();
  gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, flip);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, premultiply);
  gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, unpackBuffer);
}

interface Program {
  program: WebGLProgram;
  vao: WebGLVertexArrayObject;
  loc: { src: WebGLUniformLocation; channel: WebGLUniformLocation; mode: WebGLUniformLocation; srcWidth: WebGLUniformLocation };
}

function compile(gl: WebGL2RenderingContext): Program {
  const program = link(gl, FRAGMENT, "pack");
  const at = (name: string) => gl.getUniformLocation(program, name)!;
  return { program, vao: gl.createVertexArray()!, loc: { src: at("src"), channel: at("channel"), mode: at("mode"), srcWidth: at("srcWidth") } };
}

interface GatherProgram {
  program: WebGLProgram;
  vao: WebGLVertexArrayObject;
  loc: Record<"src" | "list" | "srcWidth" | "srcHeight" | "outWidth" | "count", WebGLUniformLocation>;
}

interface SummaryProgram {
  program: WebGLProgram;
  vao: WebGLVertexArrayObject;
  loc: Record<"src" | "srcWidth" | "srcHeight" | "outWidth" | "planes", WebGLUniformLocation>;
}

function summaryProgram(gl: WebGL2RenderingContext, fragment: string, what: string): SummaryProgram {
  const program = link(gl, fragment, what);
  const at = (name: string) => gl.getUniformLocation(program, name)!;
  return { program, vao: gl.createVertexArray()!, loc: { src: at("src"), srcWidth: at("srcWidth"), srcHeight: at("srcHeight"), outWidth: at("outWidth"), planes: at("planes") } };
}

function link(gl: WebGL2RenderingContext, fragment: string, what: string): WebGLProgram {
  const shader = (type: number, source: string) => {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, source);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`${what} shader: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const program = gl.createProgram()!;
  gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragment));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`${what} program: ${gl.getProgramInfoLog(program)}`);
  return program;
}

/** An offscreen target of `attachments` colour textures of one format, re-made when the size changes. */
class ScratchTarget {
  private fbo: WebGLFramebuffer | undefined;
  private textures: WebGLTexture[] = [];
  private size = "";
  constructor(private readonly format: number, private readonly what: string, private readonly attachments = 1) {}

  /** Binds the target at `width` x `height` for drawing into every attachment (making it first if needed). */
  bind(gl: WebGL2RenderingContext, width: number, height: number): void {
    const key = `${width}x${height}`;
    if (this.size !== key) {
      for (const t of this.textures) gl.deleteTexture(t);
      this.fbo ??= gl.createFramebuffer()!;
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
      this.textures = Array.from({ length: this.attachments }, (_, i) => {
        const tex = gl.createTexture()!;
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.texStorage2D(gl.TEXTURE_2D, 1, this.format, width, height);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0 + i, gl.TEXTURE_2D, tex, 0);
        return tex;
      });
      // draw buffers are the framebuffer's own state: set once, Babylon's framebuffers keep theirs
      if (this.attachments > 1) gl.drawBuffers(this.textures.map((_, i) => gl.COLOR_ATTACHMENT0 + i));
      const status = gl.checkFramebufferStatus(gl.FRAMEBUFFER);
      gl.bindTexture(gl.TEXTURE_2D, null);
      if (status !== gl.FRAMEBUFFER_COMPLETE) throw new Error(`${this.what}: ${width}x${height} framebuffer incomplete (0x${status.toString(16)})`);
      this.size = key;
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo!);
  }
}

/** Plain full-screen drawing with `program`: every test and blend off, all channels written, `src` on texture unit 0. */
function fullScreenState(gl: WebGL2RenderingContext, program: WebGLProgram, vao: WebGLVertexArrayObject, src: WebGLTexture): void {
  gl.disable(gl.BLEND);
  gl.disable(gl.DEPTH_TEST);
  gl.disable(gl.STENCIL_TEST);
  gl.disable(gl.SCISSOR_TEST);
  gl.disable(gl.CULL_FACE);
  gl.colorMask(true, true, true, true);
  gl.useProgram(program);
  gl.bindVertexArray(vao);
  gl.activeTexture(gl.TEXTURE0);
  gl.bindTexture(gl.TEXTURE_2D, src);
}

export class Packer {
  private prog: Program | undefined;
  private gatherProg: GatherProgram | undefined;
  private readonly packTarget = new ScratchTarget(WebGL2RenderingContext.RGBA8, "pack");
  private readonly gatherTarget = new ScratchTarget(WebGL2RenderingContext.RGBA32F, "gather");
  private bilinearProg: { program: WebGLProgram; vao: WebGLVertexArrayObject; loc: Record<"src" | "coords" | "srcHeight" | "outWidth" | "count", WebGLUniformLocation> } | undefined;
  private readonly bilinearTarget = new ScratchTarget(WebGL2RenderingContext.RGBA8, "bilinear");
  private canvasCopy: { texture: WebGLTexture; size: string } | undefined;
  private summaryProgs: { rows: SummaryProgram; columns: SummaryProgram } | undefined;
  private readonly rowsTarget = new ScratchTarget(WebGL2RenderingContext.RGBA32UI, "coverage rows", 3);
  private readonly columnsTarget = new ScratchTarget(WebGL2RenderingContext.RGBA8, "coverage columns");

  constructor(private readonly engine: Engine) {}

  /**
   * One plane per request: channel `channel` of `target` packed as `mode`, read back as
   * bytes (rows bottom-up as WebGL reads them; a u16 plane has ceil(width / 2) texels a row).
   */
  pack(target: RenderTargetTexture, planes: readonly { channel: number; mode: PackMode }[]): Uint8Array[] {
    const gl = this.engine._gl as WebGL2RenderingContext;
    const out: Uint8Array[] = [];
    this.drawPlanes(target, planes, (w, height) => {
      const bytes = new Uint8Array(w * height * 4);
      gl.readPixels(0, 0, w, height, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
      out.push(bytes);
    });
    return out;
  }

  /** `pack`, each plane read into `reads` as `names[k]` (collected later, without stalling the page). */
  packDeferred(target: RenderTargetTexture, planes: readonly { channel: number; mode: PackMode }[], reads: DeferredReads, names: readonly string[]): void {
    const gl = this.engine._gl as WebGL2RenderingContext;
    let k = 0;
    this.drawPlanes(target, planes, (w, height) => reads.read(names[k++]!, w, height, gl.UNSIGNED_BYTE));
  }

  /**
   * The first `planes` channels of the coverage target summarized (see COVERAGE_ROWS), read
   * into `reads`: `<prefix>.rows.0..2` (RGBA32UI, 16 bytes a fragment, planes * height
   * fragments) and `<prefix>.columns` (4 bytes a fragment, planes * width fragments).
   */
  summarizeCoverageDeferred(target: RenderTargetTexture, planes: number, reads: DeferredReads, prefix: string): void {
    const gl = this.engine._gl as WebGL2RenderingContext;
    const src = target.getInternalTexture()?._hardwareTexture?.underlyingResource as WebGLTexture | undefined;
    if (!src) throw new Error(`coverage summary: ${target.name} has no texture`);
    const { width, height } = target.getSize();
    this.summaryProgs ??= { rows: summaryProgram(gl, COVERAGE_ROWS, "coverage rows"), columns: summaryProgram(gl, COVERAGE_COLUMNS, "coverage columns") };
    const { rows, columns } = this.summaryProgs;
    /** One summary pass of `count` fragments into `scratch`; returns its output size. */
    const draw = ({ program, vao, loc }: SummaryProgram, scratch: ScratchTarget, count: number): [number, number] => {
      const [outW, outH] = summaryShape(count);
      scratch.bind(gl, outW, outH);
      fullScreenState(gl, program, vao, src);
      gl.uniform1i(loc.src, 0);
      gl.uniform1i(loc.srcWidth, width);
      gl.uniform1i(loc.srcHeight, height);
      gl.uniform1i(loc.outWidth, outW);
      gl.uniform1i(loc.planes, planes);
      gl.viewport(0, 0, outW, outH);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      return [outW, outH];
    };
    const previous = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    try {
      const [rowsW, rowsH] = draw(rows, this.rowsTarget, planes * height);
      for (let q = 0; q < 3; q++) {
        gl.readBuffer(gl.COLOR_ATTACHMENT0 + q);
        reads.read(`${prefix}.rows.${q}`, rowsW, rowsH, gl.UNSIGNED_INT, planes * height * 16);
      }
      gl.readBuffer(gl.COLOR_ATTACHMENT0);
      const [columnsW, columnsH] = draw(columns, this.columnsTarget, planes * width);
      reads.read(`${prefix}.columns`, columnsW, columnsH, gl.UNSIGNED_BYTE, planes * width * 4);
    } finally {
      gl.bindVertexArray(null);
      gl.bindTexture(gl.TEXTURE_2D, null);
      gl.bindFramebuffer(gl.FRAMEBUFFER, previous);
      this.engine.wipeCaches(true);
    }
  }

  /** Draws each plane into the pack target in turn and hands it to `read` (w x height texels bound for reading). */
  private drawPlanes(target: RenderTargetTexture, planes: readonly { channel: number; mode: PackMode }[], read: (w: number, height: number) => void): void {
    const gl = this.engine._gl as WebGL2RenderingContext;
    const src = target.getInternalTexture()?._hardwareTexture?.underlyingResource as WebGLTexture | undefined;
    if (!src) throw new Error(`pack: ${target.name} has no texture`);
    const { width, height } = target.getSize();
    this.prog ??= compile(gl);
    const { program, vao, loc } = this.prog;
    const outW = Math.max(width, Math.ceil(width / 2));
    const previous = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    this.packTarget.bind(gl, outW, height);
    fullScreenState(gl, program, vao, src);
    gl.uniform1i(loc.src, 0);
    gl.uniform1i(loc.srcWidth, width);
    try {
      for (const { channel, mode } of planes) {
        const w = mode === "u16" ? Math.ceil(width / 2) : width;
        gl.viewport(0, 0, w, height);
        gl.uniform1i(loc.channel, channel);
        gl.uniform1i(loc.mode, MODES[mode]);
        gl.drawArrays(gl.TRIANGLES, 0, 3);
        read(w, height);
      }
    } finally {
      gl.bindVertexArray(null);
      gl.bindTexture(gl.TEXTURE_2D, null);
      gl.bindFramebuffer(gl.FRAMEBUFFER, previous);
      // Babylon caches GL state (program, textures, blend, depth, viewport): make it set all of it again
      this.engine.wipeCaches(true);
    }
  }

  /**
   * One full-screen draw of `program` into `target` (outW x outH) reading `src` on texture
   * unit 0 and a list texture on unit 1, then `read`; the GL state is restored and Babylon's
   * caches wiped whatever happens.
   */
  private drawList(
    target: ScratchTarget, program: WebGLProgram, vao: WebGLVertexArrayObject, src: WebGLTexture, list: WebGLTexture,
    outW: number, outH: number, before: () => void, uniforms: () => void, read: () => void,
  ): void {
    const gl = this.engine._gl as WebGL2RenderingContext;
    const previous = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    try {
      before();
      target.bind(gl, outW, outH);
      fullScreenState(gl, program, vao, src);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, list);
      uniforms();
      gl.viewport(0, 0, outW, outH);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      read();
    } finally {
      gl.bindVertexArray(null);
      gl.bindTexture(gl.TEXTURE_2D, null);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, null);
      gl.bindFramebuffer(gl.FRAMEBUFFER, previous);
      this.engine.wipeCaches(true);
    }
  }

  /**
   * The drawn RGB image (the canvas, `width` x `height`) sampled bilinearly at the points of
   * `coords`: RGBA8, 4 bytes a point in list order. The canvas is copied to a texture first
   * (the copy resolves its multisampling as a read-back would).
   */
  sampleCanvas(width: number, height: number, coords: CoordList): Uint8Array {
    const gl = this.engine._gl as WebGL2RenderingContext;
    const key = `${width}x${height}`;
    if (this.canvasCopy?.size !== key) {
      if (this.canvasCopy) gl.deleteTexture(this.canvasCopy.texture);
      const texture = gl.createTexture()!;
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, width, height);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      this.canvasCopy = { texture, size: key };
    }
    if (!this.bilinearProg) {
      const program = link(gl, BILINEAR, "bilinear");
      const at = (name: string) => gl.getUniformLocation(program, name)!;
      this.bilinearProg = { program, vao: gl.createVertexArray()!, loc: { src: at("src"), coords: at("coords"), srcHeight: at("srcHeight"), outWidth: at("outWidth"), count: at("count") } };
    }
    const { program, vao, loc } = this.bilinearProg;
    const outW = Math.max(1, Math.min(ROW, coords.count)), outH = Math.max(1, Math.ceil(coords.count / outW));
    const out = new Uint8Array(outW * outH * 4);
    const copy = this.canvasCopy.texture;
    this.drawList(this.bilinearTarget, program, vao, copy, coords.texture, outW, outH, () => {
      // the canvas (the default framebuffer) into the copy, before the draw reads it
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.bindTexture(gl.TEXTURE_2D, copy);
      gl.copyTexSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 0, 0, width, height);
    }, () => {
      gl.uniform1i(loc.src, 0);
      gl.uniform1i(loc.coords, 1);
      gl.uniform1i(loc.srcHeight, height);
      gl.uniform1i(loc.outWidth, outW);
      gl.uniform1i(loc.count, coords.count);
    }, () => gl.readPixels(0, 0, outW, outH, gl.RGBA, gl.UNSIGNED_BYTE, out));
    return out.subarray(0, coords.count * 4);
  }

  /**
   * The texels of `list` from `target` (RGBA float), 4 floats each in list order: one draw
   * into a compact float image and one read of just those texels.
   */
  gather(target: RenderTargetTexture, list: TexelList): Float32Array {
    let out = new Float32Array(0);
    this.drawGather(target, list, (outW, outH) => {
      const gl = this.engine._gl as WebGL2RenderingContext;
      out = new Float32Array(outW * outH * 4);
      gl.readPixels(0, 0, outW, outH, gl.RGBA, gl.FLOAT, out);
    });
    return out.subarray(0, list.count * 4);
  }

  /**
   * `gather`, read into `reads` as `name` (collected later, without stalling the page): the
   * LiDAR faces of a frame are drawn and gathered one after another, and the GPU is waited
   * for once, not once a face.
   */
  gatherDeferred(target: RenderTargetTexture, list: TexelList, reads: DeferredReads, name: string): void {
    const gl = this.engine._gl as WebGL2RenderingContext;
    this.drawGather(target, list, (outW, outH) => reads.read(name, outW, outH, gl.FLOAT, list.count * 16));
  }

  /** Draws the texels of `list` from `target` into the gather target (outW x outH) and hands it to `read`. */
  private drawGather(target: RenderTargetTexture, list: TexelList, read: (outW: number, outH: number) => void): void {
    const gl = this.engine._gl as WebGL2RenderingContext;
    const src = target.getInternalTexture()?._hardwareTexture?.underlyingResource as WebGLTexture | undefined;
    if (!src) throw new Error(`gather: ${target.name} has no texture`);
    const { width, height } = target.getSize();
    if (!this.gatherProg) {
      const program = link(gl, GATHER, "gather");
      const at = (name: string) => gl.getUniformLocation(program, name)!;
      this.gatherProg = { program, vao: gl.createVertexArray()!, loc: { src: at("src"), list: at("list"), srcWidth: at("srcWidth"), srcHeight: at("srcHeight"), outWidth: at("outWidth"), count: at("count") } };
    }
    const { program, vao, loc } = this.gatherProg;
    const outW = Math.max(1, Math.min(ROW, list.count)), outH = Math.max(1, Math.ceil(list.count / outW));
    this.drawList(this.gatherTarget, program, vao, src, list.texture, outW, outH, () => undefined, () => {
      gl.uniform1i(loc.src, 0);
      gl.uniform1i(loc.list, 1);
      gl.uniform1i(loc.srcWidth, width);
      gl.uniform1i(loc.srcHeight, height);
      gl.uniform1i(loc.outWidth, outW);
      gl.uniform1i(loc.count, list.count);
    }, () => read(outW, outH));
  }
}
