/**
 * Golden test of prepare against Apache ZooKeeper 3.8: the requests of
 * testdata/scenario.py, prepared here with the session, cxid, zxid and time
 * of Apache's txn log, must give the very txns Apache logged, byte for byte
 * (header, record and digest); each is then applied.
 */
import assert from "node:assert/strict";
import { decode, encode, type Id, OpCode, TxnEntry } from "@zkts/jute";
import { DataTree, Preparer, type WriteRequest } from "./mod.ts";

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

const log = readLog(Deno.readFileSync(new URL("./testdata/disk/log.1", import.meta.url)));
const enc = (s: string) => new TextEncoder().encode(s);
const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

async function digestId(userPassword: string): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-1", enc(userPassword)));
  return userPassword.split(":")[0] + ":" + btoa(String.fromCharCode(...h));
}

type Step = { session: 1 | 2; req: WriteRequest } | { addAuth: Id };

function create(path: string, data: Uint8Array | null, flags = 0, acl = OPEN): WriteRequest {
  return { type: OpCode.create, request: { path, data, acl, flags } };
}

Deno.test("prepare: scenario.py's requests give Apache's logged txns byte for byte", async () => {
  const zs = await digestId("zs:123");
  const steps: Step[] = [
    { session: 1, req: { type: OpCode.createSession, request: { timeOut: 0 } } },
    { session: 1, req: create("/china", enc("999")) },
    { session: 1, req: create("/china/tmp", enc("")) },
    { session: 1, req: { type: OpCode.delete, request: { path: "/china/tmp", version: -1 } } },
    { session: 1, req: create("/china/beijing", enc("be"), 2) },
    { session: 1, req: create("/china/shanghai", enc("sh"), 2) },
    { session: 1, req: create("/china/guangzhou", enc("gu"), 2) },
    { session: 2, req: { type: OpCode.createSession, request: { timeOut: 0 } } },
    { session: 2, req: create("/china/aaa", enc("A"), 1) },
    { session: 2, req: create("/china/bbb", enc("B"), 1) },
    { session: 2, req: create("/china/ccc", enc("C"), 1) },
    { session: 2, req: create("/eph-root", enc("x"), 1) },
    { session: 2, req: create("/eph-root/c", enc("")) },
    { session: 2, req: { type: OpCode.closeSession } },
    {
      session: 1,
      req: { type: OpCode.setData, request: { path: "/china", data: enc("888"), version: -1 } },
    },
    {
      session: 1,
      req: { type: OpCode.delete, request: { path: "/china/guangzhou0000000003", version: -1 } },
    },
    { session: 1, req: { type: OpCode.delete, request: { path: "/china", version: -1 } } },
    {
      session: 1,
      req: { type: OpCode.delete, request: { path: "/china/beijing0000000001", version: 5 } },
    },
    {
      session: 1,
      req: { type: OpCode.setData, request: { path: "/nope", data: enc("x"), version: -1 } },
    },
    { session: 1, req: create("/china", enc("")) },
    { session: 1, req: create("/a/b", enc("")) },
    { session: 1, req: { type: OpCode.delete, request: { path: "/zookeeper", version: -1 } } },
    {
      session: 1,
      req: { type: OpCode.setData, request: { path: "/china", data: enc("777"), version: 1 } },
    },
    { session: 1, req: create("/seq-", null, 2) },
    {
      session: 1,
      req: {
        type: OpCode.create2,
        request: { path: "/c2", data: enc("two"), acl: OPEN, flags: 0 },
      },
    },
    { addAuth: { scheme: "digest", id: zs } },
    {
      session: 1,
      req: create("/sec", enc("s"), 0, [{ perms: 31, id: { scheme: "auth", id: "" } }]),
    },
    {
      session: 1,
      req: {
        type: OpCode.setACL,
        request: {
          path: "/china",
          acl: [...OPEN, { perms: 31, id: { scheme: "digest", id: zs } }],
          version: -1,
        },
      },
    },
    {
      session: 1,
      req: create("/ro", enc("r"), 0, [{ perms: 1, id: { scheme: "world", id: "anyone" } }]),
    },
    {
      session: 1,
      req: { type: OpCode.setData, request: { path: "/ro", data: enc("w"), version: -1 } },
    },
    {
      session: 1,
      req: create("/badacl", enc(""), 0, [{ perms: 31, id: { scheme: "nosuch", id: "x" } }]),
    },
    {
      session: 1,
      req: {
        type: OpCode.multi,
        request: {
          ops: [
            { type: OpCode.create, request: { path: "/m", data: enc("m"), acl: OPEN, flags: 0 } },
            { type: OpCode.create, request: { path: "/m/1", data: enc("1"), acl: OPEN, flags: 0 } },
            { type: OpCode.setData, request: { path: "/china", data: enc("666"), version: -1 } },
            { type: OpCode.check, request: { path: "/china", version: 3 } },
          ],
        },
      },
    },
    {
      session: 1,
      req: {
        type: OpCode.multi,
        request: {
          ops: [
            { type: OpCode.create, request: { path: "/m/2", data: enc("2"), acl: OPEN, flags: 0 } },
            { type: OpCode.check, request: { path: "/china", version: 42 } },
            { type: OpCode.delete, request: { path: "/m/1", version: -1 } },
          ],
        },
      },
    },
    {
      session: 1,
      req: {
        type: OpCode.createContainer,
        request: { path: "/cont", data: enc(""), acl: OPEN, flags: 4 },
      },
    },
    { session: 1, req: create("/cont/kid", enc("k")) },
    { session: 1, req: { type: OpCode.delete, request: { path: "/cont/kid", version: -1 } } },
    {
      session: 1,
      req: {
        type: OpCode.createTTL,
        request: { path: "/ttl", data: enc("t"), acl: OPEN, flags: 5, ttl: 60000n },
      },
    },
    {
      session: 1,
      req: {
        type: OpCode.createTTL,
        request: { path: "/ttl-seq-", data: enc("t"), acl: OPEN, flags: 6, ttl: 1n },
      },
    },
    { session: 1, req: create("/q", enc("")) },
    {
      session: 1,
      req: create(
        "/zookeeper/quota/q/zookeeper_limits",
        enc("count=-1,bytes=-1=;countHardLimit=3"),
      ),
    },
    { session: 1, req: create("/zookeeper/quota/q", enc("")) },
    {
      session: 1,
      req: create(
        "/zookeeper/quota/q/zookeeper_limits",
        enc("count=-1,bytes=-1=;countHardLimit=3"),
      ),
    },
    { session: 1, req: create("/zookeeper/quota/q/zookeeper_stats", enc("count=0,bytes=0")) },
    { session: 1, req: create("/q/1", enc("12345")) },
    { session: 1, req: create("/q/2", enc("")) },
    {
      session: 1,
      req: { type: OpCode.setData, request: { path: "/q/1", data: enc("1"), version: -1 } },
    },
    { session: 1, req: { type: OpCode.delete, request: { path: "/q/2", version: -1 } } },
    { session: 1, req: create("/q/2", enc("22")) },
    { session: 1, req: create("/q/3", enc("")) },
  ];
  const tree = new DataTree({ extendedTypesEnabled: true });
  const prep = new Preparer(tree, { enforceQuota: true });
  const sessions = new Map<number, bigint>();
  const auth = new Map<number, Id[]>([[1, [{ scheme: "ip", id: "127.0.0.1" }]], [2, [{
    scheme: "ip",
    id: "127.0.0.1",
  }]]]);
  let i = 0;
  const check = (req: WriteRequest, authInfo: Id[], what: string) => {
    const { entry, raw } = log[i++];
    const h = entry.header;
    const p = prep.prepare(req, {
      sessionId: h.clientId,
      cxid: h.cxid,
      zxid: h.zxid,
      time: h.time,
      authInfo,
    });
    const mine = { header: p.hdr, txn: p.txn, ...(p.digest ? { digest: p.digest } : {}) };
    assert.deepEqual(mine, entry, `${what}: txn`);
    assert.deepEqual(encode(TxnEntry, mine), raw, `${what}: bytes`);
    tree.processTxn(p.hdr, p.txn);
    prep.applied(p.hdr.zxid);
  };
  // The ContainerManager's own deletes (session 0), where the log has them.
  const drainInternal = () => {
    while (i < log.length && log[i].entry.header.clientId === 0n) {
      const path = (log[i].entry.txn as { path: string }).path;
      assert.ok(
        tree.containerCandidates(log[i].entry.header.time).includes(path),
        `${path} is a candidate`,
      );
      check(
        { type: OpCode.deleteContainer, request: { path } },
        [],
        `ContainerManager deletes ${path}`,
      );
    }
  };
  for (const step of steps) {
    drainInternal();
    if ("addAuth" in step) {
      auth.get(1)!.push(step.addAuth);
      continue;
    }
    const { entry, raw } = log[i++];
    const h = entry.header;
    if (h.type === OpCode.createSession) sessions.set(step.session, h.clientId);
    assert.equal(h.clientId, sessions.get(step.session), `step ${i}: session`);
    const req = step.req.type === OpCode.createSession
      ? { ...step.req, request: { timeOut: (entry.txn as { timeOut: number }).timeOut } }
      : step.req;
    const p = prep.prepare(req, {
      sessionId: h.clientId,
      cxid: h.cxid,
      zxid: h.zxid,
      time: h.time,
      authInfo: auth.get(step.session)!,
    });
    const mine = { header: p.hdr, txn: p.txn, ...(p.digest ? { digest: p.digest } : {}) };
    assert.deepEqual(
      mine,
      entry,
      `step ${i}: txn of ${JSON.stringify(step.req, (_, v) => typeof v === "bigint" ? `${v}` : v)}`,
    );
    assert.deepEqual(encode(TxnEntry, mine), raw, `step ${i}: bytes`);
    tree.processTxn(p.hdr, p.txn);
    prep.applied(p.hdr.zxid);
  }
  drainInternal();
  assert.equal(i, log.length, "every logged txn was prepared");
  assert.equal(prep.outstanding, 0);
});
