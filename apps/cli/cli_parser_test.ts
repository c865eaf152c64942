import assert from "node:assert/strict";
import { FlagError, type FlagSpec, parseFlags, splitLine } from "./cli_parser.ts";

Deno.test("splitLine: words as ZooKeeperMain's ARGS_PATTERN finds them", async (t) => {
  const cases: { name: string; line: string; words: string[] }[] = [
    { name: "spaces separate words", line: "ls  /a   /b", words: ["ls", "/a", "/b"] },
    { name: "tabs separate words", line: "ls\t/a", words: ["ls", "/a"] },
    {
      name: "double quotes group and are stripped",
      line: 'set /a "x y"',
      words: ["set", "/a", "x y"],
    },
    {
      name: "single quotes group and are stripped",
      line: "set /a 'x y'",
      words: ["set", "/a", "x y"],
    },
    { name: "a quote inside a word stays", line: "set /a x'y", words: ["set", "/a", "x'y"] },
    { name: "an unclosed quote is skipped", line: 'create /a "x', words: ["create", "/a", "x"] },
    { name: "a lone quote gives no word", line: '"', words: [] },
    { name: "blanks only give one blank word", line: "   ", words: [" "] },
    { name: "empty quotes give an empty word", line: 'set /a ""', words: ["set", "/a", ""] },
  ];
  for (const c of cases) {
    await t.step(c.name, () => assert.deepEqual(splitLine(c.line), c.words));
  }
});

Deno.test("parseFlags: Commons CLI DefaultParser rules and messages", async (t) => {
  const SET: FlagSpec = { s: false, v: true };
  const CREATE: FlagSpec = { e: false, s: false, c: false, t: true };
  const cases: {
    name: string;
    words: string[];
    spec: FlagSpec;
    args?: string[];
    flags?: [string, string | true][];
    error?: string;
  }[] = [
    {
      name: "flags before the arguments",
      words: ["set", "-s", "-v", "3", "/a", "x"],
      spec: SET,
      args: ["set", "/a", "x"],
      flags: [["s", true], ["v", "3"]],
    },
    {
      name: "flags after the arguments",
      words: ["set", "/a", "x", "-v", "3"],
      spec: SET,
      args: ["set", "/a", "x"],
      flags: [["v", "3"]],
    },
    {
      name: "a negative number is a value",
      words: ["set", "-v", "-1", "/a", "x"],
      spec: SET,
      args: ["set", "/a", "x"],
      flags: [["v", "-1"]],
    },
    {
      name: "a value glued to its flag",
      words: ["create", "-t10", "/a"],
      spec: CREATE,
      args: ["create", "/a"],
      flags: [["t", "10"]],
    },
    {
      name: "a value after an equals sign",
      words: ["create", "-t=10", "/a"],
      spec: CREATE,
      args: ["create", "/a"],
      flags: [["t", "10"]],
    },
    {
      name: "concatenated flags",
      words: ["create", "-se", "/a"],
      spec: CREATE,
      args: ["create", "/a"],
      flags: [["s", true], ["e", true]],
    },
    {
      name: "-- ends the flags",
      words: ["ls", "--", "-R"],
      spec: { R: false },
      args: ["ls", "-R"],
      flags: [],
    },
    {
      name: "a lone dash is an argument",
      words: ["set", "/a", "-"],
      spec: SET,
      args: ["set", "/a", "-"],
      flags: [],
    },
    {
      name: "an unknown flag",
      words: ["ls", "-x", "/"],
      spec: { s: false },
      error: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x",
    },
    {
      name: "an unknown flag among concatenated ones",
      words: ["ls", "-sx", "/"],
      spec: { s: false },
      error: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -sx",
    },
    {
      name: "a data word that looks like a flag",
      words: ["set", "/a", "-x"],
      spec: SET,
      error: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x",
    },
    {
      name: "a long option",
      words: ["ls", "--stat", "/"],
      spec: { s: false },
      error: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: --stat",
    },
    {
      name: "a flag missing its value at the end",
      words: ["set", "-v"],
      spec: SET,
      error: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v",
    },
    {
      name: "a flag followed by another flag",
      words: ["set", "-v", "-s", "/a", "x"],
      spec: SET,
      error: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      if (c.error) {
        assert.throws(() => parseFlags(c.words, c.spec), (e: unknown) => {
          assert.ok(e instanceof FlagError);
          assert.equal(e.message, c.error);
          return true;
        });
        return;
      }
      const r = parseFlags(c.words, c.spec);
      assert.deepEqual(r.args, c.args);
      assert.deepEqual([...r.flags], c.flags);
    });
  }
});
