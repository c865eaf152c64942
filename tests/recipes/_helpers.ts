/**
 * Helpers of the recipe tests: one server per target and test file, many
 * sessions, forced session expiry, bounded polling.
 */
import { type WatchedEvent, ZooKeeper } from "@zkts/client";
import { KeeperState } from "@zkts/jute";
import type { ApacheServer } from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";
import { TARGETS } from "../support/zkts.ts";

/** What each step gets: the server and a fresh namespace path. */
export interface Ctx {
  server: ApacheServer;
  /** Sessions opened with {@linkcode Ctx.connect} are closed after the step. */
  connect(opts?: { sessionTimeoutMs?: number }): Promise<ZooKeeper>;
  /** A fresh path for the step ("/<step>-<n>"). */
  root: string;
}

/** A table of named steps run against each server in one interopTest per target. */
export type Steps = Record<string, (ctx: Ctx) => Promise<void>>;

let counter = 0;

/**
 * Registers `interop: recipes <group> vs <target>` for every target: one
 * server (tickTime 200 ms, so a 2 s session expires fast), each step with
 * its own sessions, all closed in `finally`.
 */
export function recipeSuite(group: string, steps: Steps): void {
  for (const target of TARGETS) {
    interopTest(`recipes ${group} vs ${target.name}`, async (t) => {
      const server = await target.start({ forceSync: false, tickTime: 200 });
      try {
        for (const [name, fn] of Object.entries(steps)) {
          await t.step(name, async () => {
            const sessions: ZooKeeper[] = [];
            const ctx: Ctx = {
              server,
              root: `/${name.replace(/[^a-zA-Z0-9]+/g, "_").slice(0, 40)}-${++counter}`,
              async connect(opts = {}) {
                const zk = await ZooKeeper.connect(server.connectString, {
                  sessionTimeoutMs: opts.sessionTimeoutMs ?? 4000,
                });
                sessions.push(zk);
                return zk;
              },
            };
            try {
              await fn(ctx);
            } finally {
              await Promise.all(sessions.map((zk) => zk.close().catch(() => {})));
            }
          });
        }
      } finally {
        await server.stop();
      }
    });
  }
}

/** Waits until `pred()` is true, polling every 10 ms, for at most `ms`. */
export async function until(pred: () => boolean | Promise<boolean>, ms = 5000, what = "condition") {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the first event of `zk` that `pred` accepts, or rejects after `ms`. */
export function nextEvent(
  zk: ZooKeeper,
  pred: (e: WatchedEvent) => boolean,
  ms = 10000,
): Promise<WatchedEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      zk.removeListener(l);
      reject(new Error("no event in time"));
    }, ms);
    const l = (e: WatchedEvent) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      zk.removeListener(l);
      resolve(e);
    };
    zk.addListener(l);
  });
}

/**
 * Ends `zk`'s session from another client (re-attach with its id and
 * password, then close) and waits until `zk` is told: Expired.
 */
export async function expire(zk: ZooKeeper, connectString: string): Promise<void> {
  const twin = await ZooKeeper.connect(connectString, {
    sessionId: zk.sessionId,
    sessionPasswd: zk.sessionPasswd,
    sessionTimeoutMs: zk.sessionTimeoutMs,
  });
  const expired = nextEvent(zk, (e) => e.state === KeeperState.Expired, 15000);
  await twin.close();
  zk.dropConnection();
  await expired;
}

/** Sleeps `ms` (only to let events that must NOT happen have their chance). */
export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether a promise rejects with a DOMException named TimeoutError. */
export async function timesOut(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    return e instanceof DOMException && e.name === "TimeoutError";
  }
}
