import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "./config.ts";
import { CONFIG_KEYS, configKeySpec } from "./config_keys.ts";

const BASE = "tickTime=2000\ndataDir=/var/zk\nclientPort=2181\n";
const ENSEMBLE = "initLimit=10\nsyncLimit=5\nserver.1=h:1:2\nserver.2=h:3:4\nserver.3=h:5:6\n";

/** A key of a family, as an operator would write it. */
function concrete(key: string): string {
  if (key.endsWith("*")) return key.slice(0, -1) + (key.endsWith(".*") ? "some.setting" : "x");
  return key.replace(/\.N$/, ".1");
}

/** A value an honoured key takes (every honoured key must have one: a new key needs a case). */
const HONOURED_SAMPLE: Record<string, string> = {
  tickTime: "2000",
  dataDir: "/var/zk",
  dataLogDir: "/var/zklog",
  clientPort: "2181",
  clientPortAddress: "127.0.0.1",
  maxClientCnxns: "10",
  minSessionTimeout: "4000",
  maxSessionTimeout: "40000",
  initLimit: "10",
  syncLimit: "5",
  electionAlg: "3",
  peerType: "participant",
  "autopurge.snapRetainCount": "3",
  "autopurge.purgeInterval": "1",
  standaloneEnabled: "true",
  reconfigEnabled: "false",
  "server.N": "h:1:2",
  "group.N": "1:2:3",
  "weight.N": "1",
  "metricsProvider.className": "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
  "metricsProvider.httpPort": "7000",
  "metricsProvider.httpHost": "127.0.0.1",
  snapCount: "1000",
  preAllocSize: "1024",
  forceSync: "no",
  commitLogCount: "100",
  "snapshot.compression.method": "gz",
  "jute.maxbuffer": "1048576",
  extendedTypesEnabled: "true",
  "4lw.commands.whitelist": "*",
  "admin.enableServer": "false",
  "admin.serverAddress": "127.0.0.1",
  "admin.serverPort": "8081",
  skipACL: "no",
  "DigestAuthenticationProvider.superDigest": "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
  globalOutstandingLimit: "100",
  enforceQuota: "true",
  "fsync.warningthresholdms": "500",
  "digest.enabled": "false",
  "znode.container.checkIntervalMs": "1000",
  "znode.container.maxPerMinute": "100",
};

/** A value a refused key is refused at. */
function refusedSample(key: string, accepts: readonly string[] | undefined): string {
  if (!accepts) return key.includes("Port") ? "2281" : "anything";
  if (accepts.includes("false")) return "true";
  if (accepts.includes("true")) return "false";
  if (accepts.includes("yes")) return "no";
  if (key === "authProvider.N") {
    return "org.apache.zookeeper.server.auth.SASLAuthenticationProvider";
  }
  if (key === "DigestAuthenticationProvider.digestAlg") return "SHA-256";
  if (key === "admin.commandURL") return "/cmd";
  return "12345";
}

function parse(extra: string, ensemble = false) {
  return parseConfig(BASE + (ensemble ? ENSEMBLE : "") + extra, { myid: "1" });
}

for (const spec of CONFIG_KEYS) {
  const key = concrete(spec.key);
  Deno.test(`zoo.cfg ${spec.key}: ${spec.effect}`, () => {
    assert.equal(configKeySpec(key), spec, `${key} finds its own spec`);
    const ensemble = /^(server|group|weight)\.|^initLimit$|^syncLimit$/.test(spec.key);
    switch (spec.effect) {
      case "honoured": {
        if (spec.key === "dynamicConfigFile") return; // its own tests: dynamic_config_test.ts
        const sample = HONOURED_SAMPLE[spec.key];
        assert.ok(sample !== undefined, `an honoured key needs a sample value in this test`);
        const c = parse(`${key}=${sample}\n`, ensemble);
        assert.ok(!c.unknown.has(key), "not unknown");
        if (spec.key !== "metricsProvider.httpPort") assert.ok(!c.noEffect.has(key), "has effect");
        break;
      }
      case "refused": {
        const bad = refusedSample(spec.key, spec.accepts);
        assert.throws(() => parse(`${key}=${bad}\n`, ensemble), (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.equal(e.key, key);
          assert.ok(e.message.startsWith(`${key}=${bad} is not supported by zkts: `), e.message);
          assert.ok(!e.message.includes("\n"), "one line");
          return true;
        });
        for (const ok of spec.accepts ?? []) {
          if (ok.includes(" ")) continue; // "initLimit's value": checked below
          const c = parse(`${key}=${ok}\n`, ensemble);
          assert.ok(!c.unknown.has(key));
        }
        break;
      }
      case "inert":
      case "tuning": {
        const c = parse(`${key}=1\n`, ensemble);
        assert.ok(c.noEffect.has(key), "logged at start as having no effect");
        assert.ok(!c.unknown.has(key));
        break;
      }
    }
  });
}

Deno.test("zoo.cfg: keys Apache does not act on are unknown (warned), not silently taken", () => {
  const c = parse("zookeeper.snapCount=5\nno.such.key=1\n");
  assert.deepEqual([...c.unknown.keys()], ["zookeeper.snapCount", "no.such.key"]);
  assert.equal(
    c.snapCount,
    100000,
    "zookeeper.snapCount is not snapCount (Apache: zookeeper.zookeeper.snapCount)",
  );
});

Deno.test("zoo.cfg: a secure-only config is refused, never served in plaintext", () => {
  const text = "tickTime=2000\ndataDir=/var/zk\nsecureClientPort=2281\n";
  assert.throws(() => parseConfig(text), /^ConfigError: secureClientPort=2281 is not supported/);
  // Without either port there is no client port at all, as in Apache (no plaintext 2181).
  const none = parseConfig("tickTime=2000\ndataDir=/var/zk\n");
  assert.equal(none.clientPort, undefined);
});

Deno.test("zoo.cfg: connectToLearnerMasterLimit is taken at 0 or initLimit's value only", () => {
  assert.doesNotThrow(() => parse("initLimit=7\nconnectToLearnerMasterLimit=7\n"));
  assert.doesNotThrow(() => parse("connectToLearnerMasterLimit=0\n"));
  assert.throws(
    () => parse("initLimit=7\nconnectToLearnerMasterLimit=20\n"),
    /connectToLearnerMasterLimit=20 is not supported/,
  );
});

Deno.test("zoo.cfg: /metrics is served only with the Prometheus provider, as in Apache", () => {
  const plain = parse("metricsProvider.httpPort=7000\n");
  assert.equal(plain.metricsHttpPort, undefined);
  assert.match(plain.noEffect.get("metricsProvider.httpPort")!, /PrometheusMetricsProvider/);
  const prom = parse(
    "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n" +
      "metricsProvider.httpPort=7000\n",
  );
  assert.equal(prom.metricsHttpPort, 7000);
  assert.throws(
    () => parse("metricsProvider.className=com.example.MyProvider\n"),
    /metricsProvider.className=com.example.MyProvider is not supported/,
  );
});

Deno.test("zoo.cfg: honoured values reach the config", () => {
  const c = parse(
    "commitLogCount=42\nsnapshot.compression.method=snappy\ndigest.enabled=false\nenforceQuota=true\n",
  );
  assert.equal(c.commitLogCount, 42);
  assert.equal(c.snapshotCompression, "snappy");
  assert.equal(c.digestEnabled, false);
  assert.equal(c.enforceQuota, true);
  // SnapStream: a method it does not know writes plain snapshots.
  assert.equal(parse("snapshot.compression.method=zstd\n").snapshotCompression, "none");
});

Deno.test("docs/operations.md's key table is the one the code gives", async () => {
  const { PAGE, unpadded, withTable } = await import("../../tools/config_keys_doc.ts");
  const page = await Deno.readTextFile(PAGE);
  assert.equal(
    unpadded(page),
    unpadded(withTable(page)),
    "run: deno run -A tools/config_keys_doc.ts",
  );
});
