/**
 * Apache ZooKeeper 3.8's election wire format (`QuorumCnxManager`,
 * `FastLeaderElection.buildMsg` and `WorkerReceiver`): the initial message a
 * connecting peer sends, length-prefixed frames, and notifications.
 *
 * @module
 */

import type { Sid } from "./quorum.ts";
import { type Notification, NOTIFICATION_VERSION, type ServerState } from "./vote.ts";

/** Protocol version of the initial message since 3.5 (ZOOKEEPER-107): `0xffff0000` as a long. */
export const PROTOCOL_VERSION_V1: bigint = -65536n;
/** Protocol version with several election addresses (ZOOKEEPER-3188, 3.6+ with multi-address on). */
export const PROTOCOL_VERSION_V2: bigint = -65535n;
/** Apache's `QuorumCnxManager.maxBuffer`: the longest address string of an initial message. */
export const INITIAL_ADDRESS_BYTES_MAX = 2048;
/** Apache's `QuorumCnxManager.PACKETMAXSIZE`: the longest election frame. */
export const FRAME_BYTES_MAX = 512 * 1024;
/** Apache's `QuorumPeer.OBSERVER_ID`: the id old observers announce (refused here). */
export const OBSERVER_ID = (1n << 63n) - 1n;

/** A malformed initial message, frame or notification from a peer. */
export class WireError extends Error {
  /** The error's name, `WireError`, as logs print it. */
  override name = "WireError";
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder("utf-8", { fatal: false });

/** The initial message: who connects, and where it listens for elections. */
export interface InitialMessage {
  /** The protocol version (V1 unless multi-address is on). */
  protocolVersion: bigint;
  /** The connecting server's id. */
  sid: Sid;
  /** Its election addresses, `host:port` (IPv6 in brackets); empty for the pre-3.5 form. */
  addresses: string[];
}

/**
 * Encodes the initial message a peer sends after connecting: protocol
 * version, server id, and its election address as `host:port`.
 *
 * @param sid this server's id
 * @param address its election address, `host:port`
 * @param protocolVersion V1 (default, as Apache without multi-address) or V2
 * @returns the bytes
 *
 * @example
 * ```ts
 * import { decodeInitialMessage, encodeInitialMessage } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const bytes = encodeInitialMessage(3n, "127.0.0.1:3888");
 * assert.equal(bytes.length, 8 + 8 + 4 + 14);
 * assert.deepEqual(decodeInitialMessage(bytes).message?.sid, 3n);
 * ```
 */
export function encodeInitialMessage(
  sid: Sid,
  address: string,
  protocolVersion: bigint = PROTOCOL_VERSION_V1,
): Uint8Array {
  const addr = utf8.encode(address);
  const out = new Uint8Array(20 + addr.length);
  const dv = new DataView(out.buffer);
  dv.setBigInt64(0, protocolVersion);
  dv.setBigInt64(8, sid);
  dv.setInt32(16, addr.length);
  out.set(addr, 20);
  return out;
}

/**
 * Decodes an initial message from the start of `bytes`, as Apache's
 * `QuorumCnxManager.handleConnection`: a non-negative first long is a bare
 * server id (the pre-3.5 form), otherwise a V1/V2 message follows.
 *
 * @param bytes the bytes received so far
 * @returns the message and its length, or `{ needed }` when more bytes are needed
 * @throws {WireError} on an unknown protocol version, a bad address length or a bad address
 *
 * @example
 * ```ts
 * import { decodeInitialMessage } from "@zkts/election";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decodeInitialMessage(new Uint8Array(4)), { needed: 8 });
 * ```
 */
export function decodeInitialMessage(
  bytes: Uint8Array,
): { message: InitialMessage; length: number } | { needed: number; message?: undefined } {
  if (bytes.length < 8) return { needed: 8 };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = dv.getBigInt64(0);
  if (first >= 0n) {
    return { message: { protocolVersion: first, sid: first, addresses: [] }, length: 8 };
  }
  if (first !== PROTOCOL_VERSION_V1 && first !== PROTOCOL_VERSION_V2) {
    throw new WireError(`Got unrecognized protocol version ${first}`);
  }
  if (bytes.length < 20) return { needed: 20 };
  const sid = dv.getBigInt64(8);
  const n = dv.getInt32(16);
  if (n <= 0 || n > INITIAL_ADDRESS_BYTES_MAX) {
    throw new WireError(`Unreasonable buffer length: ${n}`);
  }
  if (bytes.length < 20 + n) return { needed: 20 + n };
  const text = utf8d.decode(bytes.subarray(20, 20 + n));
  const addresses = text.split("|");
  for (const a of addresses) {
    const colon = a.lastIndexOf(":");
    const port = Number(a.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new WireError(`Badly formed address: ${a}`);
    }
  }
  return { message: { protocolVersion: first, sid, addresses }, length: 20 + n };
}

/**
 * Encodes a notification as Apache 3.8's `buildMsg`: int state, long leader,
 * long zxid, long election epoch, long peer epoch, int version (2), int config
 * length, config bytes.
 *
 * @param n the notification (its `config` is ignored; pass the text separately)
 * @param config the sender's dynamic config text (see `configString`)
 * @returns the message body, without the frame length
 *
 * @example
 * ```ts
 * import { decodeNotification, encodeNotification, ServerState } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const n = { state: ServerState.LOOKING, leader: 3n, zxid: 0x100000001n, electionEpoch: 2n, peerEpoch: 1n, version: 2 };
 * const bytes = encodeNotification(n, "version=0");
 * assert.equal(bytes.length, 44 + 9);
 * assert.deepEqual(decodeNotification(bytes), { ...n, config: "version=0" });
 * ```
 */
export function encodeNotification(n: Notification, config: string): Uint8Array {
  const cfg = utf8.encode(config);
  const out = new Uint8Array(44 + cfg.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, n.state);
  dv.setBigInt64(4, n.leader);
  dv.setBigInt64(12, n.zxid);
  dv.setBigInt64(20, n.electionEpoch);
  dv.setBigInt64(28, n.peerEpoch);
  dv.setInt32(36, NOTIFICATION_VERSION);
  dv.setInt32(40, cfg.length);
  out.set(cfg, 44);
  return out;
}

/**
 * Decodes a notification as Apache's `WorkerReceiver`: 28-byte (no peer
 * epoch: taken from the zxid) and 40-byte (no version) messages of older
 * peers are accepted; from version 2 on, the config follows.
 *
 * @param body a frame's body
 * @returns the notification
 * @throws {WireError} when shorter than 28 bytes, with a bad config length, truncated, or with an unknown state
 *
 * @example A 3.4-era 40-byte notification (no version, no config)
 * ```ts
 * import { decodeNotification, ServerState } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const b = new Uint8Array(40);
 * const dv = new DataView(b.buffer);
 * dv.setInt32(0, ServerState.LEADING);
 * dv.setBigInt64(4, 2n);
 * assert.equal(decodeNotification(b).leader, 2n);
 * assert.equal(decodeNotification(b).version, 0);
 * ```
 */
export function decodeNotification(body: Uint8Array): Notification {
  const cap = body.length;
  if (cap < 28) throw new WireError(`Got a short response: ${cap}`);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const state = dv.getInt32(0);
  if (state < 0 || state > 3) throw new WireError(`Unknown state ${state}`);
  const leader = dv.getBigInt64(4);
  const zxid = dv.getBigInt64(12);
  const electionEpoch = dv.getBigInt64(20);
  let peerEpoch: bigint;
  let version = 0;
  let config: string | undefined;
  if (cap === 28) {
    peerEpoch = zxid >> 32n;
  } else {
    if (cap < 36) throw new WireError(`Partial notification of ${cap} bytes`);
    peerEpoch = dv.getBigInt64(28);
    if (cap !== 40) {
      if (cap < 40) throw new WireError(`Partial notification of ${cap} bytes`);
      version = dv.getInt32(36);
    }
    if (version > 1) {
      if (cap < 44) throw new WireError(`Partial notification of ${cap} bytes`);
      const len = dv.getInt32(40);
      if (len < 0 || len > cap || 44 + len > cap) {
        throw new WireError(`Invalid configLength in notification message: ${len} of ${cap}`);
      }
      config = utf8d.decode(body.subarray(44, 44 + len));
    }
  }
  const n: Notification = {
    state: state as ServerState,
    leader,
    zxid,
    electionEpoch,
    peerEpoch,
    version,
  };
  if (config !== undefined) n.config = config;
  return n;
}

/**
 * Frames a message as `QuorumCnxManager.SendWorker` does: a 4-byte length, then the body.
 *
 * @param body the message
 * @returns the frame
 *
 * @example
 * ```ts
 * import { frame } from "@zkts/election";
 * import assert from "node:assert/strict";
 * assert.deepEqual(frame(new Uint8Array([7])), new Uint8Array([0, 0, 0, 1, 7]));
 * ```
 */
export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

/**
 * Reads one frame from the start of `bytes`, as `RecvWorker`: the length must
 * be positive and at most {@linkcode FRAME_BYTES_MAX}.
 *
 * @param bytes the bytes received so far
 * @returns the body and the bytes used, or undefined when incomplete
 * @throws {WireError} on a bad length
 *
 * @example
 * ```ts
 * import { frame, readFrame } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const f = frame(new Uint8Array([1, 2]));
 * assert.equal(readFrame(f.subarray(0, 5)), undefined);
 * assert.deepEqual(readFrame(f), { body: new Uint8Array([1, 2]), length: 6 });
 * ```
 */
export function readFrame(bytes: Uint8Array): { body: Uint8Array; length: number } | undefined {
  if (bytes.length < 4) return undefined;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0);
  if (n <= 0 || n > FRAME_BYTES_MAX) {
    throw new WireError(`Received packet with invalid packet: ${n}`);
  }
  if (bytes.length < 4 + n) return undefined;
  return { body: bytes.subarray(4, 4 + n), length: 4 + n };
}
