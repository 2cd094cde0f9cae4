/**
 * The workbook's toy cells and the settings of its first CIFAR-10 run, for
 * programs that replay the notebook: the toy cells draw from the default
 * random stream before the first CIFAR-10 network does, so a replay of
 * that run runs them first (the tests, the web page of `deno task site`).
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import { random, seed } from "../core/random.ts";
import type { LossName } from "../core/training.ts";
import { TwoLayerNet } from "../nn/network.ts";
import type { TrainStats } from "../nn/trainer.ts";

/**
 * The toy data's labels, `init_toy_data()`'s y.
 *
 * @example
 * ```ts
 * import { TOY_LABELS } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(TOY_LABELS, [0, 1, 2, 2, 1]);
 * ```
 */
export const TOY_LABELS: readonly number[] = [0, 1, 2, 2, 1];

/**
 * `init_toy_model()`: seed(0), then a 4-10-3 net with std 1e-1.
 *
 * @example The workbook's toy loss
 * ```ts
 * import { initToyData, initToyModel, TOY_LABELS } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const net = initToyModel();
 * assert.equal(net.loss(initToyData(), TOY_LABELS, 0.05).loss, 1.8973332763705641);
 * ```
 */
export function initToyModel(loss: LossName = "mse"): TwoLayerNet {
  seed(0);
  return new TwoLayerNet(4, 10, 3, { std: 1e-1, loss });
}

/**
 * `init_toy_data()`'s X: seed(1), then 10 * randn(5, 4).
 *
 * @example
 * ```ts
 * import { initToyData } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(initToyData().shape, [5, 4]);
 * ```
 */
export function initToyData(): Matrix {
  seed(1);
  return new Matrix(5, 4, random.randn(20).map((v) => 10 * v));
}

/**
 * The workbook's toy training cell's settings.
 *
 * @example
 * ```ts
 * import { TOY_TRAINING } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.equal(TOY_TRAINING.numIters, 100);
 * ```
 */
export const TOY_TRAINING = {
  learningRate: 1e-1,
  reg: 5e-6,
  numIters: 100,
  batchSize: 200,
  learningRateDecay: 0.95,
} as const;

/**
 * The notebook's toy cells in order (model, data, training), which draw
 * from the default stream before the first CIFAR network does; returns the
 * toy training's stats.
 *
 * @example The workbook's last toy loss
 * ```ts
 * import { runToyCells } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(runToyCells().lossHistory.at(-1)! - 0.0295055) < 1e-6);
 * ```
 */
export function runToyCells(): TrainStats {
  initToyModel();
  const X = initToyData();
  return initToyModel().train(X, TOY_LABELS, X, TOY_LABELS, TOY_TRAINING);
}

/**
 * The workbook's first CIFAR-10 run: a network with 50 hidden units
 * (MSE, the default std), trained with these settings after the toy
 * cells; it prints ten losses from 0.5000623457905099 and reaches a
 * validation accuracy of 0.172.
 *
 * @example
 * ```ts
 * import { FIRST_RUN } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.equal(FIRST_RUN.hiddenSize, 50);
 * assert.equal(FIRST_RUN.training.learningRate, 1e-5);
 * ```
 */
export const FIRST_RUN = {
  hiddenSize: 50,
  training: {
    numIters: 1000,
    batchSize: 200,
    learningRate: 1e-5,
    learningRateDecay: 0.95,
    reg: 0.1,
  },
} as const;
