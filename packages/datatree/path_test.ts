import assert from "node:assert/strict";
import { pathError, sequenceSuffix, splitPath } from "./mod.ts";

Deno.test("pathError: PathUtils.validatePath rules and messages", () => {
  const cases: [string | null, string | undefined][] = [
    ["/", undefined],
    ["/a/b-c_d.e", undefined],
    ["/a/..b", undefined],
    ["/a/b.", undefined],
    ["/zookeeper", undefined],
    ["/\u4e2d\u6587", undefined],
    [null, "Path cannot be null"],
    ["", "Path length must be > 0"],
    ["a", "Path must start with / character"],
    ["/a/", "Path must not end with / character"],
    ["//a", 'Invalid path string "//a" caused by empty node name specified @1'],
    ["/a//b", 'Invalid path string "/a//b" caused by empty node name specified @3'],
    ["/a/./b", 'Invalid path string "/a/./b" caused by relative paths not allowed @3'],
    ["/a/../b", 'Invalid path string "/a/../b" caused by relative paths not allowed @4'],
    ["/.", 'Invalid path string "/." caused by relative paths not allowed @1'],
    ["/a\u0000", 'Invalid path string "/a\u0000" caused by null character not allowed @2'],
    ["/a\u0001", 'Invalid path string "/a\u0001" caused by invalid character @2'],
    ["/a\u007f", 'Invalid path string "/a\u007f" caused by invalid character @2'],
    ["/a\ud800", 'Invalid path string "/a\ud800" caused by invalid character @2'],
    ["/a\ufff5", 'Invalid path string "/a\ufff5" caused by invalid character @2'],
  ];
  for (const [p, want] of cases) assert.equal(pathError(p), want, JSON.stringify(p));
  assert.equal(pathError("/a/", true), undefined, "sequential: checked with a suffix");
});

Deno.test("splitPath and sequenceSuffix", () => {
  assert.deepEqual(splitPath("/"), { parent: "", name: "" });
  assert.deepEqual(splitPath("/a/b/c"), { parent: "/a/b", name: "c" });
  assert.equal(sequenceSuffix(0), "0000000000");
  assert.equal(sequenceSuffix(2147483647), "2147483647");
  assert.equal(sequenceSuffix(-2147483648), "-2147483648");
});
