import assert from "node:assert/strict";
import { ConfigError, isStandalone, parseConfig, parseProperties } from "./config.ts";

Deno.test("parseProperties reads Java properties syntax", () => {
  const p = parseProperties(
    "# comment\n! also\n  a=1\nb : 2\nc 3\nd=x\\\n  y\ne=tab\\tx\nf=\n",
  );
  assert.deepEqual([...p], [["a", "1"], ["b", "2"], ["c", "3"], ["d", "xy"], ["e", "tab\tx"], [
    "f",
    "",
  ]]);
});

Deno.test("parseProperties takes linear time: long blank runs, continuations, backslashes (issue 16)", () => {
  // Found fuzzing zoo.cfg: `\s*[=:\s]?\s*` backtracked cubically on a line
  // with no match (1000 blanks before a U+2028: 2.7 s; 4000: no end in 60 s).
  const cases = [
    { name: "100 000 blanks then U+2028", text: "a" + " ".repeat(100_000) + "x\u2028y" },
    { name: "100 000 continuation lines", text: "a=" + "x\\\n".repeat(100_000) + "end" },
    { name: "200 000 backslashes", text: "a" + "\\".repeat(200_000) + "b\u2028" },
  ];
  for (const c of cases) {
    const t0 = performance.now();
    parseProperties(c.text);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${c.name}: ${ms.toFixed(0)} ms`);
  }
  assert.equal(parseProperties("a   x\u2028y").get("a"), "x\u2028y");
  assert.equal(parseProperties("k = \\\n  v").get("k"), "v");
  assert.equal(parseProperties("k=a\\\\\nb=c").get("b"), "c");
});

Deno.test("parseConfig applies Apache's defaults", () => {
  const c = parseConfig("tickTime=2000\ndataDir=/var/zk\nclientPort=2181\n");
  assert.equal(c.dataLogDir, "/var/zk");
  assert.equal(c.minSessionTimeout, 4000);
  assert.equal(c.maxSessionTimeout, 40000);
  assert.equal(c.maxClientCnxns, 60);
  assert.equal(c.snapCount, 100000);
  assert.equal(c.preAllocSizeBytes, 64 * 1024 * 1024);
  assert.equal(c.juteMaxBuffer, 0xfffff);
  assert.equal(c.forceSync, true);
  assert.deepEqual([...c.fourLetterWords], ["srvr"], "only srvr by default");
  assert.ok(isStandalone(c));
});

Deno.test("parseConfig reads the seeds' cluster zoo.cfg", () => {
  const text = [
    "tickTime=2000",
    "initLimit=10",
    "syncLimit=5",
    "dataDir=/usr/data/zk",
    "clientPort=2181",
    "maxClientCnxns=60",
    "server.1=192.168.1.1:2888:3888",
    "server.2=192.168.1.2:2888:3888",
    "server.3=192.168.1.3:2888:3888:observer",
    "4lw.commands.whitelist=*",
  ].join("\n");
  const c = parseConfig(text, { myid: "2\n" });
  assert.equal(c.myid, 2);
  assert.equal(c.servers.size, 3);
  assert.deepEqual(c.servers.get(3), {
    id: 3,
    host: "192.168.1.3",
    quorumPort: 2888,
    electionPort: 3888,
    role: "observer",
  });
  assert.ok(c.fourLetterWords.has("mntr") && c.fourLetterWords.has("ruok"));
  assert.ok(!isStandalone(c));
});

Deno.test("parseConfig refuses invalid values naming the key", () => {
  const base = "tickTime=2000\ndataDir=/d\n";
  const cases: [string, string, RegExp][] = [
    ["tickTime=abc\ndataDir=/d\n", "tickTime", /tickTime/],
    ["tickTime=0\ndataDir=/d\n", "tickTime", /tickTime is not set/],
    ["tickTime=2000\n", "dataDir", /dataDir is not set/],
    [base + "clientPort=99999\n", "clientPort", /clientPort/],
    [base + "minSessionTimeout=9000\nmaxSessionTimeout=5000\n", "minSessionTimeout", /larger/],
    [base + "electionAlg=1\n", "electionAlg", /Only 3/],
    [base + "server.1=h:1\n", "server.1", /Missing election port/],
    [base + "standaloneEnabled=maybe\n", "standaloneEnabled", /true' or 'false/],
    [base + "forceSync=sometimes\n", "forceSync", /yes or no/],
    [base + "server.1=h:1:2\n", "dataDir", /myid/],
  ];
  for (const [text, key, re] of cases) {
    assert.throws(() => parseConfig(text), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.key, key);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("parseConfig keeps unknown keys for a warning and accepts Apache's", () => {
  const c = parseConfig(
    "tickTime=2000\ndataDir=/d\nfoo.bar=1\nsnapshot.compression.method=gz\nsslQuorum=false\n",
  );
  assert.deepEqual([...c.unknown.keys()], ["foo.bar"]);
});

Deno.test("config: a member's client port may come from its server line (;[host:]port)", () => {
  const base = "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/zk\n";
  const c = parseConfig(
    base + "server.1=127.0.0.1:2888:3888;127.0.0.1:2181\nserver.2=127.0.0.1:2889:3889;2182\n",
    { myid: "2" },
  );
  assert.equal(c.clientPort, 2182);
  assert.equal(c.clientPortAddress, "0.0.0.0");
  const d = parseConfig(base + "server.1=127.0.0.1:2888:3888;127.0.0.1:2181\nserver.2=h:1:2\n", {
    myid: "1",
  });
  assert.equal(d.clientPort, 2181);
  assert.equal(d.clientPortAddress, "127.0.0.1");
});

Deno.test("parseConfig: tickTime defaults to Apache's 3000 ms (ZooKeeperServer.DEFAULT_TICK_TIME)", () => {
  const c = parseConfig("dataDir=/d\nclientPort=2181\n");
  assert.equal(c.tickTime, 3000);
  assert.equal(c.minSessionTimeout, 6000);
  assert.equal(c.maxSessionTimeout, 60000);
});
