import assert from "node:assert/strict";
import { NIL, NodeStore } from "./_store.ts";

/** A seeded xorshift, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

Deno.test("NodeStore: random adds, removes, lookups and data writes agree with a Map model", () => {
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    const s = new NodeStore();
    const root = s.addRoot();
    const model = new Map<string, { id: number; data: Uint8Array | null }>();
    const paths: string[] = [];
    for (let step = 0; step < 30_000; step++) {
      const x = r();
      if (x < 0.5 || paths.length === 0) {
        const parentPath = paths.length > 0 && r() < 0.5
          ? paths[Math.floor(r() * paths.length)]
          : "";
        const parent = parentPath === "" ? root : model.get(parentPath)!.id;
        const name = `n${Math.floor(r() * 5000)}\u00e9`;
        const path = `${parentPath}/${name}`;
        if (model.has(path)) {
          assert.equal(
            s.child(parent, name),
            model.get(path)!.id,
            `seed=${seed} step=${step} existing child`,
          );
          continue;
        }
        const id = s.addChild(parent, name);
        const data = r() < 0.5 ? new Uint8Array(Math.floor(r() * 300)).fill(step & 0xff) : null;
        s.setData(id, data);
        model.set(path, { id, data });
        paths.push(path);
      } else if (x < 0.8) {
        const i = Math.floor(r() * paths.length);
        const path = paths[i];
        const id = model.get(path)!.id;
        if (s.firstChild[id] !== NIL) continue;
        s.remove(id);
        model.delete(path);
        paths[i] = paths[paths.length - 1];
        paths.pop();
      } else {
        const path = paths[Math.floor(r() * paths.length)];
        const e = model.get(path)!;
        e.data = new Uint8Array(Math.floor(r() * 2000)).fill(step & 0xff);
        s.setData(e.id, e.data);
      }
    }
    assert.equal(s.count, model.size + 1, `seed=${seed} count`);
    for (const [path, e] of model) {
      assert.equal(s.lookup(root, path), e.id, `seed=${seed} lookup ${path}`);
      assert.equal(s.path(e.id), path);
      assert.deepEqual(
        s.data(e.id),
        e.data === null ? null : e.data,
        `seed=${seed} data of ${path}`,
      );
    }
    assert.equal(s.lookup(root, "/missing"), NIL);
  }
});

Deno.test("NodeStore: children keep creation order across removals", () => {
  const s = new NodeStore();
  const root = s.addRoot();
  const ids = ["a", "b", "c", "d"].map((n) => s.addChild(root, n));
  s.remove(ids[0]);
  s.remove(ids[2]);
  s.addChild(root, "e");
  const names: string[] = [];
  for (let c = s.firstChild[root]; c !== NIL; c = s.nextSibling[c]) names.push(s.name(c));
  assert.deepEqual(names, ["b", "d", "e"]);
  assert.equal(s.numChildren[root], 3);
});

Deno.test("NodeStore: name and data arenas compact and keep every live name and byte", () => {
  const s = new NodeStore();
  const root = s.addRoot();
  const long = "x".repeat(200);
  const keep: number[] = [];
  for (let round = 0; round < 40; round++) {
    const ids: number[] = [];
    for (let i = 0; i < 500; i++) {
      const id = s.addChild(root, `${long}-${round}-${i}`);
      s.setData(id, new Uint8Array(300).fill(i & 0xff));
      ids.push(id);
    }
    // Keep one per round, drop the rest: ~100 KB of names and 150 KB of data become garbage.
    keep.push(ids[round % 500]);
    for (const id of ids) if (id !== ids[round % 500]) s.remove(id);
  }
  assert.ok(s.bytesAllocated < 8 << 20, `arenas compacted: ${s.bytesAllocated} bytes`);
  keep.forEach((id, round) => {
    assert.equal(s.name(id), `${long}-${round}-${round % 500}`);
    assert.equal(s.lookup(root, `/${long}-${round}-${round % 500}`), id);
    assert.deepEqual(s.data(id), new Uint8Array(300).fill((round % 500) & 0xff));
  });
});

Deno.test("NodeStore: setData churn, big values and removals keep every byte; memory stays bounded", () => {
  const r = rng(7);
  const s = new NodeStore();
  const root = s.addRoot();
  const ids: number[] = [];
  const model = new Map<number, Uint8Array | null>();
  const value = (len: number, tag: number) => {
    const v = new Uint8Array(len);
    for (let i = 0; i < len; i++) v[i] = (tag + i * 7) & 0xff;
    return v;
  };
  for (let i = 0; i < 2000; i++) {
    const id = s.addChild(root, `n${i}`);
    ids.push(id);
    model.set(id, null);
    s.setData(id, null);
  }
  for (let step = 0; step < 60_000; step++) {
    const x = r();
    const id = ids[Math.floor(r() * ids.length)];
    if (x < 0.001) {
      // Big values get a chunk of their own (see _arena.ts).
      const v = value(200_000 + Math.floor(r() * 300_000), step);
      s.setData(id, v);
      model.set(id, v);
    } else if (x < 0.02) {
      s.setData(id, x < 0.01 ? null : new Uint8Array(0));
      model.set(id, x < 0.01 ? null : new Uint8Array(0));
    } else if (x < 0.03) {
      // Remove and re-add: the id is reused, its old bytes are garbage.
      s.remove(id);
      const again = s.addChild(root, `r${step}`);
      ids[ids.indexOf(id)] = again;
      model.delete(id);
      const v = value(1 + Math.floor(r() * 500), step);
      s.setData(again, v);
      model.set(again, v);
    } else {
      const v = value(1 + Math.floor(r() * 1000), step);
      s.setData(id, v);
      model.set(id, v);
    }
  }
  let live = 0;
  for (const [id, v] of model) {
    assert.deepEqual(s.data(id), v, `data of ${id}`);
    live += v?.length ?? 0;
  }
  // Garbage is compacted a chunk at a time: what is held stays within a small multiple of what lives.
  assert.ok(s.bytesAllocated < live * 2 + (16 << 20), `${s.bytesAllocated} bytes for ${live} live`);
});

Deno.test("NodeStore: a snapshot copy keeps the bytes of its moment while the store churns", () => {
  const s = new NodeStore();
  const root = s.addRoot();
  const ids = Array.from({ length: 3000 }, (_, i) => s.addChild(root, `n${i}`));
  for (const id of ids) s.setData(id, new Uint8Array(400).fill(id & 0xff));
  const copy = s.snapshotCopy();
  // Rewrite everything twice (old chunks become garbage and are compacted), remove half.
  for (let round = 1; round <= 2; round++) {
    for (const id of ids) s.setData(id, new Uint8Array(400).fill((id + round) & 0xff));
  }
  for (const id of ids.slice(0, 1500)) s.remove(id);
  for (const id of ids) {
    assert.deepEqual(copy.dataView(id), new Uint8Array(400).fill(id & 0xff));
    assert.equal(copy.name(id), `n${ids.indexOf(id)}`);
  }
});
