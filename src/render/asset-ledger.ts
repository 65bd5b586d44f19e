/**
 * Which assets the page holds, and which it should let go. A sweep whose assets vary
 * continuously (a pedestrian's gait phase, a generated texture per frame) would otherwise
 * fill the page's caches without end. The host decides: it keeps the `budget` most recently
 * used assets and asks the page to drop older ones, but never one used by the last `guard`
 * requests, which may still be in flight (two frames overlap, and a distorted camera's frame
 * is up to five requests, one per view).
 */
export class AssetLedger {
  /** key -> number of the request that last used it, in least-recently-used order */
  private readonly lastUse = new Map<string, number>();
  private readonly held = new Set<string>();
  private requests = 0;

  constructor(private readonly budget = 256, private readonly guard = 16) {}

  /** Whether the page holds the asset (it was in a request that completed). */
  has(key: string): boolean {
    return this.held.has(key);
  }

  /** Starts a request; its assets are then passed to `use`. */
  begin(): number {
    return ++this.requests;
  }

  use(key: string, request: number): void {
    this.lastUse.delete(key);
    this.lastUse.set(key, request);
  }

  /** After the page answered a request: the assets it sent are held. */
  received(keys: Iterable<string>): void {
    for (const k of keys) this.held.add(k);
  }

  /** Keys the page should drop now (they are forgotten here at once). */
  evict(): string[] {
    const out: string[] = [];
    let excess = this.lastUse.size - this.budget;
    for (const [key, n] of this.lastUse) {
      if (excess <= 0 || n > this.requests - this.guard) break;
      out.push(key);
      excess--;
    }
    for (const k of out) {
      this.lastUse.delete(k);
      this.held.delete(k);
    }
    return out;
  }
}
