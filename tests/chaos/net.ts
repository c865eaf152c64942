/**
 * The chaos harness's network: one network namespace per ensemble member,
 * each with a veth into a bridge in a hub namespace, and one veth from the
 * root namespace into that bridge so the test process (clients, four-letter
 * words) reaches every member at its own address.
 *
 * Faults are nftables rules inside the member namespaces only (never the
 * root namespace's): a partition drops what a member receives from the
 * members it must not see, and never the test process's address, so a
 * partition between members leaves each client's link to its member up.
 *
 * Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking): the root end is
 * 198.18.0.1/24, member `id` is 198.18.0.(10 + id). No namespace has a default
 * route; nothing is routed out.
 *
 * Every name starts with `zkc<pid>` (the harness process's pid): `--cleanup`
 * ({@linkcode cleanupLeftovers}) removes what a dead harness left behind.
 *
 * @module
 */

/** The address of the root namespace's end (the test process). */
export const ROOT_ADDRESS = "198.18.0.1";

/** The address of member `id` inside its namespace. */
export function memberAddress(id: number): string {
  return `198.18.0.${10 + id}`;
}

/** Every name the harness creates starts with this, then the harness's pid. */
export const PREFIX = "zkc";

/** Runs a command; throws with its stderr when it fails. */
export async function sh(cmd: string[], input?: string): Promise<string> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")}: exit ${out.code}: ${dec.decode(out.stderr).trim()}`);
  }
  return dec.decode(out.stdout);
}

/** Whether this process may create namespaces (root). */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}

/** The namespaces and links of one harness process. */
export class Net {
  /** `zkc<pid>`. */
  readonly tag: string;
  readonly ids: readonly number[];
  #up = false;
  /** The rule set now in force, per member (for logs and `heal`). */
  #rules = new Map<number, string>();

  constructor(ids: number[], tag = `${PREFIX}${Deno.pid}`) {
    this.tag = tag;
    this.ids = ids;
  }

  get hub(): string {
    return `${this.tag}h`;
  }

  /** The namespace of member `id`. */
  ns(id: number): string {
    return `${this.tag}m${id}`;
  }

  get rootLink(): string {
    return `${this.tag}r`;
  }

  /** Creates the hub, the bridge, the root link and one namespace per member. */
  async up(): Promise<void> {
    this.#up = true;
    const hub = this.hub;
    await sh(["ip", "netns", "add", hub]);
    await sh(["ip", "-n", hub, "link", "set", "lo", "up"]);
    await sh(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]);
    await sh(["ip", "-n", hub, "link", "set", "br0", "up"]);
    await sh([
      "ip",
      "link",
      "add",
      this.rootLink,
      "type",
      "veth",
      "peer",
      "name",
      "r",
      "netns",
      hub,
    ]);
    await sh(["ip", "-n", hub, "link", "set", "r", "master", "br0", "up"]);
    await sh(["ip", "addr", "add", `${ROOT_ADDRESS}/24`, "dev", this.rootLink]);
    await sh(["ip", "link", "set", this.rootLink, "up"]);
    for (const id of this.ids) {
      const ns = this.ns(id);
      await sh(["ip", "netns", "add", ns]);
      await sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
      await sh([
        "ip",
        "-n",
        hub,
        "link",
        "add",
        `m${id}`,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        ns,
      ]);
      await sh(["ip", "-n", hub, "link", "set", `m${id}`, "master", "br0", "up"]);
      await sh(["ip", "-n", ns, "addr", "add", `${memberAddress(id)}/24`, "dev", "eth0"]);
      await sh(["ip", "-n", ns, "link", "set", "eth0", "up"]);
      await this.#apply(id, new Set(), 0);
    }
  }

  /** The command prefix that runs a process inside member `id`'s namespace. */
  exec(id: number): string[] {
    return ["ip", "netns", "exec", this.ns(id)];
  }

  /**
   * Member `id` receives nothing from the members in `blocked` and drops
   * `lossPercent` % of every packet it sends or receives.
   */
  async #apply(id: number, blocked: Set<number>, lossPercent: number): Promise<void> {
    const drops = [...blocked].sort().map((b) => `    ip saddr ${memberAddress(b)} drop`);
    const lossRule = lossPercent >= 100
      ? "    drop"
      : `    numgen random mod 100 < ${Math.max(0, Math.round(lossPercent))} drop`;
    const loss = lossPercent > 0 ? [lossRule] : [];
    const lossOut = lossPercent > 0
      ? [
        `  chain output {`,
        `    type filter hook output priority 0; policy accept;`,
        lossRule,
        `  }`,
      ]
      : [];
    const rules = [
      `table inet zkc {`,
      `  chain input {`,
      `    type filter hook input priority 0; policy accept;`,
      ...drops,
      ...loss,
      `  }`,
      ...lossOut,
      `}`,
    ].join("\n");
    // Delete-then-add in one transaction: the table is replaced atomically.
    const script = `table inet zkc\ndelete table inet zkc\n${rules}\n`;
    await sh([...this.exec(id), "nft", "-f", "-"], script);
    this.#rules.set(id, rules);
  }

  #blocked = new Map<number, Set<number>>();
  #loss = new Map<number, number>();

  async #refresh(id: number): Promise<void> {
    await this.#apply(id, this.#blocked.get(id) ?? new Set(), this.#loss.get(id) ?? 0);
  }

  /**
   * Members see each other only when they share a group; a member in two
   * groups (a bridge) sees both. Members in no group see nobody.
   */
  async partition(groups: number[][]): Promise<void> {
    for (const id of this.ids) {
      const mine = groups.filter((g) => g.includes(id));
      const blocked = new Set(this.ids.filter((o) => o !== id && !mine.some((g) => g.includes(o))));
      this.#blocked.set(id, blocked);
      await this.#refresh(id);
    }
  }

  /** Packets from `from` no longer reach `to` (the other way still works). */
  async oneWay(from: number, to: number): Promise<void> {
    const b = this.#blocked.get(to) ?? new Set();
    b.add(from);
    this.#blocked.set(to, b);
    await this.#refresh(to);
  }

  /** Member `id` drops `percent` % of its packets, both ways (the client link too). */
  async loss(id: number, percent: number): Promise<void> {
    this.#loss.set(id, percent);
    await this.#refresh(id);
  }

  /** Every member sees every other again, no loss. */
  async heal(): Promise<void> {
    this.#blocked.clear();
    this.#loss.clear();
    for (const id of this.ids) await this.#refresh(id);
  }

  /** The nftables rules now in member `id`'s namespace (as written). */
  rules(id: number): string {
    return this.#rules.get(id) ?? "";
  }

  /** Removes every namespace and link of this harness (idempotent). */
  async down(): Promise<void> {
    if (!this.#up) return;
    this.#up = false;
    await removeTag(this.tag);
  }
}

/** Kills the processes in and removes the namespaces and root links named `tag*`. */
async function removeTag(tag: string): Promise<void> {
  const list = await sh(["ip", "netns", "list"]).catch(() => "");
  const names = list.split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(tag));
  for (const ns of names) {
    const pids = (await sh(["ip", "netns", "pids", ns]).catch(() => "")).split("\n")
      .map((p) => parseInt(p)).filter((p) => p > 0 && p !== Deno.pid);
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGCONT");
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  for (const ns of names) await sh(["ip", "netns", "delete", ns]).catch(() => {});
  const links = await sh(["ip", "-o", "link", "show"]).catch(() => "");
  for (const m of links.matchAll(/^\d+: ([^:@]+)[@:]/gm)) {
    if (m[1].startsWith(tag)) await sh(["ip", "link", "delete", m[1]]).catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the namespaces, links, tmpfs mounts and dirs that harness runs
 * whose process is gone left behind (a running harness's are kept).
 *
 * @returns The tags removed.
 */
export async function cleanupLeftovers(): Promise<string[]> {
  const tags = new Set<string>();
  const list = await sh(["ip", "netns", "list"]).catch(() => "");
  for (const m of list.matchAll(new RegExp(`^${PREFIX}(\\d+)`, "gm"))) tags.add(m[1]);
  const links = await sh(["ip", "-o", "link", "show"]).catch(() => "");
  for (const m of links.matchAll(new RegExp(`^\\d+: ${PREFIX}(\\d+)r`, "gm"))) tags.add(m[1]);
  const dirs: string[] = [];
  for (const e of Deno.readDirSync("/tmp")) {
    const m = e.name.match(new RegExp(`^${PREFIX}(\\d+)$`));
    if (m && e.isDirectory) {
      tags.add(m[1]);
      dirs.push(e.name);
    }
  }
  const removed: string[] = [];
  for (const pid of tags) {
    if (Number(pid) === Deno.pid || alive(Number(pid))) continue;
    const tag = `${PREFIX}${pid}`;
    await removeTag(tag);
    await unmountUnder(`/tmp/${tag}`);
    await Deno.remove(`/tmp/${tag}`, { recursive: true }).catch(() => {});
    removed.push(tag);
  }
  return removed;
}

/** Unmounts every mount point under `dir` (the dataDir-full tmpfs). */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = await Deno.readTextFile("/proc/mounts").catch(() => "");
  for (const line of mounts.split("\n")) {
    const point = line.split(" ")[1];
    if (point && point.startsWith(dir + "/")) {
      await sh(["umount", "-l", point]).catch(() => {});
    }
  }
}
