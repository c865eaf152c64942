import assert from "node:assert/strict";
import { parseConnectString, pathProblem } from "./paths.ts";

Deno.test("pathProblem follows PathUtils.validatePath", () => {
  const cases: [string, boolean, string | undefined][] = [
    ["/", false, undefined],
    ["/a/b", false, undefined],
    ["/a/", true, undefined],
    ["", false, "Path length must be > 0"],
    ["a", false, "Path must start with / character"],
    ["/a/", false, "Path must not end with / character"],
    ["/a//b", false, 'Invalid path string "/a//b" caused by empty node name specified @3'],
  ].map((c) => c as [string, boolean, string | undefined]);
  for (const [path, seq, want] of cases) assert.equal(pathProblem(path, seq), want, path);
  assert.match(pathProblem("/a/./b")!, /relative paths not allowed @3/);
  assert.match(pathProblem("/a/../b")!, /relative paths not allowed @4/);
  assert.match(pathProblem("/a\u0001")!, /invalid character @2/);
  assert.match(pathProblem("/a\u0000")!, /null character not allowed @2/);
  assert.equal(pathProblem("/a.b/..c"), undefined);
});

Deno.test("parseConnectString: hosts, default port, IPv6, chroot", () => {
  assert.deepEqual(parseConnectString("h1:1,h2,[::1]:3/app/x"), {
    hosts: [{ host: "h1", port: 1 }, { host: "h2", port: 2181 }, { host: "::1", port: 3 }],
    chroot: "/app/x",
  });
  assert.equal(parseConnectString("h/").chroot, "");
  assert.throws(() => parseConnectString("h/app/"), /must not end with/);
  assert.throws(() => parseConnectString("h:99999"), /Invalid port/);
  assert.throws(() => parseConnectString(""), /cannot be null or empty/);
});
