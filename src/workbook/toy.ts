/**
 * The workbook's toy cells: a 4-10-3 network on five points, its scores,
 * loss, gradient check and training, and the softmax bonus's toy loss.
 *
 * @module
 */

import { lossChart } from "../plot/charts.ts";
import type { Figure } from "../plot/display.ts";
import { evalNumericalGradient, relError } from "../nn/gradient_check.ts";
import { type FloatArray, Matrix } from "../core/matrix.ts";
import type { LossName } from "../nn/losses.ts";
import { TwoLayerNet } from "../nn/network.ts";
import type { Params } from "../nn/params.ts";
import type { TrainOptions, TrainStats } from "../nn/trainer.ts";
import { formatNumpyMatrix, formatPythonFloat } from "./python_format.ts";
import { random, seed } from "../core/random.ts";
import type { StepOptions } from "./options.ts";
import { WORKBOOK_REFERENCE } from "./reference.ts";

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
 * import { initToyModel } from "@twolayer/net/workbook";
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
 * import { initToyData } from "@twolayer/net/workbook";
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
 * import { toyProblem } from "@twolayer/net/workbook";
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
 * import { toyProblem, toyScores } from "@twolayer/net/workbook";
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
 * import { toyLoss, toyProblem } from "@twolayer/net/workbook";
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
 * import { gradientCheck, toyProblem } from "@twolayer/net/workbook";
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
 * import { toyProblem, toyTraining } from "@twolayer/net/workbook";
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
 * Bonus, first part, done correctly: the toy loss with softmax
 * cross-entropy (a fresh toy model, `seed(0)`, on the toy data), next to
 * the MSE one. The workbook printed 3.6604469087734133 from a wrong
 * formula; the correct value is 1.071696123862817.
 *
 * @example
 * ```ts
 * import { softmaxToyLoss, toyProblem } from "@twolayer/net/workbook";
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
