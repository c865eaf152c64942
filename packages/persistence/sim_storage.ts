/**
 * A simulated disk for deterministic tests: it keeps, for every file and
 * directory, what is durable apart from what was written but not yet synced,
 * and on {@linkcode SimStorage.crash} keeps only a random prefix of the
 * unsynced operations (the last one possibly torn), driven by a seeded PRNG.
 * It also injects bit flips and write/fsync errors.
 *
 * The model: writes to one file reach the platter in the order issued; fsync
 * (or fdatasync) of a file makes its data and length durable, but not its
 * directory entry; fsync of a directory makes creations, renames and removals
 * in it durable. Directories made with `mkdir` are durable at once.
 *
 * @module
 */
import type { OpenOptions, Storage, StorageFile } from "./storage.ts";
import { seededRandom } from "./prng.ts";

/** Which faults a {@linkcode SimStorage} injects. */
export interface SimFaults {
  /** On crash, a prefix of the last surviving unsynced write may survive (default true). */
  tornWrites?: boolean;
  /** On crash, unsynced operations may be lost (default true); false keeps them all. */
  lostWrites?: boolean;
  /** Probability that a write fails with an I/O error (default 0). */
  writeErrorRate?: number;
  /** Probability that an fsync/fdatasync fails with an I/O error (default 0). */
  syncErrorRate?: number;
}

/** The I/O error a {@linkcode SimStorage} injects. *
 * @example An injected fsync error
 * ```ts
 * import { SimIoError, SimStorage } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const disk = new SimStorage({ seed: 1 });
 * const f = await disk.open("/a", { create: true });
 * disk.failNext("sync");
 * await assert.rejects(f.sync(), SimIoError);
 * ```
 */
export class SimIoError extends Error {
  /**
   * Creates the error of an injected fault.
   *
   * @param op the failed operation, e.g. `sync`
   * @param path the file it failed on
   */
  constructor(op: string, path: string) {
    super(`simulated I/O error: ${op} ${path}`);
    this.name = "SimIoError";
  }
}

type FileOp = { kind: "write"; offset: number; data: Uint8Array } | {
  kind: "truncate";
  size: number;
};
type DirOp =
  | { kind: "link"; name: string; inode: Inode }
  | { kind: "unlink"; name: string }
  | { kind: "rename"; from: string; to: string; inode: Inode };

class Bytes {
  buf = new Uint8Array(0);
  len = 0;

  setLength(n: number): void {
    if (n > this.buf.length) {
      const next = new Uint8Array(Math.max(n, this.buf.length * 2, 64));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    } else if (n < this.len) {
      this.buf.fill(0, n, this.len);
    }
    this.len = n;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.len) this.setLength(offset + data.length);
    this.buf.set(data, offset);
  }

  apply(op: FileOp): void {
    if (op.kind === "write") this.write(op.offset, op.data);
    else this.setLength(op.size);
  }

  copy(): Bytes {
    const b = new Bytes();
    b.buf = this.buf.slice(0, Math.max(this.len, 64));
    b.len = this.len;
    return b;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

class Inode {
  durable = new Bytes();
  current = new Bytes();
  pending: FileOp[] = [];
}

class Dir {
  durable = new Map<string, Inode>();
  current = new Map<string, Inode>();
  pending: DirOp[] = [];
}

function applyDirOp(map: Map<string, Inode>, op: DirOp): void {
  if (op.kind === "link") map.set(op.name, op.inode);
  else if (op.kind === "unlink") map.delete(op.name);
  else {
    map.delete(op.from);
    map.set(op.to, op.inode);
  }
}

function split(path: string): { dir: string; name: string } {
  const p = path.replace(/\/+$/, "");
  const i = p.lastIndexOf("/");
  if (i < 0) return { dir: ".", name: p };
  return { dir: i === 0 ? "/" : p.slice(0, i), name: p.slice(i + 1) };
}

function norm(dir: string): string {
  const d = dir.replace(/\/+$/, "");
  return d === "" ? "/" : d;
}

class SimFile implements StorageFile {
  readonly path: string;
  #sim: SimStorage;
  #inode: Inode;
  #generation: number;
  #closed = false;

  constructor(sim: SimStorage, path: string, inode: Inode, generation: number) {
    this.#sim = sim;
    this.path = path;
    this.#inode = inode;
    this.#generation = generation;
  }

  // Every op awaits one microtask of "I/O in flight", then checks, in the
  // same synchronous step as its effect, that no crash came in between.
  #check(op: string): void {
    if (this.#closed) throw new Error(`${op} on closed file ${this.path}`);
    if (this.#generation !== this.#sim.diskGeneration) {
      throw new Error(`simulated crash: ${op} ${this.path} on a handle from before the crash`);
    }
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    await Promise.resolve();
    this.#check("write");
    this.#sim.maybeFail("write", this.path);
    const op: FileOp = { kind: "write", offset, data: data.slice() };
    this.#inode.current.apply(op);
    this.#inode.pending.push(op);
    this.#sim.stats.writes++;
    this.#sim.stats.bytesWritten += data.length;
  }

  async append(data: Uint8Array): Promise<void> {
    await this.write(data, this.#inode.current.len);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    await Promise.resolve();
    this.#check("read");
    const cur = this.#inode.current;
    const end = Math.min(cur.len, offset + length);
    return offset >= end ? new Uint8Array(0) : cur.buf.slice(offset, end);
  }

  async size(): Promise<number> {
    await Promise.resolve();
    this.#check("size");
    return this.#inode.current.len;
  }

  async truncate(size: number): Promise<void> {
    await Promise.resolve();
    this.#check("truncate");
    this.#sim.maybeFail("write", this.path);
    const op: FileOp = { kind: "truncate", size };
    this.#inode.current.apply(op);
    this.#inode.pending.push(op);
  }

  async sync(): Promise<void> {
    await Promise.resolve();
    this.#check("fsync");
    this.#sim.maybeFail("sync", this.path);
    for (const op of this.#inode.pending) this.#inode.durable.apply(op);
    this.#inode.pending = [];
    this.#sim.stats.syncs++;
  }

  syncData(): Promise<void> {
    return this.sync();
  }

  close(): void {
    this.#closed = true;
  }
}

/**
 * A simulated disk (see the module doc for the model).
 *
 * @example A write that was not synced may be lost in a crash
 * ```ts
 * import { SimStorage } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const disk = new SimStorage({ seed: 1, faults: { tornWrites: false } });
 * await disk.mkdir("/d");
 * const f = await disk.open("/d/a", { create: true });
 * await f.write(new Uint8Array([1]), 0);
 * await f.sync();
 * await disk.syncDir("/d");
 * await f.write(new Uint8Array([2]), 1);
 * const rebooted = disk.crash();
 * const after = await rebooted.readFile("/d/a");
 * assert.equal(after[0], 1);
 * assert.ok(after.length === 1 || after[1] === 2);
 * ```
 */
export class SimStorage implements Storage {
  #disk: {
    generation: number;
    stats: {
      writes: number;
      syncs: number;
      dirSyncs: number;
      bytesWritten: number;
      crashes: number;
    };
    faults: Required<SimFaults>;
    random: ReturnType<typeof seededRandom>;
    dirs: Map<string, Dir>;
    failNext: { op: "write" | "sync"; path?: string }[];
  };
  /** The disk generation this process (storage object) lives in; a crash ends it. */
  #generation = 0;

  /**
   * Creates an empty simulated disk.
   *
   * @param options.seed the PRNG seed: the same seed and the same calls give the same faults
   * @param options.faults which faults to inject
   */
  constructor(options: { seed: number; faults?: SimFaults }) {
    this.#disk = {
      generation: 0,
      stats: { writes: 0, syncs: 0, dirSyncs: 0, bytesWritten: 0, crashes: 0 },
      faults: {
        tornWrites: true,
        lostWrites: true,
        writeErrorRate: 0,
        syncErrorRate: 0,
        ...options.faults,
      },
      random: seededRandom(options.seed),
      dirs: new Map<string, Dir>([["/", new Dir()], [".", new Dir()]]),
      failNext: [],
    };
  }

  /** Counters for tests and benches (shared by the storages of one disk). */
  get stats(): {
    writes: number;
    syncs: number;
    dirSyncs: number;
    bytesWritten: number;
    crashes: number;
  } {
    return this.#disk.stats;
  }

  /** The faults injected; may be changed between steps. */
  get faults(): Required<SimFaults> {
    return this.#disk.faults;
  }

  /** @internal The disk's generation: bumped by every crash. */
  get diskGeneration(): number {
    return this.#disk.generation;
  }

  /** Makes the next write or sync (of `path`, or of any file) fail with a {@linkcode SimIoError}. */
  failNext(op: "write" | "sync", path?: string): void {
    this.#disk.failNext.push({ op, path });
  }

  /** @internal Throws an injected error when one is due. */
  maybeFail(op: "write" | "sync", path: string): void {
    const i = this.#disk.failNext.findIndex((f) => f.op === op && (!f.path || f.path === path));
    if (i >= 0) {
      this.#disk.failNext.splice(i, 1);
      throw new SimIoError(op, path);
    }
    const rate = op === "write"
      ? this.#disk.faults.writeErrorRate
      : this.#disk.faults.syncErrorRate;
    if (rate > 0 && this.#disk.random.chance(rate)) throw new SimIoError(op, path);
  }

  /** Fails an op of a process that crashed (called after the op's microtask of I/O). */
  #check(op: string): void {
    if (this.#generation !== this.#disk.generation) {
      throw new Error(`simulated crash: ${op} by a process that crashed`);
    }
  }

  #dir(path: string): Dir {
    const d = this.#disk.dirs.get(norm(path));
    if (!d) throw new Deno.errors.NotFound(`no such directory: ${path}`);
    return d;
  }

  #lookup(path: string): Inode | undefined {
    const { dir, name } = split(path);
    return this.#dir(dir).current.get(name);
  }

  #dirOp(dirPath: string, op: DirOp): void {
    const d = this.#dir(dirPath);
    applyDirOp(d.current, op);
    d.pending.push(op);
  }

  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    await Promise.resolve();
    this.#check("open");
    const { dir, name } = split(path);
    let inode = this.#lookup(path);
    if (!inode) {
      if (!options.create) throw new Deno.errors.NotFound(`no such file: ${path}`);
      inode = new Inode();
      this.#dirOp(dir, { kind: "link", name, inode });
    }
    if (options.truncate && inode.current.len > 0) {
      const op: FileOp = { kind: "truncate", size: 0 };
      inode.current.apply(op);
      inode.pending.push(op);
    }
    return new SimFile(this, path, inode, this.#generation);
  }

  async readFile(path: string): Promise<Uint8Array> {
    await Promise.resolve();
    this.#check("readFile");
    const inode = this.#lookup(path);
    if (!inode) throw new Deno.errors.NotFound(`no such file: ${path}`);
    return inode.current.view().slice();
  }

  async list(dir: string): Promise<string[]> {
    await Promise.resolve();
    this.#check("list");
    const d = this.#disk.dirs.get(norm(dir));
    return d ? [...d.current.keys()].sort() : [];
  }

  async exists(path: string): Promise<boolean> {
    await Promise.resolve();
    this.#check("exists");
    if (this.#disk.dirs.has(norm(path))) return true;
    const { dir } = split(path);
    return this.#disk.dirs.has(norm(dir)) && this.#lookup(path) !== undefined;
  }

  async remove(path: string): Promise<void> {
    await Promise.resolve();
    this.#check("remove");
    if (!this.#lookup(path)) throw new Deno.errors.NotFound(`no such file: ${path}`);
    this.#dirOp(split(path).dir, { kind: "unlink", name: split(path).name });
  }

  async rename(from: string, to: string): Promise<void> {
    await Promise.resolve();
    this.#check("rename");
    const inode = this.#lookup(from);
    if (!inode) throw new Deno.errors.NotFound(`no such file: ${from}`);
    const a = split(from), b = split(to);
    if (norm(a.dir) !== norm(b.dir)) {
      throw new Error("SimStorage renames within one directory only");
    }
    this.#dirOp(a.dir, { kind: "rename", from: a.name, to: b.name, inode });
  }

  async mkdir(path: string): Promise<void> {
    await Promise.resolve();
    this.#check("mkdir");
    let p = norm(path);
    while (!this.#disk.dirs.has(p)) {
      this.#disk.dirs.set(p, new Dir());
      p = norm(split(p).dir);
    }
  }

  async syncDir(path: string): Promise<void> {
    await Promise.resolve();
    this.#check("syncDir");
    this.maybeFail("sync", path);
    const d = this.#dir(path);
    for (const op of d.pending) applyDirOp(d.durable, op);
    d.pending = [];
    this.stats.dirSyncs++;
  }

  /**
   * Flips one bit of a file, durably (media corruption).
   *
   * @param path the file
   * @param offset the byte; the bit is picked by the PRNG unless given
   */
  flipBit(path: string, offset: number, bit: number = this.#disk.random.int(8)): void {
    const inode = this.#lookup(path);
    if (!inode) throw new Deno.errors.NotFound(`no such file: ${path}`);
    for (const b of [inode.current, inode.durable]) if (offset < b.len) b.buf[offset] ^= 1 << bit;
  }

  /**
   * The durable bytes of a file (what survives a crash for sure), or
   * undefined when its name is not durable; for assertions in tests.
   */
  durableBytes(path: string): Uint8Array | undefined {
    const { dir, name } = split(path);
    return this.#disk.dirs.get(norm(dir))?.durable.get(name)?.durable.view().slice();
  }

  /**
   * Crashes the machine: this storage object and its handles stop working
   * (the process died), and of the operations not yet synced, each file and
   * directory keeps a random prefix (the last kept write possibly torn to a
   * prefix of its bytes).
   *
   * @returns a storage over the same disk, for the process that starts after the crash
   */
  crash(): SimStorage {
    const disk = this.#disk;
    disk.generation++;
    disk.stats.crashes++;
    const r = this.#disk.random;
    const inodes = new Set<Inode>();
    for (const d of this.#disk.dirs.values()) {
      for (const i of d.current.values()) inodes.add(i);
      for (const i of d.durable.values()) inodes.add(i);
      const keep = disk.faults.lostWrites ? r.int(d.pending.length + 1) : d.pending.length;
      for (const op of d.pending.slice(0, keep)) applyDirOp(d.durable, op);
      d.pending = [];
      d.current = new Map(d.durable);
    }
    for (const inode of inodes) {
      const n = inode.pending.length;
      const keep = disk.faults.lostWrites ? r.int(n + 1) : n;
      for (const op of inode.pending.slice(0, keep)) inode.durable.apply(op);
      const torn = inode.pending[keep];
      if (torn?.kind === "write" && disk.faults.tornWrites && r.chance(0.5)) {
        const cut = r.int(torn.data.length);
        if (cut > 0) inode.durable.write(torn.offset, torn.data.subarray(0, cut));
      }
      inode.pending = [];
      inode.current = inode.durable.copy();
    }
    const next = new SimStorage({ seed: 0 });
    next.#disk = disk;
    next.#generation = disk.generation;
    return next;
  }
}
