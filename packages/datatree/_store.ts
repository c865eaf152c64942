/**
 * The node store: every znode is an integer id into typed-array columns.
 *
 * Why: a JavaScript object per znode with a Map of children costs several
 * hundred bytes of heap; Apache ZooKeeper 3.8 holds ~360 bytes per znode.
 * Here a znode costs its columns (~100 bytes), one slot of the name hash
 * table, and its name and data bytes in two chunked byte arenas (_arena.ts). See
 * docs/datatree.md for the figures.
 *
 * Private to the package: the tree (tree.ts) is the only user.
 *
 * @module
 */
import { ChunkArena, offsetIn } from "./_arena.ts";
import { crc32Update } from "./digest.ts";

/** No node: the end of a sibling list, the root's parent. */
export const NIL = -1;
/** Marks a freed id in `nameLen`. */
const FREE = -2;
/** `dataLen` of a node whose data is null (Apache distinguishes null from empty). */
export const NULL_DATA = -1;

const INITIAL_CAPACITY = 1024;

/** Asserts an invariant of ours; a failure is our bug, in production too. */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`datatree invariant broken: ${msg}`);
}

/** Whether typed arrays are little-endian here (they are on x86 and ARM). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies the big-endian long at `b[o..o+8)` into element `i` of the column
 * whose bytes are `col8` (a little-endian BigInt64Array's bytes): no bigint.
 */
function putLong(col8: Uint8Array, i: number, b: Uint8Array, o: number): void {
  const d = i * 8;
  col8[d] = b[o + 7];
  col8[d + 1] = b[o + 6];
  col8[d + 2] = b[o + 5];
  col8[d + 3] = b[o + 4];
  col8[d + 4] = b[o + 3];
  col8[d + 5] = b[o + 2];
  col8[d + 6] = b[o + 1];
  col8[d + 7] = b[o];
}

function int32(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/**
 * Encodes `s` into `out` from `at`, growing nothing; returns the bytes written
 * or -1 when `out` is too small. ASCII fast path: paths are nearly always ASCII.
 */
function encodeInto(s: string, out: Uint8Array, at: number): number {
  const n = s.length;
  if (at + n <= out.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[at + i] = c;
    }
    if (i === n) return n;
  }
  if (at + n * 3 > out.length) return -1;
  return utf8.encodeInto(s, out.subarray(at)).written;
}

function hashBytes(seed: number, b: Uint8Array, s: number, e: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

/**
 * Struct-of-arrays storage of znodes: stats, tree links (first child, circular
 * previous sibling, next sibling), ACL reference, name and data offsets, and an
 * open-addressing hash table from (parent id, name bytes) to id.
 */
export class NodeStore {
  capacity = 0;
  /** Live nodes. */
  count = 0;
  /** Ids below `top` have been handed out at least once. */
  top = 0;
  #freeHead = NIL;

  czxid = new BigInt64Array(0);
  mzxid = new BigInt64Array(0);
  pzxid = new BigInt64Array(0);
  ctime = new BigInt64Array(0);
  mtime = new BigInt64Array(0);
  ephemeralOwner = new BigInt64Array(0);
  version = new Int32Array(0);
  cversion = new Int32Array(0);
  aversion = new Int32Array(0);
  parent = new Int32Array(0);
  firstChild = new Int32Array(0);
  /** Previous sibling; the first child's `prevSibling` is the last child (circular). */
  prevSibling = new Int32Array(0);
  nextSibling = new Int32Array(0);
  numChildren = new Int32Array(0);
  acl = new Int32Array(0);
  dataOff = new Uint32Array(0);
  dataLen = new Int32Array(0);
  nameOff = new Uint32Array(0);
  nameLen = new Int32Array(0);
  /**
   * log2 of the capacity Apache's children HashSet would have (starts at 8,
   * doubles past 3/4 full, never shrinks): its iteration order is the order
   * clients see children in.
   */
  childCap = new Uint8Array(0);

  #names = this.#nameArena();
  #datas = this.#dataArena();

  #table = new Int32Array(0);
  #mask = 0;

  /** The bytes of the long stat columns, for {@linkcode setStatBytes}; null after a grow. */
  #longBytes: Uint8Array[] | null = null;

  /** Scratch for encoding paths. */
  #scratch = new Uint8Array(4096);

  #nameArena(): ChunkArena {
    return new ChunkArena({
      addressOf: (id) => (this.nameLen[id] > 0 ? this.nameOff[id] : -1),
      lengthOf: (id) => this.nameLen[id],
      moved: (id, address) => void (this.nameOff[id] = address),
    });
  }

  #dataArena(): ChunkArena {
    return new ChunkArena({
      addressOf: (
        id,
      ) => (this.nameLen[id] !== FREE && this.dataLen[id] > 0 ? this.dataOff[id] : -1),
      lengthOf: (id) => this.dataLen[id],
      moved: (id, address) => void (this.dataOff[id] = address),
    });
  }

  constructor() {
    this.#grow(INITIAL_CAPACITY);
    this.#table = new Int32Array(INITIAL_CAPACITY * 2).fill(NIL);
    this.#mask = this.#table.length - 1;
  }

  #grow(cap: number): void {
    const grow = <T extends BigInt64Array | Int32Array | Uint32Array | Uint8Array>(a: T): T => {
      const n = new (a.constructor as { new (n: number): T })(cap);
      n.set(a as never);
      return n;
    };
    this.czxid = grow(this.czxid);
    this.mzxid = grow(this.mzxid);
    this.pzxid = grow(this.pzxid);
    this.ctime = grow(this.ctime);
    this.mtime = grow(this.mtime);
    this.ephemeralOwner = grow(this.ephemeralOwner);
    this.version = grow(this.version);
    this.cversion = grow(this.cversion);
    this.aversion = grow(this.aversion);
    this.parent = grow(this.parent);
    this.firstChild = grow(this.firstChild);
    this.prevSibling = grow(this.prevSibling);
    this.nextSibling = grow(this.nextSibling);
    this.numChildren = grow(this.numChildren);
    this.acl = grow(this.acl);
    this.dataOff = grow(this.dataOff);
    this.dataLen = grow(this.dataLen);
    this.nameOff = grow(this.nameOff);
    this.nameLen = grow(this.nameLen);
    this.childCap = grow(this.childCap);
    this.capacity = cap;
    this.#longBytes = null;
  }

  /**
   * Makes room for `nodes` more nodes, `nameBytes` of names and `dataBytes`
   * of data at once (a snapshot load knows them before it starts).
   */
  reserve(nodes: number, nameBytes: number, dataBytes: number): void {
    const want = this.top + nodes;
    if (want > this.capacity) this.#grow(want);
    let size = this.#table.length;
    while ((this.count + nodes) * 10 > size * 7) size *= 2;
    if (size !== this.#table.length) this.#rehash(size);
    // The arenas grow a chunk at a time: nothing to reserve there.
    void nameBytes;
    void dataBytes;
  }

  /**
   * Sets the stat columns of `id` from a big-endian `StatPersisted` at
   * `b[o..o+60)` (a snapshot's bytes), without making a bigint.
   */
  setStatBytes(id: number, b: Uint8Array, o: number): void {
    if (!LITTLE_ENDIAN) {
      const v = new DataView(b.buffer, b.byteOffset + o, 60);
      this.czxid[id] = v.getBigInt64(0);
      this.mzxid[id] = v.getBigInt64(8);
      this.ctime[id] = v.getBigInt64(16);
      this.mtime[id] = v.getBigInt64(24);
      this.ephemeralOwner[id] = v.getBigInt64(44);
      this.pzxid[id] = v.getBigInt64(52);
    } else {
      const c = this.#longBytes ??= [
        this.czxid,
        this.mzxid,
        this.ctime,
        this.mtime,
        this.ephemeralOwner,
        this.pzxid,
      ].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      putLong(c[0], id, b, o);
      putLong(c[1], id, b, o + 8);
      putLong(c[2], id, b, o + 16);
      putLong(c[3], id, b, o + 24);
      putLong(c[4], id, b, o + 44);
      putLong(c[5], id, b, o + 52);
    }
    this.version[id] = int32(b, o + 32);
    this.cversion[id] = int32(b, o + 36);
    this.aversion[id] = int32(b, o + 40);
  }

  /** Every column, in a fixed order (for copies). */
  #columns(): (BigInt64Array | Int32Array | Uint32Array | Uint8Array)[] {
    return [
      this.czxid,
      this.mzxid,
      this.pzxid,
      this.ctime,
      this.mtime,
      this.ephemeralOwner,
      this.version,
      this.cversion,
      this.aversion,
      this.parent,
      this.firstChild,
      this.prevSibling,
      this.nextSibling,
      this.numChildren,
      this.acl,
      this.dataOff,
      this.dataLen,
      this.nameOff,
      this.nameLen,
      this.childCap,
    ];
  }

  /**
   * A copy of the store as it is now, for a snapshot written while the tree
   * keeps changing: a consistent point in time that later changes cannot
   * touch. The columns are copied (memcpy, about 100 bytes a node) into
   * `into`'s arrays when they are big enough (copying into memory already in
   * use is several times faster than into fresh memory, which the kernel
   * must first fault in), else into new ones with room to grow; the name and
   * data arenas are shared (their bytes never change in place, see
   * _arena.ts). The copy is for walking the tree (links, names, data,
   * stats): it has no hash table, so `child` and `lookup` find nothing.
   * Read it; do not change it.
   */
  snapshotCopy(into?: NodeStore): NodeStore {
    const n = this.top;
    let c = into;
    if (c === undefined || c.capacity < n) {
      c = new NodeStore();
      c.#grow(Math.max(INITIAL_CAPACITY, Math.ceil(n * 1.25)));
    }
    const from = this.#columns();
    const to = c.#columns();
    for (let i = 0; i < from.length; i++) {
      (to[i] as Uint8Array).set(from[i].subarray(0, n) as Uint8Array);
    }
    c.count = this.count;
    c.top = n;
    // Shared, not copied: bytes in an arena chunk never change (see _arena.ts).
    c.#names = this.#names.frozen();
    c.#datas = this.#datas.frozen();
    c.#freeHead = NIL;
    c.#longBytes = null;
    return c;
  }

  /** Lets go of a snapshot copy's shared arenas (the copy's names and data are gone). */
  releaseArenas(): void {
    this.#names = new ChunkArena();
    this.#datas = new ChunkArena();
  }

  /** Bytes held by columns, arenas and the hash table (for the memory figures). */
  get bytesAllocated(): number {
    return this.capacity * (6 * 8 + 12 * 4 + 1) + this.#table.length * 4 +
      this.#names.allocated + this.#datas.allocated;
  }

  isLive(id: number): boolean {
    return id >= 0 && id < this.top && this.nameLen[id] !== FREE;
  }

  // ---- names and lookup ----------------------------------------------------

  #encodePath(path: string): number {
    let n = encodeInto(path, this.#scratch, 0);
    while (n < 0) {
      this.#scratch = new Uint8Array(this.#scratch.length * 4 + path.length * 3);
      n = encodeInto(path, this.#scratch, 0);
    }
    return n;
  }

  #probe(parent: number, b: Uint8Array, s: number, e: number, h: number): number {
    const table = this.#table;
    const len = e - s;
    let i = h & this.#mask;
    for (;;) {
      const id = table[i];
      if (id === NIL) return NIL;
      if (this.parent[id] === parent && this.nameLen[id] === len) {
        const names = this.#names.chunk(this.nameOff[id]);
        const off = offsetIn(this.nameOff[id]);
        let k = 0;
        while (k < len && names[off + k] === b[s + k]) k++;
        if (k === len) return id;
      }
      i = (i + 1) & this.#mask;
    }
  }

  /** The child of `parent` named `name`, or NIL. */
  child(parent: number, name: string): number {
    const n = this.#encodePath(name);
    return this.#probe(parent, this.#scratch, 0, n, hashBytes(parent, this.#scratch, 0, n));
  }

  /**
   * The id of the node at a validated absolute `path` below `root`, or NIL.
   * "/" is the root.
   */
  lookup(root: number, path: string): number {
    const n = this.#encodePath(path);
    const b = this.#scratch;
    let id = root;
    let s = 1;
    if (n === 1) return root;
    while (s <= n) {
      let e = s;
      while (e < n && b[e] !== 0x2f) e++;
      if (e === s) return NIL;
      id = this.#probe(id, b, s, e, hashBytes(id, b, s, e));
      if (id === NIL) return NIL;
      s = e + 1;
    }
    return id;
  }

  name(id: number): string {
    const len = this.nameLen[id];
    const b = this.#names.chunk(this.nameOff[id]);
    const off = offsetIn(this.nameOff[id]);
    if (len <= 64) {
      let ascii = 0;
      for (let i = 0; i < len; i++) ascii |= b[off + i];
      if (ascii < 0x80) {
        return String.fromCharCode.apply(null, b.subarray(off, off + len) as unknown as number[]);
      }
    }
    return utf8d.decode(b.subarray(off, off + len));
  }

  /** The names of `ids` joined with "/" (one decode for many names). */
  namesJoined(ids: Int32Array): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.nameLen[ids[i]] + 1;
    if (this.#scratch.length < total) this.#scratch = new Uint8Array(total * 2);
    const out = this.#scratch;
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      if (i > 0) out[at++] = 0x2f;
      const names = this.#names.chunk(this.nameOff[ids[i]]);
      const off = offsetIn(this.nameOff[ids[i]]);
      const len = this.nameLen[ids[i]];
      for (let k = 0; k < len; k++) out[at + k] = names[off + k];
      at += len;
    }
    return utf8d.decode(out.subarray(0, at));
  }

  /** java.lang.String.hashCode of the name of `id` (from the bytes when ASCII). */
  nameJavaHash(id: number): number {
    const len = this.nameLen[id];
    const b = this.#names.chunk(this.nameOff[id]);
    const off = offsetIn(this.nameOff[id]);
    let h = 0;
    for (let i = 0; i < len; i++) {
      const c = b[off + i];
      if (c >= 0x80) {
        const s = this.name(id);
        h = 0;
        for (let k = 0; k < s.length; k++) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0;
        return h;
      }
      h = (Math.imul(h, 31) + c) | 0;
    }
    return h;
  }

  /** Continues a CRC32 state over the name bytes of `id` (no view allocated). */
  crcName(id: number, state: number): number {
    const off = offsetIn(this.nameOff[id]);
    return crc32Update(state, this.#names.chunk(this.nameOff[id]), off, off + this.nameLen[id]);
  }

  /** The name bytes of `id` (a borrowed view: valid until the next store change). */
  nameBytes(id: number): Uint8Array {
    const off = offsetIn(this.nameOff[id]);
    return this.#names.chunk(this.nameOff[id]).subarray(off, off + this.nameLen[id]);
  }

  /** The absolute path of `id` ("/" for the root). */
  path(id: number): string {
    if (this.parent[id] === NIL) return "/";
    const parts: string[] = [];
    for (let p = id; this.parent[p] !== NIL; p = this.parent[p]) parts.push(this.name(p));
    let s = "";
    for (let i = parts.length - 1; i >= 0; i--) s += "/" + parts[i];
    return s;
  }

  /** The table hash of a stored node: its parent id and name bytes. */
  #hashOf(id: number): number {
    const off = offsetIn(this.nameOff[id]);
    return hashBytes(
      this.parent[id],
      this.#names.chunk(this.nameOff[id]),
      off,
      off + this.nameLen[id],
    );
  }

  #insertSlot(id: number, h: number): void {
    if ((this.count + 1) * 10 > this.#table.length * 7) this.#rehash(this.#table.length * 2);
    let i = h & this.#mask;
    while (this.#table[i] !== NIL) i = (i + 1) & this.#mask;
    this.#table[i] = id;
  }

  #rehash(size: number): void {
    const old = this.#table;
    this.#table = new Int32Array(size).fill(NIL);
    this.#mask = size - 1;
    for (let j = 0; j < old.length; j++) {
      const id = old[j];
      if (id === NIL) continue;
      let i = this.#hashOf(id) & this.#mask;
      while (this.#table[i] !== NIL) i = (i + 1) & this.#mask;
      this.#table[i] = id;
    }
  }

  /** Linear probing with backward-shift deletion: no tombstones. */
  #removeSlot(id: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#hashOf(id) & mask;
    while (table[i] !== id) {
      assert(table[i] !== NIL, "node is in the hash table");
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const other = table[j];
      if (other === NIL) break;
      const k = this.#hashOf(other) & mask;
      // Move `other` into the hole at i unless its home k lies cyclically in (i, j].
      if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
      table[i] = other;
      i = j;
    }
    table[i] = NIL;
  }

  // ---- data ----------------------------------------------------------------

  data(id: number): Uint8Array | null {
    const len = this.dataLen[id];
    if (len === NULL_DATA) return null;
    if (len === 0) return new Uint8Array(0);
    const off = offsetIn(this.dataOff[id]);
    return this.#datas.chunk(this.dataOff[id]).slice(off, off + len);
  }

  /** A borrowed view of the data (valid until the next store change), or null. */
  dataView(id: number): Uint8Array | null {
    const len = this.dataLen[id];
    if (len === NULL_DATA) return null;
    const off = offsetIn(this.dataOff[id]);
    return this.#datas.chunk(this.dataOff[id]).subarray(off, off + Math.max(len, 0));
  }

  setData(id: number, data: Uint8Array | null): void {
    if (data === null) this.setDataBytes(id, this.#scratch, 0, NULL_DATA);
    else this.setDataBytes(id, data, 0, data.length);
  }

  /** Sets the data of `id` to `b[s..s+len)`; `len` NULL_DATA (-1) for null. */
  setDataBytes(id: number, b: Uint8Array, s: number, len: number): void {
    const old = this.dataLen[id];
    // Not live any more before the old bytes are freed: freeing may compact their chunk.
    this.dataLen[id] = 0;
    if (old > 0) this.#datas.free(this.dataOff[id], old);
    if (len <= 0) {
      this.dataLen[id] = len < 0 ? NULL_DATA : 0;
      this.dataOff[id] = 0;
    } else {
      const at = this.#datas.alloc(len, id);
      const buf = this.#datas.chunk(at);
      const off = offsetIn(at);
      if (len <= 64) { for (let k = 0; k < len; k++) buf[off + k] = b[s + k]; }
      else buf.set(b.subarray(s, s + len), off);
      this.dataOff[id] = at;
      this.dataLen[id] = len;
    }
  }

  // ---- allocation ----------------------------------------------------------

  #allocId(): number {
    let id = this.#freeHead;
    if (id !== NIL) {
      this.#freeHead = this.nextSibling[id];
    } else {
      if (this.top === this.capacity) this.#grow(Math.ceil(this.capacity * 1.25));
      id = this.top++;
    }
    return id;
  }

  /**
   * Adds a node named `name` (UTF-8 bytes `nameBytes[s..e)`) under `parent`
   * (NIL for the root) at the end of its child list; stats are zero.
   */
  #add(parent: number, b: Uint8Array, s: number, e: number): number {
    const id = this.#allocId();
    const len = e - s;
    const at = this.#names.alloc(len, id);
    const names = this.#names.chunk(at);
    const off = offsetIn(at);
    for (let k = 0; k < len; k++) names[off + k] = b[s + k];
    this.nameOff[id] = at;
    this.nameLen[id] = len;
    this.parent[id] = parent;
    this.firstChild[id] = NIL;
    this.nextSibling[id] = NIL;
    this.prevSibling[id] = id;
    this.numChildren[id] = 0;
    this.childCap[id] = 3;
    this.czxid[id] = 0n;
    this.mzxid[id] = 0n;
    this.pzxid[id] = 0n;
    this.ctime[id] = 0n;
    this.mtime[id] = 0n;
    this.ephemeralOwner[id] = 0n;
    this.version[id] = 0;
    this.cversion[id] = 0;
    this.aversion[id] = 0;
    this.acl[id] = -1;
    this.dataLen[id] = 0;
    this.dataOff[id] = 0;
    if (parent !== NIL) {
      const first = this.firstChild[parent];
      if (first === NIL) {
        this.firstChild[parent] = id;
      } else {
        const last = this.prevSibling[first];
        this.nextSibling[last] = id;
        this.prevSibling[id] = last;
        this.prevSibling[first] = id;
      }
      const n = ++this.numChildren[parent];
      if (n > (1 << this.childCap[parent]) * 0.75) this.childCap[parent]++;
      this.#insertSlot(id, hashBytes(parent, b, s, e));
    }
    this.count++;
    return id;
  }

  /** Adds the root node (no name, no parent). */
  addRoot(): number {
    return this.#add(NIL, this.#scratch, 0, 0);
  }

  /**
   * Adds a child named by the UTF-8 bytes `b[s..e)` under `parent`; the
   * caller checked it is absent and that the bytes are valid UTF-8.
   */
  addChildBytes(parent: number, b: Uint8Array, s: number, e: number): number {
    return this.#add(parent, b, s, e);
  }

  /** Adds a child named `name` under `parent`; the caller checked it is absent. */
  addChild(parent: number, name: string): number {
    const n = this.#encodePath(name);
    return this.#add(parent, this.#scratch, 0, n);
  }

  /** Removes a childless node from its parent and frees its id. */
  remove(id: number): void {
    assert(this.firstChild[id] === NIL, "removed node has no children");
    const parent = this.parent[id];
    if (parent !== NIL) {
      const next = this.nextSibling[id];
      const prev = this.prevSibling[id];
      const first = this.firstChild[parent];
      if (first === id) {
        this.firstChild[parent] = next;
        if (next !== NIL) this.prevSibling[next] = prev;
      } else {
        this.nextSibling[prev] = next;
        if (next !== NIL) this.prevSibling[next] = prev;
        else this.prevSibling[first] = prev;
      }
      this.numChildren[parent]--;
      this.#removeSlot(id);
    }
    const dataLen = this.dataLen[id];
    const nameLen = this.nameLen[id];
    // Not live any more before the bytes are freed: freeing may compact their chunks.
    this.nameLen[id] = FREE;
    this.dataLen[id] = 0;
    if (dataLen > 0) this.#datas.free(this.dataOff[id], dataLen);
    this.#names.free(this.nameOff[id], nameLen);
    this.parent[id] = NIL;
    this.nextSibling[id] = this.#freeHead;
    this.#freeHead = id;
    this.count--;
  }

  /** Drops every node. */
  clear(): void {
    this.count = 0;
    this.top = 0;
    this.#freeHead = NIL;
    this.#table.fill(NIL);
    this.#names = this.#nameArena();
    this.#datas = this.#dataArena();
  }
}
