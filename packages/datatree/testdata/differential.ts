/**
 * The offline half of the differential test: replays a run random_ops.py
 * recorded against Apache ZooKeeper 3.8 (ops.jsonl + log.1 in `dir`) through
 * prepare, apply, processRead and writeReply, and fails at the first step
 * whose txn, result, watch events or counters differ. Used by random_test.ts
 * (the committed recording) and differential_test.ts (a fresh seed, live).
 *
 * @module
 */
import assert from "node:assert/strict";
import { decode, encode, type Id, OpCode, Perms, type Stat, TxnEntry } from "@zkts/jute";
import {
  checkAcl,
  DataTree,
  Preparer,
  processRead,
  type ReadRequest,
  writeReply,
  type WriteRequest,
} from "../mod.ts";

// deno-lint-ignore no-explicit-any
type Rec = any;


function readLog(bytes: Uint8Array): { entry: TxnEntry; raw: Uint8Array }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { entry: TxnEntry; raw: Uint8Array }[] = [];
  let at = 16;
  while (at + 12 <= bytes.length) {
    const len = view.getInt32(at + 8);
    if (len === 0) break;
    const raw = bytes.subarray(at + 12, at + 12 + len);
    out.push({ entry: decode(TxnEntry, raw), raw });
    at += 12 + len + 1;
  }
  return out;
}

const b64 = (s: string | null) =>
  s === null ? null : Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toB64 = (b: Uint8Array | null) => b === null ? null : btoa(String.fromCharCode(...b));
const statList = (s: Stat | null | undefined) =>
  s == null ? null : [
    s.czxid,
    s.mzxid,
    s.ctime,
    s.mtime,
    s.version,
    s.cversion,
    s.aversion,
    s.ephemeralOwner,
    s.dataLength,
    s.numChildren,
    s.pzxid,
  ].map(String);

// The "zs" ACL names a digest nobody authenticates as; s1 authenticates as zs:123.
const ZS = { scheme: "digest", id: "zs:Ujd3Smwe0mX2xNrnMzRWWaNH/f4=" };
const ZS_123 = { scheme: "digest", id: "zs:MmlUBMEriShFUsdqGobD4y4fsY4=" };
const ACLS: Record<string, { perms: number; id: Id }[]> = {
  open: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
  read: [{ perms: 1, id: { scheme: "world", id: "anyone" } }],
  nodelete: [{ perms: 31 & ~8, id: { scheme: "world", id: "anyone" } }],
  zs: [{ perms: 31, id: ZS }, { perms: 1, id: { scheme: "world", id: "anyone" } }],
  ip: [{ perms: 31, id: { scheme: "ip", id: "127.0.0.1" } }],
  auth: [{ perms: 31, id: { scheme: "auth", id: "" } }],
  bad: [{ perms: 31, id: { scheme: "nosuch", id: "x" } }],
};
const IP = { scheme: "ip", id: "127.0.0.1" };

function toRequest(r: Rec): WriteRequest {
  switch (r.op) {
    case "create": {
      const request = {
        path: r.path,
        data: b64(r.data),
        acl: r.acl ? ACLS[r.acl] : ACLS.open,
        flags: r.flags,
      };
      if (r.kind === "create2") return { type: OpCode.create2, request };
      if (r.kind === "container") return { type: OpCode.createContainer, request };
      if (r.kind === "ttl") {
        return { type: OpCode.createTTL, request: { ...request, ttl: BigInt(r.ttl) } };
      }
      return { type: OpCode.create, request };
    }
    case "delete":
      return { type: OpCode.delete, request: { path: r.path, version: r.version } };
    case "set":
      return {
        type: OpCode.setData,
        request: { path: r.path, data: b64(r.data), version: r.version },
      };
    case "setacl":
      return {
        type: OpCode.setACL,
        request: { path: r.path, acl: ACLS[r.acl], version: r.version },
      };
    case "check":
      return { type: OpCode.check, request: { path: r.path, version: r.version } };
    case "multi":
      return {
        type: OpCode.multi,
        request: {
          ops: r.ops.map((o: Rec) => {
            const w = toRequest(o);
            return { type: w.type, request: w.request };
          }),
        },
      } as WriteRequest;
    default:
      throw new Error(`not a write: ${r.op}`);
  }
}

/** Replays the recording in `dir`; throws at the first difference, naming the line. */
export function replayRecorded(dir: URL): void {
  const lines: Rec[] = new TextDecoder().decode(Deno.readFileSync(new URL("ops.jsonl", dir))).trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const recorded: [string, number, string][] = lines.pop().events;
  const log = readLog(Deno.readFileSync(new URL("log.1", dir)));

  const tree = new DataTree<string>({ extendedTypesEnabled: true, apacheVersion: "3.8" });
  const prep = new Preparer(tree, { enforceQuota: true });
  const session = new Map<string, bigint>();
  const auth = new Map<string, Id[]>();
  const events = new Map<string, [string, number, string][]>();
  let next = 0;
  const step = (what: string, label: string) => {
    const { entry, raw } = log[next++];
    const h = entry.header;
    return { entry, raw, h, what, label };
  };
  const write = (label: string, req: WriteRequest, what: string) => {
    const { entry, raw, h } = step(what, label);
    if (req.type === OpCode.createSession) session.set(label, h.clientId);
    assert.equal(h.clientId, session.get(label), `${what}: session`);
    const r = req.type === OpCode.createSession
      ? { ...req, request: { timeOut: (entry.txn as { timeOut: number }).timeOut } }
      : req;
    const p = prep.prepare(r, {
      sessionId: h.clientId,
      cxid: h.cxid,
      zxid: h.zxid,
      time: h.time,
      authInfo: auth.get(label)!,
    });
    const mine = { header: p.hdr, txn: p.txn, ...(p.digest ? { digest: p.digest } : {}) };
    assert.deepEqual(mine, entry, `${what}: txn`);
    assert.deepEqual(encode(TxnEntry, mine), raw, `${what}: txn bytes`);
    const rc = tree.processTxn(p.hdr, p.txn);
    prep.applied(p.hdr.zxid);
    for (const e of rc.events) {
      // NIOServerCnxn.process: only sessions that may READ the znode get the event (CVE-2024-23944).
      if (!checkAcl(e.acl, Perms.Read, auth.get(e.watcher)!)) continue;
      if (!events.has(e.watcher)) events.set(e.watcher, []);
      events.get(e.watcher)!.push([e.watcher, e.type, e.path]);
    }
    return { p, rc };
  };
  const open = (label: string, authIds: Id[]) => {
    auth.set(label, authIds);
    write(label, { type: OpCode.createSession, request: { timeOut: 0 } }, `createSession ${label}`);
  };
  open("s1", [IP, ZS_123]);
  open("s2", [IP]);

  // Apache's ContainerManager (every 60 s) deletes empty used containers and expired TTL nodes
  // through the pipeline as session 0: replay those where the log has them.
  session.set("container-manager", 0n);
  auth.set("container-manager", []);
  const drainInternal = () => {
    while (next < log.length && log[next].entry.header.clientId === 0n) {
      const path = (log[next].entry.txn as { path: string }).path;
      assert.equal(log[next].entry.header.type, OpCode.deleteContainer);
      assert.ok(
        tree.containerCandidates(log[next].entry.header.time).includes(path),
        `${path} is a candidate`,
      );
      write(
        "container-manager",
        { type: OpCode.deleteContainer, request: { path } },
        `deleteContainer ${path}`,
      );
    }
  };

  lines.forEach((r: Rec, i: number) => {
    drainInternal();
    const what = `line ${i + 1} (${JSON.stringify(r)})`;
    const label: string = r.s;
    const res = r.res;
    switch (r.op) {
      case "restart":
        write(label, { type: OpCode.closeSession }, `${what} close`);
        tree.removeWatcher(label); // the connection goes: DataTree.removeCnxn
        open(r.new, [IP]);
        return;
      case "count":
      case "ephemerals": {
        const reply = processRead(
          tree,
          r.op === "count"
            ? { type: OpCode.getAllChildrenNumber, request: { path: r.path } }
            : { type: OpCode.getEphemerals, request: { prefixPath: r.prefix } },
          { watcher: label, sessionId: session.get(label)!, authInfo: auth.get(label)! },
        );
        // deno-lint-ignore no-explicit-any
        const b = reply.response as any;
        const got = reply.err !== 0
          ? { err: reply.err }
          : r.op === "count"
          ? { count: b.totalNumber }
          : { paths: b.ephemerals };
        assert.deepEqual(got, res, what);
        return;
      }
      case "drop":
        tree.removeWatcher(label); // the old connection goes: DataTree.removeCnxn
        return;
      case "setwatches": {
        const reply = processRead(tree, {
          type: OpCode.setWatches,
          request: {
            relativeZxid: BigInt(r.relativeZxid),
            dataWatches: r.data,
            existWatches: r.exist,
            childWatches: r.child,
          },
        }, { watcher: label, sessionId: session.get(label)!, authInfo: auth.get(label)! });
        assert.equal(reply.err, 0, what);
        for (const e of reply.events) {
          if (!events.has(e.watcher)) events.set(e.watcher, []);
          events.get(e.watcher)!.push([e.watcher, e.type, e.path]);
        }
        return;
      }
      case "mntr":
        assert.deepEqual(
          {
            zk_znode_count: String(tree.apacheNodeCount),
            zk_approximate_data_size: String(tree.approximateDataSize),
            zk_ephemerals_count: String(tree.ephemeralsCount),
            zk_watch_count: String(tree.watchCount),
          },
          res,
          what,
        );
        return;
      case "close":
        write(label, { type: OpCode.closeSession }, what);
        tree.removeWatcher(label);
        return;
      case "addwatch":
      case "checkwatch":
      case "removewatch":
      case "get":
      case "exists":
      case "children":
      case "getacl": {
        const req = r.op === "addwatch"
          ? { type: OpCode.addWatch, request: { path: r.path, mode: r.mode } }
          : r.op === "checkwatch"
          ? { type: OpCode.checkWatches, request: { path: r.path, type: r.type } }
          : r.op === "removewatch"
          ? { type: OpCode.removeWatches, request: { path: r.path, type: r.type } }
          : r.op === "get"
          ? { type: OpCode.getData, request: { path: r.path, watch: r.watch } }
          : r.op === "exists"
          ? { type: OpCode.exists, request: { path: r.path, watch: r.watch } }
          : r.op === "children"
          ? { type: OpCode.getChildren2, request: { path: r.path, watch: r.watch } }
          : { type: OpCode.getACL, request: { path: r.path } };
        const reply = processRead(tree, req as ReadRequest, {
          watcher: label,
          sessionId: session.get(label)!,
          authInfo: auth.get(label)!,
        });
        let got: Rec;
        if (reply.err !== 0) {
          // kazoo answers exists on a missing node with None.
          got = r.op === "exists" && reply.err === -101 ? { stat: null } : { err: reply.err };
        } else {
          // deno-lint-ignore no-explicit-any
          const b = reply.response as any;
          got = r.op === "get"
            ? { data: toB64(b.data), stat: statList(b.stat) }
            : r.op === "exists"
            ? { stat: statList(b.stat) }
            : r.op === "children"
            ? { children: b.children, stat: statList(b.stat) }
            : r.op === "getacl"
            ? {
              acl: b.acl.map((x: { perms: number; id: Id }) => [x.perms, x.id.scheme, x.id.id]),
              stat: statList(b.stat),
            }
            : {};
        }
        assert.deepEqual(got, res, what);
        return;
      }
      default: {
        const req = toRequest(r);
        const { rc } = write(label, req, what);
        const reply = writeReply(req.type, rc);
        // deno-lint-ignore no-explicit-any
        const b = reply.response as any;
        let got: Rec;
        if (reply.err !== 0) got = { err: reply.err };
        else if (r.op === "multi") {
          got = {
            results: b.results.map((x: Rec) =>
              x.type === OpCode.error
                ? { err: x.err }
                : x.type === OpCode.create
                ? { path: x.path }
                : x.type === OpCode.setData
                ? { stat: statList(x.stat) }
                : {}
            ),
          };
        } else if (r.op === "create") {
          got = r.kind === "create" ? { path: b.path } : { path: b.path, stat: statList(b.stat) };
        } else if (r.op === "set" || r.op === "setacl") {
          got = { stat: statList(b.stat) };
        } else {
          got = {};
        }
        assert.deepEqual(got, res, what);
      }
    }
  });
  drainInternal();
  assert.equal(next, log.length, "every logged txn was prepared");
  const byLabel = new Map<string, [string, number, string][]>();
  for (const e of recorded) {
    if (!byLabel.has(e[0])) byLabel.set(e[0], []);
    byLabel.get(e[0])!.push(e);
  }
  for (const label of new Set([...byLabel.keys(), ...events.keys()])) {
    assert.deepEqual(events.get(label) ?? [], byLabel.get(label) ?? [], `watch events of ${label}`);
  }
  assert.ok(recorded.length > 50, `${recorded.length} events compared`);
}
