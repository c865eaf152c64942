/**
 * Offline differential test against Apache ZooKeeper 3.8 (Debian's 3.8.0):
 * testdata/random_ops.py drove Apache with 10,000 seeded random ops (seed 11):
 * creates (every mode), deletes,
 * setData, setACL, multis, reads with watches and session restarts from two
 * connections, recording every request, result and watch event
 * (testdata/random/ops.jsonl) next to Apache's txn log. Here the same
 * requests go through prepare + apply + the reads, and everything must match:
 * each txn byte for byte, each result (error codes, paths, stats, data,
 * children in order, ACLs), and each connection's watch events in order.
 */
import assert from "node:assert/strict";
import { decode, encode, type Id, OpCode, Perms, type Stat, TxnEntry } from "@zkts/jute";
import { checkAcl, DataTree, Preparer, redactDigests, type WriteRequest } from "./mod.ts";

const dir = new URL("./testdata/random/", import.meta.url);

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

// deno-lint-ignore no-explicit-any
type Rec = any;
const lines: Rec[] = new TextDecoder().decode(Deno.readFileSync(new URL("ops.jsonl", dir))).trim()
  .split("\n")
  .map((l) => JSON.parse(l));
const recorded: [string, number, string][] = lines.pop().events;
const log = readLog(Deno.readFileSync(new URL("log.1", dir)));

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

Deno.test("random ops vs Apache 3.8: txns, results, reads and watch events all match", () => {
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
  const allowed = (path: string, perm: number, label: string) =>
    checkAcl(tree.aclOf(path), perm, auth.get(label)!);

  lines.forEach((r: Rec, i: number) => {
    const what = `line ${i + 1} (${JSON.stringify(r)})`;
    const label: string = r.s;
    const res = r.res;
    switch (r.op) {
      case "restart":
        write(label, { type: OpCode.closeSession }, `${what} close`);
        tree.removeWatcher(label); // the connection goes: DataTree.removeCnxn
        open(r.new, [IP]);
        return;
      case "close":
        write(label, { type: OpCode.closeSession }, what);
        tree.removeWatcher(label);
        return;
      case "addwatch":
        tree.addWatch(r.path, label, r.mode);
        assert.deepEqual({}, res, what);
        return;
      case "checkwatch":
      case "removewatch": {
        let got: Rec;
        try {
          const ok = r.op === "checkwatch"
            ? tree.containsWatcher(r.path, r.type, label)
            : tree.removeWatch(r.path, r.type, label);
          got = ok ? {} : { err: -121 };
        } catch (e) {
          got = { err: (e as { code: number }).code };
        }
        assert.deepEqual(got, res, what);
        return;
      }
      case "get":
      case "exists":
      case "children":
      case "getacl": {
        const watcher = r.watch ? label : undefined;
        const node = tree.has(r.path);
        let got: Rec;
        if (r.op === "exists") {
          // Apache 3.8.0 checks no ACL on exists (later releases check READ when the node exists).
          got = { stat: statList(tree.exists(r.path, watcher)) };
        } else if (!node) {
          got = { err: -101 };
        } else if (
          !allowed(r.path, r.op === "getacl" ? Perms.Read | Perms.Admin : Perms.Read, label)
        ) {
          got = { err: -102 };
        } else if (r.op === "get") {
          const d = tree.getData(r.path, watcher);
          got = { data: toB64(d.data), stat: statList(d.stat) };
        } else if (r.op === "children") {
          const c = tree.getChildren(r.path, watcher);
          got = { children: c.children, stat: statList(c.stat) };
        } else {
          const a = tree.getACL(r.path);
          const acl = allowed(r.path, Perms.Admin, label) ? a.acl : redactDigests(a.acl);
          got = { acl: acl.map((x) => [x.perms, x.id.scheme, x.id.id]), stat: statList(a.stat) };
        }
        assert.deepEqual(got, res, what);
        return;
      }
      default: {
        const { p, rc } = write(label, toRequest(r), what);
        const err = p.error?.code ?? 0;
        if (r.op === "multi") {
          if (res.err !== undefined) {
            assert.equal(err, res.err, what);
            return;
          }
          const mine = rc.multiResult!.map((x, k) => {
            if (x.type === OpCode.error) return { err: x.err };
            if (r.ops[k].op === "create") return { path: x.path };
            if (r.ops[k].op === "set") return { stat: statList(x.stat) };
            return {};
          });
          assert.deepEqual(mine, res.results, what);
          return;
        }
        if (res.err !== undefined) {
          assert.equal(err, res.err, what);
          return;
        }
        assert.equal(err, 0, what);
        const got: Rec = {};
        if (r.op === "create") {
          got.path = rc.path;
          if (r.kind !== "create") got.stat = statList(rc.stat);
        } else if (r.op === "set" || r.op === "setacl") {
          got.stat = statList(rc.stat);
        }
        assert.deepEqual(got, res, what);
      }
    }
  });
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
});
