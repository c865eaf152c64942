import assert from "node:assert/strict";
import { AclCache, checkAcl, fixupAcl, ipMatches, OPEN_ACL_UNSAFE, redactDigests } from "./mod.ts";

const a = (perms: number, scheme: string, id: string) => ({ perms, id: { scheme, id } });

Deno.test("ipMatches: IPv4, CIDR and IPv6 as IPAuthenticationProvider", () => {
  const cases: [string, string, boolean][] = [
    ["127.0.0.1", "127.0.0.1", true],
    ["127.0.0.2", "127.0.0.1", false],
    ["10.1.2.3", "10.0.0.0/8", true],
    ["11.1.2.3", "10.0.0.0/8", false],
    ["192.168.1.77", "192.168.1.64/26", true],
    ["192.168.1.130", "192.168.1.64/26", false],
    ["1.2.3.4", "0.0.0.0/0", true],
    ["10.0.0.1", "10.0.0.0/33", false],
    ["10.0.0.1", "10.0.0/8", false],
    ["::1", "::1", true],
    ["2001:db8::5", "2001:db8::/32", true],
    ["2001:db9::5", "2001:db8::/32", false],
    ["127.0.0.1", "::1", false],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", true],
  ];
  for (const [ip, expr, want] of cases) assert.equal(ipMatches(ip, expr), want, `${ip} vs ${expr}`);
});

Deno.test("checkAcl: per-permission, per-scheme matching", () => {
  const cases: {
    name: string;
    acl: ReturnType<typeof a>[] | null;
    perm: number;
    ids: { scheme: string; id: string }[];
    ok: boolean;
  }[] = [
    { name: "no ACL admits anyone", acl: null, perm: 1, ids: [], ok: true },
    { name: "empty ACL admits anyone", acl: [], perm: 1, ids: [], ok: true },
    {
      name: "world:anyone with the bit",
      acl: [a(1, "world", "anyone")],
      perm: 1,
      ids: [],
      ok: true,
    },
    {
      name: "world:anyone without the bit",
      acl: [a(1, "world", "anyone")],
      perm: 2,
      ids: [],
      ok: false,
    },
    {
      name: "any bit of a combined perm (getACL READ|ADMIN)",
      acl: [a(16, "world", "anyone")],
      perm: 1 | 16,
      ids: [],
      ok: true,
    },
    {
      name: "digest id equal",
      acl: [a(31, "digest", "u:p")],
      perm: 8,
      ids: [{ scheme: "digest", id: "u:p" }],
      ok: true,
    },
    {
      name: "digest id different",
      acl: [a(31, "digest", "u:p")],
      perm: 8,
      ids: [{ scheme: "digest", id: "u:q" }],
      ok: false,
    },
    {
      name: "ip CIDR",
      acl: [a(31, "ip", "10.0.0.0/8")],
      perm: 1,
      ids: [{ scheme: "ip", id: "10.9.9.9" }],
      ok: true,
    },
    {
      name: "super",
      acl: [a(0, "digest", "u:p")],
      perm: 1,
      ids: [{ scheme: "super", id: "" }],
      ok: true,
    },
    {
      name: "unknown scheme never matches",
      acl: [a(31, "sasl", "u")],
      perm: 1,
      ids: [{ scheme: "sasl", id: "u" }],
      ok: false,
    },
  ];
  for (const c of cases) assert.equal(checkAcl(c.acl, c.perm, c.ids), c.ok, c.name);
  assert.equal(checkAcl([a(0, "world", "anyone")], 1, [], { skipACL: true }), true, "skipACL");
});

Deno.test("fixupAcl: validation and auth expansion", () => {
  const invalid = [
    [],
    [a(31, "world", "nobody")],
    [a(31, "digest", "only")],
    [a(31, "digest", "a:b:c")],
    [a(31, "digest", "a:")],
    [a(31, "ip", "1.2.3")],
    [a(31, "super", "x")],
    [a(31, "auth", "")],
  ];
  for (const acl of invalid) {
    assert.throws(() => fixupAcl("/p", [], acl), { code: -114 }, JSON.stringify(acl));
  }
  assert.deepEqual(fixupAcl("/p", [], [a(31, "digest", ":b")]), [a(31, "digest", ":b")]);
  assert.deepEqual(fixupAcl("/p", [{ scheme: "digest", id: "u:h" }], [a(3, "auth", "ignored")]), [
    a(3, "digest", "u:h"),
  ]);
  assert.throws(() => fixupAcl("/p", [{ scheme: "ip", id: "1.1.1.1" }], [a(3, "auth", "")]), {
    code: -114,
  });
});

Deno.test("AclCache: shared lists, reference counts, OPEN_ACL_UNSAFE as -1", () => {
  const c = new AclCache();
  assert.equal(c.convertAcls(null), -1);
  assert.deepEqual(c.convertLong(-1), OPEN_ACL_UNSAFE);
  const x = c.convertAcls([a(1, "world", "anyone")]);
  const y = c.convertAcls([a(1, "world", "anyone")]);
  const z = c.convertAcls([a(31, "world", "anyone")]);
  assert.equal(x, y);
  assert.notEqual(x, z);
  assert.equal(c.size, 2);
  c.removeUsage(x);
  assert.equal(c.size, 2);
  c.removeUsage(x);
  assert.equal(c.size, 1, "unused list goes");
  assert.throws(() => c.convertLong(x));
  assert.equal(c.convertAcls([a(1, "world", "anyone")]), 3, "indexes are not reused");
  c.load([[7n, [a(1, "world", "anyone")]], [9n, [a(2, "world", "anyone")]]]);
  c.addUsage(7);
  c.purgeUnused();
  assert.deepEqual(c.entries().map(([k]) => k), [7]);
  assert.equal(c.convertAcls([a(4, "world", "anyone")]), 10);
});

Deno.test("redactDigests hides digest hashes only", () => {
  const acl = [a(31, "digest", "zs:h=="), a(1, "world", "anyone"), a(1, "ip", "10.0.0.1")];
  assert.deepEqual(redactDigests(acl), [
    a(31, "digest", "zs:x"),
    a(1, "world", "anyone"),
    a(1, "ip", "10.0.0.1"),
  ]);
});
