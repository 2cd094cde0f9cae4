/**
 * Progress of training and of a search, as {@linkcode progressReporter}
 * shows it, with a live chart in Deno's Jupyter kernel: the loss and
 * accuracies so far, or each finished setting beside the best so far.
 * (Kept apart from progress.ts, which the data download uses without
 * loading the charting libraries.)
 *
 * @module
 */

import type { SearchProgress } from "../search/search.ts";
import type { TrainProgress } from "../nn/trainer.ts";
import { checkOptionNames } from "../core/options.ts";
import { trainingChart } from "./charts.ts";
import { checkProgressOptions } from "./_progress_options.ts";
import {
  type Progress,
  type ProgressOptions,
  progressReporter,
} from "./progress.ts";
import {
  type FinishedSetting,
  LiveChart,
  searchResultsChart,
} from "./_live_view.ts";

export type { FinishedSetting };

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
 * @throws {RangeError} at once, not at the first update, for an unknown
 *   option name, a width that is not a positive integer, a negative
 *   interval or a sink of an unknown kind.
 * @throws {TypeError} at once for a sink without its function (`write`,
 *   `broadcast` or `log`) or a `now` that is not a function.
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
  // The reporter comes with the first update: check its options now.
  checkProgressOptions(rest);
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
      run.progress.finish(`${detail}, stopped early`, p.iteration);
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
 * @throws {RangeError} at once for an unknown option name, a width that is
 *   not a positive integer, a negative interval or a sink of an unknown
 *   kind.
 * @throws {TypeError} at once for a sink without its function or a `now`
 *   that is not a function.
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
  // The reporter comes with the first update: check its options now.
  checkProgressOptions(rest);
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
