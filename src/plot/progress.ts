/**
 * Progress you can see while a network trains or a search runs: one
 * updating line in a terminal, one updating display in Deno's Jupyter
 * kernel, occasional plain lines anywhere else (a log file, CI).
 *
 * @module
 */

import type { SearchProgress } from "../search/search.ts";
import type { TrainProgress } from "../nn/trainer.ts";
import { checkOptionNames } from "../core/options.ts";
import { trainingChart } from "./charts.ts";
import type { MimeBundle } from "./display.ts";
import {
  type FinishedSetting,
  LiveChart,
  searchResultsChart,
} from "./_live_view.ts";

export type { FinishedSetting };

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
 * line says how long the rest should take at the pace so far.
 *
 * @throws {RangeError} when `total` is not positive.
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
  const sink = options.sink ?? defaultProgressSink();
  const {
    total,
    label,
    width = 30,
    interval = sink.kind === "jupyter" ? 250 : 100,
    now = () => performance.now(),
    jupyterView = (line: string) => ({ "text/plain": line }),
  } = options;
  if (!(total > 0)) {
    throw new RangeError(`progress total must be positive, got ${total}`);
  }
  const started = now();
  let lastDraw = -Infinity;
  let lastLine = -1;
  let finished = false;
  // Display ids must be unique per display within a kernel session.
  const displayId = `twolayer-progress-${crypto.randomUUID()}`;
  let displayed = false;

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
      case "terminal":
        sink.write(
          `\r\x1b[2K${line(done, detail, last)}${last ? "\n" : ""}`,
        );
        break;
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
        break;
      }
      case "lines": {
        const step = Math.floor((done / total) / (sink.every ?? 0.1));
        if (last || step > lastLine) {
          lastLine = step;
          sink.log(line(done, detail, last));
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

/** Options of {@linkcode trainingProgress}. */
export interface TrainingProgressOptions
  extends Omit<ProgressOptions, "total" | "jupyterView"> {
  /**
   * In Jupyter, draw the loss and accuracies so far above the line
   * (default true; see {@linkcode trainingChart}).
   */
  chart?: boolean;
}

/**
 * An `onProgress` callback for training (`TrainOptions.onProgress`): one
 * line with the iterations, the time so far and left, the current loss
 * and, once recorded, the validation accuracy. In Deno's Jupyter kernel it
 * is one display, updated in place at most four times a second, with the
 * loss curve and the accuracies so far drawn above the line (as
 * {@linkcode trainingChart} draws them) and redrawn as often as a small
 * share of the training time allows; it ends holding the final chart, as
 * an HTML `<img>` and SVG like any {@linkcode Figure}, so the executed
 * notebook keeps it. The display finishes on the last iteration, or on
 * the epoch where early stopping ends the run; a second run through the
 * same callback starts a new display.
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
 *   "train [#---------]  10% 1/10 0s (0s left) loss 1.0000",
 *   "train [#####-----]  50% 5/10 0s (0s left) loss 0.2000",
 *   "train [##########] 100% 10/10 0s loss 0.1000",
 * ]);
 * ```
 */
export function trainingProgress(
  options: TrainingProgressOptions = {},
): (progress: TrainProgress) => void {
  const { chart = true, ...rest } = options;
  checkOptionNames("trainingProgress", options, [
    "chart",
    "label",
    "sink",
    "width",
    "interval",
    "now",
  ]);
  const now = options.now ?? (() => performance.now());
  let run:
    | {
      progress: Progress;
      history: {
        lossHistory: number[];
        trainAccHistory: number[];
        valAccHistory: number[];
      };
      live?: LiveChart;
      iteration: number;
      valAcc?: number;
    }
    | undefined;
  return (p) => {
    if (!run || p.iteration <= run.iteration) {
      const history = {
        lossHistory: [] as number[],
        trainAccHistory: [] as number[],
        valAccHistory: [] as number[],
      };
      const live = chart
        ? new LiveChart(
          () =>
            history.lossHistory.length > 0 ? trainingChart(history) : undefined,
          now,
        )
        : undefined;
      run = {
        history,
        live,
        iteration: 0,
        progress: progressReporter({
          ...rest,
          total: p.numIters,
          ...(live && { jupyterView: (line, last) => live.bundle(line, last) }),
        }),
      };
    }
    run.iteration = p.iteration;
    run.history.lossHistory.push(p.loss);
    if (p.trainAcc !== undefined) run.history.trainAccHistory.push(p.trainAcc);
    if (p.valAcc !== undefined) {
      run.history.valAccHistory.push(p.valAcc);
      run.valAcc = p.valAcc;
    }
    run.live?.changed();
    const detail = `loss ${p.loss.toFixed(4)}` +
      (run.valAcc === undefined ? "" : ` val ${run.valAcc.toFixed(3)}`);
    if (p.stopped) {
      run.progress.finish(
        `${detail}, stopped early after epoch ${
          run.history.valAccHistory.length - 1
        }`,
        p.iteration,
      );
    } else if (p.iteration >= p.numIters) {
      run.progress.finish(detail, p.iteration);
    } else {
      run.progress.update(p.iteration, detail);
    }
  };
}

/** Options of {@linkcode searchProgress}. */
export interface SearchProgressOptions
  extends Omit<ProgressOptions, "total" | "jupyterView"> {
  /**
   * In Jupyter, draw each finished setting's validation accuracy and the
   * best so far above the line (default true).
   */
  chart?: boolean;
}

/**
 * Progress of a hyperparameter search, counted in settings (fractions of
 * the settings in flight included, so two Workers move the bar smoothly),
 * with the best validation accuracy so far. Pass `onProgress` and
 * `onResult` to `searchHyperparameters`, then call `finish` when it
 * resolves. In Deno's Jupyter kernel the display also shows, as each
 * setting finishes, its validation accuracy beside the best so far, and
 * keeps that chart when the search ends.
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
 *   "search [#---]  25% 0.5/2 0s (0s left) best val 0.000",
 *   "search [####] 100% 2/2 0s best val 0.5",
 * ]);
 * ```
 */
export function searchProgress(
  options: SearchProgressOptions = {},
): {
  onProgress: (progress: SearchProgress) => void;
  onResult: (row: FinishedSetting) => void;
  finish: (detail?: string) => void;
} {
  const { chart = true, ...rest } = options;
  checkOptionNames("searchProgress", options, [
    "chart",
    "label",
    "sink",
    "width",
    "interval",
    "now",
  ]);
  const now = options.now ?? (() => performance.now());
  const finished: FinishedSetting[] = [];
  const live = chart
    ? new LiveChart(
      () => finished.length > 0 ? searchResultsChart(finished) : undefined,
      now,
    )
    : undefined;
  let progress: Progress | undefined;
  const fractions = new Map<number, number>();
  let total = 0;
  let best: number | undefined;
  const reporter = (count: number) =>
    progressReporter({
      label: "search",
      ...rest,
      total: count,
      ...(live && { jupyterView: (line, last) => live.bundle(line, last) }),
    });
  const done = () => {
    let sum = 0;
    for (const fraction of fractions.values()) sum += fraction;
    return sum;
  };
  return {
    onProgress(p) {
      total = p.total;
      progress ??= reporter(p.total);
      fractions.set(p.index, p.train.iteration / p.train.numIters);
      best = Math.max(best ?? 0, p.bestValAcc);
      progress.update(done(), `best val ${best.toFixed(3)}`);
    },
    onResult(row) {
      finished.push({ index: row.index, valAcc: row.valAcc });
      fractions.set(row.index, 1);
      best = Math.max(best ?? -Infinity, row.valAcc);
      live?.changed();
      if (total > 0) {
        progress ??= reporter(total);
        progress.update(done(), `best val ${best.toFixed(3)}`);
      }
    },
    finish(detail) {
      // A search can finish without any report (e.g. progressEvery too big).
      progress ??= reporter(total || Math.max(finished.length, 1));
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
