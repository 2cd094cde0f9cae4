/**
 * Hyperparameter search done right: a fresh network per setting, each from
 * a recorded seed, so any row of the table can be re-run alone and gives the
 * same numbers; the best network is kept as a snapshot, not a reference.
 *
 * @module
 */

import type { Labels } from "./losses.ts";
import type { DType, FloatArray, Matrix } from "./matrix.ts";
import { type BackendChoice, getBackend, getThreads } from "./kernels.ts";
import { accuracy, type LossName, TwoLayerNet } from "./network.ts";
import { resolveOptimizer } from "./optimizers.ts";
import { RandomState } from "./random.ts";
import type { TrainOptions, TrainProgress, TrainStats } from "./trainer.ts";

/** One point of the search: training options plus the network's shape and loss. */
export interface SearchSetting
  extends Omit<TrainOptions, "rng" | "onProgress" | "log" | "verbose"> {
  /** Hidden units (default 50, the workbook's fixed size). */
  hiddenSize?: number;
  /** Data loss (default `"mse"`). */
  loss?: LossName;
  /** Scale of the initial weights (default 1e-4). */
  std?: number;
}

/** Training and validation splits to search on. */
export interface SearchData {
  /** Training rows, N x D. */
  XTrain: Matrix<FloatArray>;
  /** Training labels. */
  yTrain: Labels;
  /** Validation rows, M x D. */
  XVal: Matrix<FloatArray>;
  /** Validation labels. */
  yVal: Labels;
}

/**
 * A setting with the defaults filled in; `momentum` is the μ the run used
 * (0 for rules without one).
 */
export type FullSetting =
  & Required<
    Omit<
      SearchSetting,
      | "momentum"
      | "optimizer"
      | "beta1"
      | "beta2"
      | "epsilon"
      | "earlyStopping"
      | "augment"
    >
  >
  & Pick<
    SearchSetting,
    "optimizer" | "beta1" | "beta2" | "epsilon" | "earlyStopping" | "augment"
  >
  & { momentum: number };

/** One row of the search table. */
export interface SearchRow {
  /** Position of the setting in the list searched. */
  index: number;
  /** The setting, with every default filled in. */
  setting: FullSetting;
  /** Seed of the setting's own stream (initial weights, then batches). */
  seed: number;
  /** Accuracy of the trained network on the validation set. */
  valAcc: number;
  /** Last loss of the training run. */
  finalLoss: number;
  /** Histories of the training run. */
  stats: TrainStats;
  /** Wall-clock seconds the setting took. */
  seconds: number;
}

/** Where the search stands, for progress displays. */
export interface SearchProgress {
  /** Settings finished so far. */
  done: number;
  /** Settings in the search. */
  total: number;
  /** The setting that reported, and its training progress. */
  index: number;
  /** Training progress of setting `index`. */
  train: TrainProgress;
  /** Best validation accuracy among finished settings (0 before any). */
  bestValAcc: number;
}

/** Options of {@linkcode searchHyperparameters}. */
export interface SearchOptions {
  /** Setting i trains from `new RandomState(seed + i)` (default 0). */
  seed?: number;
  /** Parallel Workers (default 1: train in this thread). */
  workers?: number;
  /** Element type of the networks (default `"float64"`). */
  dtype?: DType;
  /**
   * Backend of the matrix products (default: the current default backend,
   * which Workers then use too).
   */
  backend?: BackendChoice;
  /** Called during training of each setting (at most every `progressEvery` iterations). */
  onProgress?: (progress: SearchProgress) => void;
  /** Iterations between progress reports of one setting (default 10). */
  progressEvery?: number;
  /** Called when a setting finishes. */
  onResult?: (row: SearchRow) => void;
}

/** The search table and a snapshot of the best network. */
export interface SearchResult {
  /** One row per setting, in the order given. */
  rows: SearchRow[];
  /** The row with the highest validation accuracy (first one on ties). */
  best: SearchRow;
  /** A copy of the best network, safe to keep using. */
  bestNet: TwoLayerNet;
}

/** The defaults a setting gets, as in the workbook's first CIFAR run. */
export const SEARCH_DEFAULTS: SearchRow["setting"] = {
  hiddenSize: 50,
  loss: "mse",
  std: 1e-4,
  learningRate: 1e-3,
  learningRateDecay: 0.95,
  reg: 5e-6,
  numIters: 100,
  batchSize: 200,
  momentum: 0,
};

/**
 * Every combination of the listed values (a grid), in row-major order: the
 * last key varies fastest, like nested for-loops.
 *
 * @example
 * ```ts
 * import { gridSettings } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const grid = gridSettings({ learningRate: [1e-3, 1e-4], reg: [0.1, 0.5] });
 * assert.deepEqual(grid, [
 *   { learningRate: 1e-3, reg: 0.1 }, { learningRate: 1e-3, reg: 0.5 },
 *   { learningRate: 1e-4, reg: 0.1 }, { learningRate: 1e-4, reg: 0.5 },
 * ]);
 * ```
 */
export function gridSettings(
  grid: { [K in keyof SearchSetting]: SearchSetting[K][] },
): SearchSetting[] {
  let out: SearchSetting[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new RangeError(
        `grid entry "${key}" needs a non-empty list of values, got ${
          JSON.stringify(values)
        }`,
      );
    }
    out = out.flatMap((s) => values.map((v) => ({ ...s, [key]: v })));
  }
  return out;
}

/**
 * Trains one setting from its seed and scores it on the validation set:
 * the unit of work of the search, in this thread or a Worker.
 */
export function trainSetting(
  data: SearchData,
  setting: SearchSetting,
  seed: number,
  options: {
    dtype?: DType;
    backend?: BackendChoice;
    onProgress?: (p: TrainProgress) => void;
  } = {},
): { row: Omit<SearchRow, "index">; net: TwoLayerNet } {
  const resolved = resolveOptimizer(setting);
  const full: FullSetting = {
    ...SEARCH_DEFAULTS,
    ...setting,
    momentum: "momentum" in resolved ? resolved.momentum : 0,
  };
  const { hiddenSize, loss, std, ...train } = full;
  const started = performance.now();
  const rng = new RandomState(seed);
  const classes = countClasses(data);
  const net = new TwoLayerNet(data.XTrain.cols, hiddenSize, classes, {
    std,
    rng,
    loss,
    dtype: options.dtype,
    backend: options.backend,
  });
  const stats = net.train(data.XTrain, data.yTrain, data.XVal, data.yVal, {
    ...train,
    rng,
    onProgress: options.onProgress,
  });
  const valAcc = accuracy(net.predict(data.XVal), data.yVal);
  return {
    row: {
      setting: full,
      seed,
      valAcc,
      finalLoss: stats.lossHistory.at(-1) ?? NaN,
      stats,
      seconds: (performance.now() - started) / 1000,
    },
    net,
  };
}

/**
 * Trains a fresh network for every setting (setting i from seed + i),
 * optionally on several Workers, and returns the table with a snapshot of
 * the best network. Per-setting results do not depend on `workers`.
 *
 * @example A tiny search on separable data
 * ```ts
 * import { gridSettings, Matrix, searchHyperparameters } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[2, 0], [0, 2], [2, 0.2], [0.2, 2]]);
 * const y = [0, 1, 0, 1];
 * const { rows, best, bestNet } = await searchHyperparameters(
 *   { XTrain: X, yTrain: y, XVal: X, yVal: y },
 *   gridSettings({ learningRate: [1e-3, 0.5], numIters: [100] })
 *     .map((s) => ({ ...s, hiddenSize: 8, std: 0.5, batchSize: 4 })),
 * );
 * assert.equal(rows.length, 2);
 * assert.equal(best.valAcc, 1);
 * assert.deepEqual(Array.from(bestNet.predict(X)), y);
 * ```
 */
export async function searchHyperparameters(
  data: SearchData,
  settings: SearchSetting[],
  options: SearchOptions = {},
): Promise<SearchResult> {
  const { seed = 0, workers = 1, dtype, backend, progressEvery = 10 } = options;
  if (settings.length === 0) {
    throw new RangeError(
      "searchHyperparameters needs at least one setting, got 0",
    );
  }
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  }
  const rows: SearchRow[] = new Array(settings.length);
  let best: { row: SearchRow; net: TwoLayerNet } | undefined;
  let done = 0;
  const report = (index: number, train: TrainProgress) => {
    if (
      train.iteration % progressEvery === 0 ||
      train.iteration === train.numIters
    ) {
      options.onProgress?.({
        done,
        total: settings.length,
        index,
        train,
        bestValAcc: best?.row.valAcc ?? 0,
      });
    }
  };
  const finish = (
    index: number,
    row: Omit<SearchRow, "index">,
    net: TwoLayerNet,
  ) => {
    const full = { index, ...row };
    rows[index] = full;
    done++;
    // Strictly better, or equal and earlier: the first best in list order wins.
    if (
      !best || row.valAcc > best.row.valAcc ||
      (row.valAcc === best.row.valAcc && index < best.row.index)
    ) {
      best = { row: full, net: net.clone() };
    }
    options.onResult?.(full);
  };

  if (workers === 1) {
    settings.forEach((setting, index) => {
      const { row, net } = trainSetting(data, setting, seed + index, {
        dtype,
        backend,
        onProgress: (p) => report(index, p),
      });
      finish(index, row, net);
    });
  } else {
    const { runOnWorkers } = await import("./search_pool.ts");
    await runOnWorkers(data, settings, {
      seed,
      workers,
      dtype,
      // Workers load their own kernels: give them this thread's backend.
      backend: backend ?? getBackend(),
      threads: getThreads(),
      onProgress: report,
      onDone: finish,
    });
  }
  return { rows, best: best!.row, bestNet: best!.net };
}

/** Number of classes: one more than the largest label seen. */
function countClasses({ yTrain, yVal }: SearchData): number {
  let max = -1;
  for (const y of [yTrain, yVal]) {
    for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
  }
  return max + 1;
}
