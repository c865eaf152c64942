/**
 * Runs zkts election peers (`peer_main.ts`) as processes and follows their
 * JSON event lines. Every process is killed by `[Symbol.asyncDispose]`.
 */

/** An event line of `peer_main.ts`. */
export interface PeerEvent {
  event: string;
  t: number;
  id: string;
  leader?: string;
  state?: string;
  round?: string;
  /** From looking for a leader to deciding, in the peer's own clock. */
  electionMs?: number;
  /** When the test saw the line (performance.now()). */
  seenAt: number;
}

/** Running peers. */
export interface Peers extends AsyncDisposable {
  events: PeerEvent[];
  /** Waits until each of `ids` has a latest decision matching `accept`, seen after `since`. */
  waitDecided(
    ids: number[],
    timeoutMs: number,
    accept?: (e: PeerEvent) => boolean,
  ): Promise<PeerEvent[]>;
  /** Waits until each of `ids`' latest event is `event`. */
  waitEvent(ids: number[], event: string, timeoutMs: number): Promise<void>;
  /** SIGKILLs a peer. */
  kill(id: number): void;
  /** Starts a (new) peer process. */
  start(p: { id: number; zxid?: bigint; epoch?: bigint }): Promise<void>;
}

const MAIN = new URL("./peer_main.ts", import.meta.url).pathname;

/**
 * Starts peers with one zoo.cfg text.
 *
 * @param cfg zoo.cfg text (server lines)
 * @param list ids with their zxid and epoch
 * @param opts `standInZab`: see peer_main.ts
 */
export async function startPeers(
  cfg: string,
  list: { id: number; zxid?: bigint; epoch?: bigint }[],
  opts: { standInZab?: boolean } = {},
): Promise<Peers> {
  const dir = await Deno.makeTempDir({ prefix: "zkts-election-" });
  const cfgPath = `${dir}/zoo.cfg`;
  await Deno.writeTextFile(cfgPath, cfg);
  const procs = new Map<number, Deno.ChildProcess>();
  const events: PeerEvent[] = [];
  const readers: Promise<void>[] = [];
  let wake: () => void = () => {};

  async function start(p: { id: number; zxid?: bigint; epoch?: bigint }): Promise<void> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        cfgPath,
        String(p.id),
        String(p.zxid ?? 0n),
        String(p.epoch ?? 0n),
        opts.standInZab ? "zab" : "",
      ],
      stdout: "piped",
      stderr: "inherit",
      stdin: "null",
    }).spawn();
    procs.set(p.id, child);
    let listening!: () => void;
    const ready = new Promise<void>((r) => listening = r);
    readers.push((async () => {
      let buf = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const e = { ...JSON.parse(line), seenAt: performance.now() } as PeerEvent;
            events.push(e);
            if (e.event === "listening") listening();
            wake();
          } catch { /* not ours */ }
        }
      }
    })());
    await Promise.race([ready, timeout(15_000, `peer ${p.id} did not start`)]);
  }

  await Promise.all(list.map((p) => start(p)));

  return {
    events,
    start,
    kill(id) {
      try {
        procs.get(id)?.kill("SIGKILL");
      } catch { /* gone */ }
      procs.delete(id);
      for (let i = events.length - 1; i >= 0; i--) {
        if (events[i].id === String(id)) events[i] = { ...events[i], event: "killed" };
      }
    },
    async waitEvent(ids, event, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      const latest = (id: number) => events.findLast((e) => e.id === String(id))?.event;
      while (!ids.every((id) => latest(id) === event)) {
        if (performance.now() > deadline) {
          throw new Error(
            `no ${event} of ${ids} within ${timeoutMs} ms: ${JSON.stringify(events)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async waitDecided(ids, timeoutMs, accept = () => true) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const latest = ids.map((id) => {
          for (let i = events.length - 1; i >= 0; i--) {
            const e = events[i];
            if (e.id !== String(id)) continue;
            if (e.event === "looking") return undefined;
            if (e.event === "synced") continue;
            if (e.event === "decided") return accept(e) ? e : undefined;
          }
          return undefined;
        });
        if (latest.every((e) => e !== undefined)) {
          const leaders = new Set(latest.map((e) => e!.leader));
          if (leaders.size === 1) return latest as PeerEvent[];
        }
        const left = deadline - performance.now();
        if (left <= 0) {
          throw new Error(
            `no agreement of ${ids} within ${timeoutMs} ms: ${JSON.stringify(events)}`,
          );
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(left, 100));
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    },
    async [Symbol.asyncDispose]() {
      for (const [id, p] of procs) {
        try {
          p.kill("SIGKILL");
        } catch { /* gone */ }
        procs.delete(id);
      }
      await Promise.allSettled(readers);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(what)), ms));
}
