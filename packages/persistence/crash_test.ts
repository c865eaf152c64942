import assert from "node:assert/strict";
import { DenoStorage, readTxnLog, seededRandom, TxnLog } from "./mod.ts";
import { fakeTxn, quietLogger } from "./_test_util.ts";

/**
 * Real processes, real disk: a writer appends and prints each zxid once its
 * fsync returned; it is killed with SIGKILL at a random moment, restarted
 * (recovering the log) and killed again, ten times. Every acknowledged zxid
 * must then be in the log, in order, once, with its bytes.
 */
Deno.test({
  name: "SIGKILL mid-stream, ten times: every acknowledged txn survives, in order, once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "zkts-crash-" });
    const dir = `${root}/version-2`;
    const writer = new URL("./_crash_writer.ts", import.meta.url).pathname;
    const random = seededRandom(Number(Deno.env.get("ZKTS_CRASH_SEED") ?? 20261123));
    let maxAcked = -1n;
    let totalAcked = 0;
    try {
      for (let run = 0; run < 10; run++) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-check", writer, dir, String(run + 1)],
          stdout: "piped",
          stderr: "inherit",
          stdin: "null",
        }).spawn();
        const killAfterMs = 300 + random.int(700);
        let text = "";
        const decoder = new TextDecoder();
        const reader = child.stdout.getReader();
        let killed = false;
        let started = false;
        const deadline = Date.now() + 15_000;
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          while (true) {
            const { value, done } = await reader.read();
            if (done) break;
            text += decoder.decode(value, { stream: true });
            if (!started && text.includes("start ")) {
              started = true;
              const m = text.match(/start (-?\d+)/)!;
              assert.ok(
                BigInt(m[1]) >= maxAcked,
                `run ${run}: recovered ${m[1]}, acknowledged ${maxAcked}`,
              );
              timer = setTimeout(() => {
                killed = true;
                child.kill("SIGKILL");
              }, killAfterMs);
            }
            if (Date.now() > deadline && !killed) {
              killed = true;
              child.kill("SIGKILL");
            }
          }
        } finally {
          clearTimeout(timer);
          if (!killed) child.kill("SIGKILL");
          await child.status;
        }
        assert.doesNotMatch(text, /^error /m, `run ${run}: the writer failed`);
        const acks = [...text.matchAll(/^ack (\d+)$/gm)].map((m) => BigInt(m[1]));
        assert.ok(
          acks.length > 0,
          `run ${run}: no acknowledged txn (output: ${text.slice(0, 300)})`,
        );
        for (const z of acks) if (z > maxAcked) maxAcked = z;
        totalAcked += acks.length;
      }
      // Recovery (what the next start does), then every txn read back.
      const log = await TxnLog.open({ storage: new DenoStorage(), dir, logger: quietLogger() });
      assert.ok(log.lastZxid >= maxAcked);
      await log.close();
      let expect = 1n;
      for await (const r of readTxnLog({ storage: new DenoStorage(), dir })) {
        assert.equal(r.zxid, expect, "contiguous, in order, no duplicates");
        assert.deepEqual(r.bytes, fakeTxn(r.zxid, r.bytes.length - 32));
        expect++;
      }
      assert.ok(expect - 1n >= maxAcked, `log ends at ${expect - 1n}, acknowledged ${maxAcked}`);
      console.log(
        `  ${totalAcked} acks over 10 kills; log holds 1..${expect - 1n}; last ack ${maxAcked}`,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
