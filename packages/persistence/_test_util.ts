// Helpers shared by the package's tests and benches (private, not exported).

/** A fake serialized TxnHeader + body for `zxid`: deterministic from zxid, 32 + `extra` bytes. */
export function fakeTxn(zxid: bigint, extra = 8): Uint8Array {
  const b = new Uint8Array(32 + extra);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, 0x1234n); // clientId
  v.setInt32(8, Number(zxid & 0x7fffn)); // cxid
  v.setBigInt64(12, zxid);
  v.setBigInt64(20, 1_700_000_000_000n + zxid); // time
  v.setInt32(28, 5); // type: setData
  const seed = Number(zxid & 0xffffn) * 31;
  for (let i = 32; i < b.length; i++) b[i] = (seed + i) & 0xff;
  return b;
}

/** A logger that keeps the lines, for asserting what was said. */
export function quietLogger(): {
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
  lines: string[];
} {
  const lines: string[] = [];
  return {
    lines,
    warn: (...a: unknown[]) => void lines.push(a.join(" ")),
    error: (...a: unknown[]) => void lines.push(a.join(" ")),
  };
}

/** Lets `n` microtasks run. */
export async function microtasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}
