import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../src/errors.js";
import { mapWriteError, removeStaleTemps, stageDir, writeFileAtomic } from "../src/formats/atomic.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "simforge-atomic-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe("writeFileAtomic", () => {
  it("writes bytes and strings, replacing an existing file, leaving no temp", async () => {
    const p = join(dir, "a.bin");
    await writeFileAtomic(p, new Uint8Array([1, 2, 3, 255]));
    expect([...(await readFile(p))]).toEqual([1, 2, 3, 255]);
    await writeFileAtomic(p, "héllo\n");
    expect(await readFile(p, "utf8")).toBe("héllo\n");
    expect(await readdir(dir)).toEqual(["a.bin"]);
  });

  it("writes a subarray view exactly (respects byteOffset)", async () => {
    const p = join(dir, "v.bin");
    const big = new Uint8Array([9, 9, 4, 5, 6, 9]);
    await writeFileAtomic(p, big.subarray(2, 5));
    expect([...(await readFile(p))]).toEqual([4, 5, 6]);
  });

  it("a path under a regular file gives InputError naming the path and leaves no temp", async () => {
    const file = join(dir, "plain");
    await writeFile(file, "x");
    const target = join(file, "out.json");
    const err = await writeFileAtomic(target, "{}").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(target);
    expect((err as InputError).message).toContain("cannot write");
    expect(await readdir(dir)).toEqual(["plain"]);
  });

  it("a missing directory gives InputError", async () => {
    const target = join(dir, "nope", "out.json");
    await expect(writeFileAtomic(target, "{}")).rejects.toBeInstanceOf(InputError);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a target that is a directory fails and leaves the directory and no temp", async () => {
    const target = join(dir, "d");
    await mkdir(target);
    await writeFile(join(target, "keep"), "k");
    await expect(writeFileAtomic(target, "x")).rejects.toBeInstanceOf(InputError);
    expect((await readdir(dir)).sort()).toEqual(["d"]);
    expect(await readFile(join(target, "keep"), "utf8")).toBe("k");
  });
});

describe("mapWriteError", () => {
  it("maps disk-full and permission codes to InputError naming the path", () => {
    for (const code of ["ENOSPC", "EDQUOT"]) {
      const e = mapWriteError(errno(code), "/o/f.png") as InputError;
      expect(e).toBeInstanceOf(InputError);
      expect(e.file).toBe("/o/f.png");
      expect(e.detail).toBe("cannot write: disk full");
      expect(e.message).toBe("/o/f.png: cannot write: disk full");
    }
    for (const code of ["EACCES", "EPERM", "EROFS"]) {
      const e = mapWriteError(errno(code), "/o/f.png") as InputError;
      expect(e).toBeInstanceOf(InputError);
      expect(e.detail).toBe("cannot write: not writable");
    }
  });

  it("passes other errors through unchanged", () => {
    const e = errno("EIO");
    expect(mapWriteError(e, "/x")).toBe(e);
    const plain = new Error("boom");
    expect(mapWriteError(plain, "/x")).toBe(plain);
  });
});

describe("stageDir", () => {
  it("is invisible until commit, then appears whole; creates parents", async () => {
    const final = join(dir, "frames", "000000");
    const st = await stageDir(final);
    expect(st.finalPath).toBe(final);
    expect(st.path.startsWith(join(dir, "frames", ".000000.tmp-"))).toBe(true);
    await st.write("rgb.png", new Uint8Array([137, 80]));
    await st.write("sub/deep.txt", "deep");
    await writeFile(join(st.path, "external.json"), "{}"); // written by someone else's code
    await expect(stat(final)).rejects.toMatchObject({ code: "ENOENT" });
    await st.commit();
    expect((await readdir(join(dir, "frames"))).sort()).toEqual(["000000"]);
    expect((await readdir(final)).sort()).toEqual(["external.json", "rgb.png", "sub"]);
    expect([...(await readFile(join(final, "rgb.png")))]).toEqual([137, 80]);
    expect(await readFile(join(final, "sub", "deep.txt"), "utf8")).toBe("deep");
    expect(await readFile(join(final, "external.json"), "utf8")).toBe("{}");
  });

  it("commit over an existing directory replaces it and leaves no temps", async () => {
    const final = join(dir, "000001");
    await mkdir(final);
    await writeFile(join(final, "old.txt"), "old");
    await writeFile(join(final, "rgb.png"), "old-rgb");
    const st = await stageDir(final);
    await st.write("rgb.png", "new-rgb");
    await st.commit();
    expect(await readdir(final)).toEqual(["rgb.png"]);
    expect(await readFile(join(final, "rgb.png"), "utf8")).toBe("new-rgb");
    expect(await readdir(dir)).toEqual(["000001"]);
  });

  it("abort leaves nothing; abort twice and abort after commit are no-ops", async () => {
    const final = join(dir, "000002");
    const st = await stageDir(final);
    await st.write("a.txt", "a");
    await st.abort();
    await st.abort();
    expect(await readdir(dir)).toEqual([]);
    await expect(st.write("b.txt", "b")).rejects.toThrow(/aborted/);
    await expect(st.commit()).rejects.toThrow(/aborted/);

    const st2 = await stageDir(final);
    await st2.commit();
    await st2.abort();
    expect(await readdir(dir)).toEqual(["000002"]);
    await expect(st2.commit()).rejects.toThrow(/committed/);
  });

  it("rejects names that escape the staged directory", async () => {
    const st = await stageDir(join(dir, "f"));
    await expect(st.write("../evil", "x")).rejects.toThrow(/relative name/);
    await expect(st.write("/abs", "x")).rejects.toThrow(/relative name/);
    await st.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it("append writes a file a piece at a time, in order, in sub-directories; it appears at commit and goes at abort", async () => {
    const final = join(dir, "export");
    const st = await stageDir(final);
    await st.append("models/info.json", "{\n");
    await st.write("models/a.ply", "A");
    for (let i = 0; i < 3; i++) await st.append("models/info.json", `${i ? ",\n" : ""}  "${i}": ${i * 10}`);
    await st.append("models/info.json", Buffer.from("\n}\n"));
    await expect(stat(final)).rejects.toThrow();
    await st.commit();
    expect(await readFile(join(final, "models/info.json"), "utf8")).toBe('{\n  "0": 0,\n  "1": 10,\n  "2": 20\n}\n');
    expect(await readFile(join(final, "models/a.ply"), "utf8")).toBe("A");
    await expect(st.append("models/info.json", "x")).rejects.toThrow(/committed/);

    const gone = await stageDir(join(dir, "gone"));
    await gone.append("x.json", "{");
    await gone.abort();
    expect((await readdir(dir)).sort()).toEqual(["export"]);
  });

  it("append rejects names that escape the staged directory", async () => {
    const st = await stageDir(join(dir, "d"));
    await expect(st.append("../x", "x")).rejects.toThrow(/relative name inside/);
    await st.abort();
  });

  it("a final dir under a regular file gives InputError and leaves nothing", async () => {
    await writeFile(join(dir, "plain"), "x");
    const final = join(dir, "plain", "frames", "000000");
    const err = await stageDir(final).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(final);
    expect(await readdir(dir)).toEqual(["plain"]);
  });
});

describe("removeStaleTemps", () => {
  it("removes leftover temp files and dirs, keeps everything else and in-flight temps", async () => {
    await writeFile(join(dir, ".rgb.png.tmp-99999-3"), "stale");
    await mkdir(join(dir, ".000003.tmp-99999-7"));
    await writeFile(join(dir, ".000003.tmp-99999-7", "x"), "x");
    await writeFile(join(dir, "keep.png"), "k");
    await writeFile(join(dir, ".hidden"), "h");
    await mkdir(join(dir, "000000"));
    const live = await stageDir(join(dir, "000004"));

    const removed = await removeStaleTemps(dir);
    expect(removed).toEqual([".000003.tmp-99999-7", ".rgb.png.tmp-99999-3"]);
    const left = (await readdir(dir)).sort();
    expect(left).toEqual([".hidden", live.path.slice(dir.length + 1), "000000", "keep.png"].sort());

    await live.write("a", "a");
    await live.commit();
    expect((await readdir(dir)).sort()).toEqual([".hidden", "000000", "000004", "keep.png"]);
  });

  it("keeps temps newer than olderThanMs; a missing dir is fine", async () => {
    await writeFile(join(dir, ".x.tmp-1-1"), "fresh");
    expect(await removeStaleTemps(dir, { olderThanMs: 60_000 })).toEqual([]);
    expect(await readdir(dir)).toEqual([".x.tmp-1-1"]);
    expect(await removeStaleTemps(join(dir, "missing"))).toEqual([]);
  });
});
