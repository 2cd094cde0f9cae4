/**
 * Progress you can see while work runs: one updating line in a terminal,
 * one updating display in Deno's Jupyter kernel, occasional plain lines
 * anywhere else (a log file, CI). The training and search displays, with
 * their live charts, are in live_progress.ts.
 *
 * @module
 */

import type { MimeBundle } from "./display.ts";
import { pauseForOutput } from "./_output_pause.ts";
import { checkOptionNames } from "../core/options.ts";
import { checkProgressOptions } from "./_progress_options.ts";

/** Where progress goes; {@linkcode progressReporter} picks one when not given. */
export type ProgressSink =
  /** Rewrites one line with `\r` (a terminal). */
  | { kind: "terminal"; write: (text: string) => void }
  /** One Jupyter display, updated in place (`Deno.jupyter.broadcast`). */
  | {
    kind: "jupyter";
    broadcast: (type: string, content: Record<string, unknown>) => unknown;
  }
  /** A full line every `every` of the way (default 0.1), for logs. */
  | { kind: "lines"; log: (line: string) => void; every?: number }
  /** Nothing at all. */
  | { kind: "quiet" };

/** Options of {@linkcode progressReporter}. */
export interface ProgressOptions {
  /** Units of work in all (iterations, settings, ...). */
  total: number;
  /** Words before the bar, e.g. `"training"`. */
  label?: string;
  /** Where to show progress (default: {@linkcode defaultProgressSink}). */
  sink?: ProgressSink;
  /** Characters in the bar (default 30). */
  width?: number;
  /**
   * Least milliseconds between two redraws (default 100 in a terminal and
   * 250 in Jupyter, at most four display updates a second; 0 redraws on
   * every update).
   */
  interval?: number;
  /** Clock in milliseconds (default `performance.now`), replaceable in tests. */
  now?: () => number;
  /**
   * What a Jupyter display shows for a text line (`last` on the final
   * draw): by default the line as `text/plain`. The training and search
   * displays put their live chart above it.
   */
  jupyterView?: (line: string, last: boolean) => MimeBundle;
}

/** A live progress display, from {@linkcode progressReporter}. */
export interface Progress {
  /**
   * Records that `done` of the total units are finished; `detail` follows
   * the bar. Reaching the total draws nothing: {@linkcode Progress.finish}
   * draws the final state, once.
   */
  update(done: number, detail?: string): void;
  /** Draws the final state (all done unless `done` says otherwise) and ends the line. */
  finish(detail?: string, done?: number): void;
}

/**
 * One line of progress: label, bar, percentage, count, elapsed time, the
 * time left when given, and a detail, e.g.
 * `training [#######-------] 50% 500/1000 6s (6s left) loss 0.4985`.
 *
 * @throws {RangeError} when `total` is not positive and finite or `width`
 *   is not a positive integer.
 *
 * @example
 * ```ts
 * import { renderProgressBar } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   renderProgressBar(25, 100, { label: "search", width: 8, seconds: 3.2 }),
 *   "search [##------]  25% 25/100 3s",
 * );
 * assert.equal(
 *   renderProgressBar(25, 100, { width: 4, seconds: 30, secondsLeft: 90 }),
 *   "[#---]  25% 25/100 30s (1m30s left)",
 * );
 * ```
 */
export function renderProgressBar(
  done: number,
  total: number,
  options: {
    label?: string;
    width?: number;
    seconds?: number;
    secondsLeft?: number;
    detail?: string;
  } = {},
): string {
  const { label, width = 30, seconds, secondsLeft, detail } = options;
  checkTotal(total);
  checkProgressOptions({ width });
  const fraction = Math.min(Math.max(done / total, 0), 1);
  const filled = Math.floor(fraction * width);
  const parts = [
    `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`,
    `${Math.floor(fraction * 100).toString().padStart(3)}%`,
    `${formatCount(done)}/${formatCount(total)}`,
  ];
  if (label) parts.unshift(label);
  if (seconds !== undefined) parts.push(formatSeconds(seconds));
  if (secondsLeft !== undefined) {
    parts.push(`(${formatSeconds(secondsLeft)} left)`);
  }
  if (detail) parts.push(detail);
  return parts.join(" ");
}

/**
 * The sink a {@linkcode progressReporter} uses by default: Jupyter inside
 * Deno's kernel, the terminal when standard error is one, else a line
 * every 10% on standard error. Every probe is guarded, so this works
 * without any permission and outside Jupyter.
 *
 * @example
 * ```ts
 * import { defaultProgressSink } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const kinds = ["jupyter", "terminal", "lines"];
 * assert.ok(kinds.includes(defaultProgressSink().kind));
 * ```
 */
export function defaultProgressSink(): ProgressSink {
  const jupyter = jupyterBroadcast();
  if (jupyter) return { kind: "jupyter", broadcast: jupyter };
  if (Deno.stderr.isTerminal()) {
    const encoder = new TextEncoder();
    return {
      kind: "terminal",
      write: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    };
  }
  return { kind: "lines", log: console.error };
}

/**
 * A progress display for `total` units of work (see {@linkcode ProgressSink}).
 * Redraws are throttled to one per `interval` ms; the first update, and
 * {@linkcode Progress.finish}, always draw. Once some work is done, the
 * line says how long the rest should take at the pace so far. A sink that
 * fails (a full disk, a closed pipe, a broadcast that throws) silences
 * the display, never the work it reports on.
 *
 * @throws {RangeError} when `total` is not positive and finite, `width`
 *   not a positive integer, `interval` negative, the sink of an unknown
 *   kind, or an option unknown.
 * @throws {TypeError} when the sink lacks its function (`write`,
 *   `broadcast` or `log`), or `now` is not a function.
 *
 * @example A terminal bar written into a string
 * ```ts
 * import { progressReporter } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * let screen = "";
 * let ms = 0;
 * const progress = progressReporter({
 *   total: 4,
 *   label: "toy",
 *   width: 4,
 *   interval: 0,
 *   now: () => ms,
 *   sink: { kind: "terminal", write: (text) => (screen += text) },
 * });
 * ms = 2000;
 * progress.update(2);
 * ms = 4000;
 * progress.update(4); // the total: finish draws it
 * progress.finish("done");
 * assert.equal(
 *   screen,
 *   "\r\x1b[2Ktoy [##--]  50% 2/4 2s (2s left)" +
 *     "\r\x1b[2Ktoy [####] 100% 4/4 4s done\n",
 * );
 * ```
 */
export function progressReporter(options: ProgressOptions): Progress {
  checkOptionNames("progressReporter", options, [
    "total",
    "label",
    "sink",
    "width",
    "interval",
    "now",
    "jupyterView",
  ]);
  checkTotal(options.total);
  checkProgressOptions(options);
  const sink = options.sink ?? defaultProgressSink();
  const {
    total,
    label,
    width = 30,
    interval = sink.kind === "jupyter" ? 250 : 100,
    now = () => performance.now(),
    jupyterView = (line: string) => ({ "text/plain": line }),
  } = options;
  const started = now();
  let lastDraw = -Infinity;
  let lastLine = -1;
  let finished = false;
  // Display ids must be unique per display within a kernel session.
  const displayId = `twolayer-progress-${crypto.randomUUID()}`;
  let displayed = false;
  // A display is a convenience: one whose output fails (a full disk, a
  // closed pipe) goes quiet, and the work it reports on goes on.
  let failed = false;
  const output = (write: () => void) => {
    if (failed) return;
    try {
      write();
    } catch {
      failed = true;
    }
  };

  const line = (done: number, detail: string | undefined, last: boolean) => {
    const seconds = (now() - started) / 1000;
    return renderProgressBar(done, total, {
      label,
      width,
      detail,
      seconds,
      secondsLeft: !last && done > 0 && done < total
        ? seconds * (total - done) / done
        : undefined,
    });
  };

  const draw = (done: number, detail: string | undefined, last: boolean) => {
    switch (sink.kind) {
      case "terminal": {
        const text = `\r\x1b[2K${line(done, detail, last)}${last ? "\n" : ""}`;
        output(() => sink.write(text));
        break;
      }
      case "jupyter": {
        const data = jupyterView(line(done, detail, last), last);
        // A failed broadcast must not fail the training it reports on.
        try {
          Promise.resolve(
            sink.broadcast(displayed ? "update_display_data" : "display_data", {
              data,
              metadata: {},
              transient: { display_id: displayId },
            }),
          ).catch(() => {});
        } catch {
          // A broadcast that throws at once is as good as a rejected one.
        }
        displayed = true;
        // The final state must leave before the cell can end.
        if (last) {
          pauseForOutput(
            Object.values(data).reduce((n, v) => n + v.length, 0),
          );
        }
        break;
      }
      case "lines": {
        const step = Math.floor((done / total) / (sink.every ?? 0.1));
        if (last || step > lastLine) {
          lastLine = step;
          const text = line(done, detail, last);
          output(() => sink.log(text));
        }
        break;
      }
      case "quiet":
        break;
    }
  };

  return {
    update(done, detail) {
      // The final state is finish's to draw, once.
      if (finished || done >= total) return;
      // Lines pick their own moments; redraws are throttled.
      if (sink.kind === "terminal" || sink.kind === "jupyter") {
        const time = now();
        if (time - lastDraw < interval) return;
        lastDraw = time;
      }
      draw(done, detail, false);
    },
    finish(detail, done = total) {
      if (finished) return;
      finished = true;
      draw(done, detail, true);
    },
  };
}

/** Throws unless `total` is a positive finite number of units. */
function checkTotal(total: number): void {
  // Infinity would draw "(InfinitymNaNs left)".
  if (!(total > 0 && Number.isFinite(total))) {
    throw new RangeError(
      `progress total must be a positive finite number, got ${total}`,
    );
  }
}

/** `Deno.jupyter.broadcast` inside Deno's kernel; undefined elsewhere. */
function jupyterBroadcast():
  | ((type: string, content: Record<string, unknown>) => unknown)
  | undefined {
  try {
    // Reading Deno.jupyter outside the kernel throws.
    const jupyter = Reflect.get(Deno, "jupyter") as
      | { broadcast?: (t: string, c: Record<string, unknown>) => unknown }
      | undefined;
    const broadcast = jupyter?.broadcast;
    return typeof broadcast === "function"
      ? (type, content) => broadcast.call(jupyter, type, content)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whole numbers as they are; fractions (settings in flight) with one decimal. */
function formatCount(n: number): string {
  return Number.isInteger(n) ? `${n}` : n.toFixed(1);
}

function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60
    ? `${s}s`
    : `${Math.floor(s / 60)}m${`${s % 60}`.padStart(2, "0")}s`;
}

function writeAll(
  writer: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += writer.writeSync(bytes.subarray(offset));
  }
}
