/**
 * Minibatch stochastic gradient descent with the workbook's exact
 * semantics: batches drawn with replacement from a random stream, learning
 * rate decayed once per epoch, accuracy recorded at each epoch.
 *
 * @module
 */

import { augmenter, type AugmentOptions } from "./augment.ts";
import { checkLabels, checkReg, type Labels } from "./losses.ts";
import { checkOptionNames } from "../core/options.ts";
import { type FloatArray, Matrix } from "../core/matrix.ts";
import { random, type RandomState } from "../core/random.ts";
import { accuracy } from "./metrics.ts";
import { Optimizer, type OptimizerOptions } from "./optimizers.ts";
import { PARAM_NAMES, type Trainable } from "./params.ts";

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

/** Options of {@linkcode TrainOptions.earlyStopping}. */
export interface EarlyStoppingOptions {
  /**
   * Epochs without a new best validation accuracy before training stops
   * (a positive integer).
   */
  patience: number;
}

/**
 * Options of {@linkcode trainNetwork}; defaults are the workbook's. The
 * update rule is chosen by `optimizer` (see {@linkcode OptimizerOptions}).
 */
export interface TrainOptions extends OptimizerOptions {
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
   * Stop when validation accuracy has not improved for `patience` epochs,
   * and in any case end with the weights of the best epoch.
   */
  earlyStopping?: EarlyStoppingOptions;
  /** Augment each minibatch, e.g. `{ flipHorizontal: true }`. */
  augment?: AugmentOptions;
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
  /**
   * With early stopping: the epoch (index into `valAccHistory`) with the
   * best validation accuracy, whose weights the network holds after training.
   */
  bestEpoch?: number;
  /**
   * With early stopping: the epoch after which training stopped early
   * (absent when it ran all `numIters` iterations).
   */
  stoppedEpoch?: number;
  /** The settings this run used, defaults filled in (a network keeps them). */
  settings: TrainSettings;
}

/**
 * The settings of a training run, as a network records them (and a saved
 * network keeps them): the options without streams and callbacks.
 */
export type TrainSettings = Omit<
  TrainOptions,
  "rng" | "onProgress" | "log" | "verbose"
>;

/**
 * The option names {@linkcode trainNetwork} accepts (any other is an
 * error that suggests the one meant).
 *
 * @example
 * ```ts
 * import { TRAIN_OPTION_NAMES } from "./trainer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(TRAIN_OPTION_NAMES.includes("learningRate"));
 * ```
 */
export const TRAIN_OPTION_NAMES: readonly (keyof TrainOptions)[] = [
  "learningRate",
  "learningRateDecay",
  "reg",
  "numIters",
  "batchSize",
  "verbose",
  "rng",
  "optimizer",
  "momentum",
  "beta1",
  "beta2",
  "epsilon",
  "earlyStopping",
  "augment",
  "onProgress",
  "log",
];

/**
 * Trains `net` in place on (X, y), checking on (XVal, yVal) once per epoch
 * of `N / batchSize` iterations (a real number, as in the workbook).
 *
 * @throws {RangeError} on bad or unknown options, shapes or labels.
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
  checkOptionNames("train", options, TRAIN_OPTION_NAMES);
  const {
    learningRateDecay = 0.95,
    reg = 5e-6,
    numIters = 100,
    batchSize = 200,
    verbose = false,
    rng = random,
    earlyStopping,
    onProgress,
    log = console.log,
  } = options;
  let { learningRate = 1e-3 } = options;
  checkOptions({ learningRate, learningRateDecay, numIters, batchSize });
  checkReg(reg);
  const patience = earlyStopping && checkPatience(earlyStopping);
  const augment = options.augment &&
    augmenter(options.augment, net.inputSize);
  const params = PARAM_NAMES.map((name) => flat(net.params[name]));
  const grads = PARAM_NAMES.map((name) => flat(net.gradients[name]));
  const optimizer = new Optimizer(
    options,
    params,
    (alpha, x, y) => net.kernels.axpy(alpha, x, y),
  );
  const numTrain = X.rows;
  if (numTrain === 0) {
    throw new RangeError("X must have at least one row, got 0");
  }
  checkLabels(y, numTrain, net.numClasses);
  checkLabels(yVal, XVal.rows, net.numClasses);
  // Checked and converted to the net's dtype once; predict() checks XVal.
  const Xn = net.input(X);

  const iterationsPerEpoch = Math.max(numTrain / batchSize, 1);
  const settings: TrainSettings = {
    learningRate,
    learningRateDecay,
    reg,
    numIters,
    batchSize,
    ...optimizer.settings,
    ...(earlyStopping && { earlyStopping: { patience: patience! } }),
    ...(augment && { augment: options.augment }),
  };
  const yBatch = new Int32Array(batchSize);
  // Augmented batches are gathered here, then changed; otherwise the
  // network reads rows of X in place.
  const batch = augment && Matrix.zeros(batchSize, X.cols, net.dtype);
  let best: { epoch: number; valAcc: number; params: FloatArray[] } | undefined;
  const stats: TrainStats = {
    lossHistory: [],
    trainAccHistory: [],
    valAccHistory: [],
    settings,
  };

  for (let it = 0; it < numIters; it++) {
    const rows = rng.choice(numTrain, batchSize);
    for (let i = 0; i < batchSize; i++) yBatch[i] = y[rows[i]];
    if (batch) {
      net.kernels.gatherRows(Xn, rows, batch);
      augment(batch, rng);
    }
    const loss = batch
      ? net.lossAndGradients(batch, yBatch, reg)
      : net.lossAndGradients(Xn, yBatch, reg, rows);
    if (!Number.isFinite(loss)) {
      throw new Error(
        `training diverged: loss is ${loss} at iteration ${it} (learning rate ${learningRate}); expected a finite loss, try a smaller learning rate`,
      );
    }
    stats.lossHistory.push(loss);
    optimizer.step(params, grads, learningRate);
    if (verbose && it % 100 === 0) {
      log(`iteration ${it} / ${numIters}: loss ${loss}`);
    }

    const progress: TrainProgress = {
      iteration: it + 1,
      numIters,
      loss,
      learningRate,
    };
    let stop = false;
    if (it % iterationsPerEpoch === 0) {
      progress.trainAcc = accuracy(
        batch ? net.predict(batch) : net.predict(Xn, rows),
        yBatch,
      );
      progress.valAcc = accuracy(net.predict(XVal), yVal);
      stats.trainAccHistory.push(progress.trainAcc);
      stats.valAccHistory.push(progress.valAcc);
      learningRate *= learningRateDecay;
      if (patience) {
        const epoch = stats.valAccHistory.length - 1;
        if (!best || progress.valAcc > best.valAcc) {
          best = {
            epoch,
            valAcc: progress.valAcc,
            params: params.map((p) => p.slice()),
          };
        } else if (epoch - best.epoch >= patience) {
          stats.stoppedEpoch = epoch;
          stop = true;
        }
      }
    }
    onProgress?.(progress);
    if (stop) break;
  }
  if (best) {
    best.params.forEach((saved, k) => params[k].set(saved));
    stats.bestEpoch = best.epoch;
  }
  return stats;
}

function checkPatience(earlyStopping: EarlyStoppingOptions): number {
  checkOptionNames("earlyStopping", earlyStopping, ["patience"]);
  const { patience } = earlyStopping;
  if (!Number.isInteger(patience) || patience < 1) {
    throw new RangeError(
      `earlyStopping.patience must be a positive integer (epochs), got ${patience}`,
    );
  }
  return patience;
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
    numIters: [(v) => Number.isInteger(v) && v >= 0, "a non-negative integer"],
    batchSize: [(v) => Number.isInteger(v) && v > 0, "a positive integer"],
  };
  for (const [name, value] of Object.entries(o)) {
    const [ok, want] = rules[name];
    if (!ok(value)) {
      throw new RangeError(`${name} must be ${want}, got ${value}`);
    }
  }
}
