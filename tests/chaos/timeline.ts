/**
 * Draws a judged history as one self-contained HTML page (inline SVG and CSS,
 * no external assets): a row per client, each op a bar from call to return
 * coloured by outcome, faults as bands across all rows, the op that could not
 * be linearized marked and the longest linearization found outlined.
 *
 * @module
 */

import type { CheckResult } from "./checker.ts";
import { registerModel } from "./checker.ts";
import type { History, Op } from "./history.ts";

const ROW_PX = 26;
const BAR_PX = 18;
const LEFT_PX = 90;
const RIGHT_PX = 30;
const TOP_PX = 64;
const AXIS_PX = 34;
/** Plot width; the page scrolls sideways beyond it. */
const PLOT_PX_MIN = 1200;
/** Bars narrower than this still show (and can be hovered). */
const BAR_PX_MIN = 2;

const COLOUR = { ok: "#4caf50", fail: "#ef8a3c", info: "#9e9e9e" } as const;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** A short label for inside a bar: "w 3", "r 3@v2", "cas 1→4". */
function label(op: Op): string {
  const v = (x: unknown) => (typeof x === "string" || typeof x === "number" ? String(x) : "…");
  if (op.f === "read") {
    const o = op.output as { value?: unknown; version?: unknown } | undefined;
    return o ? `r ${v(o.value)}@v${v(o.version)}` : "r";
  }
  if (op.f === "write") return `w ${v(op.input)}`;
  const [expected, value] = (op.input ?? []) as [unknown, unknown];
  return `cas v${v(expected)}→${v(value)}`;
}

/** Round tick steps: 1, 2, 5 × 10^k ms, about ten across. */
function tickStep(spanMs: number): number {
  const raw = spanMs / 10;
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * Renders the timeline of a judged history.
 *
 * @param history the run's history
 * @param result its verdict from checkLinearizable
 * @returns a whole HTML document
 *
 * @example
 * ```ts
 * import { renderTimeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 * const html = renderTimeline(
 *   { meta: {}, faults: [], ops: [{ process: 0, key: "/r", f: "read", input: undefined, call: 0, ret: 1, outcome: "fail" }] },
 *   { ok: true, keys: 0, ops: 0, ms: 0 },
 * );
 * assert.match(html, /client 0/);
 * ```
 */
export function renderTimeline(history: History, result: CheckResult): string {
  const { ops, faults } = history;
  let end = 0;
  for (const op of ops) end = Math.max(end, op.call, op.ret ?? 0);
  for (const f of faults) end = Math.max(end, f.start, f.end ?? 0);
  const t0 = 0;
  const spanMs = Math.max(end - t0, 1);
  // Info ops run to the end of the plot: pad it so they read as open-ended.
  const endMs = end + spanMs * 0.02;
  const plotPx = Math.max(PLOT_PX_MIN, Math.min(ops.length * 3, 20_000));
  const x = (t: number) => LEFT_PX + ((t - t0) / (endMs - t0)) * plotPx;

  const processes = [...new Set(ops.map((o) => o.process))].sort((a, b) => a - b);
  const row = new Map(processes.map((p, i) => [p, i]));
  const width = LEFT_PX + plotPx + RIGHT_PX;
  const plotBottom = TOP_PX + processes.length * ROW_PX;
  const height = plotBottom + AXIS_PX;

  const inLongest = new Set(result.longest ?? []);
  const order = new Map((result.longest ?? []).map((op, i) => [op, i + 1]));
  const describe = registerModel.describe!;
  const parts: string[] = [];

  // Faults first, under the ops.
  faults.forEach((f, i) => {
    const x1 = x(f.start);
    const x2 = x(f.end ?? endMs);
    const title = `${f.kind} ${f.target}${f.note ? ` (${f.note})` : ""}: ${f.start.toFixed(1)}–${
      f.end === undefined ? "end" : f.end.toFixed(1)
    } ms`;
    const y = TOP_PX - 40 + (i % 3) * 12;
    parts.push(
      `<g class="fault"><title>${esc(title)}</title>` +
        `<rect x="${x1.toFixed(1)}" y="${TOP_PX - 4}" width="${
          Math.max(x2 - x1, 1).toFixed(1)
        }" height="${
          plotBottom - TOP_PX + 8
        }" fill="#e53935" fill-opacity="0.10" stroke="#e53935" stroke-opacity="0.35" stroke-dasharray="4 3"/>` +
        `<line x1="${x1.toFixed(1)}" y1="${y + 2}" x2="${x1.toFixed(1)}" y2="${
          TOP_PX - 4
        }" stroke="#c62828" stroke-opacity="0.5"/>` +
        `<text x="${(x1 + 3).toFixed(1)}" y="${y}" class="flabel">${
          esc(`${f.kind} ${f.target}`)
        }</text></g>`,
    );
  });

  // Client rows.
  processes.forEach((p, i) => {
    const y = TOP_PX + i * ROW_PX;
    if (i % 2 === 0) {
      parts.push(
        `<rect x="${LEFT_PX}" y="${y}" width="${plotPx}" height="${ROW_PX}" fill="#000" fill-opacity="0.03"/>`,
      );
    }
    parts.push(
      `<text x="${LEFT_PX - 8}" y="${
        y + ROW_PX / 2 + 4
      }" class="row" text-anchor="end">client ${p}</text>`,
    );
  });

  // Ops. An unknown op may take effect until the end, but its client moves
  // on: it is a full bar until the client's next call, then a thin strip
  // along the bottom of the row to the end, under the ops drawn after it.
  const nextCall = new Map<number, number>();
  const following = new Map<number, number>();
  for (let i = ops.length - 1; i >= 0; i--) {
    const p = ops[i].process;
    if (nextCall.has(p)) following.set(i, nextCall.get(p)!);
    nextCall.set(p, ops[i].call);
  }
  const drawOrder = ops.map((_, i) => i).sort((a, b) =>
    Number(ops[b].outcome === "info") - Number(ops[a].outcome === "info") || a - b
  );
  let badMark = "";
  for (const index of drawOrder) {
    const op = ops[index];
    const r = row.get(op.process)!;
    const open = op.outcome === "info" || op.ret === undefined;
    const x1 = x(op.call);
    const x2 = open ? x(following.get(index) ?? endMs) : x(op.ret!);
    const w = Math.max(x2 - x1, BAR_PX_MIN);
    const y = TOP_PX + r * ROW_PX + (ROW_PX - BAR_PX) / 2;
    const other = result.key !== undefined && op.key !== result.key;
    const cls = [
      "op",
      op.outcome,
      other ? "other" : "",
      inLongest.has(index) ? "lin" : "",
      index === result.badOp ? "bad" : "",
    ].filter(Boolean).join(" ");
    const lines = [
      `op ${index} · client ${op.process} · ${op.key}`,
      describe(op),
      `call ${op.call.toFixed(2)} ms · return ${
        op.ret === undefined ? "none" : `${op.ret.toFixed(2)} ms`
      }`,
    ];
    if (op.node) lines.push(`member ${op.node}`);
    if (open) lines.push("unknown: may take effect any time after its call, or never");
    if (order.has(index)) lines.push(`linearized #${order.get(index)}`);
    if (index === result.badOp) {
      lines.push("NOT LINEARIZABLE: no order of the ops before it explains this one");
    }
    const fill = open ? `url(#hatch)` : COLOUR[op.outcome];
    const text = label(op);
    // About 6 px a character at 10 px: a label that does not fit is left to the hover text.
    const inside = text.length * 6 + 6 < w
      ? `<text x="${(x1 + 3).toFixed(1)}" y="${y + BAR_PX / 2 + 4}" class="oplabel">${
        esc(text)
      }</text>`
      : "";
    const strip = open && following.has(index)
      ? `<rect x="${x2.toFixed(1)}" y="${y + BAR_PX - 5}" width="${
        Math.max(x(endMs) - x2, 0).toFixed(1)
      }" height="5" fill="url(#hatch)" class="strip"/>`
      : "";
    const bar = `<g class="${cls}"><title>${esc(lines.join("\n"))}</title>${strip}` +
      `<rect x="${x1.toFixed(1)}" y="${y}" width="${
        w.toFixed(1)
      }" height="${BAR_PX}" rx="2" fill="${fill}"/>${inside}</g>`;
    if (index === result.badOp) {
      // Drawn last, on top of everything, with a line across the rows at its
      // call and a label above them that turns left near the right edge.
      const mark = `✗ op ${index} not linearizable`;
      const leftward = x1 + mark.length * 6.5 > LEFT_PX + plotPx;
      badMark = bar +
        `<g class="badmark"><line x1="${x1.toFixed(1)}" y1="${TOP_PX - 14}" x2="${
          x1.toFixed(1)
        }" y2="${plotBottom}" stroke="#d50000" stroke-width="1.5" stroke-dasharray="3 2"/>` +
        `<text x="${(leftward ? x1 - 3 : x1 + 3).toFixed(1)}" y="${TOP_PX - 6}" class="badlabel"${
          leftward ? ` text-anchor="end"` : ""
        }>${esc(mark)}</text></g>`;
    } else {
      parts.push(bar);
    }
  }
  parts.push(badMark);

  // Time axis.
  const step = tickStep(end - t0);
  parts.push(
    `<line x1="${LEFT_PX}" y1="${plotBottom + 4}" x2="${LEFT_PX + plotPx}" y2="${
      plotBottom + 4
    }" stroke="#555"/>`,
  );
  for (let t = 0; t <= endMs; t += step) {
    const tx = x(t).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${TOP_PX}" x2="${tx}" y2="${
        plotBottom + 8
      }" stroke="#000" stroke-opacity="0.08"/>` +
        `<text x="${tx}" y="${plotBottom + 20}" class="tick" text-anchor="middle">${+t.toFixed(
          6,
        )}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT_PX + plotPx}" y="${
      plotBottom + 32
    }" class="tick" text-anchor="end">ms since start</text>`,
  );

  const verdict = result.ok
    ? `<span class="okv">linearizable</span>`
    : result.timedOut
    ? `<span class="badv">unknown: the checker ran out of time</span>${
      result.key ? ` on ${esc(result.key)}` : ""
    }`
    : `<span class="badv">NOT linearizable</span> on key ${esc(result.key ?? "?")}` +
      (result.badOp !== undefined
        ? `: op ${result.badOp} (${esc(describe(ops[result.badOp]))})`
        : "");
  const meta = Object.entries(history.meta)
    .filter(([, v]) => typeof v !== "object" || v === null)
    .map(([k, v]) => `${esc(k)}=${esc(String(v))}`).join(" · ");

  return `<!doctype html>
<html><head><meta charset="utf-8"><title>zkts chaos timeline</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 12px; color: #222; }
h1 { font-size: 16px; margin: 0 0 4px; }
.sum { margin: 0 0 6px; }
.okv { color: #2e7d32; font-weight: 600; }
.badv { color: #c62828; font-weight: 600; }
.legend span { display: inline-block; margin-right: 14px; }
.sw { display: inline-block; width: 14px; height: 10px; vertical-align: middle; margin-right: 4px; border-radius: 2px; }
svg text { font: 11px system-ui, sans-serif; }
.row { font-weight: 600; fill: #333; }
.tick { fill: #555; }
.flabel { fill: #b71c1c; font-size: 10px; }
.oplabel { fill: #fff; font-size: 10px; pointer-events: none; }
.op.info .oplabel { fill: #333; }
.op rect { stroke: #0003; }
.op:hover rect { stroke: #000; stroke-width: 1.5; }
.op.other { opacity: 0.35; }
.op.lin rect { stroke: #1565c0; stroke-width: 2; }
.op rect.strip, .op.lin rect.strip { stroke: none; }
.op.bad rect { stroke: #d50000; stroke-width: 3; }
.badlabel { fill: #d50000; font-weight: 700; font-size: 11px; }
.wrap { overflow-x: auto; }
</style></head><body>
<h1>zkts chaos run: ${verdict}</h1>
<p class="sum">${ops.length} ops · ${processes.length} clients · ${faults.length} faults · ${result.keys} keys checked in ${
    result.ms.toFixed(1)
  } ms${meta ? ` · ${meta}` : ""}</p>
<p class="legend"><span><i class="sw" style="background:${COLOUR.ok}"></i>ok</span><span><i class="sw" style="background:${COLOUR.fail}"></i>fail</span><span><i class="sw" style="background:repeating-linear-gradient(45deg,#bdbdbd 0 3px,#eee 3px 6px)"></i>info (unknown, open-ended)</span><span><i class="sw" style="border:2px solid #1565c0"></i>longest linearization found</span><span><i class="sw" style="border:3px solid #d50000"></i>not linearizable</span><span><i class="sw" style="background:#e5393522;border:1px dashed #e53935"></i>fault</span></p>
<div class="wrap"><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eeeeee"/><rect width="3" height="6" fill="#bdbdbd"/></pattern></defs>
${parts.join("\n")}
</svg></div>
</body></html>
`;
}
