import assert from "node:assert/strict";
import { complete } from "./completer.ts";

const TREE: Record<string, string[]> = {
  "/": ["china", "chile", "zookeeper"],
  "/china": ["beijing0000000000", "shanghai0000000001"],
};
const list = (p: string) =>
  TREE[p] ? Promise.resolve(TREE[p]) : Promise.reject(new Error(`no ${p}`));

Deno.test("complete: commands and znode paths as JLineZNodeCompleter", async (t) => {
  const cases: { name: string; line: string; hits: string[]; word: string; offline?: boolean }[] = [
    {
      name: "a command prefix",
      line: "del",
      hits: ["delete", "deleteall", "delquota"],
      word: "del",
    },
    { name: "an exact command", line: "quit", hits: ["quit"], word: "quit" },
    { name: "no command fits", line: "xyz", hits: [], word: "xyz" },
    {
      name: "the root's children",
      line: "ls /",
      hits: ["/chile", "/china", "/zookeeper"],
      word: "/",
    },
    { name: "a prefix under the root", line: "ls /chi", hits: ["/chile", "/china"], word: "/chi" },
    {
      name: "a deeper prefix",
      line: "get -s /china/b",
      hits: ["/china/beijing0000000000"],
      word: "/china/b",
    },
    { name: "a parent that does not exist", line: "ls /nope/x", hits: [], word: "/nope/x" },
    { name: "not connected: no znodes", line: "ls /c", hits: [], word: "/c", offline: true },
    { name: "after a space: every command", line: "ls ", hits: [], word: "" },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const [hits, word] = await complete(c.line, c.offline ? null : list);
      if (c.name === "after a space: every command") {
        assert.equal(word, "");
        assert.ok(hits.includes("ls") && hits.includes("whoami"));
        return;
      }
      assert.deepEqual(hits, c.hits);
      assert.equal(word, c.word);
    });
  }
});
