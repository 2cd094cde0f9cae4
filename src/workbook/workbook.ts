/**
 * The workbook's cells as library steps, in the workbook's order. The
 * notebook and `deno task workbook` both call these, so they print the same
 * lines and draw the same random numbers: every step draws from the default
 * stream (`random`) exactly as its numpy cell drew from `np.random`.
 *
 * Order matters, as it did in the workbook: {@linkcode toyProblem},
 * {@linkcode toyScores}, {@linkcode toyLoss}, {@linkcode gradientCheck},
 * {@linkcode toyTraining}, {@linkcode loadData}, {@linkcode firstCifarRun},
 * {@linkcode classCounts}, {@linkcode tuneHyperparameters},
 * {@linkcode testAccuracy}, {@linkcode softmaxToyLoss},
 * {@linkcode softmaxCifarRun}.
 *
 * @module
 */

import {
  accuracyChart,
  classCountsChart,
  lossChart,
  searchChart,
} from "../plot/charts.ts";
import {
  CIFAR10_CLASSES,
  type Cifar10DataOptions,
  type Cifar10Splits,
  getCifar10Data,
} from "../cifar10/load.ts";
import type { Figure } from "../plot/display.ts";
import { evalNumericalGradient, relError } from "../nn/gradient_check.ts";
import type { Labels } from "../nn/losses.ts";
import { type FloatArray, Matrix } from "../core/matrix.ts";
import {
  accuracy,
  type LossName,
  type Params,
  TwoLayerNet,
} from "../nn/network.ts";
import {
  defaultProgressSink,
  type ProgressSink,
  searchProgress,
  trainingProgress,
} from "../plot/progress.ts";
import {
  formatNumpyArray,
  formatNumpyMatrix,
  formatPythonFloat,
} from "./python_format.ts";
import { random, seed } from "../core/random.ts";
import {
  gridSettings,
  type SearchData,
  searchHyperparameters,
  type SearchResult,
  type SearchSetting,
} from "../search/search.ts";
import type { TrainOptions, TrainStats } from "../nn/trainer.ts";
import { WORKBOOK_REFERENCE } from "./reference.ts";

/** Options every step takes. */
export interface StepOptions {
  /** Where the step's printed lines go (default `console.log`). */
  log?: (line: string) => void;
}

/** Options of the steps that train on CIFAR-10. */
export interface TrainingStepOptions extends StepOptions {
  /** Where live progress goes (default: {@linkcode defaultProgressSink}). */
  progress?: ProgressSink;
}

/** The toy problem of the workbook's first cells. */
export interface Toy {
  /** The 4-10-3 toy network. */
  net: TwoLayerNet;
  /** 5 x 4 inputs, `10 * randn(5, 4)` after `seed(1)`. */
  X: Matrix;
  /** The labels `[0, 1, 2, 2, 1]`. */
  y: number[];
}

/** The toy problem's labels. */
export const TOY_LABELS: readonly number[] = [0, 1, 2, 2, 1];

/**
 * `init_toy_model()`: `seed(0)`, then a 4-10-3 network with `std = 1e-1`.
 *
 * @example
 * ```ts
 * import { initToyModel } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const net = initToyModel();
 * assert.equal(net.params.W1.get(0, 0), 0.1764052345967664); // 0.1 * randn
 * assert.equal(initToyModel("softmax").lossName, "softmax");
 * ```
 */
export function initToyModel(loss: LossName = "mse"): TwoLayerNet {
  seed(0);
  return new TwoLayerNet(4, 10, 3, { std: 1e-1, loss });
}

/**
 * `init_toy_data()`: `seed(1)`, then `X = 10 * randn(5, 4)` and the labels.
 *
 * @example
 * ```ts
 * import { initToyData } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const { X, y } = initToyData();
 * assert.deepEqual(X.shape, [5, 4]);
 * assert.equal(X.get(0, 0), 16.243453636632417); // 10 * randn after seed(1)
 * assert.deepEqual(y, [0, 1, 2, 2, 1]);
 * ```
 */
export function initToyData(): { X: Matrix; y: number[] } {
  seed(1);
  return {
    X: new Matrix(5, 4, random.randn(20).map((v) => 10 * v)),
    y: [...TOY_LABELS],
  };
}

/**
 * Cell "Create a small net and some toy data": the toy model (`seed(0)`),
 * then the toy data (`seed(1)`).
 *
 * @example
 * ```ts
 * import { toyProblem } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const toy = toyProblem();
 * assert.deepEqual(toy.net.params.W1.shape, [10, 4]);
 * assert.deepEqual(toy.X.shape, [5, 4]);
 * ```
 */
export function toyProblem(): Toy {
  const net = initToyModel();
  return { net, ...initToyData() };
}

/**
 * Cell "Compute forward pass scores": prints our scores, the workbook's
 * correct scores and the sum of absolute differences (the workbook got
 * about 3.4e-8, as the correct scores are rounded to 8 decimals).
 *
 * @example
 * ```ts
 * import { toyProblem, toyScores } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const { difference } = toyScores(toyProblem(), { log: () => {} });
 * assert.ok(difference < 1e-7);
 * ```
 */
export function toyScores(
  toy: Toy,
  options: StepOptions = {},
): { scores: Matrix<FloatArray>; correctScores: Matrix; difference: number } {
  const { log = console.log } = options;
  const scores = toy.net.scores(toy.X);
  const correctScores = Matrix.fromRows([...WORKBOOK_REFERENCE.toyScores]);
  let difference = 0;
  scores.data.forEach((v, i) => {
    difference += Math.abs(v - correctScores.data[i]);
  });
  log("Your scores:");
  log(formatNumpyMatrix(scores));
  log("");
  log("correct scores:");
  log(formatNumpyMatrix(correctScores));
  log("");
  log("Difference between your scores and correct scores:");
  log(formatPythonFloat(difference));
  return { scores, correctScores, difference };
}

/**
 * Cell "Forward pass loss": the MSE loss with `reg = 0.05` and its
 * difference from the workbook's 1.8973332763705641.
 *
 * @example
 * ```ts
 * import { toyLoss, toyProblem } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const { loss, difference } = toyLoss(toyProblem(), { log: (l) => lines.push(l) });
 * assert.equal(loss, 1.8973332763705641);
 * assert.equal(difference, 0);
 * assert.deepEqual(lines, ["Difference between your loss and correct loss:", "0.0"]);
 * ```
 */
export function toyLoss(
  toy: Toy,
  options: StepOptions = {},
): { loss: number; difference: number } {
  const { log = console.log } = options;
  const { loss } = toy.net.loss(toy.X, toy.y, 0.05);
  const difference = Math.abs(loss - WORKBOOK_REFERENCE.toyLossMse);
  log("Difference between your loss and correct loss:");
  log(formatPythonFloat(difference));
  return { loss, difference };
}

/** The parameters in the order the workbook's gradient check printed them. */
const GRADIENT_CHECK_ORDER = ["W2", "b2", "W1", "b1"] as const;

/**
 * Cell "Backward pass": compares each parameter's analytic gradient with a
 * centred-difference one (h = 1e-5) and prints the maximum relative error,
 * `W2`, `b2`, `W1`, `b1` as the workbook did. Every error should be below
 * 1e-8.
 *
 * @example
 * ```ts
 * import { gradientCheck, toyProblem } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const errors = gradientCheck(toyProblem(), { log: () => {} });
 * assert.deepEqual(Object.keys(errors), ["W2", "b2", "W1", "b1"]);
 * assert.ok(Object.values(errors).every((e) => e < 1e-8));
 * ```
 */
export function gradientCheck(
  toy: Toy,
  options: StepOptions = {},
): Record<keyof Params, number> {
  const { log = console.log } = options;
  const { net, X, y } = toy;
  const { grads } = net.loss(X, y, 0.05);
  const errors = {} as Record<keyof Params, number>;
  for (const name of GRADIENT_CHECK_ORDER) {
    const numeric = evalNumericalGradient(
      () => net.loss(X, y, 0.05).loss,
      net.params[name],
    );
    errors[name] = relError(numeric, grads[name]);
    log(`${name} max relative error: ${formatPythonFloat(errors[name])}`);
  }
  return errors;
}

/** The toy training cell's settings. */
export const TOY_TRAINING: Readonly<TrainOptions> = {
  learningRate: 1e-1,
  reg: 5e-6,
  numIters: 100,
  batchSize: 200,
  learningRateDecay: 0.95,
};

/**
 * Cell "Training the network" (its code is missing from the printout, but
 * it ran and consumed the default stream): a fresh toy model (`seed(0)`)
 * trained on the toy data for 100 iterations; prints the final loss.
 *
 * @example
 * ```ts
 * import { toyProblem, toyTraining } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const { finalLoss, chart } = toyTraining(toyProblem(), { log: () => {} });
 * assert.ok(Math.abs(finalLoss - 0.02950555626206818) < 1e-12);
 * assert.ok(chart.svg.startsWith("<svg"));
 * ```
 */
export function toyTraining(
  toy: Toy,
  options: StepOptions = {},
): { net: TwoLayerNet; stats: TrainStats; finalLoss: number; chart: Figure } {
  const { log = console.log } = options;
  const net = initToyModel();
  const stats = net.train(toy.X, toy.y, toy.X, toy.y, TOY_TRAINING);
  const finalLoss = stats.lossHistory.at(-1)!;
  log(`Final training loss: ${formatPythonFloat(finalLoss)}`);
  return { net, stats, finalLoss, chart: lossChart(stats) };
}

/**
 * Cell "Classify CIFAR-10": the workbook's `get_CIFAR10_data()` (see
 * {@linkcode getCifar10Data}; options pass through), printing the shapes.
 *
 * @example The test fixtures instead of the real data
 * ```ts
 * import { loadData } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const dir = new URL("../../tests/fixtures/cifar10/", import.meta.url);
 * const expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", dir)));
 * const lines: string[] = [];
 * await loadData({
 *   dir, expected, numTraining: 16, numValidation: 4, numTest: 2,
 *   log: (line) => lines.push(line),
 * });
 * assert.deepEqual(lines.slice(0, 2), [
 *   "Train data shape:  (16, 3072)",
 *   "Train labels shape:  (16,)",
 * ]);
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
 * import { firstCifarRun, Matrix, RandomState } from "@twolayer/net";
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
 * import { classCounts } from "@twolayer/net";
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
 * import { searchSize } from "@twolayer/net";
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
 * import { Matrix, RandomState, tuneHyperparameters } from "@twolayer/net";
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

/**
 * Cell "Evaluate on test set": the accuracy of `net` on the test split.
 *
 * @example
 * ```ts
 * import { initToyModel, testAccuracy, toyProblem } from "@twolayer/net";
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
 * Bonus, first part, done correctly: the toy loss with softmax
 * cross-entropy (a fresh toy model, `seed(0)`, on the toy data), next to
 * the MSE one. The workbook printed 3.6604469087734133 from a wrong
 * formula; the correct value is 1.071696123862817.
 *
 * @example
 * ```ts
 * import { softmaxToyLoss, toyProblem } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const { softmax } = softmaxToyLoss(toyProblem(), { log: () => {} });
 * assert.ok(Math.abs(softmax - 1.071696123862817) < 1e-12);
 * ```
 */
export function softmaxToyLoss(
  toy: Toy,
  options: StepOptions = {},
): { mse: number; softmax: number } {
  const { log = console.log } = options;
  const mse = toy.net.loss(toy.X, toy.y, 0.05).loss;
  const softmax = initToyModel("softmax").loss(toy.X, toy.y, 0.05).loss;
  log(`MSE:  ${formatPythonFloat(mse)}`);
  log(`Softmax:  ${formatPythonFloat(softmax)}`);
  return { mse, softmax };
}

/**
 * Bonus, second part: the first CIFAR run again (same settings, a fresh
 * net from the default stream) with softmax cross-entropy, then a line
 * comparing its validation accuracy with the MSE run's.
 *
 * @example A short run on random data of the CIFAR shape
 * ```ts
 * import { Matrix, RandomState, softmaxCifarRun } from "@twolayer/net";
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

/** `log`, clearing a terminal's progress line first so the two never mix. */
function aboveProgress(
  sink: ProgressSink,
  log: (line: string) => void,
): (line: string) => void {
  if (sink.kind !== "terminal") return log;
  return (line) => {
    sink.write("\r\x1b[2K");
    log(line);
  };
}

/** `name=value` pairs of the settings that vary in the search grids. */
function describeSetting(setting: SearchSetting): string {
  const { loss, learningRate, learningRateDecay, reg, numIters, momentum } =
    setting;
  return `loss=${loss} lr=${learningRate} decay=${learningRateDecay} reg=${reg} iters=${numIters} momentum=${momentum}`;
}
