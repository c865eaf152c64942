/**
 * Multi and multiRead: the request as Apache's `MultiOperationRecord` writes
 * it and the response as `MultiResponse` writes it.
 *
 * @module
 */

import { OpCode } from "./constants.ts";
import { type Stat, Stat as StatCodec } from "./data.ts";
import { JuteDecodeError } from "./errors.ts";
import {
  CheckVersionRequest,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  DeleteRequest,
  ErrorResponse,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  MultiHeader,
  SetDataRequest,
  SetDataResponse,
} from "./proto.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteRecord } from "./record.ts";
import type { JuteWriter } from "./writer.ts";

/**
 * One op of a multi (`Op` in Apache's client): its op code and its request
 * record. Writes (create*, delete, setData, check) go in a `multi`, reads
 * (getData, getChildren) in a `multiRead`.
 */
export type MultiOp =
  | {
    type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
    request: CreateRequest;
  }
  | { type: typeof OpCode.createTTL; request: CreateTTLRequest }
  | { type: typeof OpCode.delete; request: DeleteRequest }
  | { type: typeof OpCode.setData; request: SetDataRequest }
  | { type: typeof OpCode.check; request: CheckVersionRequest }
  | { type: typeof OpCode.getChildren; request: GetChildrenRequest }
  | { type: typeof OpCode.getData; request: GetDataRequest };

/** The body of a `multi` or `multiRead` request. */
export interface MultiOperationRecord {
  /** The ops, in order. */
  ops: MultiOp[];
}

function opTypeError(r: JuteReader, at: number, type: number, what: string): JuteDecodeError {
  void r;
  return new JuteDecodeError(`invalid op type ${type} in ${what}`, at);
}

/**
 * Codec of {@linkcode MultiOperationRecord}: per op a
 * `MultiHeader(type, done=false, err=-1)` and its request record, then
 * `MultiHeader(-1, done=true, -1)`. Decoding reads until a header with
 * `done` set and ignores the `err` of op headers, as Apache does; encoding
 * writes Apache's canonical headers.
 *
 * @example A multi with a create and a check
 * ```ts
 * import { decode, encode, MultiOperationRecord, OpCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: MultiOperationRecord = {
 *   ops: [
 *     {
 *       type: OpCode.create,
 *       request: {
 *         path: "/a",
 *         data: null,
 *         acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
 *         flags: 0,
 *       },
 *     },
 *     { type: OpCode.check, request: { path: "/", version: -1 } },
 *   ],
 * };
 * assert.deepEqual(decode(MultiOperationRecord, encode(MultiOperationRecord, v)), v);
 * ```
 */
export const MultiOperationRecord: JuteRecord<MultiOperationRecord> = {
  name: "MultiOperationRecord",
  write(w: JuteWriter, v: MultiOperationRecord): void {
    for (const op of v.ops) {
      w.writeInt(op.type);
      w.writeBool(false);
      w.writeInt(-1);
      switch (op.type) {
        case OpCode.create:
        case OpCode.create2:
        case OpCode.createContainer:
          CreateRequest.write(w, op.request);
          break;
        case OpCode.createTTL:
          CreateTTLRequest.write(w, op.request);
          break;
        case OpCode.delete:
          DeleteRequest.write(w, op.request);
          break;
        case OpCode.setData:
          SetDataRequest.write(w, op.request);
          break;
        case OpCode.check:
          CheckVersionRequest.write(w, op.request);
          break;
        case OpCode.getChildren:
          GetChildrenRequest.write(w, op.request);
          break;
        case OpCode.getData:
          GetDataRequest.write(w, op.request);
          break;
        default:
          throw new TypeError(`invalid op type ${(op as { type: number }).type} in multi`);
      }
    }
    writeDone(w);
  },
  read(r: JuteReader): MultiOperationRecord {
    const ops: MultiOp[] = [];
    for (;;) {
      const at = r.offset;
      const h = MultiHeader.read(r);
      if (h.done) return { ops };
      switch (h.type) {
        case OpCode.create:
        case OpCode.create2:
        case OpCode.createContainer:
          ops.push({ type: h.type, request: CreateRequest.read(r) });
          break;
        case OpCode.createTTL:
          ops.push({ type: h.type, request: CreateTTLRequest.read(r) });
          break;
        case OpCode.delete:
          ops.push({ type: h.type, request: DeleteRequest.read(r) });
          break;
        case OpCode.setData:
          ops.push({ type: h.type, request: SetDataRequest.read(r) });
          break;
        case OpCode.check:
          ops.push({ type: h.type, request: CheckVersionRequest.read(r) });
          break;
        case OpCode.getChildren:
          ops.push({ type: h.type, request: GetChildrenRequest.read(r) });
          break;
        case OpCode.getData:
          ops.push({ type: h.type, request: GetDataRequest.read(r) });
          break;
        default:
          throw opTypeError(r, at, h.type, "MultiOperationRecord");
      }
    }
  },
};

/**
 * One result of a multi or multiRead (`OpResult` in Apache's client), keyed
 * by the op code Apache writes in its `MultiHeader`: `create` (path only),
 * `create2` (path and stat; also for createTTL and createContainer),
 * `delete`, `setData`, `check`, `getChildren`, `getData`, and `error`.
 */
export type MultiResult =
  | { type: typeof OpCode.create; path: string }
  | { type: typeof OpCode.create2; path: string; stat: Stat }
  | { type: typeof OpCode.delete }
  | { type: typeof OpCode.setData; stat: Stat }
  | { type: typeof OpCode.check }
  | { type: typeof OpCode.getChildren; children: string[] }
  | { type: typeof OpCode.getData; data: Uint8Array | null; stat: Stat }
  | { type: typeof OpCode.error; err: number };

/** The body of a `multi` or `multiRead` response. */
export interface MultiResponse {
  /** The results, one per op, in order. */
  results: MultiResult[];
}

/**
 * Codec of {@linkcode MultiResponse}: per result a
 * `MultiHeader(type, done=false, err)` (err is 0 but for error results) and
 * the result's record (none for delete and check; an `ErrorResponse` for
 * errors), then `MultiHeader(-1, done=true, -1)`.
 *
 * @example A failed multi
 * ```ts
 * import { decode, encode, ErrorCode, MultiResponse, OpCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: MultiResponse = {
 *   results: [
 *     { type: OpCode.error, err: ErrorCode.Ok },
 *     { type: OpCode.error, err: ErrorCode.NoNode },
 *   ],
 * };
 * assert.deepEqual(decode(MultiResponse, encode(MultiResponse, v)), v);
 * ```
 */
export const MultiResponse: JuteRecord<MultiResponse> = {
  name: "MultiResponse",
  write(w: JuteWriter, v: MultiResponse): void {
    for (const res of v.results) {
      w.writeInt(res.type);
      w.writeBool(false);
      w.writeInt(res.type === OpCode.error ? res.err : 0);
      switch (res.type) {
        case OpCode.create:
          CreateResponse.write(w, res);
          break;
        case OpCode.create2:
          Create2Response.write(w, res);
          break;
        case OpCode.delete:
        case OpCode.check:
          break;
        case OpCode.setData:
          StatCodec.write(w, res.stat);
          break;
        case OpCode.getChildren:
          GetChildrenResponse.write(w, res);
          break;
        case OpCode.getData:
          GetDataResponse.write(w, res);
          break;
        case OpCode.error:
          ErrorResponse.write(w, res);
          break;
        default:
          throw new TypeError(
            `invalid type ${(res as { type: number }).type} in MultiResponse`,
          );
      }
    }
    writeDone(w);
  },
  read(r: JuteReader): MultiResponse {
    const results: MultiResult[] = [];
    for (;;) {
      const at = r.offset;
      const h = MultiHeader.read(r);
      if (h.done) return { results };
      switch (h.type) {
        case OpCode.create:
          results.push({ type: h.type, path: r.readString() });
          break;
        case OpCode.create2: {
          const path = r.readString();
          results.push({ type: h.type, path, stat: StatCodec.read(r) });
          break;
        }
        case OpCode.delete:
        case OpCode.check:
          results.push({ type: h.type });
          break;
        case OpCode.setData:
          results.push({ type: h.type, stat: SetDataResponse.read(r).stat });
          break;
        case OpCode.getChildren:
          results.push({ type: h.type, children: GetChildrenResponse.read(r).children });
          break;
        case OpCode.getData: {
          const d = GetDataResponse.read(r);
          results.push({ type: h.type, data: d.data, stat: d.stat });
          break;
        }
        case OpCode.error:
          results.push({ type: h.type, err: r.readInt() });
          break;
        default:
          throw opTypeError(r, at, h.type, "MultiResponse");
      }
    }
  },
};

function writeDone(w: JuteWriter): void {
  w.writeInt(-1);
  w.writeBool(true);
  w.writeInt(-1);
}
