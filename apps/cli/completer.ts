/**
 * Tab completion as zkCli's JLineZNodeCompleter does it: a word starting
 * with `/` completes to the znodes of its parent that start with the rest;
 * any other word completes to the commands that start with it.
 *
 * @module
 */
import { commandNames } from "./commands.ts";
import { javaCompare } from "./format.ts";

/** Lists a znode's children, or throws when it cannot. */
export type ChildLister = (path: string) => Promise<string[]>;

/**
 * The completions of the last word of `line`, and that word, as
 * node:readline's completer returns them.
 *
 * @param line the line typed so far
 * @param list lists children; null when not connected (no znode completion)
 * @returns `[candidates, word]`
 *
 * @example
 * ```ts
 * import { complete } from "./completer.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(await complete("getA", null), [["getAcl", "getAllChildrenNumber"], "getA"]);
 * const list = (p: string) => Promise.resolve(p === "/" ? ["china", "zookeeper"] : ["beijing"]);
 * assert.deepEqual(await complete("ls /ch", list), [["/china"], "/ch"]);
 * assert.deepEqual(await complete("get /china/b", list), [["/china/beijing"], "/china/b"]);
 * ```
 */
export async function complete(
  line: string,
  list: ChildLister | null,
): Promise<[string[], string]> {
  const token = /(\S*)$/.exec(line)?.[1] ?? "";
  if (!token.startsWith("/")) {
    return [commandNames().filter((c) => c.startsWith(token)), token];
  }
  if (!list) return [[], token];
  const idx = token.lastIndexOf("/") + 1;
  const prefix = token.slice(idx);
  // Only the root ends in a slash; every other parent is written without one.
  const dir = idx === 1 ? "/" : token.slice(0, idx - 1);
  let children: string[];
  try {
    children = await list(dir);
  } catch {
    return [[], token];
  }
  const hits = children.filter((c) => c.startsWith(prefix))
    .map((c) => dir + (idx === 1 ? "" : "/") + c)
    .sort(javaCompare);
  return [hits, token];
}
