/**
 * How long a snapshot stalls the server's event loop: builds a tree of
 * PARENTS × CHILDREN znodes (10-byte data), takes the point-in-time view the
 * server snapshots from, and writes it in Apache's format while a 1 ms timer
 * measures the longest pause.
 *
 *   deno run -A bench/snapshot_pause.ts [parents=1000] [children=1000]
 *
 * @module
 */
import { DataTree } from "@zkts/datatree";
import { DenoStorage, writeSnapshot } from "@zkts/persistence";

const parents = Number(Deno.args[0] ?? 1000);
const children = Number(Deno.args[1] ?? 1000);
const tree = new DataTree();
const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const data = new Uint8Array(10);
let zxid = 0n;
const create = (path: string) =>
  tree.processTxn(
    { clientId: 1n, cxid: 1, zxid: ++zxid, time: 0n, type: 1 },
    { path, data, acl, ephemeral: false, parentCVersion: -1 },
  );
for (let p = 0; p < parents; p++) {
  create(`/p${p}`);
  for (let c = 0; c < children; c++) create(`/p${p}/c${c}`);
}
tree.lastProcessedZxid = zxid;

let t0 = performance.now();
const view = tree.snapshotView();
const cloneMs = performance.now() - t0;

let maxPause = 0;
let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  maxPause = Math.max(maxPause, now - last);
  last = now;
}, 1);
const dir = await Deno.makeTempDir({ prefix: "zkts-snap-" });
try {
  t0 = performance.now();
  const r = await writeSnapshot(
    { storage: new DenoStorage(), dir, zxid, fsync: true },
    { sessions: [], acls: view.acls, nodes: view.nodes() },
  );
  const writeMs = performance.now() - t0;
  console.log(
    `${tree.nodeCount} znodes: copy ${
      cloneMs.toFixed(1)
    } ms (one pause), write+fsync ${r.bytes} bytes in ${
      writeMs.toFixed(0)
    } ms, longest pause while writing ${maxPause.toFixed(1)} ms`,
  );
} finally {
  clearInterval(timer);
  await Deno.remove(dir, { recursive: true });
}
