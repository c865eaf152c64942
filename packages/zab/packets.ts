/**
 * The packets between a ZAB leader and its learners, as Apache ZooKeeper 3.8
 * writes them: Jute `QuorumPacket`s back to back on the quorum port, with no
 * length prefix (`BinaryOutputArchive.writeRecord`), and one exception: after
 * SNAP, the snapshot itself, raw, in the same stream.
 *
 * @module
 */
import { JuteDecodeError, JuteReader, JuteWriter, PacketType, QuorumPacket } from "@zkts/jute";

/** The packet types (`Leader.REQUEST` … `Leader.INFORMANDACTIVATE`), from @zkts/jute. */
export { PacketType };

/** The protocol version of Zab 1.0 (LearnerInfo, LEADERINFO), which 3.8 speaks. */
export const PROTOCOL_VERSION = 0x10000;
/** The string that ends a SNAP body (`"BenWasHere"`, Learner.syncWithLeader). */
export const SNAP_SIGNATURE = "BenWasHere";

/** A packet (`QuorumPacket` of @zkts/jute): null `data` and `authinfo` are written as -1. */
export type Packet = QuorumPacket;

/** The name of a packet type, for logs (`Leader.getPacketType`). */
export function packetTypeName(type: number): string {
  for (const [name, value] of Object.entries(PacketType)) {
    if (value === type) return name;
  }
  return `UNKNOWN${type}`;
}

/** `ZxidUtils.makeZxid`. */
export function makeZxid(epoch: bigint, counter: bigint): bigint {
  return (epoch << 32n) | (counter & 0xffffffffn);
}

/** `ZxidUtils.getEpochFromZxid`. */
export function epochOf(zxid: bigint): bigint {
  return zxid >> 32n;
}

/** The counter half of a zxid. */
export function counterOf(zxid: bigint): bigint {
  return zxid & 0xffffffffn;
}

/** The writer packets are encoded with (the result is a copy). */
const SCRATCH = new JuteWriter(256);

/**
 * Encodes a packet as Apache's `BinaryOutputArchive.writeRecord(qp, "packet")`.
 *
 * @example An ACK
 * ```ts
 * import { encodePacket, PacketType } from "@zkts/zab";
 * import assert from "node:assert/strict";
 * const b = encodePacket({ type: PacketType.ACK, zxid: 0x200000005n, data: null, authinfo: null });
 * assert.equal(b.length, 20);
 * assert.deepEqual([...b.subarray(12)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
 * ```
 */
export function encodePacket(
  p: Packet,
  w: JuteWriter = SCRATCH,
): Uint8Array {
  w.reset();
  QuorumPacket.write(w, p);
  return w.toBytes();
}

/** An int as 4 big-endian bytes (LEADERINFO, ACKEPOCH data). */
export function intBytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v);
  return b;
}

/** The largest buffer a packet may carry (jute.maxbuffer + extrasize, Apache's default). */
export const PACKET_DATA_MAX = 0xfffff * 2;

/**
 * Splits a byte stream into packets (and, after SNAP, the raw snapshot):
 * feed it what the socket delivers, take what is complete.
 *
 * @example
 * ```ts
 * import { encodePacket, PacketReader, PacketType } from "@zkts/zab";
 * import assert from "node:assert/strict";
 * const bytes = encodePacket({ type: PacketType.PING, zxid: 7n, data: new Uint8Array(0), authinfo: null });
 * const r = new PacketReader();
 * r.push(bytes.subarray(0, 5));
 * assert.equal(r.next(), undefined);
 * r.push(bytes.subarray(5));
 * assert.deepEqual(r.next(), { type: PacketType.PING, zxid: 7n, data: new Uint8Array(0), authinfo: null });
 * ```
 */
export class PacketReader {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #dataMax: number;
  /** Where the scan of a SNAP body being received stands. */
  #snap:
    | {
      phase: number;
      left: number;
      rel: number;
      treeRel: number;
      sessions: Map<bigint, number>;
    }
    | undefined;

  /**
   * Creates a reader with nothing buffered.
   *
   * @param dataMax the largest `data` accepted (default {@linkcode PACKET_DATA_MAX})
   */
  constructor(dataMax: number = PACKET_DATA_MAX) {
    this.#dataMax = dataMax;
  }

  /** Bytes received and not yet taken. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Appends received bytes. */
  push(bytes: Uint8Array): void {
    if (this.#end + bytes.length > this.#buf.length) {
      const live = this.#end - this.#start;
      const next = live + bytes.length <= this.#buf.length ? this.#buf : new Uint8Array(
        Math.max(live + bytes.length, this.#buf.length * 2, 4096),
      );
      next.set(this.#buf.subarray(this.#start, this.#end), 0);
      this.#buf = next;
      this.#end = live;
      this.#start = 0;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /**
   * The next complete packet, or undefined until more bytes come.
   *
   * @throws {JuteDecodeError} a malformed packet (close the connection)
   */
  next(): Packet | undefined {
    // Check the packet is all here before decoding (no exception per partial read).
    const size = this.#packetSize();
    if (size < 0) return undefined;
    const r = new JuteReader(this.#buf, this.#start, this.#start + size);
    const p = QuorumPacket.read(r);
    this.#start = r.offset;
    return p;
  }

  /** The size of the packet at the start of the buffer, or -1 while it is incomplete. */
  #packetSize(): number {
    const b = this.#buf;
    const s = this.#start;
    const avail = this.#end - s;
    const int = (o: number) =>
      (b[s + o] << 24) | (b[s + o + 1] << 16) | (b[s + o + 2] << 8) | b[s + o + 3];
    if (avail < 16) return -1;
    const len = int(12);
    if (len < -1 || len > this.#dataMax) {
      throw new JuteDecodeError(`bad packet data length ${len}`, s + 12);
    }
    let o = 16 + Math.max(len, 0);
    if (avail < o + 4) return -1;
    const count = int(o);
    if (count < -1 || count > 1024) {
      throw new JuteDecodeError(`bad packet authinfo count ${count}`, s + o);
    }
    o += 4;
    for (let i = 0; i < Math.max(count, 0) * 2; i++) {
      if (avail < o + 4) return -1;
      const n = int(o);
      if (n < -1 || n > this.#dataMax) throw new JuteDecodeError(`bad string length ${n}`, s + o);
      o += 4 + Math.max(n, 0);
    }
    return avail < o ? -1 : o;
  }

  /**
   * Takes a SNAP body (the raw snapshot that follows a SNAP packet) once it
   * is all here: the sessions, the ACL cache and the nodes up to the path
   * "/", then the signature. Returns undefined until then; the scan resumes
   * where it stopped, so a big snapshot arriving in pieces is read once.
   *
   * @throws {JuteDecodeError} a malformed body or a wrong signature
   */
  nextSnapshot(): SnapBody | undefined {
    const st = this.#snap ??= {
      phase: 0,
      left: 0,
      rel: 0,
      treeRel: 0,
      sessions: new Map(),
    };
    for (;;) {
      const r = new JuteReader(this.#buf, this.#start + st.rel, this.#end);
      try {
        switch (st.phase) {
          case 0: { // the session count
            const n = r.readInt();
            if (n < 0) {
              throw new JuteDecodeError(`bad session count ${n}`, r.offset - 4);
            }
            st.left = n;
            st.phase = 1;
            break;
          }
          case 1: // a session
            if (st.left === 0) {
              st.treeRel = st.rel;
              st.phase = 2;
              continue;
            }
            st.sessions.set(r.readLong(), r.readInt());
            st.left--;
            break;
          case 2: { // the ACL cache size
            const n = r.readInt();
            if (n < 0) {
              throw new JuteDecodeError(
                `bad ACL cache size ${n}`,
                r.offset - 4,
              );
            }
            st.left = n;
            st.phase = 3;
            break;
          }
          case 3: { // an ACL cache entry: long index, vector<ACL>
            if (st.left === 0) {
              st.phase = 4;
              continue;
            }
            r.readLong();
            const k = r.readInt();
            if (k < -1) {
              throw new JuteDecodeError(`bad ACL list size ${k}`, r.offset - 4);
            }
            for (let j = 0; j < k; j++) {
              r.readInt();
              r.readString();
              r.readString();
            }
            st.left--;
            break;
          }
          case 4: { // a node, or the path "/" that ends the tree
            const path = r.readString();
            if (path !== "/") {
              r.readBuffer();
              r.readLong();
              if (r.remaining < 60) return undefined;
              r.offset += 60;
            } else st.phase = 5;
            break;
          }
          case 5: { // the signature
            const signature = r.readString();
            if (signature !== SNAP_SIGNATURE) {
              throw new JuteDecodeError(
                `missing snapshot signature (got ${JSON.stringify(signature)})`,
                r.offset,
              );
            }
            const end = r.offset;
            const body: SnapBody = {
              bytes: this.#buf.slice(this.#start, end),
              treeStart: st.treeRel,
              sessions: st.sessions,
            };
            this.#start = end;
            this.#snap = undefined;
            return body;
          }
        }
        st.rel = r.offset - this.#start;
      } catch (e) {
        if (e instanceof JuteDecodeError && e.reason.startsWith("truncated")) {
          return undefined;
        }
        throw e;
      }
    }
  }
}

/** A SNAP body as received: the bytes, and where its tree section starts. */
export interface SnapBody {
  /** The sessions, then the ACL cache and nodes (`DataTree.serialize`), then the signature. */
  bytes: Uint8Array;
  /** The offset in `bytes` of the ACL cache (the sessions come before). */
  treeStart: number;
  /** The sessions: id → timeout. */
  sessions: Map<bigint, number>;
}
