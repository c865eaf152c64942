/**
 * Group membership, service discovery and configuration: members are ephemeral nodes with typed payloads, watched as
 * a set; a configuration watcher holds the latest value (push: the watch
 * fires; pull: the value is read again with a new watch).
 *
 * @module
 */
import type { ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import { deleteQuietly, ensurePath, guid, isCode, join, retry, type WaitOptions } from "./_util.ts";
import { type CacheEvent, ChildrenCache, NodeCache } from "./cache.ts";
import { msgpack, type Serializer } from "./serializer.ts";

/** Options of {@linkcode GroupMember} and {@linkcode ServiceDiscovery}. */
export interface GroupOptions<T> {
  /** How payloads are stored. Default msgpack. */
  serializer?: Serializer<T>;
}

async function createEphemeral(zk: ZooKeeper, path: string, data: Uint8Array): Promise<void> {
  const i = path.lastIndexOf("/");
  if (i > 0) await ensurePath(zk, path.slice(0, i));
  try {
    await retry(() => zk.create(path, data, { mode: CreateMode.Ephemeral }));
  } catch (e) {
    if (!isCode(e, ErrorCode.NodeExists)) throw e;
    // Ours after a lost reply? Then only the payload may be stale.
    const { stat } = await retry(() => zk.getData(path));
    if (stat.ephemeralOwner !== zk.sessionId) throw e;
    await retry(() => zk.setData(path, data));
  }
}

/**
 * A member of a group (Curator's `GroupMember`): an ephemeral node
 * `<group>/<id>` holding the payload, and a cache of every member.
 *
 * @example
 * ```ts ignore
 * import { GroupMember } from "@zkts/recipes";
 * const me = new GroupMember<{ load: number }>(zk, "/groups/workers", "host-a", { load: 0 });
 * await me.start();
 * me.onChange(() => console.log([...me.members().keys()]));
 * await me.setPayload({ load: 3 });
 * ```
 */
export class GroupMember<T> {
  #zk: ZooKeeper;
  #path: string;
  #id: string;
  #payload: T;
  #ser: Serializer<T>;
  #cache: ChildrenCache<T>;

  /** Member `id` of the group at `group`. */
  constructor(zk: ZooKeeper, group: string, id: string, payload: T, opts: GroupOptions<T> = {}) {
    this.#zk = zk;
    this.#path = join(group, id);
    this.#id = id;
    this.#payload = payload;
    this.#ser = opts.serializer ?? msgpack<T>();
    this.#cache = new ChildrenCache<T>(zk, group, { serializer: this.#ser });
  }
  /** This member's id. */
  get id(): string {
    return this.#id;
  }
  /** Joins the group and loads the member set. */
  async start(opts: WaitOptions = {}): Promise<void> {
    await createEphemeral(this.#zk, this.#path, this.#ser.encode(this.#payload));
    await this.#cache.start(opts);
  }
  /** Changes this member's payload. */
  async setPayload(payload: T): Promise<void> {
    this.#payload = payload;
    await retry(() => this.#zk.setData(this.#path, this.#ser.encode(payload)));
  }
  /** The members and their payloads, as cached. */
  members(): Map<string, T | undefined> {
    return this.#cache.values();
  }
  /** Calls `fn` on each change of the group; returns the remover. */
  onChange(fn: (ev: CacheEvent<T>) => void): () => void {
    return this.#cache.on(fn);
  }
  /** Waits until `pred` holds for the member set. */
  waitFor(
    pred: (members: Map<string, T | undefined>) => boolean,
    opts: WaitOptions = {},
  ): Promise<void> {
    return this.#cache.waitFor((c) => pred(c.values()), opts);
  }
  /** Leaves the group. */
  async close(): Promise<void> {
    await this.#cache.close();
    await deleteQuietly(this.#zk, this.#path).catch(() => {});
  }
}

/** A registered service instance. */
export interface ServiceInstance<T> {
  /** The service name. */
  readonly name: string;
  /** The instance id (unique within the service). */
  readonly id: string;
  /** What consumers need to reach it (address, port, metadata). */
  readonly payload: T;
}

/**
 * Service discovery (Curator's `ServiceDiscovery`): instances
 * are ephemeral nodes `<base>/<name>/<id>` holding their payload, so a
 * crashed provider disappears with its session.
 *
 * @example
 * ```ts ignore
 * import { ServiceDiscovery } from "@zkts/recipes";
 * const sd = new ServiceDiscovery<{ host: string; port: number }>(zk, "/services");
 * await sd.register({ name: "orders", payload: { host: "10.0.0.5", port: 8080 } });
 * const all = await sd.instances("orders");
 * ```
 */
export class ServiceDiscovery<T> {
  #zk: ZooKeeper;
  #base: string;
  #ser: Serializer<T>;
  /** Discovery under `base`. */
  constructor(zk: ZooKeeper, base: string, opts: GroupOptions<T> = {}) {
    this.#zk = zk;
    this.#base = base;
    this.#ser = opts.serializer ?? msgpack<T>();
  }
  /** Registers an instance (id defaults to a guid). */
  async register(inst: { name: string; id?: string; payload: T }): Promise<ServiceInstance<T>> {
    const id = inst.id ?? guid();
    await createEphemeral(
      this.#zk,
      join(join(this.#base, inst.name), id),
      this.#ser.encode(inst.payload),
    );
    return { name: inst.name, id, payload: inst.payload };
  }
  /** Removes an instance. */
  async unregister(inst: { name: string; id: string }): Promise<void> {
    await deleteQuietly(this.#zk, join(join(this.#base, inst.name), inst.id));
  }
  /** The service names. */
  async names(): Promise<string[]> {
    try {
      return (await retry(() => this.#zk.getChildren(this.#base))).sort();
    } catch (e) {
      if (isCode(e, ErrorCode.NoNode)) return [];
      throw e;
    }
  }
  /** The instances of `name`, read now. */
  async instances(name: string): Promise<ServiceInstance<T>[]> {
    const dir = join(this.#base, name);
    let ids: string[];
    try {
      ids = await retry(() => this.#zk.getChildren(dir));
    } catch (e) {
      if (isCode(e, ErrorCode.NoNode)) return [];
      throw e;
    }
    const out: ServiceInstance<T>[] = [];
    for (const id of ids.sort()) {
      try {
        const { data } = await retry(() => this.#zk.getData(join(dir, id)));
        out.push({ name, id, payload: this.#ser.decode(data ?? new Uint8Array()) });
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
      }
    }
    return out;
  }
  /** A live view of `name`'s instances (start it; its `values()` are id → payload). */
  cache(name: string): ChildrenCache<T> {
    return new ChildrenCache<T>(this.#zk, join(this.#base, name), { serializer: this.#ser });
  }
}

/**
 * A configuration watcher (push + pull): holds the latest
 * value of a config node; every change fires the watch (push), and the
 * value is read again with a new watch (pull), so no update is missed for
 * good, even across reconnects.
 *
 * @example
 * ```ts ignore
 * import { ConfigWatcher } from "@zkts/recipes";
 * const cfg = new ConfigWatcher<{ db: string }>(zk, "/config/app");
 * await cfg.start();
 * cfg.onChange((v) => reconnectDb(v?.db));
 * ```
 */
export class ConfigWatcher<T> {
  #zk: ZooKeeper;
  #path: string;
  #ser: Serializer<T>;
  #cache: NodeCache<T>;
  /** Watches the config node at `path`. */
  constructor(zk: ZooKeeper, path: string, opts: GroupOptions<T> = {}) {
    this.#zk = zk;
    this.#path = path;
    this.#ser = opts.serializer ?? msgpack<T>();
    this.#cache = new NodeCache<T>(zk, path, { serializer: this.#ser });
  }
  /** Reads the value and starts watching. */
  start(opts: WaitOptions = {}): Promise<void> {
    return this.#cache.start(opts);
  }
  /** The latest value (undefined while the node is missing). */
  get value(): T | undefined {
    return this.#cache.current?.value;
  }
  /** The latest node version (-1 while missing). */
  get version(): number {
    return this.#cache.current?.stat.version ?? -1;
  }
  /** Calls `fn` with each new value (undefined on deletion); returns the remover. */
  onChange(fn: (value: T | undefined) => void): () => void {
    return this.#cache.on((ev) => {
      if (ev.type !== "initialized") fn(ev.type === "removed" ? undefined : ev.node.value);
    });
  }
  /** Waits until `pred` holds for the value. */
  waitFor(pred: (value: T | undefined) => boolean, opts: WaitOptions = {}): Promise<void> {
    return this.#cache.waitFor(() => pred(this.value), opts);
  }
  /** Publishes a new value (creating the node when missing). */
  async publish(value: T): Promise<void> {
    const data = this.#ser.encode(value);
    try {
      await retry(() => this.#zk.setData(this.#path, data));
    } catch (e) {
      if (!isCode(e, ErrorCode.NoNode)) throw e;
      await ensurePath(this.#zk, this.#path);
      await retry(() => this.#zk.setData(this.#path, data));
    }
  }
  /** Stops watching. */
  close(): Promise<void> {
    return this.#cache.close();
  }
}
