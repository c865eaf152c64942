/**
 * The disk as the txn log and snapshots see it: a few file and directory
 * operations, with the durability points (fsync, fdatasync, directory fsync)
 * explicit. {@linkcode DenoStorage} is the real disk; `SimStorage`
 * (sim_storage.ts) is a simulated one for deterministic crash tests.
 *
 * @module
 */

/** Options for {@linkcode Storage.open}. */
export interface OpenOptions {
  /** Create the file when it does not exist. */
  create?: boolean;
  /** Cut the file to zero length on open. */
  truncate?: boolean;
}

/**
 * An open file. Operations on one file must not overlap: await each before
 * the next (the log and snapshot writers do).
 */
export interface StorageFile {
  /** The path it was opened with. */
  readonly path: string;
  /** Writes all of `data` at byte `offset` (the file grows as needed). */
  write(data: Uint8Array, offset: number): Promise<void>;
  /** Writes all of `data` at the end of the file. */
  append(data: Uint8Array): Promise<void>;
  /** Reads up to `length` bytes at `offset`; shorter only at end of file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The file's length in bytes. */
  size(): Promise<number>;
  /** Sets the file's length (cuts, or extends with zeros). */
  truncate(size: number): Promise<void>;
  /** fsync: data and metadata are durable when it resolves. */
  sync(): Promise<void>;
  /** fdatasync: data (and the length) are durable when it resolves. */
  syncData(): Promise<void>;
  /** Closes the handle. */
  close(): void;
}

/** A directory tree of files with explicit durability. */
export interface Storage {
  /** Opens a file for reading and writing. */
  open(path: string, options?: OpenOptions): Promise<StorageFile>;
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** The names of the files in a directory (not recursive, no sub-directories). */
  list(dir: string): Promise<string[]>;
  /** Whether a file or directory exists. */
  exists(path: string): Promise<boolean>;
  /** Removes a file. */
  remove(path: string): Promise<void>;
  /** Renames a file, replacing `to` atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Creates a directory and its parents. */
  mkdir(path: string): Promise<void>;
  /** fsync of a directory: creations, renames and removals in it are durable. */
  syncDir(path: string): Promise<void>;
}

/**
 * Joins a directory and a file name with "/".
 *
 * @example
 * ```ts
 * import { joinPath } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(joinPath("/data/", "version-2"), "/data/version-2");
 * ```
 */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

class DenoFile implements StorageFile {
  readonly path: string;
  #file: Deno.FsFile;

  constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * The file's cursor when known: a sequential writer (the txn log) then
   * skips the seek, one async op less per batch. Unknown (-1) after a failed op.
   */
  #cursor = -1;

  async write(data: Uint8Array, offset: number): Promise<void> {
    if (offset !== this.#cursor) {
      this.#cursor = -1;
      await this.#file.seek(offset, Deno.SeekMode.Start);
    }
    await this.#writeAll(data, offset);
  }

  async append(data: Uint8Array): Promise<void> {
    this.#cursor = -1;
    const end = await this.#file.seek(0, Deno.SeekMode.End);
    await this.#writeAll(data, end);
  }

  async #writeAll(data: Uint8Array, offset: number): Promise<void> {
    this.#cursor = -1;
    let done = 0;
    while (done < data.length) done += await this.#file.write(data.subarray(done));
    this.#cursor = offset + data.length;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.#cursor = -1;
    await this.#file.seek(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = await this.#file.read(buf.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    return done === length ? buf : buf.subarray(0, done);
  }

  async size(): Promise<number> {
    return (await this.#file.stat()).size;
  }

  truncate(size: number): Promise<void> {
    this.#cursor = -1;
    return this.#file.truncate(size);
  }

  sync(): Promise<void> {
    return this.#file.sync();
  }

  syncData(): Promise<void> {
    return this.#file.syncData();
  }

  close(): void {
    this.#file.close();
  }
}

/**
 * The real disk, over Deno's file APIs (`Deno.FsFile.syncData()` is
 * fdatasync, `sync()` is fsync; a directory is fsynced by opening it).
 *
 * @example Write, sync and read back
 * ```ts
 * import { DenoStorage, joinPath } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const storage = new DenoStorage();
 * const f = await storage.open(joinPath(dir, "a"), { create: true });
 * await f.write(new Uint8Array([1, 2, 3]), 0);
 * await f.syncData();
 * f.close();
 * await storage.syncDir(dir);
 * assert.deepEqual(await storage.readFile(joinPath(dir, "a")), new Uint8Array([1, 2, 3]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DenoStorage implements Storage {
  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: options.create ?? false,
      truncate: options.truncate ?? false,
    });
    return new DenoFile(path, file);
  }

  readFile(path: string): Promise<Uint8Array> {
    return Deno.readFile(path);
  }

  async list(dir: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    return names.sort();
  }

  async exists(path: string): Promise<boolean> {
    try {
      await Deno.stat(path);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  remove(path: string): Promise<void> {
    return Deno.remove(path);
  }

  rename(from: string, to: string): Promise<void> {
    return Deno.rename(from, to);
  }

  mkdir(path: string): Promise<void> {
    return Deno.mkdir(path, { recursive: true });
  }

  async syncDir(path: string): Promise<void> {
    const dir = await Deno.open(path, { read: true });
    try {
      await dir.sync();
    } finally {
      dir.close();
    }
  }
}
