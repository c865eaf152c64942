// Txn log appends with fsync at batch sizes 1, 10, 100 and 1000, next to the
// raw fdatasync rate of the same disk, in the same run:
//   deno bench -A packages/persistence/txn_log_bench.ts
// txns/s of a batch size = batch size / time per iteration; per fsync = the batch size.
//
// On a shared disk the groups' timings drift apart; for figures, the table
// mode interleaves each batch with a raw fdatasync and compares medians:
//   deno run -A packages/persistence/txn_log_bench.ts table
import { DenoStorage, TxnLog } from "./mod.ts";
import { fakeTxn } from "./_test_util.ts";

const root = await Deno.makeTempDir({ prefix: "zkts-bench-" });
const storage = new DenoStorage();

// The raw rate: 113 bytes (a small txn record), or a batch's bytes, written and
// fdatasynced, appended as a log appends: each write goes to fresh blocks of a
// sparse file (preallocated the way Apache and zkts preallocate a segment).
// Rewriting blocks already written is faster (no block allocation to commit),
// and no log does that.
const raw = await Deno.open(`${root}/raw`, { read: true, write: true, create: true });
await raw.truncate(16 * 1024 ** 3);
await raw.syncData();
const record = new Uint8Array(113).fill(1);
let rawOffset = 0;

Deno.bench({
  group: "fsync",
  name: "raw write + fdatasync (113 B)",
  baseline: true,
  async fn() {
    await raw.seek(rawOffset, Deno.SeekMode.Start);
    await raw.write(record);
    await raw.syncData();
    rawOffset += record.length;
  },
});

const logs = new Map<number, { log: TxnLog; next: bigint }>();
const payloads = new Map<bigint, Uint8Array>();

for (const batch of [1, 10, 100, 1000]) {
  Deno.bench({
    group: "fsync",
    name: `TxnLog.append x${batch}, one fsync (100 B txns)`,
    async fn(b) {
      let state = logs.get(batch);
      if (!state) {
        const log = await TxnLog.open({ storage, dir: `${root}/b${batch}`, logger: console });
        state = { log, next: 1n };
        logs.set(batch, state);
      }
      const appends: Promise<void>[] = [];
      b.start();
      for (let i = 0; i < batch; i++) {
        const z = state.next++;
        let bytes = payloads.get(z % 1000n);
        if (!bytes) payloads.set(z % 1000n, bytes = fakeTxn(z % 1000n, 68));
        // The record must hold its zxid: patch it in place (bytes 12..20).
        new DataView(bytes.buffer).setBigInt64(12, z);
        appends.push(state.log.append(z, bytes.slice()));
      }
      await Promise.all(appends);
      b.end();
      if (state.log.txnsSinceRoll > 200_000) state.log.roll();
    },
  });
}

// Many concurrent writers: 64 clients, each appending as soon as its last txn is logged.
Deno.bench({
  group: "concurrent",
  name: "64 writers x 50 txns each, group commit",
  async fn(b) {
    const log = await TxnLog.open({ storage, dir: `${root}/c${crypto.randomUUID()}` });
    let next = 1n;
    b.start();
    await Promise.all(Array.from({ length: 64 }, async () => {
      for (let i = 0; i < 50; i++) {
        const z = next++;
        await log.append(z, fakeTxn(z, 68));
      }
    }));
    b.end();
    await log.close();
  },
});

async function rawSync(bytes: Uint8Array): Promise<number> {
  const t = performance.now();
  await raw.seek(rawOffset, Deno.SeekMode.Start);
  for (let done = 0; done < bytes.length;) done += await raw.write(bytes.subarray(done));
  await raw.syncData();
  rawOffset += bytes.length;
  return performance.now() - t;
}

async function table(rounds: number): Promise<void> {
  const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  console.log(
    "| batch | raw fdatasync/s (113 B) | raw fdatasync/s (batch bytes) | txns/s | fsyncs/s | " +
      "÷ (batch × raw 113 B) | ÷ (batch × raw batch bytes) |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const batch of [1, 10, 100, 1000]) {
    const log = await TxnLog.open({ storage, dir: `${root}/t${batch}` });
    let next = 1n;
    const rawMs: number[] = [], rawSameMs: number[] = [], logMs: number[] = [];
    const same = new Uint8Array(113 * batch).fill(1);
    for (let r = 0; r < rounds; r++) {
      rawMs.push(await rawSync(record));
      rawSameMs.push(await rawSync(same));
      const appends: Promise<void>[] = [];
      const txns = Array.from({ length: batch }, (_, i) => fakeTxn(next + BigInt(i), 68));
      const t = performance.now();
      for (let i = 0; i < batch; i++) appends.push(log.append(next++, txns[i]));
      await Promise.all(appends);
      logMs.push(performance.now() - t);
    }
    await log.close();
    const rawRate = 1000 / median(rawMs);
    const rawSameRate = 1000 / median(rawSameMs);
    const txnRate = (batch * 1000) / median(logMs);
    console.log(
      `| ${batch} | ${rawRate.toFixed(0)} | ${rawSameRate.toFixed(0)} | ${txnRate.toFixed(0)} | ` +
        `${(txnRate / batch).toFixed(0)} | ${(txnRate / (batch * rawRate)).toFixed(2)} | ` +
        `${(txnRate / (batch * rawSameRate)).toFixed(2)} |`,
    );
  }
  // Many concurrent writers: batches form by themselves while an fsync is in flight.
  // Many concurrent writers, as the server drives the log: `submit` and the
  // `onPersisted` callback (no promise per txn). Each acknowledged txn is
  // replaced at once by a new one (a client's next write). Half the writers
  // start once the first half's batch is being written, as independent
  // clients are not in step: while one batch is written and fsynced, the
  // other half fills the next.
  for (const writers of [32, 512, 2000]) {
    const total = Math.max(40_000, writers * 100);
    let batches = 0;
    let next = 1n;
    let acked = 0n;
    const record = fakeTxn(1n, 68);
    const view = new DataView(record.buffer, record.byteOffset);
    const submit = (n: number) => {
      for (let i = 0; i < n && next <= BigInt(total); i++) {
        const z = next++;
        view.setBigInt64(12, z);
        log.submit(z, record);
      }
    };
    const { promise: finished, resolve } = Promise.withResolvers<void>();
    const log: TxnLog = await TxnLog.open({
      storage,
      dir: `${root}/w${writers}`,
      onPersisted: (upTo) => {
        batches++;
        const n = Number(upTo - acked);
        acked = upTo;
        if (upTo >= BigInt(total)) resolve();
        else submit(n);
      },
    });
    const t = performance.now();
    submit(writers / 2);
    for (let k = 0; k < 10; k++) await Promise.resolve();
    submit(writers / 2);
    await finished;
    const ms = performance.now() - t;
    await log.close();
    const txns = Number(next - 1n);
    const perFsync = txns / batches;
    // The raw rates as means over half a second, as the throughput above is a
    // mean too: small writes, and writes of one batch's bytes.
    const rawMean = async (bytes: Uint8Array) => {
      let count = 0;
      const start = performance.now();
      while (performance.now() - start < 500) {
        await rawSync(bytes);
        count++;
      }
      return count * 1000 / (performance.now() - start);
    };
    const raw113 = await rawMean(record);
    const rawBatch = await rawMean(new Uint8Array(Math.round(perFsync * 113)).fill(1));
    const rate = txns * 1000 / ms;
    console.log(
      `${writers} concurrent writers: ${rate.toFixed(0)} txns/s, ${perFsync.toFixed(1)} txns ` +
        `per fsync, ${(batches * 1000 / ms).toFixed(0)} fsyncs/s; raw fdatasync/s ${
          raw113.toFixed(0)
        } (113 B), ${rawBatch.toFixed(0)} (a batch's ${Math.round(perFsync * 113)} B); ` +
        `txns/s ÷ (per fsync × raw) = ${(rate / (perFsync * raw113)).toFixed(2)} (113 B), ${
          (rate / (perFsync * rawBatch)).toFixed(2)
        } (batch bytes)`,
    );
  }
}

if (import.meta.main && Deno.args[0] === "table") {
  await table(Number(Deno.args[1] ?? 300));
}

globalThis.addEventListener("unload", () => {
  raw.close();
  for (const { log } of logs.values()) log.close();
  Deno.removeSync(root, { recursive: true });
});
