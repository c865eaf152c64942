/**
 * Sanity of the golden wire fixtures, with no codec: each file parses, each
 * connection opens with the client's ConnectRequest, and together they cover
 * the op codes, xids, errors and events the recording scenarios exercise.
 */
import assert from "node:assert/strict";
import { readWireFixtures, type WireCoverage, wireCoverage } from "./wire_fixtures.ts";

const fixtures = readWireFixtures();

Deno.test("wire fixtures: there are recordings of the Java client, zkCli, kazoo and the C client", () => {
  const names = fixtures.map((f) => f.name);
  for (const prefix of ["java_", "zkcli_", "kazoo_", "c_cli_mt_"]) {
    assert.ok(names.some((n) => n.startsWith(prefix)), `a ${prefix}*.jsonl fixture in ${names}`);
  }
});

for (const f of fixtures) {
  Deno.test(`wire fixtures: ${f.name} says where it comes from and each connection starts with a ConnectRequest`, () => {
    assert.match(f.meta.server, /^Apache ZooKeeper 3\.8/);
    assert.match(f.meta.recordedWith, /record\.ts/);
    assert.ok(f.frames.length > 0);
    const firstByConn = new Map<number, { dir: string; hex: string }>();
    for (const frame of f.frames) {
      if (!firstByConn.has(frame.conn)) firstByConn.set(frame.conn, frame);
    }
    for (const [conn, first] of firstByConn) {
      assert.equal(first.dir, "c2s", `${f.name}: connection ${conn} opens with the client`);
      // ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId,
      // passwd (4 + 16), readOnly: 45 bytes (44 without readOnly).
      assert.ok(first.hex.length / 2 >= 44, `${f.name}: connection ${conn} ConnectRequest size`);
    }
    // Connections are numbered 0, 1, 2, ... in order of appearance.
    assert.deepEqual([...firstByConn.keys()], [...firstByConn.keys()].map((_, i) => i));
  });
}

/** What the fixtures must cover between them (ZooDefs.OpCode, KeeperException.Code, EventType). */
const REQUIRED = {
  opCodes: {
    create: 1,
    delete: 2,
    exists: 3,
    getData: 4,
    setData: 5,
    getACL: 6,
    setACL: 7,
    getChildren: 8,
    sync: 9,
    ping: 11,
    getChildren2: 12,
    multi: 14,
    create2: 15,
    reconfig: 16,
    checkWatches: 17,
    removeWatches: 18,
    createContainer: 19,
    createTTL: 21,
    multiRead: 22,
    auth: 100,
    setWatches: 101,
    getEphemerals: 103,
    getAllChildrenNumber: 104,
    setWatches2: 105,
    addWatch: 106,
    whoAmI: 107,
    closeSession: -11,
  },
  multiOpCodes: {
    create: 1,
    delete: 2,
    getData: 4,
    setData: 5,
    getChildren: 8,
    check: 13,
    createContainer: 19,
    createTTL: 21,
  },
  // No -8 (SET_WATCHES_XID): the 3.8.0 Java client overwrites SetWatches'
  // xid with a regular one when it sends it, and kazoo 2.8 sends no SetWatches.
  xids: { notification: -1, ping: -2, auth: -4 },
  errors: {
    NoNode: -101,
    NoAuth: -102,
    BadVersion: -103,
    NoChildrenForEphemerals: -108,
    NodeExists: -110,
    NotEmpty: -111,
    InvalidACL: -114,
    NoWatcher: -121,
    ReconfigDisabled: -123,
  },
  eventTypes: { NodeCreated: 1, NodeDeleted: 2, NodeDataChanged: 3, NodeChildrenChanged: 4 },
} as const;

function describe(kind: keyof typeof REQUIRED, got: Set<number>): string {
  const names = new Map(Object.entries(REQUIRED[kind]).map(([k, v]) => [v as number, k]));
  return [...got].sort((a, b) => a - b).map((n) => `${names.get(n) ?? "?"}(${n})`).join(" ");
}

Deno.test("wire fixtures: together they cover every op code, xid, error and event of the scenarios", () => {
  const all: WireCoverage = wireCoverage([]);
  for (const f of fixtures) {
    // Connection numbers restart in each file: give each file its own range.
    const c = wireCoverage(f.frames);
    console.log(`${f.name}: ops ${describe("opCodes", c.opCodes)}`);
    for (const k of ["opCodes", "multiOpCodes", "xids", "errors", "eventTypes"] as const) {
      for (const v of c[k]) all[k].add(v);
    }
  }
  for (const k of ["opCodes", "multiOpCodes", "xids", "errors", "eventTypes"] as const) {
    console.log(`all ${k}: ${describe(k, all[k])}`);
    const missing = Object.entries(REQUIRED[k]).filter(([, v]) => !all[k].has(v)).map(([n]) => n);
    assert.deepEqual(missing, [], `${k} missing from the fixtures`);
  }
});
