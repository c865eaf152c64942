/**
 * Snapshots in Apache ZooKeeper's format (FileSnap, SnapStream,
 * SerializeUtils, DataTree.serialize, ReferenceCountedACLCache.serialize):
 *
 * ```
 * FileHeader (magic "ZKSN", version 2, dbid)
 * sessions: int count, then per session long id, int timeout
 * ACL cache: int count, then per entry long ref, vector<ACL>
 * nodes, parents first: ustring path ("" for the root), DataNode (buffer data, long acl, StatPersisted)
 * ustring "/" (end of the tree)
 * seal: long Adler32 of every byte before it, ustring "/"
 * [ZxidDigest (long zxid, int digestVersion, long digest), seal]   (3.6+, digest enabled)
 * [long lastProcessedZxid, seal]                                   (3.10+, when enabled)
 * ```
 *
 * The checksum is over the uncompressed bytes; `snapshot.<zxid>.gz` is the
 * same bytes gzipped. The writer takes the tree as an iterator, so it does
 * not depend on a tree implementation, and yields to the event loop between
 * chunks.
 *
 * @module
 */
import {
  type ACL,
  ACLCache,
  type ACLCacheEntry,
  DataNode,
  JuteReader,
  JuteWriter,
  scanSnapshotNodes,
  type SnapshotNode,
  type SnapshotNodesScan,
  type SnapshotNodeView,
  SnapshotSessions,
  type StatPersisted,
  ZxidDigest,
} from "@zkts/jute";
import { adler32 } from "./adler32.ts";
import {
  isSnappyStream,
  SNAPPY_BLOCK_BYTES,
  snappyStreamBlock,
  snappyStreamDecode,
  snappyStreamHeader,
} from "./_snappy.ts";
import { snapshotFileName, zxidFromFileName } from "./names.ts";
import { joinPath, type Storage } from "./storage.ts";
import {
  decodeFileHeader,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  SNAP_MAGIC,
} from "./txn_log_format.ts";

/** How a snapshot file is compressed (`zookeeper.snapshot.compression.method`). */
export type SnapshotCompression = "none" | "gz" | "snappy";

/** One znode as a snapshot holds it. */
export interface SnapshotNodeEntry {
  /** The znode path; the root is "/" here (Apache writes it as ""). */
  path: string;
  /** The data; null when the znode was created with null data. */
  data: Uint8Array | null;
  /** The key of its ACL list in the ACL cache (-1 is OPEN_ACL_UNSAFE, unlisted). */
  aclRef: bigint;
  /** Its persisted stat. */
  stat: StatPersisted;
}

/** The tree digest at a zxid, as DataTree.serializeZxidDigest writes it. */
export type SnapshotDigest = ZxidDigest;

/** What a snapshot holds, for the writer. */
export interface SnapshotContents {
  /** Sessions: id → timeout in ms, written in iteration order. */
  sessions: Iterable<readonly [bigint, number]>;
  /**
   * The ACL cache: ref → ACL list, written in iteration order (a Map, or
   * `DataTree.aclEntries()` of @zkts/datatree).
   */
  acls: Iterable<readonly [bigint, ACL[]] | ACLCacheEntry>;
  /**
   * Every znode, parents before children, starting with the root: as
   * {@linkcode SnapshotNodeEntry} (root "/") or as the Jute `SnapshotNode` that
   * `DataTree.nodes()` of @zkts/datatree yields (root "").
   */
  nodes:
    | Iterable<SnapshotNodeEntry | SnapshotNode>
    | AsyncIterable<SnapshotNodeEntry | SnapshotNode>;
  /** The digest section (Apache 3.6+ writes one when digests are enabled, the default). */
  digest?: SnapshotDigest;
  /** The lastProcessedZxid section (Apache 3.10's serializeLastProcessedZxid option). */
  lastProcessedZxid?: bigint;
}

/** Options of {@linkcode writeSnapshot}. */
export interface WriteSnapshotOptions {
  /** The file system to write to. */
  storage: Storage;
  /** The snapshot directory: `<dataDir>/version-2`. */
  dir: string;
  /** The snapshot's zxid (the last txn applied when it started). */
  zxid: bigint;
  /** "none" (default), "gz" or "snappy" (snappy-java's stream format, as Apache). */
  compression?: SnapshotCompression;
  /** The dbid of the FileHeader (Apache writes 0). */
  dbId?: bigint;
  /** Uncompressed bytes encoded between writes; default 1 MiB. */
  chunkBytes?: number;
  /**
   * The longest the writer runs (encoding nodes, and pulling them from the
   * tree's iterator) before it lets the event loop turn; default 10 ms, so
   * requests are served while a big snapshot is written.
   */
  sliceMs?: number;
  /** fsync the file and the directory (default true). */
  fsync?: boolean;
}

/** The snapshot could not be read or does not check. *
 * @example
 * ```ts
 * import { parseSnapshot, SnapshotError } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseSnapshot(new Uint8Array(20), "snapshot.1"), SnapshotError);
 * ```
 */
export class SnapshotError extends Error {
  /**
   * Creates the error, its message naming the file and the reason.
   *
   * @param file the snapshot file
   * @param reason what is wrong with it
   */
  constructor(readonly file: string, reason: string) {
    super(`snapshot ${file}: ${reason}`);
    this.name = "SnapshotError";
  }
}

/** The root's path on disk (DataTree.serializeNode starts with an empty path). */
const ROOT_ON_DISK = "";
/** The path that ends the tree section, and the path of every seal. */
const END_PATH = "/";

class ChunkSink {
  #writer = new JuteWriter(1 << 16);
  #checksum = 1;
  #total = 0;
  #emit: (chunk: Uint8Array) => Promise<void>;
  readonly chunkBytes: number;

  constructor(emit: (chunk: Uint8Array) => Promise<void>, chunkBytes: number) {
    this.#emit = emit;
    this.chunkBytes = chunkBytes;
  }

  get w(): JuteWriter {
    return this.#writer;
  }

  async maybeFlush(): Promise<void> {
    if (this.#writer.length >= this.chunkBytes) await this.flush();
  }

  async flush(): Promise<void> {
    const bytes = this.#writer.toBytes();
    this.#writer.reset();
    if (bytes.length === 0) return;
    this.#checksum = adler32(bytes, this.#checksum);
    this.#total += bytes.length;
    await this.#emit(bytes);
  }

  /** SnapStream.sealStream: the checksum of every byte so far, then "/". */
  async seal(): Promise<void> {
    await this.flush();
    this.#writer.writeLong(BigInt(this.#checksum));
    this.#writer.writeString(END_PATH);
    await this.flush();
  }

  get total(): number {
    return this.#total;
  }
}

/**
 * Writes a snapshot file `snapshot.<zxid hex>[.gz]` as Apache ZooKeeper does:
 * to a temporary file, fsynced, renamed into place, directory fsynced. The
 * nodes are encoded in chunks with an event-loop turn between them.
 *
 * @returns the file name and its size in bytes (compressed size for gz and snappy)
 *
 * @example Write and read back a two-node tree
 * ```ts
 * import { readSnapshot, SimStorage, writeSnapshot } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const stat = { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n };
 * const { name } = await writeSnapshot({ storage, dir: "/data/version-2", zxid: 5n }, {
 *   sessions: new Map([[0x100n, 30000]]),
 *   acls: new Map([[1n, [{ perms: 31, id: { scheme: "world", id: "anyone" } }]]]),
 *   nodes: [{ path: "/", data: null, aclRef: -1n, stat }, { path: "/a", data: new Uint8Array([1]), aclRef: 1n, stat }],
 * });
 * assert.equal(name, "snapshot.5");
 * const snap = await readSnapshot({ storage, path: `/data/version-2/${name}` });
 * assert.deepEqual(snap.nodes.map((n) => n.path), ["/", "/a"]);
 * assert.equal(snap.sessions.get(0x100n), 30000);
 * ```
 */
export async function writeSnapshot(
  options: WriteSnapshotOptions,
  contents: SnapshotContents,
): Promise<{ name: string; bytes: number }> {
  const { storage, dir, zxid } = options;
  const compression = options.compression ?? "none";
  const name = snapshotFileName(zxid, compression);
  // Not "snapshot.<hex>.tmp": Apache would parse that name as a snapshot.
  const tmp = joinPath(dir, `.tmp.${name}`);
  await storage.mkdir(dir);
  const file = await storage.open(tmp, { create: true, truncate: true });
  let offset = 0;
  let written = 0;
  const writeOut = async (chunk: Uint8Array) => {
    await file.write(chunk, offset);
    offset += chunk.length;
    written += chunk.length;
  };
  let gz: { writer: WritableStreamDefaultWriter<BufferSource>; done: Promise<void> } | undefined;
  if (compression === "gz") {
    const cs = new CompressionStream("gzip");
    const writer = cs.writable.getWriter();
    const done = (async () => {
      for await (const chunk of cs.readable) await writeOut(chunk);
    })();
    gz = { writer, done };
  }
  let snappy: { pending: Uint8Array; length: number } | undefined;
  const toSnappy = async (chunk: Uint8Array) => {
    const s = snappy!;
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(SNAPPY_BLOCK_BYTES - s.length, chunk.length - at);
      s.pending.set(chunk.subarray(at, at + n), s.length);
      s.length += n;
      at += n;
      if (s.length === SNAPPY_BLOCK_BYTES) {
        await writeOut(snappyStreamBlock(s.pending));
        s.length = 0;
      }
    }
  };
  if (compression === "snappy") {
    snappy = { pending: new Uint8Array(SNAPPY_BLOCK_BYTES), length: 0 };
    await writeOut(snappyStreamHeader());
  }
  const sink = new ChunkSink(
    gz
      ? (chunk) => gz.writer.write(chunk as Uint8Array<ArrayBuffer>)
      : snappy
      ? toSnappy
      : writeOut,
    options.chunkBytes ?? 1 << 20,
  );
  try {
    const w = sink.w;
    w.writeRaw(encodeFileHeader(SNAP_MAGIC, options.dbId ?? 0n));
    const sessions = [...contents.sessions].map(([id, timeout]) => ({ id, timeout }));
    SnapshotSessions.write(w, sessions);
    ACLCache.write(
      w,
      [...contents.acls].map((e) => ("id" in e ? e : { id: e[0], acls: e[1] })),
    );
    let first = true;
    const writeNode = (node: SnapshotNodeEntry | SnapshotNode) => {
      const raw = "node" in node;
      const path = raw ? node.path : node.path === "/" ? ROOT_ON_DISK : node.path;
      if (first && path !== ROOT_ON_DISK) {
        throw new Error(`the first node must be the root, not ${node.path}`);
      }
      first = false;
      w.writeString(path);
      if (raw) DataNode.write(w, node.node);
      else DataNode.write(w, { data: node.data, acl: node.aclRef, stat: node.stat });
    };
    // Time slices: look at the clock every 64 nodes; past sliceMs (or a full
    // chunk), write what is encoded and let the event loop turn.
    const sliceMs = options.sliceMs ?? 10;
    let sliceStart = performance.now();
    let count = 0;
    const due = () =>
      (++count & 63) === 0 &&
      (w.length >= sink.chunkBytes || performance.now() - sliceStart >= sliceMs);
    const pause = async () => {
      if (w.length >= sink.chunkBytes) await sink.flush();
      await new Promise((r) => setTimeout(r, 0));
      sliceStart = performance.now();
    };
    const nodes = contents.nodes;
    if (Symbol.iterator in nodes) {
      // A plain loop: `for await` over a sync iterator costs a promise per node.
      for (const node of nodes) {
        writeNode(node);
        if (due()) await pause();
      }
    } else {
      for await (const node of nodes) {
        writeNode(node);
        if (due()) await pause();
      }
    }
    w.writeString(END_PATH);
    await sink.seal();
    if (contents.digest) {
      ZxidDigest.write(w, contents.digest);
      await sink.seal();
    }
    if (contents.lastProcessedZxid !== undefined) {
      w.writeLong(contents.lastProcessedZxid);
      await sink.seal();
    }
    if (gz) {
      await gz.writer.close();
      await gz.done;
    }
    if (snappy && snappy.length > 0) {
      await writeOut(snappyStreamBlock(snappy.pending.subarray(0, snappy.length)));
    }
    if (options.fsync ?? true) await file.sync();
  } catch (e) {
    file.close();
    await storage.remove(tmp).catch(() => {});
    throw e;
  }
  file.close();
  await storage.rename(tmp, joinPath(dir, name));
  if (options.fsync ?? true) await storage.syncDir(dir);
  return { name, bytes: written };
}

/** A snapshot read back. */
export interface SnapshotData {
  /** The zxid in the file name. */
  zxid: bigint;
  /** The dbid of the FileHeader (Apache writes 0). */
  dbId: bigint;
  /** Sessions in file order: id → timeout. */
  sessions: Map<bigint, number>;
  /** ACL cache in file order: ref → ACL list. */
  acls: Map<bigint, ACL[]>;
  /** Every znode in file order (parents first); the root's path is "/". */
  nodes: SnapshotNodeEntry[];
  /** The digest section, when present. */
  digest?: SnapshotDigest;
  /** The lastProcessedZxid section, when present. */
  lastProcessedZxid?: bigint;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const ds = new DecompressionStream("gzip");
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(ds));
  return new Uint8Array(await out.arrayBuffer());
}

/**
 * Takes a snapshot's tree section straight from the file's bytes: a bulk
 * load that makes no object per node (`DataTree.beginLoad` of
 * @zkts/datatree takes it). Views point into the snapshot's bytes and are
 * reused: copy what you keep.
 *
 * @example Load a snapshot into a DataTree
 * ```ts
 * import { readSnapshot, SimStorage, writeSnapshot } from "@zkts/persistence";
 * import { DataTree, type SnapshotLoader } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const stat = { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n };
 * await writeSnapshot({ storage, dir: "/s", zxid: 1n }, { sessions: [], acls: [], nodes: [
 *   { path: "/", data: null, aclRef: -1n, stat },
 *   { path: "/a", data: new Uint8Array([1]), aclRef: -1n, stat },
 * ] });
 * const tree = new DataTree();
 * let loader: SnapshotLoader | undefined;
 * await readSnapshot({ storage, path: "/s/snapshot.1", nodeSink: {
 *   begin(acls, totals) {
 *     const l = loader = tree.beginLoad(acls, totals);
 *     return (node) => l.add(node);
 *   },
 * } });
 * loader!.finish();
 * assert.deepEqual(tree.getData("/a").data, new Uint8Array([1]));
 * ```
 */
export interface SnapshotNodeSink {
  /**
   * Called before the first node, once the ACL cache and the section's
   * totals are known (called again for each snapshot tried after a damaged one).
   *
   * @returns what takes each node
   */
  begin(acls: ACLCacheEntry[], totals: SnapshotNodesScan): (node: SnapshotNodeView) => void;
}

/**
 * Parses the uncompressed bytes of a snapshot, checking the magic number
 * and every seal (FileSnap.deserialize + SnapStream.checkSealIntegrity).
 *
 * @param bytes the uncompressed snapshot
 * @param file the name used in errors (and for the zxid)
 * @param onNode when given, nodes go to it instead of into `nodes` (for big trees)
 * @param nodeSink when given, the tree section goes to it straight from the
 *   bytes (a bulk load) instead of into `nodes`
 * @throws {SnapshotError} a bad magic, a truncated section or a checksum mismatch
 *
 * @example
 * ```ts
 * import { parseSnapshot, SimStorage, writeSnapshot } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * await writeSnapshot({ storage, dir: "/s", zxid: 1n }, { sessions: [], acls: [], nodes: [{ path: "/", data: null, aclRef: -1n, stat: { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n } }] });
 * const snap = parseSnapshot(await storage.readFile("/s/snapshot.1"), "snapshot.1");
 * assert.equal(snap.nodes.length, 1);
 * assert.equal(snap.digest, undefined);
 * ```
 */
export function parseSnapshot(
  bytes: Uint8Array,
  file: string,
  onNode?: (node: SnapshotNodeEntry) => void,
  nodeSink?: SnapshotNodeSink,
): SnapshotData {
  const base = file.slice(file.lastIndexOf("/") + 1);
  const zxid = zxidFromFileName(base, "snapshot") ?? -1n;
  if (bytes.length < FILE_HEADER_BYTES) throw new SnapshotError(file, "shorter than its header");
  const header = decodeFileHeader(bytes);
  if (header.magic !== SNAP_MAGIC) {
    throw new SnapshotError(
      file,
      `mismatching magic header 0x${(header.magic >>> 0).toString(16)}`,
    );
  }
  const r = new JuteReader(bytes, FILE_HEADER_BYTES, bytes.length, { borrow: false });
  const out: SnapshotData = {
    zxid,
    dbId: header.dbId,
    sessions: new Map(),
    acls: new Map(),
    nodes: [],
  };
  // The running checksum: each seal covers every byte before it, so continue from the last one.
  let checkedTo = 0;
  let checksum = 1;
  const checkSeal = (what: string) => {
    checksum = adler32(bytes.subarray(checkedTo, r.offset), checksum);
    checkedTo = r.offset;
    const expected = checksum;
    const stored = r.readLong();
    r.readString();
    if (stored !== BigInt(expected)) {
      throw new SnapshotError(
        file,
        `checksum mismatch after ${what} (stored ${stored}, computed ${expected})`,
      );
    }
  };
  try {
    for (const s of SnapshotSessions.read(r)) out.sessions.set(s.id, s.timeout);
    const acls = ACLCache.read(r);
    for (const e of acls) out.acls.set(e.id, e.acls);
    if (nodeSink) {
      const totals = scanSnapshotNodes(bytes, r.offset, r.end);
      const add = nodeSink.begin(acls, totals);
      scanSnapshotNodes(bytes, r.offset, r.end, add);
      r.offset = totals.end;
    } else {
      const sink = onNode ?? ((n: SnapshotNodeEntry) => void out.nodes.push(n));
      let path = r.readString();
      while (path !== END_PATH) {
        const node = DataNode.read(r);
        sink({
          path: path === ROOT_ON_DISK ? "/" : path,
          data: node.data,
          aclRef: node.acl,
          stat: node.stat,
        });
        path = r.readString();
      }
    }
    checkSeal("the tree");
    if (r.remaining > 0) {
      out.digest = ZxidDigest.read(r);
      checkSeal("the digest");
    }
    if (r.remaining > 0) {
      out.lastProcessedZxid = r.readLong();
      checkSeal("the last processed zxid");
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(file, `at byte ${r.offset}: ${e instanceof Error ? e.message : e}`);
  }
  return out;
}

/**
 * Reads and checks a snapshot file (none, gz or snappy, by its name's extension).
 *
 * @throws {SnapshotError} unreadable or not checking
 *
 * @example Stream the nodes of a gzipped snapshot
 * ```ts
 * import { readSnapshot, SimStorage, writeSnapshot } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * await writeSnapshot({ storage, dir: "/s", zxid: 2n, compression: "gz" }, { sessions: [], acls: [], nodes: [{ path: "/", data: null, aclRef: -1n, stat: { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n } }] });
 * let count = 0;
 * await readSnapshot({ storage, path: "/s/snapshot.2.gz", onNode: () => count++ });
 * assert.equal(count, 1);
 * ```
 */
export async function readSnapshot(
  options: {
    storage: Storage;
    path: string;
    onNode?: (node: SnapshotNodeEntry) => void;
    nodeSink?: SnapshotNodeSink;
  },
): Promise<SnapshotData> {
  const { storage, path } = options;
  let bytes = await storage.readFile(path);
  if (path.endsWith(".snappy")) {
    if (!isSnappyStream(bytes)) throw new SnapshotError(path, "no snappy stream header");
    try {
      bytes = snappyStreamDecode(bytes);
    } catch (e) {
      throw new SnapshotError(path, e instanceof Error ? e.message : String(e));
    }
  }
  if (path.endsWith(".gz")) {
    try {
      bytes = await gunzip(bytes);
    } catch (e) {
      throw new SnapshotError(path, `gzip: ${e instanceof Error ? e.message : e}`);
    }
  }
  return parseSnapshot(bytes, path, options.onNode, options.nodeSink);
}

/**
 * Lists the snapshot files of a directory, newest (highest zxid) first.
 *
 * @example
 * ```ts
 * import { listSnapshots, SimStorage } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * await storage.mkdir("/s");
 * for (const n of ["snapshot.2", "snapshot.10.gz", ".tmp.snapshot.11", "log.1"]) {
 *   (await storage.open(`/s/${n}`, { create: true })).close();
 * }
 * assert.deepEqual((await listSnapshots(storage, "/s")).map((s) => s.name), ["snapshot.10.gz", "snapshot.2"]);
 * ```
 */
export async function listSnapshots(
  storage: Storage,
  dir: string,
): Promise<{ name: string; zxid: bigint }[]> {
  const out: { name: string; zxid: bigint }[] = [];
  for (const name of await storage.list(dir)) {
    const zxid = zxidFromFileName(name, "snapshot");
    if (zxid !== undefined) out.push({ name, zxid });
  }
  return out.sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
}

/**
 * Loads the newest snapshot that checks, skipping (with a warning) corrupt
 * or partial ones, as FileSnap.deserialize does (it tries up to 100).
 *
 * @returns the snapshot, or undefined when the directory has none that checks
 *
 * @example
 * ```ts
 * import { loadNewestSnapshot, SimStorage, writeSnapshot } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * for (const zxid of [1n, 2n]) {
 *   await writeSnapshot({ storage, dir: "/s", zxid }, { sessions: [], acls: [], nodes: [{ path: "/", data: null, aclRef: -1n, stat: { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n } }] });
 * }
 * storage.flipBit("/s/snapshot.2", 30, 0);
 * const snap = await loadNewestSnapshot({ storage, dir: "/s", logger: { warn() {} } });
 * assert.equal(snap?.name, "snapshot.1");
 * ```
 */
export async function loadNewestSnapshot(options: {
  storage: Storage;
  dir: string;
  logger?: Pick<Console, "warn">;
  onNode?: (node: SnapshotNodeEntry) => void;
  /** Takes the tree section straight from the bytes (see {@linkcode SnapshotNodeSink}). */
  nodeSink?: SnapshotNodeSink;
  /**
   * Called before each snapshot tried after the first: a damaged snapshot may
   * have delivered nodes before its checksum failed; drop them.
   */
  onReset?: () => void;
}): Promise<(SnapshotData & { name: string }) | undefined> {
  const logger = options.logger ?? console;
  let tries = 0;
  for (const { name } of (await listSnapshots(options.storage, options.dir)).slice(0, 100)) {
    if (tries++ > 0) options.onReset?.();
    try {
      const snap = await readSnapshot({
        storage: options.storage,
        path: joinPath(options.dir, name),
        onNode: options.onNode,
        nodeSink: options.nodeSink,
      });
      return { ...snap, name };
    } catch (e) {
      logger.warn(`[zkts snapshot] skipping ${name}: ${e instanceof Error ? e.message : e}`);
    }
  }
  return undefined;
}
