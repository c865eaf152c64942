import assert from "node:assert/strict";
import type { Stat } from "@zkts/jute";
import {
  aclLines,
  childrenLine,
  clientConfigString,
  eventString,
  hex64,
  javaDate,
  parseAcl,
  permString,
  statLines,
} from "./format.ts";

Deno.test("javaDate: Java's Date.toString, in UTC", {
  ignore: new Date(0).getTimezoneOffset() !== 0,
}, async (t) => {
  const cases: [string, number, string][] = [
    ["the epoch", 0, "Thu Jan 01 00:00:00 UTC 1970"],
    [
      "a day of the seeds' transcript",
      Date.UTC(2019, 0, 30, 12, 42, 16),
      "Wed Jan 30 12:42:16 UTC 2019",
    ],
    ["single digits are padded", Date.UTC(2026, 10, 3, 4, 5, 6), "Tue Nov 03 04:05:06 UTC 2026"],
  ];
  for (const [name, ms, want] of cases) {
    await t.step(name, () => assert.equal(javaDate(ms), want));
  }
});

Deno.test("hex64: Long.toHexString", () => {
  assert.equal(hex64(0n), "0");
  assert.equal(hex64(0x100000075680001n), "100000075680001");
  assert.equal(hex64(-1n), "ffffffffffffffff");
  assert.equal(hex64(-0x100000000000000n), "ff00000000000000");
});

Deno.test("statLines: StatPrinter's eleven lines, in its order", () => {
  const stat: Stat = {
    czxid: 0x14an,
    mzxid: 0x15dn,
    ctime: 0n,
    mtime: 0n,
    version: 1,
    cversion: 12,
    aversion: 1,
    ephemeralOwner: 0x100000075680001n,
    dataLength: 3,
    numChildren: 2,
    pzxid: 0x15en,
  };
  const lines = statLines(stat).map((l) => l.replace(/ = .* 19(69|70)$/, " = <time>"));
  assert.deepEqual(lines, [
    "cZxid = 0x14a",
    "ctime = <time>",
    "mZxid = 0x15d",
    "mtime = <time>",
    "pZxid = 0x15e",
    "cversion = 12",
    "dataVersion = 1",
    "aclVersion = 1",
    "ephemeralOwner = 0x100000075680001",
    "dataLength = 3",
    "numChildren = 2",
  ]);
});

Deno.test("permString: ZKUtil.getPermString", async (t) => {
  const cases: [number, string][] = [[31, "cdrwa"], [0, ""], [1, "r"], [2 | 16, "wa"], [
    4 | 8,
    "cd",
  ]];
  for (const [perms, want] of cases) {
    await t.step(`${perms} → '${want}'`, () => assert.equal(permString(perms), want));
  }
});

Deno.test("aclLines: the Id as jute's toString writes it, then the perms", async (t) => {
  const cases: { name: string; scheme: string; id: string; perms: number; want: string[] }[] = [
    {
      name: "world",
      scheme: "world",
      id: "anyone",
      perms: 31,
      want: ["'world,'anyone", ": cdrwa"],
    },
    {
      name: "digest",
      scheme: "digest",
      id: "zs:b4Ke0MSR3zJbGsD0V6oDBDBhSqk=",
      perms: 31,
      want: ["'digest,'zs:b4Ke0MSR3zJbGsD0V6oDBDBhSqk=", ": cdrwa"],
    },
    {
      name: "commas, braces and percents are escaped",
      scheme: "x",
      id: "a,b}c%d",
      perms: 1,
      want: ["'x,'a%2Cb%7Dc%25d", ": r"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.deepEqual(aclLines({ id: { scheme: c.scheme, id: c.id }, perms: c.perms }), c.want);
    });
  }
});

Deno.test("parseAcl: AclParser, its complaints included", async (t) => {
  const cases: { name: string; text: string; acl: [string, string, number][]; errors: string[] }[] =
    [
      { name: "one entry", text: "world:anyone:cdrwa", acl: [["world", "anyone", 31]], errors: [] },
      {
        name: "the id keeps its colons",
        text: "auth:zs:123:cdrwa",
        acl: [["auth", "zs:123", 31]],
        errors: [],
      },
      {
        name: "several entries",
        text: "ip:127.0.0.1:r,world:anyone:w",
        acl: [["ip", "127.0.0.1", 1], ["world", "anyone", 2]],
        errors: [],
      },
      {
        name: "an entry without two colons is skipped",
        text: "nocolon",
        acl: [],
        errors: ["nocolon does not have the form scheme:id:perm"],
      },
      {
        name: "unknown perm letters are reported",
        text: "world:anyone:rxz",
        acl: [["world", "anyone", 1]],
        errors: ["Unknown perm type: x", "Unknown perm type: z"],
      },
      { name: "no perms", text: "world:anyone:", acl: [["world", "anyone", 0]], errors: [] },
    ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const r = parseAcl(c.text);
      assert.deepEqual(r.acl.map((a) => [a.id.scheme, a.id.id, a.perms]), c.acl);
      assert.deepEqual(r.errors, c.errors);
    });
  }
});

Deno.test("eventString: WatchedEvent.toString", async (t) => {
  const cases: [string, { state: number; type: number; path: string | null }, string][] = [
    [
      "connected",
      { state: 3, type: -1, path: null },
      "WatchedEvent state:SyncConnected type:None path:null",
    ],
    [
      "data changed",
      { state: 3, type: 3, path: "/x" },
      "WatchedEvent state:SyncConnected type:NodeDataChanged path:/x",
    ],
    ["closed", { state: 7, type: -1, path: null }, "WatchedEvent state:Closed type:None path:null"],
    [
      "expired",
      { state: -112, type: -1, path: null },
      "WatchedEvent state:Expired type:None path:null",
    ],
    [
      "persistent watch removed",
      { state: 3, type: 7, path: "/a" },
      "WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/a",
    ],
  ];
  for (const [name, ev, want] of cases) {
    await t.step(name, () => assert.equal(eventString(ev), want));
  }
});

Deno.test("childrenLine: sorted in Java's String order", () => {
  assert.equal(childrenLine([]), "[]");
  assert.equal(childrenLine(["b", "B", "a", "_"]), "[B, _, a, b]");
  assert.equal(
    childrenLine(["shanghai0000000001", "beijing0000000000"]),
    "[beijing0000000000, shanghai0000000001]",
  );
});

Deno.test("clientConfigString: ConfigUtils.getClientConfigStr", () => {
  assert.equal(clientConfigString(""), " ");
  assert.equal(
    clientConfigString(
      "server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\n" +
        "server.2=127.0.0.1:2889:3889:participant;2182\nversion=100000000",
    ),
    "100000000 127.0.0.1:2181,0.0.0.0:2182",
  );
});
