import assert from "node:assert/strict";
import { ConfigError, isStandalone, parseConfig, quorumConfigText } from "./config.ts";
import { parseDynamicConfig, versionFromFilename } from "./dynamic_config.ts";

const DYN = "/etc/zk/zoo.cfg.dynamic.100000003";

Deno.test("versionFromFilename reads the hex after the last dot, as getVersionFromFilename", () => {
  const cases: { name: string; path: string; want: string | undefined }[] = [
    { name: "a reconfig's file", path: DYN, want: "100000003" },
    { name: "the first established config", path: "zoo.cfg.dynamic.100000000", want: "100000000" },
    { name: "version 0", path: "zoo.cfg.dynamic.0", want: "0" },
    { name: "upper case and leading zeros, normalised", path: "z.00ABC", want: "abc" },
    { name: "no version suffix", path: "/etc/zk/zoo.cfg.dynamic", want: undefined },
    { name: "a dot in a directory only", path: "/etc/zk.d/dynamic", want: undefined },
    { name: "an empty suffix", path: "zoo.cfg.dynamic.", want: undefined },
    { name: "no dot at all", path: "dynamic", want: undefined },
    { name: "a negative long, as Long.toHexString", path: "z.-1", want: "ffffffffffffffff" },
    { name: "more than a long holds", path: "z.10000000000000000", want: undefined },
  ];
  for (const c of cases) assert.equal(versionFromFilename(c.path), c.want, c.name);
});

Deno.test("parseDynamicConfig reads what Apache writes after a reconfig", () => {
  // Apache 3.8's zoo.cfg.dynamic.100000003 after `reconfig -add` gave server.2 a client port.
  const text = "server.1=127.0.0.1:35017:46587:participant\n" +
    "server.2=127.0.0.1:38275:37799:participant;127.0.0.1:33531\n" +
    "server.3=127.0.0.1:36451:33819:observer";
  const d = parseDynamicConfig(text, DYN);
  assert.equal(d.version, 0x100000003n);
  assert.deepEqual([...d.servers.keys()], [1, 2, 3]);
  assert.deepEqual(d.servers.get(2), {
    id: 2,
    host: "127.0.0.1",
    quorumPort: 38275,
    electionPort: 37799,
    role: "participant",
    clientHost: "127.0.0.1",
    clientPort: 33531,
  });
  assert.equal(d.servers.get(3)?.role, "observer");
  assert.equal(d.groups.size, 0);
  assert.equal(parseDynamicConfig(text, "zoo.cfg.dynamic").version, 0n, "no suffix: version 0");
});

Deno.test("parseDynamicConfig reads a hierarchy (group.N, weight.N), weight 1 by default", () => {
  const d = parseDynamicConfig(
    "server.1=h:1:2\nserver.2=h:3:4\nserver.3=h:5:6\nserver.4=h:7:8:observer\n" +
      "group.1=1:2\ngroup.2=3\nweight.2=0\n",
    DYN,
  );
  assert.deepEqual([...d.groups], [[1, [1, 2]], [2, [3]]]);
  assert.deepEqual(new Map([...d.weights].sort()), new Map([[1, 1], [2, 0], [3, 1]]));
});

Deno.test("parseDynamicConfig refuses what Apache refuses, in its words", () => {
  const cases: { name: string; text: string; standaloneEnabled?: boolean; message: string }[] = [
    {
      name: "a version line (it is in the file's name)",
      text: "server.1=h:1:2\nserver.2=h:3:4\nversion=100000003\n",
      message: "dynamic file shouldn't have version inside",
    },
    {
      name: "a static key",
      text: "server.1=h:1:2\nserver.2=h:3:4\nclientPort=2181\n",
      message: "Unrecognised parameter: clientPort",
    },
    {
      name: "a server id that is not a number",
      text: "server.x=h:1:2\nserver.2=h:3:4\n",
      message: `Error processing ${DYN}: For input string: "x"`,
    },
    {
      name: "a server line without an election port",
      text: "server.1=h:1\nserver.2=h:3:4\n",
      message: "Missing election port for server: 1",
    },
    {
      name: "a participant outside every group",
      text: "server.1=h:1:2\nserver.2=h:3:4\ngroup.1=1\n",
      message: "Server 2is not in a group",
    },
    {
      name: "a server in two groups",
      text: "server.1=h:1:2\nserver.2=h:3:4\ngroup.1=1:2\ngroup.2=1\n",
      message: "Server 1is in multiple groups",
    },
    {
      name: "observers without participants",
      text: "server.1=h:1:2:observer\n",
      message: `Error processing ${DYN}: Observers w/o participants is an invalid configuration`,
    },
    {
      name: "one participant and an observer, standalone enabled",
      text: "server.1=h:1:2\nserver.2=h:3:4:observer\n",
      message: `Error processing ${DYN}: Observers w/o quorum is an invalid configuration`,
    },
    {
      name: "no participant with standaloneEnabled=false",
      text: "",
      standaloneEnabled: false,
      message:
        `Error processing ${DYN}: standaloneEnabled = false then number of participants should be >0`,
    },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseDynamicConfig(c.text, DYN, { standaloneEnabled: c.standaloneEnabled }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, `${c.name}: ${e}`);
        assert.equal(e.message, c.message, c.name);
        return true;
      },
      c.name,
    );
  }
});

// Apache's member 2 after that reconfig: server lines gone, clientPort erased
// (its server line has one), dynamicConfigFile added (QuorumPeerConfig.editStaticConfig).
const STATIC = [
  "dataDir=/var/zk/2/data",
  "syncLimit=5",
  "initLimit=10",
  "tickTime=2000",
  `dynamicConfigFile=${DYN}`,
  "",
].join("\n");
const DYNAMIC = "server.1=127.0.0.1:35017:46587:participant\n" +
  "server.2=127.0.0.1:38275:37799:participant;127.0.0.1:33531\n" +
  "server.3=127.0.0.1:36451:33819:participant";

Deno.test("parseConfig takes the ensemble from the dynamic file: a member, not standalone", () => {
  const c = parseConfig(STATIC, { myid: "2\n", dynamicConfig: DYNAMIC });
  assert.equal(c.dynamicConfigFile, DYN);
  assert.equal(c.configVersion, 0x100000003n);
  assert.equal(c.servers.size, 3);
  assert.equal(c.myid, 2);
  assert.ok(!isStandalone(c), "three servers: an ensemble member");
  assert.equal(c.clientPort, 33531, "the client port of its server line");
  assert.equal(c.clientPortAddress, "127.0.0.1");
  // Apache's `conf` membership (and /zookeeper/config) for that config, byte for byte.
  assert.equal(
    quorumConfigText(c),
    "server.1=127.0.0.1:35017:46587:participant\n" +
      "server.2=127.0.0.1:38275:37799:participant;127.0.0.1:33531\n" +
      "server.3=127.0.0.1:36451:33819:participant\nversion=100000003",
  );
  const s = parseConfig("tickTime=2000\ndataDir=/d\nserver.1=h:1:2\nserver.2=h:3:4\n", {
    myid: "1",
  });
  assert.equal(s.configVersion, 0n, "a static config is version 0");
  assert.match(quorumConfigText(s), /\nversion=0$/);
});

Deno.test("parseConfig refuses a dynamic layout it cannot honour, naming the key", () => {
  const cases: { name: string; text: string; dynamicConfig?: string; key: string; re: RegExp }[] = [
    {
      name: "server lines in zoo.cfg beside dynamicConfigFile",
      text: STATIC + "server.1=127.0.0.1:35017:46587\n",
      dynamicConfig: DYNAMIC,
      key: "server.1",
      re: /^parameter: server\.1 must be in a separate dynamic config file$/,
    },
    {
      name: "a group line in zoo.cfg beside dynamicConfigFile",
      text: STATIC + "group.1=1:2:3\n",
      dynamicConfig: DYNAMIC,
      key: "group.1",
      re: /^parameter: group\.1 must be in a separate dynamic config file$/,
    },
    {
      name: "a dynamic file that was not read",
      text: STATIC,
      key: "dynamicConfigFile",
      re: /^Error processing \/etc\/zk\/zoo\.cfg\.dynamic\.100000003/,
    },
    {
      name: "reconfigEnabled=true on an ensemble member",
      text: STATIC + "reconfigEnabled=true\n",
      dynamicConfig: DYNAMIC,
      key: "reconfigEnabled",
      re:
        /^reconfigEnabled=true: zkts ensemble members do not implement dynamic reconfig; set reconfigEnabled=false/,
    },
    {
      name: "reconfigEnabled=true with static server lines",
      text: "tickTime=2000\ndataDir=/d\nreconfigEnabled=true\nserver.1=h:1:2\nserver.2=h:3:4\n",
      key: "reconfigEnabled",
      re: /^reconfigEnabled=true: /,
    },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseConfig(c.text, { myid: "2", dynamicConfig: c.dynamicConfig }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, `${c.name}: ${e}`);
        assert.equal(e.key, c.key, c.name);
        assert.match(e.message, c.re, c.name);
        return true;
      },
      c.name,
    );
  }
  // A standalone server keeps reconfigEnabled (reconfig answers Unimplemented, as Apache's).
  const c = parseConfig("tickTime=2000\ndataDir=/d\nclientPort=2181\nreconfigEnabled=true\n");
  assert.ok(c.reconfigEnabled && isStandalone(c));
  const d = parseConfig(STATIC + "reconfigEnabled=false\n", { myid: "2", dynamicConfig: DYNAMIC });
  assert.equal(d.reconfigEnabled, false);
});

Deno.test("quorumConfigText writes a hierarchy as QuorumHierarchical.toString (Apache 3.8's /zookeeper/config)", () => {
  const dynamic = "server.1=127.0.0.1:37375:41695:participant\n" +
    "server.2=127.0.0.1:40447:46469:participant\n" +
    "server.3=127.0.0.1:43927:35149:participant\n" +
    "group.2=3:1\ngroup.1=2\nweight.3=2\n";
  const c = parseConfig(
    "tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir=/d\ndynamicConfigFile=/d/zoo.cfg.dynamic.200000005\n",
    { myid: "1", dynamicConfig: dynamic },
  );
  // Read from an Apache 3.8 ensemble started on that dynamic file.
  assert.equal(
    quorumConfigText(c),
    "server.1=127.0.0.1:37375:41695:participant\nserver.2=127.0.0.1:40447:46469:participant\n" +
      "server.3=127.0.0.1:43927:35149:participant\ngroup.1=2\ngroup.2=1:3\n" +
      "weight.1=1\nweight.2=1\nweight.3=2\nversion=200000005",
  );
});
