/**
 * One browser and one page, reused across frames. Detects a crashed page, a closed browser,
 * a lost WebGL context and a hung frame (watchdog), and always closes the browser.
 */
import type { Browser, Page } from "puppeteer";
import { InputError, RuntimeError } from "../errors.js";
import { assertBundle } from "./bundle.js";
import { PageServer, type AssetSource } from "./server.js";
import { uploadParts } from "./readback.js";
import { AssetLedger } from "./asset-ledger.js";
import { backendOrder, launchBrowser, rendererMatches, type Backend, type GpuMode, type ResolvedBrowser } from "./browser.js";
import { CONTEXT_LOST, type FrameReply, type FrameRequest, type PageApi, type PageErrorShape, type PageInfo, type PagePrimitive, type UploadInfo } from "../page/protocol.js";

export interface SessionInfo extends PageInfo {
  browserVersion: string;
  executablePath: string;
  executableSource: string;
  /** what was asked for (--gpu) */
  gpu: GpuMode;
  /** the backend the browser renders with (outputs are byte-identical per backend) */
  backend: Backend;
  /** the backends tried before it, each with why it was not taken */
  tried: string[];
}

export interface SessionOptions {
  gpu?: GpuMode;
  /** per-frame watchdog, milliseconds (default 120 s) */
  frameTimeoutMs?: number;
  /** assets (meshes, textures) the page keeps cached, most recently used first (default 256) */
  assetBudget?: number;
}

const openSessions = new Set<RenderSession>();

/** Closes every open session (used by the CLI on Ctrl-C / SIGTERM). */
export async function closeAllSessions(): Promise<void> {
  await Promise.allSettled([...openSessions].map((s) => s.close()));
}

type PageResult = { ok: FrameReply } | { err: PageErrorShape | { message: string } };

export class RenderSession {
  private dead: Error | null = null;
  private readonly deathWaiters = new Set<(e: Error) => void>();
  private readonly consoleTail: string[] = [];
  /** the assets the page holds */
  readonly assets: AssetLedger;

  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly server: PageServer,
    readonly info: SessionInfo,
    assetBudget = 256,
  ) {
    this.assets = new AssetLedger(assetBudget);
  }

  static async open(options: SessionOptions = {}): Promise<RenderSession> {
    assertBundle();
    const gpu = options.gpu ?? "auto";
    const server = await PageServer.start();
    const tried: string[] = [];
    try {
      for (const backend of backendOrder(gpu)) {
        const launched = await launchBrowser(backend);
        try {
          const page = await launched.browser.newPage();
          const pageInfo = await RenderSession.initPage(page, server, launched.executable);
          if (!rendererMatches(backend, pageInfo.renderer)) {
            tried.push(`${backend}: got ${pageInfo.renderer}`);
            await launched.browser.close().catch(() => undefined);
            continue;
          }
          const info: SessionInfo = {
            ...pageInfo,
            browserVersion: await launched.browser.version(),
            executablePath: launched.executable.path,
            executableSource: launched.executable.source,
            gpu,
            backend,
            tried,
          };
          const session = new RenderSession(launched.browser, page, server, info, options.assetBudget);
          session.watch(options.frameTimeoutMs);
          openSessions.add(session);
          return session;
        } catch (err) {
          await launched.browser.close().catch(() => undefined);
          if (backend === "swiftshader" || gpu === backend) throw err;
          tried.push(`${backend}: ${(err as Error).message.split("\n")[0]}`);
        }
      }
      const what = gpu === "on" ? "--gpu on was given but no GPU was found" : `--gpu ${gpu}: the browser could not render with it`;
      throw new RuntimeError(`${what} (tried ${tried.join("; ")})`);
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** Serves an asset (a file, or bytes made on the host) to the page; returns the URL the page fetches it from. */
  serve(key: string, source: AssetSource): string {
    return this.server.addAsset(key, source);
  }

  /** Stops serving assets the page has dropped. */
  forget(keys: readonly string[]): void {
    for (const k of keys) this.server.removeAsset(k);
  }

  /**
   * The read-backs a reply announces, as the page uploaded them. A body that is missing or
   * shorter than announced (a channel broken mid-frame) is an error: the frame is never
   * decoded from partial bytes.
   */
  takeUpload(info: UploadInfo): Map<string, Uint8Array> {
    return uploadParts(this.server.takeUpload(info.id), info);
  }

  private static async initPage(page: Page, server: PageServer, executable: ResolvedBrowser): Promise<PageInfo> {
    await page.goto(`${server.origin}/`, { waitUntil: "load" });
    try {
      return await page.evaluate((url: string) => (window as unknown as { simforge: PageApi }).simforge.init(url), `${server.origin}${server.uploadPath}`);
    } catch (err) {
      throw new RuntimeError(`WebGL2 could not start in ${executable.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  private frameTimeoutMs = 120_000;

  private watch(frameTimeoutMs: number | undefined): void {
    if (frameTimeoutMs) this.frameTimeoutMs = frameTimeoutMs;
    const die = (e: Error) => {
      if (this.dead) return;
      this.dead = e;
      for (const w of this.deathWaiters) w(e);
    };
    this.page.on("error", (e) => die(new RuntimeError(`the browser page crashed: ${e.message}`)));
    this.page.on("console", (m) => {
      this.consoleTail.push(`${m.type()}: ${m.text()}`);
      if (this.consoleTail.length > 20) this.consoleTail.shift();
    });
    this.browser.on("disconnected", () => die(new RuntimeError("the browser closed or was killed")));
  }

  /** Renders one frame request. Input errors raised in the page come back as InputError. */
  async render(req: FrameRequest): Promise<FrameReply> {
    if (this.dead) throw this.dead;
    let timer: NodeJS.Timeout | undefined;
    let onDeath: ((e: Error) => void) | undefined;
    const failure = new Promise<never>((_, reject) => {
      onDeath = reject;
      this.deathWaiters.add(onDeath);
      timer = setTimeout(() => {
        const err = new RuntimeError(`frame did not finish within ${this.frameTimeoutMs / 1000} s (watchdog); last page messages: ${this.consoleTail.join(" | ") || "none"}`);
        // The page may still be busy with this frame: never reuse it.
        this.dead ??= err;
        this.kill();
        reject(err);
      }, this.frameTimeoutMs);
    });
    try {
      const result = await Promise.race([
        this.page.evaluate(async (r: FrameRequest): Promise<PageResult> => {
          try {
            return { ok: await (window as unknown as { simforge: PageApi }).simforge.renderFrame(r) };
          } catch (e) {
            if (e && typeof e === "object" && "simforgeInputError" in e) return { err: e as PageErrorShape };
            return { err: { message: e instanceof Error ? e.stack ?? e.message : String(e) } };
          }
        }, req),
        failure,
      ]);
      if ("ok" in result) return result.ok;
      const err = result.err;
      if ("simforgeInputError" in err) {
        const [file, ...field] = err.origin.split(": ");
        throw new InputError(err.message, { file, field: field.join(": ") || undefined });
      }
      const pageError = new RuntimeError(`rendering failed in the page: ${err.message.split("\n")[0]}`);
      // a lost context does not come back: this page can render nothing more
      if (err.message.includes(CONTEXT_LOST)) this.dead ??= pageError;
      throw pageError;
    } catch (err) {
      if (err instanceof InputError || err instanceof RuntimeError) throw err;
      if (this.dead) throw this.dead;
      throw new RuntimeError(`rendering failed: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
      if (onDeath) this.deathWaiters.delete(onDeath);
    }
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** The browser's process id (its renderer and GPU processes are its children). */
  get pid(): number | undefined {
    return this.browser.process()?.pid;
  }

  /** Drops the page's WebGL context (for failure tests). */
  async loseContext(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { simforge: PageApi }).simforge.loseContext());
  }

  /** The triangles the page draws for a primitive, in object coordinates (tests of the host's tessellation). */
  async drawnPrimitive(shape: PagePrimitive): Promise<{ positions: number[]; indices: number[] }> {
    return this.page.evaluate((sh: PagePrimitive) => (window as unknown as { simforge: PageApi }).simforge.drawnPrimitive(sh), shape);
  }

  /** Kills the browser process (for crash tests and the watchdog). */
  kill(): void {
    this.browser.process()?.kill("SIGKILL");
  }

  async close(): Promise<void> {
    openSessions.delete(this);
    this.dead ??= new RuntimeError("the render session is closed");
    try {
      await this.browser.close();
    } catch {
      this.kill();
    }
    await this.server.close();
  }
}
