import assert from "node:assert/strict";
import {
  encodeFileHeader,
  encodeLogRecord,
  FILE_HEADER_BYTES,
  RECORD_BYTES_MAX_DEFAULT,
  RECORD_OVERHEAD_BYTES,
  type ScanCounters,
  scanSegment,
  type StorageFile,
  TXNLOG_MAGIC,
} from "./mod.ts";
import { fakeTxn } from "./_test_util.ts";

/** A segment in memory that counts what is read from it. */
class CountingFile implements StorageFile {
  readonly path = "/v2/log.1";
  reads = 0;
  readBytes = 0;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    const out = this.#bytes.slice(offset, Math.min(offset + length, this.#bytes.length));
    this.reads++;
    this.readBytes += out.length;
    return Promise.resolve(out);
  }

  size(): Promise<number> {
    return Promise.resolve(this.#bytes.length);
  }

  write(): Promise<void> {
    throw new Error("read only");
  }
  append(): Promise<void> {
    throw new Error("read only");
  }
  truncate(): Promise<void> {
    throw new Error("read only");
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  syncData(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/** A segment: header, one record per payload size (zxids 1..n), then `zeros` preallocated bytes. */
function segment(payloadSizes: number[], zeros: number): Uint8Array {
  const recordBytes = payloadSizes.reduce((n, s) => n + s + RECORD_OVERHEAD_BYTES, 0);
  const out = new Uint8Array(FILE_HEADER_BYTES + recordBytes + zeros);
  out.set(encodeFileHeader(TXNLOG_MAGIC));
  let at = FILE_HEADER_BYTES;
  payloadSizes.forEach((s, i) => {
    at = encodeLogRecord(out, at, fakeTxn(BigInt(i + 1), s - 32));
  });
  return out;
}

const MiB = 1 << 20;
const cases: {
  name: string;
  payloads: number[];
  zeros: number;
  chunkBytes?: number;
  recordBytesMax?: number;
}[] = [
  {
    name: "60,000 small records (the server's creates) with the default chunk",
    payloads: Array.from({ length: 60_000 }, () => 100),
    zeros: 4 * MiB,
  },
  {
    name: "records at the length limit, each bigger than the default chunk",
    payloads: Array.from({ length: 7 }, () => RECORD_BYTES_MAX_DEFAULT),
    zeros: 64 * 1024,
  },
  {
    name: "mixed sizes: small records between records at the limit",
    payloads: Array.from({ length: 40 }, (_, i) => i % 4 === 0 ? RECORD_BYTES_MAX_DEFAULT : 40 + i),
    zeros: 0,
  },
  {
    name: "a 4 KiB chunk: 20,000 records of 40 to 1,000 bytes straddle the buffer's end",
    payloads: Array.from({ length: 20_000 }, (_, i) => 40 + (i * 37) % 961),
    zeros: 10_000,
    chunkBytes: 4096,
    recordBytesMax: 1000,
  },
  {
    name: "a chunk smaller than one record: 900-byte records, 256-byte chunk",
    payloads: Array.from({ length: 5_000 }, () => 900),
    zeros: 100,
    chunkBytes: 256,
    recordBytesMax: 1000,
  },
];

for (const c of cases) {
  Deno.test(`scanSegment reads each byte once, moves no more than it reads: ${c.name}`, async () => {
    const bytes = segment(c.payloads, c.zeros);
    const file = new CountingFile(bytes);
    const counters: ScanCounters = { reads: 0, readBytes: 0, copiedBytes: 0 };
    const it = scanSegment(file, bytes.length, -1n, {
      chunkBytes: c.chunkBytes,
      recordBytesMax: c.recordBytesMax,
      counters,
    });
    let n = 0;
    let offset = FILE_HEADER_BYTES;
    let r = await it.next();
    for (; !r.done; r = await it.next()) {
      n++;
      assert.equal(r.value.zxid, BigInt(n), "records come in order");
      assert.equal(r.value.offset, offset, "at their offsets");
      assert.equal(r.value.bytes.length, c.payloads[n - 1], "whole");
      offset += c.payloads[n - 1] + RECORD_OVERHEAD_BYTES;
    }
    assert.equal(n, c.payloads.length, "every record is read");
    assert.deepEqual(r.value, { kind: "end", offset });
    assert.equal(counters.reads, file.reads, "the counters count the file's reads");
    assert.equal(counters.readBytes, file.readBytes);
    assert.ok(file.readBytes <= bytes.length, `read ${file.readBytes} of ${bytes.length} bytes`);
    // Moves within the buffer are bounded by what was read (each refill reads at least what it keeps).
    assert.ok(
      counters.copiedBytes <= file.readBytes,
      `moved ${counters.copiedBytes} bytes for ${file.readBytes} read`,
    );
    const chunk = Math.max(c.chunkBytes ?? MiB, 1);
    assert.ok(
      file.reads <= Math.ceil(bytes.length / chunk) + 2,
      `${file.reads} reads of a ${bytes.length}-byte segment in ${chunk}-byte chunks`,
    );
  });
}

Deno.test("scanSegment stops at a file that is shorter than its size said", async () => {
  const bytes = segment([100, 100, 100], 0);
  const file = new CountingFile(bytes.subarray(0, bytes.length - 50));
  const it = scanSegment(file, bytes.length, -1n, { chunkBytes: 64 });
  const zxids = [];
  let r = await it.next();
  for (; !r.done; r = await it.next()) zxids.push(r.value.zxid);
  assert.deepEqual(zxids, [1n, 2n]);
  assert.equal(r.value.kind, "bad", "the cut record is reported");
});
