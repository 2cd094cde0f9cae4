/**
 * The workbook's CIFAR-10 cells: loading the splits, the first training
 * run, the class counts, the test accuracy, and the softmax bonus run.
 *
 * @module
 */

import { accuracyChart, classCountsChart, lossChart } from "../plot/charts.ts";
import {
  type Cifar10DataOptions,
  type Cifar10Splits,
  getCifar10Data,
} from "../cifar10/load.ts";
import { CIFAR10_CLASSES } from "../cifar10/batch.ts";
import type { Figure } from "../plot/display.ts";
import type { Labels } from "../nn/losses.ts";
import type { FloatArray, Matrix } from "../core/matrix.ts";
import { accuracy } from "../nn/metrics.ts";
import type { LossName } from "../nn/losses.ts";
import { TwoLayerNet } from "../nn/network.ts";
import { defaultProgressSink, trainingProgress } from "../plot/progress.ts";
import { formatNumpyArray, formatPythonFloat } from "./python_format.ts";
import type { SearchData } from "../search/setting.ts";
import type { TrainOptions, TrainStats } from "../nn/trainer.ts";
import { aboveProgress } from "./_log.ts";
import type { StepOptions, TrainingStepOptions } from "./options.ts";

/**
 * Cell "Classify CIFAR-10": the workbook's `get_CIFAR10_data()` (see
 * {@linkcode getCifar10Data}; options pass through), printing the shapes.
 *
 * @example A tiny CIFAR-10 instead of the real data
 * ```ts
 * import { writeTinyCifar10 } from "@twolayer/net/cifar10";
 * import { loadData } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const expected = await writeTinyCifar10(dir);
 * const lines: string[] = [];
 * await loadData({
 *   dir, expected, numTraining: 16, numValidation: 4, numTest: 2,
 *   log: (line) => lines.push(line),
 * });
 * assert.deepEqual(lines.slice(0, 2), [
 *   "Train data shape:  (16, 3072)",
 *   "Train labels shape:  (16,)",
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadData(
  options: Cifar10DataOptions & StepOptions = {},
): Promise<Cifar10Splits> {
  const { log = console.log, ...dataOptions } = options;
  const data = await getCifar10Data(dataOptions);
  for (
    const [name, X, y] of [
      ["Train", data.XTrain, data.yTrain],
      ["Validation", data.XVal, data.yVal],
      ["Test", data.XTest, data.yTest],
    ] as const
  ) {
    log(`${name} data shape:  (${X.rows}, ${X.cols})`);
    log(`${name} labels shape:  (${y.length},)`);
  }
  return data;
}

/** The first CIFAR run's network and training settings. */
export const FIRST_RUN: Readonly<
  Required<
    Pick<
      TrainOptions,
      "numIters" | "batchSize" | "learningRate" | "learningRateDecay" | "reg"
    >
  > & { hiddenSize: number }
> = {
  hiddenSize: 50,
  numIters: 1000,
  batchSize: 200,
  learningRate: 1e-5,
  learningRateDecay: 0.95,
  reg: 0.1,
};

/** What a CIFAR training step returns. */
export interface RunResult {
  /** The trained network. */
  net: TwoLayerNet;
  /** Loss and accuracy histories. */
  stats: TrainStats;
  /** Accuracy on the validation split. */
  valAcc: number;
  /** Loss against iteration. */
  lossChart: Figure;
  /** Train and validation accuracy against epoch. */
  accuracyChart: Figure;
}

/** Options of {@linkcode firstCifarRun} and {@linkcode softmaxCifarRun}. */
export interface RunOptions extends TrainingStepOptions {
  /** Replaces some of {@linkcode FIRST_RUN}'s settings (e.g. fewer iterations in a quick check). */
  settings?: Partial<typeof FIRST_RUN>;
}

/**
 * Cell "Running SGD": `TwoLayerNet(3072, 50, 10)` from the default stream,
 * trained verbosely for 1,000 iterations (lr 1e-5, decay 0.95, reg 0.1,
 * batch 200), then its validation accuracy. Run after the toy cells it
 * prints the workbook's numbers; the net is the workbook's `subopt_net`.
 *
 * @example A short run on random data of the CIFAR shape
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { firstCifarRun } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const rng = new RandomState(3);
 * const X = new Matrix(20, 3072, rng.randn(20 * 3072));
 * const y = rng.randint(0, 10, 20);
 * const lines: string[] = [];
 * const run = firstCifarRun(
 *   { XTrain: X, yTrain: y, XVal: X, yVal: y },
 *   { settings: { numIters: 3 }, log: (l) => lines.push(l), progress: { kind: "quiet" } },
 * );
 * assert.equal(run.stats.lossHistory.length, 3);
 * assert.match(lines[0], /^iteration 0 \/ 3: loss 0\.5000/);
 * assert.match(lines.at(-1)!, /^Validation accuracy:  0\.\d+$/);
 * ```
 */
export function firstCifarRun(
  data: SearchData,
  options: RunOptions = {},
): RunResult {
  return cifarRun(data, "mse", "first run", options);
}

/**
 * Cell "do analyses": examples per class in the training and validation
 * splits, printed as the workbook did, with a bar chart of both.
 *
 * @example
 * ```ts
 * import { classCounts } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const counts = classCounts(
 *   { yTrain: [0, 1, 1, 9], yVal: [3, 3] },
 *   { log: (l) => lines.push(l) },
 * );
 * assert.deepEqual(counts.train, [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
 * assert.equal(lines[0], "Total number of datapoints:  4");
 * assert.equal(lines[2], "Counts for each class in validation data:  [0 0 0 2 0 0 0 0 0 0]");
 * ```
 */
export function classCounts(
  data: { yTrain: Labels; yVal: Labels },
  options: StepOptions = {},
): { total: number; train: number[]; val: number[]; chart: Figure } {
  const { log = console.log } = options;
  const count = (y: Labels) => {
    const counts = new Array<number>(CIFAR10_CLASSES.length).fill(0);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    return counts;
  };
  const train = count(data.yTrain);
  const val = count(data.yVal);
  log(`Total number of datapoints:  ${data.yTrain.length}`);
  log(`Counts for each class in training data:  ${formatNumpyArray(train)}`);
  log(`Counts for each class in validation data:  ${formatNumpyArray(val)}`);
  return {
    total: data.yTrain.length,
    train,
    val,
    chart: classCountsChart({ train, val }, CIFAR10_CLASSES),
  };
}

/**
 * Cell "Evaluate on test set": the accuracy of `net` on the test split.
 *
 * @example
 * ```ts
 * import {
 *   initToyModel,
 *   testAccuracy,
 *   toyProblem,
 * } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const { X, y } = toyProblem();
 * const lines: string[] = [];
 * const acc = testAccuracy(initToyModel(), { XTest: X, yTest: y }, {
 *   log: (l) => lines.push(l),
 * });
 * assert.ok(acc >= 0 && acc <= 1);
 * assert.equal(lines[0], `Test accuracy:  ${acc === 0 ? "0.0" : acc}`);
 * ```
 */
export function testAccuracy(
  net: TwoLayerNet,
  data: { XTest: Matrix<FloatArray>; yTest: Labels },
  options: StepOptions = {},
): number {
  const { log = console.log } = options;
  const acc = accuracy(net.predict(data.XTest), data.yTest);
  log(`Test accuracy:  ${formatPythonFloat(acc)}`);
  return acc;
}

/**
 * Bonus, second part: the first CIFAR run again (same settings, a fresh
 * net from the default stream) with softmax cross-entropy, then a line
 * comparing its validation accuracy with the MSE run's.
 *
 * @example A short run on random data of the CIFAR shape
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { softmaxCifarRun } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const rng = new RandomState(5);
 * const X = new Matrix(20, 3072, rng.randn(20 * 3072));
 * const y = rng.randint(0, 10, 20);
 * const lines: string[] = [];
 * const run = softmaxCifarRun({ XTrain: X, yTrain: y, XVal: X, yVal: y }, 0.1, {
 *   settings: { numIters: 2 },
 *   log: (l) => lines.push(l),
 *   progress: { kind: "quiet" },
 * });
 * // A fresh softmax net starts at ln(10) = 2.3026.
 * assert.match(lines[0], /^iteration 0 \/ 2: loss 2\.302/);
 * assert.match(lines.at(-1)!, /^Softmax vs MSE validation accuracy: 0\.\d+ vs 0\.1$/);
 * assert.equal(run.stats.lossHistory.length, 2);
 * ```
 */
export function softmaxCifarRun(
  data: SearchData,
  mseValAcc: number,
  options: RunOptions = {},
): RunResult {
  const run = cifarRun(data, "softmax", "softmax run", options);
  (options.log ?? console.log)(
    `Softmax vs MSE validation accuracy: ${formatPythonFloat(run.valAcc)} vs ${
      formatPythonFloat(mseValAcc)
    }`,
  );
  return run;
}

/** The workbook's CIFAR training cell with either loss. */
function cifarRun(
  data: SearchData,
  loss: LossName,
  label: string,
  options: RunOptions,
): RunResult {
  const { log = console.log, progress: sink = defaultProgressSink() } = options;
  const { hiddenSize, ...train } = { ...FIRST_RUN, ...options.settings };
  const net = new TwoLayerNet(data.XTrain.cols, hiddenSize, 10, { loss });
  const stats = net.train(data.XTrain, data.yTrain, data.XVal, data.yVal, {
    ...train,
    verbose: true,
    log: aboveProgress(sink, log),
    onProgress: trainingProgress({ label, sink }),
  });
  const valAcc = accuracy(net.predict(data.XVal), data.yVal);
  log(`Validation accuracy:  ${formatPythonFloat(valAcc)}`);
  return {
    net,
    stats,
    valAcc,
    lossChart: lossChart(stats),
    accuracyChart: accuracyChart(stats),
  };
}
