/**
 * The workbook's tuning cell, done right: a seeded search over a grid of
 * settings, with live progress and the best settings printed as the
 * workbook printed them.
 *
 * @module
 */

import { searchChart } from "../plot/charts.ts";
import type { Figure } from "../plot/display.ts";
import { defaultProgressSink, searchProgress } from "../plot/progress.ts";
import { formatPythonFloat } from "./python_format.ts";
import { searchHyperparameters, type SearchResult } from "../search/search.ts";
import {
  gridSettings,
  type SearchData,
  type SearchSetting,
} from "../search/setting.ts";
import { aboveProgress } from "./_log.ts";
import type { TrainingStepOptions } from "./options.ts";

/** How much searching {@linkcode tuneHyperparameters} does. */
export type SearchSize = "quick" | "full";

/** Environment variable that sets the search size. */
export const SEARCH_SIZE_VARIABLE = "TWOLAYER_SEARCH";

/**
 * The search size from `value`, else from the `TWOLAYER_SEARCH`
 * environment variable (without `--allow-env`, or unset: `"full"`).
 *
 * @throws {RangeError} when the value is neither `quick` nor `full`.
 *
 * @example
 * ```ts
 * import { searchSize } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.equal(searchSize("quick"), "quick");
 * assert.throws(() => searchSize("huge"), /quick.*full.*huge/);
 * ```
 */
export function searchSize(value?: string): SearchSize {
  if (value === undefined) {
    try {
      value = Deno.env.get(SEARCH_SIZE_VARIABLE);
    } catch {
      // No --allow-env: the default.
    }
  }
  value ||= "full";
  if (value !== "quick" && value !== "full") {
    throw new RangeError(
      `${SEARCH_SIZE_VARIABLE} must be "quick" or "full", got "${value}"`,
    );
  }
  return value;
}

/** Settings shared by every point of the search. */
const SEARCH_BASE: SearchSetting = {
  hiddenSize: 50,
  loss: "softmax",
  momentum: 0.9,
  batchSize: 200,
  learningRateDecay: 0.85,
  numIters: 6000,
};

/**
 * The settings each search size trains. `full` beats the workbook with
 * hidden size 50 kept: softmax loss, momentum 0.9 and a faster-annealing
 * schedule (decay 0.85 per epoch over about 24 epochs), around the best
 * settings of an exploration; `quick` is a short check for CI.
 */
export const SEARCH_GRIDS: Readonly<Record<SearchSize, SearchSetting[]>> = {
  quick: [
    { ...SEARCH_BASE, learningRate: 1e-3, reg: 0.25, numIters: 200 },
    { ...SEARCH_BASE, learningRate: 5e-4, reg: 0.5, numIters: 200 },
  ],
  full: [
    ...gridSettings({ learningRate: [7e-4, 1e-3, 1.4e-3], reg: [0.25, 0.5] })
      .map((setting) => ({ ...SEARCH_BASE, ...setting })),
    { ...SEARCH_BASE, learningRate: 1e-3, reg: 0.1 },
    { ...SEARCH_BASE, learningRate: 1e-3, reg: 0.25, learningRateDecay: 0.8 },
  ],
};

/** Options of {@linkcode tuneHyperparameters}. */
export interface TuneOptions extends TrainingStepOptions {
  /** Which grid of {@linkcode SEARCH_GRIDS} (default {@linkcode searchSize}()). */
  size?: SearchSize;
  /** Settings to search instead of a grid. */
  settings?: SearchSetting[];
  /** Setting i trains from seed + i (default 0). */
  seed?: number;
  /** Parallel Workers (default 2, one per core of the reference machine). */
  workers?: number;
}

/** What {@linkcode tuneHyperparameters} returns. */
export interface TuneResult extends SearchResult {
  /** Wall-clock seconds of the search. */
  seconds: number;
  /** Validation accuracy of every setting. */
  chart: Figure;
}

/**
 * Cell "Optimize the neural network", done right: a fresh network per
 * setting from a recorded seed (see {@linkcode searchHyperparameters}),
 * live progress, a line per finished setting, then the best settings as
 * the workbook printed them. `bestNet` is a snapshot, the workbook's
 * `best_net`.
 *
 * @example A two-setting search on random data of the CIFAR shape
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { tuneHyperparameters } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const rng = new RandomState(4);
 * const X = new Matrix(20, 3072, rng.randn(20 * 3072));
 * const y = rng.randint(0, 10, 20);
 * const lines: string[] = [];
 * const tuned = await tuneHyperparameters(
 *   { XTrain: X, yTrain: y, XVal: X, yVal: y },
 *   {
 *     settings: [{ numIters: 2, learningRate: 1e-4 }, { numIters: 2, reg: 1 }],
 *     workers: 1,
 *     log: (l) => lines.push(l),
 *     progress: { kind: "quiet" },
 *   },
 * );
 * assert.equal(tuned.rows.length, 2);
 * assert.ok(lines.includes("== Best parameter settings =="));
 * assert.ok(tuned.chart.svg.startsWith("<svg"));
 * ```
 */
export async function tuneHyperparameters(
  data: SearchData,
  options: TuneOptions = {},
): Promise<TuneResult> {
  const {
    log = console.log,
    seed = 0,
    workers = 2,
    progress: sink = defaultProgressSink(),
  } = options;
  const settings = options.settings ??
    SEARCH_GRIDS[options.size ?? searchSize()];
  const print = aboveProgress(sink, log);
  const started = performance.now();
  const progress = searchProgress({ sink });
  const result = await searchHyperparameters(data, settings, {
    seed,
    workers,
    onProgress: progress.onProgress,
    onResult: (row) =>
      print(
        `setting ${row.index + 1}/${settings.length} ${
          describeSetting(row.setting)
        }: val ${row.valAcc.toFixed(3)} (${row.seconds.toFixed(0)}s)`,
      ),
  });
  progress.finish(`best val ${result.best.valAcc.toFixed(3)}`);
  const seconds = (performance.now() - started) / 1000;
  const best = result.best.setting;
  print("== Best parameter settings ==");
  print(`Loss: ${best.loss}`);
  print(`Hidden size: ${best.hiddenSize}`);
  print(`Number of iterations:  ${best.numIters}`);
  print(`Batch size: ${best.batchSize}`);
  print(`Learning rate:  ${formatPythonFloat(best.learningRate)}`);
  print(`Learning rate decay:  ${formatPythonFloat(best.learningRateDecay)}`);
  print(`Momentum: ${formatPythonFloat(best.momentum)}`);
  print(`Regularization: ${formatPythonFloat(best.reg)}`);
  print(
    `Best accuracy on validation set: ${formatPythonFloat(result.best.valAcc)}`,
  );
  print(`Search time: ${seconds.toFixed(0)}s for ${settings.length} settings`);
  const chart = searchChart(
    result.rows.map((row) => ({ ...row.setting, valAcc: row.valAcc })),
  );
  return { ...result, seconds, chart };
}

/** `name=value` pairs of the settings that vary in the search grids. */
function describeSetting(setting: SearchSetting): string {
  const { loss, learningRate, learningRateDecay, reg, numIters, momentum } =
    setting;
  return `loss=${loss} lr=${learningRate} decay=${learningRateDecay} reg=${reg} iters=${numIters} momentum=${momentum}`;
}
