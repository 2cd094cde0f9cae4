/**
 * Progress you can see while a network trains or a search runs: one
 * updating line in a terminal, one updating display in Deno's Jupyter
 * kernel, occasional plain lines anywhere else (a log file, CI).
 *
 * @module
 */

import type { SearchProgress } from "../search/search.ts";
import type { TrainProgress } from "../nn/trainer.ts";

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
  /** Least milliseconds between two redraws (default 100; 0 redraws on every update). */
  interval?: number;
  /** Clock in milliseconds (default `performance.now`), replaceable in tests. */
  now?: () => number;
}

/** A live progress display, from {@linkcode progressReporter}. */
export interface Progress {
  /** Records that `done` of the total units are finished; `detail` follows the bar. */
  update(done: number, detail?: string): void;
  /** Draws the final state (all done unless `done` says otherwise) and ends the line. */
  finish(detail?: string, done?: number): void;
}

/**
 * One line of progress: label, bar, percentage, count, elapsed time and a
 * detail, e.g. `training [#######-------] 50% 500/1000 6s loss 0.4985`.
 *
 * @throws {RangeError} when `total` is not positive or `width` is not a
 *   positive integer.
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
 * ```
 */
export function renderProgressBar(
  done: number,
  total: number,
  options: {
    label?: string;
    width?: number;
    seconds?: number;
    detail?: string;
  } = {},
): string {
  const { label, width = 30, seconds, detail } = options;
  if (!(total > 0)) {
    throw new RangeError(`progress total must be positive, got ${total}`);
  }
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(
      `progress bar width must be a positive integer, got ${width}`,
    );
  }
  const fraction = Math.min(Math.max(done / total, 0), 1);
  const filled = Math.floor(fraction * width);
  const parts = [
    `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`,
    `${Math.floor(fraction * 100).toString().padStart(3)}%`,
    `${formatCount(done)}/${formatCount(total)}`,
  ];
  if (label) parts.unshift(label);
  if (seconds !== undefined) parts.push(formatSeconds(seconds));
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
 * {@linkcode Progress.finish}, always draw.
 *
 * @throws {RangeError} when `total` is not positive.
 *
 * @example A terminal bar written into a string
 * ```ts
 * import { progressReporter } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * let screen = "";
 * const progress = progressReporter({
 *   total: 4,
 *   label: "toy",
 *   width: 4,
 *   interval: 0,
 *   now: () => 0,
 *   sink: { kind: "terminal", write: (text) => (screen += text) },
 * });
 * progress.update(2);
 * progress.finish("done");
 * assert.equal(
 *   screen,
 *   "\r\x1b[2Ktoy [##--]  50% 2/4 0s\r\x1b[2Ktoy [####] 100% 4/4 0s done\n",
 * );
 * ```
 */
export function progressReporter(options: ProgressOptions): Progress {
  const {
    total,
    label,
    width = 30,
    interval = 100,
    now = () => performance.now(),
  } = options;
  if (!(total > 0)) {
    throw new RangeError(`progress total must be positive, got ${total}`);
  }
  const sink = options.sink ?? defaultProgressSink();
  const started = now();
  let lastDraw = -Infinity;
  let lastLine = -1;
  let finished = false;
  // Display ids must be unique per display within a kernel session.
  const displayId = `twolayer-progress-${crypto.randomUUID()}`;
  let displayed = false;

  const line = (done: number, detail?: string) =>
    renderProgressBar(done, total, {
      label,
      width,
      detail,
      seconds: (now() - started) / 1000,
    });

  const draw = (done: number, detail: string | undefined, last: boolean) => {
    switch (sink.kind) {
      case "terminal":
        sink.write(`\r\x1b[2K${line(done, detail)}${last ? "\n" : ""}`);
        break;
      case "jupyter":
        // A failed broadcast must not fail the training it reports on.
        Promise.resolve(
          sink.broadcast(displayed ? "update_display_data" : "display_data", {
            data: { "text/plain": line(done, detail) },
            metadata: {},
            transient: { display_id: displayId },
          }),
        ).catch(() => {});
        displayed = true;
        break;
      case "lines": {
        const step = Math.floor((done / total) / (sink.every ?? 0.1));
        if (last || step > lastLine) {
          lastLine = step;
          sink.log(line(done, detail));
        }
        break;
      }
      case "quiet":
        break;
    }
  };

  return {
    update(done, detail) {
      if (finished) return;
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

/**
 * An `onProgress` callback for training (`TrainOptions.onProgress`) that
 * shows iterations, the current loss and, once recorded, the validation
 * accuracy; it finishes the display on the last iteration.
 *
 * @example Ten iterations into a list of lines
 * ```ts
 * import { trainingProgress } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const onProgress = trainingProgress({
 *   label: "train",
 *   width: 10,
 *   now: () => 0,
 *   sink: { kind: "lines", log: (line) => lines.push(line), every: 0.5 },
 * });
 * for (let i = 1; i <= 10; i++) {
 *   onProgress({ iteration: i, numIters: 10, loss: 1 / i, learningRate: 0.1 });
 * }
 * assert.deepEqual(lines, [
 *   "train [#---------]  10% 1/10 0s loss 1.0000",
 *   "train [#####-----]  50% 5/10 0s loss 0.2000",
 *   "train [##########] 100% 10/10 0s loss 0.1000",
 * ]);
 * ```
 */
export function trainingProgress(
  options: Omit<ProgressOptions, "total"> = {},
): (progress: TrainProgress) => void {
  let progress: Progress | undefined;
  let valAcc: number | undefined;
  return (p) => {
    progress ??= progressReporter({ ...options, total: p.numIters });
    valAcc = p.valAcc ?? valAcc;
    const detail = `loss ${p.loss.toFixed(4)}` +
      (valAcc === undefined ? "" : ` val ${valAcc.toFixed(3)}`);
    if (p.iteration >= p.numIters) progress.finish(detail, p.iteration);
    else progress.update(p.iteration, detail);
  };
}

/**
 * Progress of a hyperparameter search, counted in settings (fractions of
 * the settings in flight included, so two Workers move the bar smoothly),
 * with the best validation accuracy so far. Pass `onProgress` to
 * `searchHyperparameters`, then call `finish` when it resolves.
 *
 * @example
 * ```ts
 * import { searchProgress } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const { onProgress, finish } = searchProgress({
 *   width: 4,
 *   interval: 0,
 *   now: () => 0,
 *   sink: { kind: "lines", log: (line) => lines.push(line), every: 0.25 },
 * });
 * const train = { iteration: 50, numIters: 100, loss: 1, learningRate: 1 };
 * onProgress({ done: 0, total: 2, index: 0, train, bestValAcc: 0 });
 * finish("best val 0.5");
 * assert.deepEqual(lines, [
 *   "search [#---]  25% 0.5/2 0s best val 0.000",
 *   "search [####] 100% 2/2 0s best val 0.5",
 * ]);
 * ```
 */
export function searchProgress(
  options: Omit<ProgressOptions, "total"> = {},
): {
  onProgress: (progress: SearchProgress) => void;
  finish: (detail?: string) => void;
} {
  let progress: Progress | undefined;
  const fractions = new Map<number, number>();
  let total = 0;
  return {
    onProgress(p) {
      total = p.total;
      progress ??= progressReporter({
        label: "search",
        ...options,
        total: p.total,
      });
      fractions.set(p.index, p.train.iteration / p.train.numIters);
      let done = 0;
      for (const fraction of fractions.values()) done += fraction;
      progress.update(done, `best val ${p.bestValAcc.toFixed(3)}`);
    },
    finish(detail) {
      // A search can finish without any report (e.g. progressEvery too big).
      progress ??= progressReporter({
        label: "search",
        ...options,
        total: total || 1,
      });
      progress.finish(detail);
    },
  };
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
