/**
 * Minibatch stochastic gradient descent with the workbook's exact
 * semantics: batches drawn with replacement from a random stream, learning
 * rate decayed once per epoch, accuracy recorded at each epoch.
 *
 * @module
 */

import { checkLabels, type Labels } from "./losses.ts";
import type { FloatArray, Matrix } from "../core/matrix.ts";
import { accuracy } from "./metrics.ts";
import { PARAM_NAMES, type Trainable } from "./params.ts";
import { random, type RandomState } from "../core/random.ts";

/** Where training stands, passed to {@linkcode TrainOptions.onProgress}. */
export interface TrainProgress {
  /** Iterations completed so far (1..numIters). */
  iteration: number;
  /** Total iterations of this run. */
  numIters: number;
  /** Loss of the iteration just completed. */
  loss: number;
  /** Learning rate used by the iteration just completed. */
  learningRate: number;
  /** Batch accuracy, present on iterations that ended an epoch. */
  trainAcc?: number;
  /** Validation accuracy, present on iterations that ended an epoch. */
  valAcc?: number;
}

/** Options of {@linkcode trainNetwork}; defaults are the workbook's. */
export interface TrainOptions {
  /** Step size (default 1e-3). */
  learningRate?: number;
  /** Factor applied to the learning rate after each epoch (default 0.95). */
  learningRateDecay?: number;
  /** L2 regularisation strength (default 5e-6). */
  reg?: number;
  /** Number of SGD steps (default 100). */
  numIters?: number;
  /** Rows per minibatch, drawn with replacement (default 200). */
  batchSize?: number;
  /** Print `iteration i / n: loss L` every 100 iterations (default false). */
  verbose?: boolean;
  /** Stream for the minibatches (default: the module's global `random`). */
  rng?: RandomState;
  /**
   * Classical momentum coefficient μ (default 0, the workbook's plain SGD):
   * `v = μ v − lr g; θ += v`.
   */
  momentum?: number;
  /** Called after every iteration, e.g. to drive a progress bar. */
  onProgress?: (progress: TrainProgress) => void;
  /** Where verbose lines go (default `console.log`). */
  log?: (line: string) => void;
}

/** Histories returned by training, as the workbook's `stats` dict. */
export interface TrainStats {
  /** Loss of every iteration. */
  lossHistory: number[];
  /** Accuracy on the current batch at each epoch. */
  trainAccHistory: number[];
  /** Accuracy on the validation set at each epoch. */
  valAccHistory: number[];
}

/**
 * Trains `net` in place on (X, y), checking on (XVal, yVal) once per epoch
 * of `N / batchSize` iterations (a real number, as in the workbook).
 *
 * @throws {RangeError} on bad options, shapes or labels.
 * @throws {Error} when the loss stops being finite, naming the iteration.
 *
 * @example Learn a separable toy problem
 * ```ts
 * import { Matrix, RandomState, TwoLayerNet, trainNetwork } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 0], [0, 1], [1, 0.1], [0.1, 1]]);
 * const y = [0, 1, 0, 1];
 * const rng = new RandomState(0);
 * const net = new TwoLayerNet(2, 8, 2, { std: 0.5, rng, loss: "softmax" });
 * const stats = trainNetwork(net, X, y, X, y, {
 *   learningRate: 0.5, numIters: 200, batchSize: 4, rng,
 * });
 * assert.equal(stats.lossHistory.length, 200);
 * assert.equal(stats.valAccHistory.at(-1), 1);
 * ```
 */
export function trainNetwork(
  net: Trainable,
  X: Matrix<FloatArray>,
  y: Labels,
  XVal: Matrix<FloatArray>,
  yVal: Labels,
  options: TrainOptions = {},
): TrainStats {
  const {
    learningRateDecay = 0.95,
    reg = 5e-6,
    numIters = 100,
    batchSize = 200,
    verbose = false,
    rng = random,
    momentum = 0,
    onProgress,
    log = console.log,
  } = options;
  let { learningRate = 1e-3 } = options;
  checkOptions({
    learningRate,
    learningRateDecay,
    reg,
    numIters,
    batchSize,
    momentum,
  });
  const numTrain = X.rows;
  if (numTrain === 0) {
    throw new RangeError("X must have at least one row, got 0");
  }
  checkLabels(y, numTrain, net.numClasses);
  checkLabels(yVal, XVal.rows, net.numClasses);
  // Checked and converted to the net's dtype once; predict() checks XVal.
  const Xn = net.input(X);

  const iterationsPerEpoch = Math.max(numTrain / batchSize, 1);
  const yBatch = new Int32Array(batchSize);
  const velocity = momentum > 0
    ? PARAM_NAMES.map((name) => new Float64Array(flat(net.params[name]).length))
    : undefined;
  const stats: TrainStats = {
    lossHistory: [],
    trainAccHistory: [],
    valAccHistory: [],
  };

  for (let it = 0; it < numIters; it++) {
    const rows = rng.choice(numTrain, batchSize);
    for (let i = 0; i < batchSize; i++) yBatch[i] = y[rows[i]];
    const loss = net.lossAndGradients(Xn, yBatch, reg, rows);
    if (!Number.isFinite(loss)) {
      throw new Error(
        `training diverged: loss is ${loss} at iteration ${it} (learning rate ${learningRate}); expected a finite loss, try a smaller learning rate`,
      );
    }
    stats.lossHistory.push(loss);
    PARAM_NAMES.forEach((name, k) => {
      const param = flat(net.params[name]);
      const grad = flat(net.gradients[name]);
      if (velocity) {
        const v = velocity[k];
        for (let i = 0; i < v.length; i++) {
          v[i] = momentum * v[i] - learningRate * grad[i];
          param[i] += v[i];
        }
      } else {
        net.kernels.axpy(-learningRate, grad, param);
      }
    });
    if (verbose && it % 100 === 0) {
      log(`iteration ${it} / ${numIters}: loss ${loss}`);
    }

    const progress: TrainProgress = {
      iteration: it + 1,
      numIters,
      loss,
      learningRate,
    };
    if (it % iterationsPerEpoch === 0) {
      progress.trainAcc = accuracy(net.predict(Xn, rows), yBatch);
      progress.valAcc = accuracy(net.predict(XVal), yVal);
      stats.trainAccHistory.push(progress.trainAcc);
      stats.valAccHistory.push(progress.valAcc);
      learningRate *= learningRateDecay;
    }
    onProgress?.(progress);
  }
  return stats;
}

function flat(p: Matrix<FloatArray> | FloatArray): FloatArray {
  return "data" in p ? p.data : p;
}

function checkOptions(o: Record<string, number>): void {
  const rules: Record<string, [(v: number) => boolean, string]> = {
    learningRate: [
      (v) => v > 0 && Number.isFinite(v),
      "a positive finite number",
    ],
    learningRateDecay: [
      (v) => v > 0 && Number.isFinite(v),
      "a positive finite number",
    ],
    reg: [(v) => v >= 0 && Number.isFinite(v), "a non-negative finite number"],
    numIters: [(v) => Number.isInteger(v) && v >= 0, "a non-negative integer"],
    batchSize: [(v) => Number.isInteger(v) && v > 0, "a positive integer"],
    momentum: [(v) => v >= 0 && v < 1, "a number in [0, 1)"],
  };
  for (const [name, value] of Object.entries(o)) {
    const [ok, want] = rules[name];
    if (!ok(value)) {
      throw new RangeError(`${name} must be ${want}, got ${value}`);
    }
  }
}
