/**
 * One point of a hyperparameter search and its unit of work: a setting,
 * trained from its own seed into a fresh network and scored on the
 * validation set, in this thread or in a search Worker.
 *
 * @module
 */

import type { Labels } from "../nn/losses.ts";
import type { DType, FloatArray, Matrix } from "../core/matrix.ts";
import type { BackendChoice } from "../kernels/select.ts";
import type { LossName } from "../nn/losses.ts";
import { checkNetworkArguments, TwoLayerNet } from "../nn/network.ts";
import { accuracy } from "../nn/metrics.ts";
import { resolveOptimizer } from "../nn/optimizers.ts";
import { RandomState } from "../core/random.ts";
import {
  checkTrainOptions,
  TRAIN_OPTION_NAMES,
  type TrainOptions,
  type TrainProgress,
  type TrainStats,
} from "../nn/trainer.ts";
import { checkLabels } from "../nn/losses.ts";
import { checkOptionNames } from "../core/options.ts";

/** One point of the search: training options plus the network's shape and loss. */
export interface SearchSetting extends
  Omit<
    TrainOptions,
    "rng" | "onProgress" | "log" | "verbose" | "resumeFrom"
  > {
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
      | "epochEnd"
    >
  >
  & Pick<
    SearchSetting,
    | "optimizer"
    | "beta1"
    | "beta2"
    | "epsilon"
    | "earlyStopping"
    | "augment"
    | "epochEnd"
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

/** The names a {@linkcode SearchSetting} may hold. */
const SETTING_NAMES: readonly string[] = [
  "hiddenSize",
  "loss",
  "std",
  ...TRAIN_OPTION_NAMES.filter((name) =>
    !["rng", "onProgress", "log", "verbose", "resumeFrom"].includes(name)
  ),
];

/**
 * Throws unless every name in `setting` is one a search setting has
 * (a typo is an error that suggests the name meant); `where` names it.
 *
 * @example
 * ```ts
 * import { checkSettingNames } from "./setting.ts";
 * import assert from "node:assert/strict";
 *
 * checkSettingNames("setting 0", { learningRate: 1e-3, hiddenSize: 50 });
 * assert.throws(
 *   () => checkSettingNames("setting 0", { hidden_size: 50 }),
 *   /setting 0 has no option "hidden_size"; did you mean "hiddenSize"\?/,
 * );
 * ```
 */
export function checkSettingNames(where: string, setting: unknown): void {
  checkOptionNames(where, setting, SETTING_NAMES);
}

/**
 * Checks every value of `setting` without training it, and returns it
 * with the defaults filled in: the network's sizes and options by the
 * checks of its constructor, the training options by the trainer's
 * (`checkTrainOptions`). A search checks all its settings so before the
 * first one trains.
 * `inputSize`, `numClasses` and `numTrain` (the training rows, for the
 * epochs early stopping needs) are the data's; `where` names the setting
 * in messages.
 *
 * @throws {RangeError} (or `TypeError`) starting with `where`: an unknown
 *   name or a value that the network or the trainer would refuse.
 *
 * @example
 * ```ts
 * import { checkSetting } from "./setting.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkSetting("setting 0", { reg: 0.1 }, 3072, 10).hiddenSize, 50);
 * assert.throws(
 *   () => checkSetting("setting 2", { hiddenSize: 0 }, 3072, 10),
 *   /^RangeError: setting 2: TwoLayerNet hiddenSize must be a positive integer, got 0$/,
 * );
 * assert.throws(
 *   () => checkSetting("setting 1", { learningRate: -1 }, 3072, 10),
 *   /^RangeError: setting 1: learningRate must be a positive finite number, got -1$/,
 * );
 * ```
 */
export function checkSetting(
  where: string,
  setting: SearchSetting,
  inputSize: number,
  numClasses: number,
  dtype?: DType,
  backend?: BackendChoice,
  numTrain?: number,
): FullSetting {
  checkSettingNames(where, setting);
  try {
    const resolved = resolveOptimizer(setting);
    const full: FullSetting = {
      ...SEARCH_DEFAULTS,
      ...setting,
      momentum: "momentum" in resolved ? resolved.momentum : 0,
    };
    const { hiddenSize, loss, std, ...train } = full;
    checkNetworkArguments(inputSize, hiddenSize, numClasses, {
      std,
      loss,
      dtype,
      backend,
    });
    checkTrainOptions(train, inputSize, numTrain);
    return full;
  } catch (error) {
    const message = `${where}: ${(error as Error).message}`;
    throw error instanceof TypeError
      ? new TypeError(message, { cause: error })
      : new RangeError(message, { cause: error });
  }
}

/**
 * Checks the search's data once, in this thread, whatever the number of
 * Workers: integer labels (not truncated on the way to a Worker), one
 * label per row, the same columns in both splits. Returns the number of
 * classes, one more than the largest label.
 *
 * @example
 * ```ts
 * import { checkSearchData } from "./setting.ts";
 * import { Matrix } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 0], [0, 1]]);
 * assert.equal(checkSearchData({ XTrain: X, yTrain: [0, 2], XVal: X, yVal: [1, 0] }), 3);
 * assert.throws(
 *   () => checkSearchData({ XTrain: X, yTrain: [0, 1.5], XVal: X, yVal: [1, 0] }),
 *   /yTrain: label 1 is 1.5; expected a non-negative integer/,
 * );
 * ```
 */
export function checkSearchData(data: SearchData): number {
  const { XTrain, yTrain, XVal, yVal } = data;
  for (
    const [what, X, y] of [["yTrain", XTrain, yTrain], [
      "yVal",
      XVal,
      yVal,
    ]] as const
  ) {
    try {
      checkLabels(y, X.rows);
    } catch (error) {
      throw new RangeError(`${what}: ${(error as Error).message}`);
    }
  }
  if (XVal.cols !== XTrain.cols) {
    throw new RangeError(
      `XVal must have the ${XTrain.cols} columns of XTrain, got ${XVal.cols}`,
    );
  }
  let max = -1;
  for (const y of [yTrain, yVal]) {
    for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
  }
  return max + 1;
}

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
  checkSettingNames("gridSettings", grid);
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
 * the unit of work of the search, in this thread or a Worker, on any
 * backend (`"webgpu"` too): it trains with `trainAsync`, so the event
 * loop keeps turning.
 */
export async function trainSetting(
  data: SearchData,
  setting: SearchSetting,
  seed: number,
  options: {
    dtype?: DType;
    backend?: BackendChoice;
    onProgress?: (p: TrainProgress) => void;
  } = {},
): Promise<{ row: Omit<SearchRow, "index">; net: TwoLayerNet }> {
  const classes = checkSearchData(data);
  const full = checkSetting(
    "setting",
    setting,
    data.XTrain.cols,
    classes,
    options.dtype,
    options.backend,
    data.XTrain.rows,
  );
  const { hiddenSize, loss, std, ...train } = full;
  const started = performance.now();
  const rng = new RandomState(seed);
  const net = new TwoLayerNet(data.XTrain.cols, hiddenSize, classes, {
    std,
    rng,
    loss,
    dtype: options.dtype,
    backend: options.backend,
  });
  const stats = await net.trainAsync(
    data.XTrain,
    data.yTrain,
    data.XVal,
    data.yVal,
    { ...train, rng, onProgress: options.onProgress },
  );
  const valAcc = accuracy(await net.predictAsync(data.XVal), data.yVal);
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
