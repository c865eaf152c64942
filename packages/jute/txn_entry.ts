/**
 * A whole transaction as Apache writes it in a txn log record and a
 * PROPOSAL's data: `TxnHeader`, the txn record, and (3.6+) a `TxnDigest`.
 *
 * @module
 */

import { OpCode } from "./constants.ts";
import { JuteDecodeError } from "./errors.ts";
import { type AnyTxn, txnRecord } from "./ops.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteRecord } from "./record.ts";
import { CreateTxnV0, TxnDigest, TxnHeader } from "./txn.ts";
import type { JuteWriter } from "./writer.ts";

/** A transaction: header, body (by `header.type`) and optional digest. */
export interface TxnEntry {
  /** Session, cxid, zxid, time and type. */
  header: TxnHeader;
  /**
   * The txn record chosen by {@linkcode txnRecord}(header.type); null for a
   * closeSession written before 3.6 (no `CloseSessionTxn`). An old `create`
   * without `parentCVersion` decodes as a `CreateTxnV0`.
   */
  txn: AnyTxn | null;
  /** The tree digest after this txn, when the writer had digests on (3.6+ default). */
  digest?: TxnDigest;
}

/**
 * Codec of {@linkcode TxnEntry}, as `SerializeUtils.serializeRequest` writes
 * it and `SerializeUtils.deserializeTxn` reads it. The entry runs to the end
 * of the reader's window: a digest is read when bytes are left after the txn.
 *
 * @example A setData txn with its digest
 * ```ts
 * import { decode, encode, OpCode, TxnEntry } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: TxnEntry = {
 *   header: { clientId: 0x100000abcn, cxid: 3, zxid: 0x200000005n, time: 1700000000000n, type: OpCode.setData },
 *   txn: { path: "/a", data: new Uint8Array([1]), version: 2 },
 *   digest: { version: 2, treeDigest: 12345n },
 * };
 * assert.deepEqual(decode(TxnEntry, encode(TxnEntry, v)), v);
 * ```
 */
export const TxnEntry: JuteRecord<TxnEntry> = {
  name: "TxnEntry",
  write(w: JuteWriter, v: TxnEntry): void {
    TxnHeader.write(w, v.header);
    if (v.txn !== null) {
      const rec = v.header.type === OpCode.create && !("parentCVersion" in v.txn)
        ? CreateTxnV0 as JuteRecord<AnyTxn>
        : txnRecord(v.header.type);
      if (rec === undefined) throw new TypeError(`no txn record for type ${v.header.type}`);
      rec.write(w, v.txn);
    }
    if (v.digest !== undefined) TxnDigest.write(w, v.digest);
  },
  read(r: JuteReader): TxnEntry {
    const at = r.offset;
    const header = TxnHeader.read(r);
    const rec = txnRecord(header.type);
    if (rec === undefined) {
      throw new JuteDecodeError(`unsupported txn type ${header.type}`, at);
    }
    let txn: AnyTxn | null;
    if (header.type === OpCode.closeSession && r.remaining === 0) {
      txn = null;
    } else if (header.type === OpCode.create) {
      const start = r.offset;
      try {
        txn = rec.read(r);
      } catch (e) {
        if (!(e instanceof JuteDecodeError)) throw e;
        // A create from before parentCVersion existed (SerializeUtils falls back too).
        r.offset = start;
        txn = CreateTxnV0.read(r);
      }
    } else {
      txn = rec.read(r);
    }
    const entry: TxnEntry = { header, txn };
    if (r.remaining > 0) entry.digest = TxnDigest.read(r);
    return entry;
  },
};
