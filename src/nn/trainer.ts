/**
 * Minibatch stochastic gradient descent with the workbook's exact
 * semantics: batches drawn with replacement from a random stream, learning
 * rate decayed once per epoch, accuracy recorded at each epoch.
 *
 * One loop serves every device: it draws the minibatches, keeps the
 * schedule, the histories, early stopping and the callbacks, and hands
 * each span of iterations to a {@linkcode TrainingStep} that runs them
 * (the CPU's step one iteration at a time, a GPU's a whole epoch at a
 * time). {@linkcode trainNetwork} drives it synchronously,
 * {@linkcode trainNetworkAsync} asynchronously, yielding to the event loop.
 *
 * @module
 */

import {
  type AugmentDraws,
  type Augmenter,
  augmenter,
  type AugmentOptions,
} from "./augment.ts";
import { checkLabels, checkReg, type Labels } from "./losses.ts";
import { checkOptionNames } from "../core/options.ts";
import {
  assertShape,
  checkArraySize,
  type FloatArray,
  Matrix,
} from "../core/matrix.ts";
import {
  random,
  RandomState,
  type RandomStateSnapshot,
} from "../core/random.ts";
import { DeviceFailure } from "../core/training.ts";
import { assertFinite, firstNonFinite } from "../kernels/elementwise.ts";
import { kernels } from "../kernels/select.ts";
import { accuracy } from "./metrics.ts";
import {
  checkOptimizerState,
  Optimizer,
  type OptimizerOptions,
  type OptimizerState,
  type ResolvedOptimizer,
  resolveOptimizer,
} from "./optimizers.ts";
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
  /**
   * True on the last report of a run that early stopping ends before
   * `numIters` (otherwise the last report is the one whose `iteration` is
   * `numIters`), so a progress display knows the run is over.
   */
  stopped?: boolean;
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
  /**
   * Which iterations end an epoch, where the accuracies are recorded and
   * the learning rate decays (see {@linkcode endsEpoch}):
   * - `"workbook"` (default): the workbook's `it % iterations_per_epoch ==
   *   0` with `iterations_per_epoch = max(N / batchSize, 1)`, a float,
   *   exactly as numpy computes it. Where N / batchSize is whole, every
   *   N / batchSize iterations; where it is not, only where that float
   *   divides `it` exactly: 49,000 rows in batches of 128 (382.8125 per
   *   epoch) end epochs at 0, 6125, 12250, …, and 40 rows in batches of 7
   *   at iteration 0 only. Early stopping needs a whole N / batchSize here.
   * - `"ceil"`: epoch k ends at iteration ⌈k N / batchSize⌉ (0-based), the
   *   first by which k epochs' worth of rows have been drawn: an epoch's
   *   worth of rows apart for any N and batchSize (the same as the
   *   workbook's where N / batchSize is whole).
   */
  epochEnd?: "workbook" | "ceil";
  /** Print `iteration i / n: loss L` every 100 iterations (default false). */
  verbose?: boolean;
  /** Stream for the minibatches (default: the module's global `random`). */
  rng?: RandomState;
  /**
   * Stop when validation accuracy has not improved for `patience` epochs,
   * and in any case end with the weights of the best epoch. Needs a
   * validation set of at least one row, and epochs of whole iterations: a
   * whole N / batchSize, or `epochEnd: "ceil"`.
   */
  earlyStopping?: EarlyStoppingOptions;
  /** Augment each minibatch, e.g. `{ flipHorizontal: true }`. */
  augment?: AugmentOptions;
  /**
   * Called after every iteration, e.g. to drive a progress bar. If it
   * throws, training stops there and the error propagates: the network
   * holds the weights after that iteration and the stream has drawn its
   * batches, on every backend (a GPU that ran ahead goes back).
   */
  onProgress?: (progress: TrainProgress) => void;
  /** Where verbose lines go (default `console.log`). */
  log?: (line: string) => void;
  /**
   * Continue a run from a checkpoint (from a {@linkcode TrainingInterrupted}
   * error) instead of starting afresh: its weights, iteration, learning
   * rate, update-rule state, random stream and histories. Pass the options
   * of the interrupted run, on any backend. The whole checkpoint is checked
   * against them first (sizes, finite values, the stream, the rule's
   * state, one accuracy per epoch ended): a refused one changes nothing.
   */
  resumeFrom?: TrainCheckpoint;
}

/**
 * Where epochs end (see {@linkcode TrainOptions.epochEnd} and
 * {@linkcode endsEpoch}): `"workbook"`, the workbook's `it %
 * iterations_per_epoch == 0`, or `"ceil"`, epoch k at iteration
 * ⌈k N / batchSize⌉.
 */
export type EpochEnd = NonNullable<TrainOptions["epochEnd"]>;

const EPOCH_ENDS: readonly EpochEnd[] = ["workbook", "ceil"];

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
  "rng" | "onProgress" | "log" | "verbose" | "resumeFrom"
>;

/**
 * Everything needed to continue a run from the last point where a
 * device's weights came back (every epoch end, and at least every 512
 * iterations on a GPU), as a {@linkcode TrainingInterrupted} error carries
 * it: pass it back as {@linkcode TrainOptions.resumeFrom}, whole and
 * unchanged (training checks all of it before anything changes).
 */
export interface TrainCheckpoint {
  /** Iterations finished (the run continues with this one). */
  iteration: number;
  /** The learning rate of the next iteration (decays applied). */
  learningRate: number;
  /** Copies of the weights and biases after that iteration, W1, b1, W2, b2. */
  params: FloatArray[];
  /** The update rule's state (velocities, moments, step count). */
  optimizer: OptimizerState;
  /** The minibatch stream's state. */
  rng: RandomStateSnapshot;
  /** Histories so far. */
  lossHistory: number[];
  /** Batch accuracy per epoch so far. */
  trainAccHistory: number[];
  /** Validation accuracy per epoch so far. */
  valAccHistory: number[];
  /** Early stopping's best epoch so far, with copies of its weights. */
  best?: { epoch: number; valAcc: number; params: FloatArray[] };
}

/**
 * Training stopped by something outside the run (a lost GPU device): the
 * network holds the weights of the last point where the device's weights
 * came back (see {@linkcode TrainCheckpoint}), and
 * {@linkcode TrainingInterrupted.checkpoint} continues from there, for
 * example on the CPU.
 */
export class TrainingInterrupted extends Error {
  /** The state at the last checkpoint (or the start). */
  readonly checkpoint: TrainCheckpoint;

  /** An error for a run stopped by `cause`, resumable from `checkpoint`. */
  constructor(message: string, checkpoint: TrainCheckpoint, cause?: unknown) {
    super(message, { cause });
    this.name = "TrainingInterrupted";
    this.checkpoint = checkpoint;
  }
}

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
  "epochEnd",
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
  "resumeFrom",
];

/** Training options with every default filled in and every value checked. */
export interface CheckedTrainOptions {
  learningRate: number;
  learningRateDecay: number;
  reg: number;
  numIters: number;
  batchSize: number;
  epochEnd: EpochEnd;
  verbose: boolean;
  rng: RandomState;
  optimizer: ResolvedOptimizer;
  patience?: number;
  augment?: AugmentOptions;
  onProgress?: (progress: TrainProgress) => void;
  log: (line: string) => void;
  resumeFrom?: TrainCheckpoint;
}

/**
 * Checks every training option, names and values, without training: what
 * the trainer checks first, and what a search checks for every setting
 * before the first one trains. With `inputSize`, also the augmentation's
 * image shape and the minibatch's size against it; with `numTrain` (the
 * training rows), also that early stopping gets epochs of whole
 * iterations (see {@linkcode TrainOptions.epochEnd}).
 *
 * @throws {RangeError} for an unknown option or a value out of range.
 * @throws {TypeError} for an option of the wrong type.
 *
 * @example
 * ```ts
 * import { checkTrainOptions } from "./trainer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkTrainOptions({ momentum: 0.9 }).optimizer.optimizer, "momentum");
 * assert.throws(
 *   () => checkTrainOptions({ learningRate: 0 }),
 *   /learningRate must be a positive finite number, got 0/,
 * );
 * // 49,000 rows in batches of 128: the workbook's epochs are 6125 apart.
 * const early = { earlyStopping: { patience: 3 }, batchSize: 128 };
 * assert.throws(
 *   () => checkTrainOptions(early, 3072, 49000),
 *   /the first epoch after iteration 0 would end at iteration 6125/,
 * );
 * checkTrainOptions({ ...early, epochEnd: "ceil" }, 3072, 49000);
 * ```
 */
export function checkTrainOptions(
  options: TrainOptions,
  inputSize?: number,
  numTrain?: number,
): CheckedTrainOptions {
  checkOptionNames("train", options, TRAIN_OPTION_NAMES);
  const {
    learningRate = 1e-3,
    learningRateDecay = 0.95,
    reg = 5e-6,
    numIters = 100,
    batchSize = 200,
    epochEnd = "workbook",
    verbose = false,
    rng = random,
    earlyStopping,
    augment,
    onProgress,
    log = console.log,
    resumeFrom,
  } = options;
  const rules: [string, unknown, boolean, string][] = [
    [
      "learningRate",
      learningRate,
      learningRate > 0 && Number.isFinite(learningRate),
      "a positive finite number",
    ],
    [
      "learningRateDecay",
      learningRateDecay,
      learningRateDecay > 0 && Number.isFinite(learningRateDecay),
      "a positive finite number",
    ],
    [
      "numIters",
      numIters,
      Number.isSafeInteger(numIters) && numIters >= 0,
      "a non-negative integer",
    ],
    [
      "batchSize",
      batchSize,
      Number.isSafeInteger(batchSize) && batchSize > 0,
      "a positive integer",
    ],
  ];
  for (const [name, value, ok, want] of rules) {
    if (typeof value !== "number" || !ok) {
      throw new RangeError(`${name} must be ${want}, got ${show(value)}`);
    }
  }
  checkReg(reg);
  if (inputSize !== undefined) {
    // The minibatch buffers, gathered rows in float64 at most.
    checkArraySize(
      `a minibatch (batchSize x inputSize = ${batchSize} x ${inputSize})`,
      batchSize * inputSize,
      8,
    );
  }
  if (!EPOCH_ENDS.includes(epochEnd)) {
    throw new RangeError(
      `epochEnd must be "workbook" or "ceil", got ${show(epochEnd)}`,
    );
  }
  if (typeof verbose !== "boolean") {
    throw new TypeError(`verbose must be true or false, got ${show(verbose)}`);
  }
  if (!(rng instanceof RandomState)) {
    throw new TypeError(`rng must be a RandomState, got ${show(rng)}`);
  }
  for (const [name, f] of [["onProgress", onProgress], ["log", log]]) {
    if (f !== undefined && typeof f !== "function") {
      throw new TypeError(`${name} must be a function, got ${show(f)}`);
    }
  }
  const optimizer = resolveOptimizer(options);
  const patience = earlyStopping === undefined
    ? undefined
    : checkPatience(earlyStopping);
  if (augment !== undefined && inputSize !== undefined) {
    augmenter(augment, inputSize);
  }
  if (patience !== undefined && numTrain !== undefined) {
    checkWholeEpochs(numTrain, batchSize, epochEnd);
  }
  return {
    learningRate,
    learningRateDecay,
    reg,
    numIters,
    batchSize,
    epochEnd,
    verbose,
    rng,
    optimizer,
    patience,
    augment,
    onProgress: onProgress as CheckedTrainOptions["onProgress"],
    log: log as CheckedTrainOptions["log"],
    resumeFrom,
  };
}

/**
 * Whether iteration `it` (0-based) ends an epoch, for `numTrain` rows in
 * batches of `batchSize`, under `rule` (see {@linkcode TrainOptions.epochEnd}):
 * - `"workbook"`: the workbook's `it % iterations_per_epoch == 0` with
 *   `iterations_per_epoch = max(numTrain / batchSize, 1)`, a float. The
 *   remainder of two positive numbers is exact in JavaScript as in Python,
 *   so this is numpy's answer for every `it`, rounding of the quotient
 *   included: a non-whole quotient `p / 2^e` (p odd) divides only the
 *   multiples of `p`.
 * - `"ceil"`: epoch k ends at `⌈k · numTrain / batchSize⌉`, the first
 *   iteration by which k epochs' worth of rows have been drawn.
 *
 * Both end every `numTrain / batchSize` iterations where that is whole, and
 * at every iteration where `batchSize >= numTrain`.
 *
 * @example
 * ```ts
 * import { endsEpoch } from "./trainer.ts";
 * import assert from "node:assert/strict";
 *
 * const ends = (n: number, b: number, rule?: "workbook" | "ceil") =>
 *   [...Array(7000).keys()].filter((it) => endsEpoch(it, n, b, rule));
 * assert.deepEqual(ends(49000, 200).slice(0, 4), [0, 245, 490, 735]);
 * // 49,000 / 128 = 382.8125 = 6125 / 16 iterations per epoch.
 * assert.deepEqual(ends(49000, 128), [0, 6125]);
 * assert.deepEqual(ends(49000, 128, "ceil").slice(0, 4), [0, 383, 766, 1149]);
 * ```
 */
export function endsEpoch(
  it: number,
  numTrain: number,
  batchSize: number,
  rule: EpochEnd = "workbook",
): boolean {
  if (rule === "workbook") {
    return it % Math.max(numTrain / batchSize, 1) === 0;
  }
  return it === 0 ||
    Math.floor(it * batchSize / numTrain) >
      Math.floor((it - 1) * batchSize / numTrain);
}

/**
 * The first iteration after 0 that the workbook's rule ends an epoch at:
 * `iterations_per_epoch` itself where it is whole, else the numerator `p`
 * of its value `p / 2^e` as a float.
 */
function firstWorkbookEpochEnd(numTrain: number, batchSize: number): number {
  let p = Math.max(numTrain / batchSize, 1);
  // Doubling is exact; at most 52 times.
  while (!Number.isInteger(p)) p *= 2;
  return p;
}

/**
 * Throws unless the epochs of `rule` are whole iterations apart, as early
 * stopping needs to compare one epoch with the next.
 */
function checkWholeEpochs(
  numTrain: number,
  batchSize: number,
  rule: EpochEnd,
): void {
  const perEpoch = Math.max(numTrain / batchSize, 1);
  if (rule === "ceil" || Number.isInteger(perEpoch)) return;
  throw new RangeError(
    `earlyStopping compares epochs, but N / batchSize = ${numTrain} / ${batchSize} = ${perEpoch} is not whole: under epochEnd "workbook" (the default, the workbook's it % (N / batchSize) == 0) the first epoch after iteration 0 would end at iteration ${
      firstWorkbookEpochEnd(numTrain, batchSize)
    }; pass epochEnd: "ceil" to end epoch k at iteration ⌈k N / batchSize⌉ (the first at iteration ${
      Math.ceil(perEpoch)
    }), or a batchSize that divides N`,
  );
}

/** The minibatch of one iteration, drawn ahead from the trainer's stream. */
export interface Minibatch {
  /** Rows of X, `batchSize` of them, drawn with replacement. */
  rows: Int32Array;
  /** Their labels. */
  labels: Int32Array;
  /** Their augmentation, drawn right after the rows. */
  augment?: AugmentDraws;
}

/** Iterations a {@linkcode TrainingStep} runs in one call. */
export interface TrainingSpan {
  /** Index of the first iteration. */
  first: number;
  /** One minibatch per iteration. */
  batches: Minibatch[];
  /** Learning rate of every iteration of the span. */
  learningRate: number;
  /**
   * Whether the last iteration ends an epoch: then the step reports the
   * accuracies after it and decays the learning rate.
   */
  epochEnd: boolean;
}

/** What a {@linkcode TrainingStep} reports for a span. */
export interface SpanResult {
  /** Loss of each iteration (a non-finite one ends the span's updates). */
  losses: ArrayLike<number>;
  /** With `epochEnd`: accuracy on the span's last batch, after its update. */
  trainAcc?: number;
  /** With `epochEnd`: accuracy on the validation set. */
  valAcc?: number;
}

/**
 * A device's side of training: runs spans of iterations (forward, loss,
 * backward, update, and the accuracies at epoch ends) on its own memory.
 * The loop around it is the same for every device.
 */
export interface TrainingStep {
  /** Most iterations one {@linkcode TrainingStep.run} call takes. */
  readonly maxSpan: number;
  /** Whether `run` answers with promises (only the async driver takes it). */
  readonly isAsync: boolean;
  /** Runs the span's iterations in order. */
  run(span: TrainingSpan): SpanResult | Promise<SpanResult>;
  /**
   * Brings the weights into the network's `params` (a no-op where they
   * live there) and returns the update rule's state; called after every
   * span of a step that `isAsync`, and at the end.
   */
  sync(): OptimizerState | Promise<OptimizerState>;
  /**
   * Goes back to `checkpoint` (the start of the last span): its weights,
   * in the network's `params` too, learning rate and update rule's state.
   * A step whose spans hold several iterations has it, so that a run
   * stopped inside a span ends on that iteration's weights.
   */
  restore?(checkpoint: TrainCheckpoint): void | Promise<void>;
  /** Frees what the step holds (called once, last). */
  dispose(): void;
}

/** Everything the loop and a step are given. */
export interface TrainingRun {
  net: Trainable;
  X: Matrix<FloatArray>;
  y: Labels;
  XVal: Matrix<FloatArray>;
  yVal: Labels;
  options: CheckedTrainOptions;
  /** The augmentation asked for, if any. */
  augment?: Augmenter;
}

/**
 * Trains `net` in place on (X, y), checking on (XVal, yVal) once per epoch
 * (see {@linkcode endsEpoch}). Every option and input is checked before
 * the first weight changes.
 *
 * @throws {RangeError} on bad or unknown options, shapes, labels or
 *   non-finite inputs (named `X` or `XVal`).
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
  const run = prepareRun(net, X, y, XVal, yVal, options);
  try {
    startFrom(run);
    return driveSync(trainingLoop(run, new CpuStep(run)));
  } finally {
    training.delete(net);
  }
}

/**
 * {@linkcode trainNetwork} as a promise that gives the event loop a turn
 * at least every {@linkcode YIELD_MS} ms, so that timers, Jupyter displays
 * and progress bars update while a long run trains. Same numbers as
 * {@linkcode trainNetwork}.
 *
 * @example
 * ```ts
 * import { Matrix, RandomState, TwoLayerNet, trainNetworkAsync } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 0], [0, 1], [1, 0.1], [0.1, 1]]);
 * const rng = new RandomState(0);
 * const net = new TwoLayerNet(2, 8, 2, { std: 0.5, rng, loss: "softmax" });
 * const stats = await trainNetworkAsync(net, X, [0, 1, 0, 1], X, [0, 1, 0, 1], {
 *   learningRate: 0.5, numIters: 200, batchSize: 4, rng,
 * });
 * assert.equal(stats.valAccHistory.at(-1), 1);
 * ```
 */
export function trainNetworkAsync(
  net: Trainable,
  X: Matrix<FloatArray>,
  y: Labels,
  XVal: Matrix<FloatArray>,
  yVal: Labels,
  options: TrainOptions = {},
): Promise<TrainStats> {
  return trainWithStep(
    net,
    X,
    y,
    XVal,
    yVal,
    options,
    (run) => new CpuStep(run),
  );
}

/**
 * The asynchronous driver with a device's own step: what a network on a
 * GPU trains with. Checks everything before `makeStep` runs; when
 * `makeStep` fails, the network is as it was.
 */
export async function trainWithStep(
  net: Trainable,
  X: Matrix<FloatArray>,
  y: Labels,
  XVal: Matrix<FloatArray>,
  yVal: Labels,
  options: TrainOptions,
  makeStep: (run: TrainingRun) => TrainingStep | Promise<TrainingStep>,
): Promise<TrainStats> {
  const run = prepareRun(net, X, y, XVal, yVal, options);
  try {
    const undo = startFrom(run);
    let step: TrainingStep;
    try {
      step = await makeStep(run);
    } catch (error) {
      undo();
      throw error;
    }
    return await driveAsync(trainingLoop(run, step));
  } finally {
    training.delete(net);
  }
}

/**
 * Most milliseconds {@linkcode trainNetworkAsync} trains before it lets
 * the event loop run.
 */
export const YIELD_MS = 100;

/**
 * Networks with a run in progress: one run at a time trains a network, as
 * two would interleave their updates (and on a GPU one would be lost).
 */
const training = new WeakSet<Trainable>();

/**
 * Checks every input and option, and that `net` is not training already;
 * nothing has changed yet when it throws. Then `net` counts as training
 * until the caller deletes it from `training`.
 */
function prepareRun(
  net: Trainable,
  X: Matrix<FloatArray>,
  y: Labels,
  XVal: Matrix<FloatArray>,
  yVal: Labels,
  options: TrainOptions,
): TrainingRun {
  if (training.has(net)) {
    throw new Error(
      "this network is already training (an earlier train or trainAsync call on it has not finished): await that call before training the network again, or train a copy (net.clone())",
    );
  }
  const checked = checkTrainOptions(
    options,
    net.inputSize,
    X instanceof Matrix ? X.rows : undefined,
  );
  // Checked and converted to the net's dtype once.
  const Xn = net.input(X);
  if (X.rows === 0) {
    throw new RangeError("X must have at least one row, got 0");
  }
  checkLabels(y, X.rows, net.numClasses);
  assertShape("XVal", XVal, null, net.inputSize);
  if (!net.kernels.allFinite(XVal.data)) assertFinite("XVal", XVal);
  checkLabels(yVal, XVal.rows, net.numClasses);
  if (checked.patience !== undefined && XVal.rows === 0) {
    throw new RangeError(
      "earlyStopping needs a validation set of at least one row to compare epochs, got XVal with 0 rows",
    );
  }
  if (checked.resumeFrom) {
    checkCheckpoint(checked.resumeFrom, net, checked, Xn.rows);
  }
  const augment = checked.augment &&
    augmenter(checked.augment, net.inputSize);
  training.add(net);
  return { net, X: Xn, y, XVal, yVal, options: checked, augment };
}

/**
 * Puts a resumed run's weights and stream in place (everything checked),
 * and returns what puts them back.
 */
function startFrom(run: TrainingRun): () => void {
  const resume = run.options.resumeFrom;
  if (!resume) return () => {};
  const params = PARAM_NAMES.map((name) => flat(run.net.params[name]));
  const before = params.map((p) => p.slice());
  const stream = run.options.rng.getState();
  params.forEach((p, k) => p.set(resume.params[k]));
  run.options.rng.setState(resume.rng);
  return () => {
    params.forEach((p, k) => p.set(before[k]));
    run.options.rng.setState(stream);
  };
}

const TICK = Symbol("tick");
type LoopYield = Promise<unknown> | typeof TICK;

/**
 * The one training loop, as a generator: it yields a step's pending
 * promise (the async driver awaits it and sends the result back) or a
 * tick after each span (where the async driver may yield to the event
 * loop).
 */
function* trainingLoop(
  run: TrainingRun,
  step: TrainingStep,
): Generator<LoopYield, TrainStats, unknown> {
  const { net, y, options: o } = run;
  const numTrain = run.X.rows;
  const { numIters, batchSize, rng, patience } = o;
  let { learningRate } = o;
  const params = PARAM_NAMES.map((name) => flat(net.params[name]));
  const settings: TrainSettings = {
    learningRate: o.learningRate,
    learningRateDecay: o.learningRateDecay,
    reg: o.reg,
    numIters,
    batchSize,
    ...(o.epochEnd !== "workbook" && { epochEnd: o.epochEnd }),
    ...o.optimizer,
    ...(patience && { earlyStopping: { patience } }),
    ...(o.augment && { augment: o.augment }),
  };
  const stats: TrainStats = {
    lossHistory: [],
    trainAccHistory: [],
    valAccHistory: [],
    settings,
  };
  let best: TrainCheckpoint["best"];
  let it = 0;
  const resume = o.resumeFrom;
  if (resume) {
    it = resume.iteration;
    learningRate = resume.learningRate;
    stats.lossHistory = [...resume.lossHistory];
    stats.trainAccHistory = [...resume.trainAccHistory];
    stats.valAccHistory = [...resume.valAccHistory];
    best = resume.best && {
      ...resume.best,
      params: resume.best.params.map((p) => p.slice()),
    };
  }
  // The state after the last span, to resume from if the device fails;
  // taken where the weights come back (a step that isAsync).
  let checkpoint: TrainCheckpoint | undefined;
  const takeCheckpoint = (optimizer: OptimizerState) => {
    checkpoint = {
      iteration: it,
      learningRate,
      params: params.map((p) => p.slice()),
      optimizer,
      rng: rng.getState(),
      lossHistory: [...stats.lossHistory],
      trainAccHistory: [...stats.trainAccHistory],
      valAccHistory: [...stats.valAccHistory],
      best,
    };
  };

  try {
    if (step.isAsync) {
      // The start: the weights are the network's, the rule's state fresh
      // or the resumed one.
      takeCheckpoint(
        new Optimizer(
          o.optimizer,
          params,
          kernels("typescript"),
          resume?.optimizer,
        ).state(),
      );
    }
    const drawBatch = (): Minibatch => {
      const rows = rng.choice(numTrain, batchSize);
      const labels = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) labels[i] = y[rows[i]];
      return { rows, labels, augment: run.augment?.draw(rng, batchSize) };
    };
    const ends = (k: number) => endsEpoch(k, numTrain, batchSize, o.epochEnd);
    while (it < numIters) {
      // A span runs up to the next epoch end, at most maxSpan iterations.
      let end = it;
      do end++; while (
        end < numIters && end - it < step.maxSpan && !ends(end - 1)
      );
      const batches = Array.from({ length: end - it }, drawBatch);
      const epochEnd = ends(end - 1);
      const pending = step.run({ first: it, batches, learningRate, epochEnd });
      const result = pending instanceof Promise
        ? yield* awaited(pending)
        : pending;
      // A device's weights come back after every span, for early stopping
      // and the checkpoint.
      const state = step.isAsync ? yield* awaitedIf(step.sync()) : undefined;

      let stop = false;
      for (let k = it; k < end; k++) {
        const loss = result.losses[k - it];
        if (!Number.isFinite(loss)) {
          throw new Error(
            `training diverged: loss is ${loss} at iteration ${k} (learning rate ${learningRate}); expected a finite loss, try a smaller learning rate`,
          );
        }
        stats.lossHistory.push(loss);
        if (o.verbose && k % 100 === 0) {
          o.log(`iteration ${k} / ${numIters}: loss ${loss}`);
        }
        const progress: TrainProgress = {
          iteration: k + 1,
          numIters,
          loss,
          learningRate,
        };
        if (k === end - 1 && epochEnd) {
          progress.trainAcc = result.trainAcc!;
          progress.valAcc = result.valAcc!;
          stats.trainAccHistory.push(progress.trainAcc);
          stats.valAccHistory.push(progress.valAcc);
          learningRate *= o.learningRateDecay;
          if (patience) {
            if (!Number.isFinite(progress.valAcc)) {
              throw new Error(
                `early stopping needs validation accuracies, but epoch ${
                  stats.valAccHistory.length - 1
                } gave ${progress.valAcc}`,
              );
            }
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
              progress.stopped = true;
            }
          }
        }
        try {
          o.onProgress?.(progress);
        } catch (error) {
          if (k < end - 1 && step.restore) {
            // The step ran ahead to the span's end: back to the span's
            // start (the last checkpoint), then through iteration k again,
            // as the CPU would stand. Should that fail too, the network
            // keeps the span's start.
            try {
              const start = checkpoint!;
              rng.setState(start.rng);
              const again = Array.from({ length: k + 1 - it }, drawBatch);
              yield* awaitedIf(step.restore(start));
              yield* awaitedIf(step.run({
                first: it,
                batches: again,
                learningRate,
                epochEnd: false,
              }));
              yield* awaitedIf(step.sync());
            } catch {
              // The report's error is the one to see.
            }
          }
          throw error;
        }
      }
      it = end;
      if (state) takeCheckpoint(state);
      if (stop) break;
      yield TICK;
    }
    yield* awaitedIf(step.sync());
  } catch (error) {
    if (error instanceof DeviceFailure && checkpoint) {
      // The network gets the checkpoint's weights back.
      checkpoint.params.forEach((saved, k) => params[k].set(saved));
      throw new TrainingInterrupted(
        `${error.message}; training stopped after iteration ${checkpoint.iteration} of ${numIters}: the network holds the weights of that point, and { resumeFrom: error.checkpoint } continues from there, on any backend`,
        checkpoint,
        error.cause,
      );
    }
    throw error;
  } finally {
    step.dispose();
  }
  if (best) {
    best.params.forEach((saved, k) => params[k].set(saved));
    stats.bestEpoch = best.epoch;
  }
  return stats;
}

/** Yields `promise` to the driver and returns what it resolved to. */
function* awaited<T>(promise: Promise<T>): Generator<LoopYield, T, unknown> {
  return (yield promise) as T;
}

function* awaitedIf<T>(
  value: T | Promise<T>,
): Generator<LoopYield, T, unknown> {
  return value instanceof Promise ? yield* awaited(value) : value;
}

function driveSync<T>(loop: Generator<LoopYield, T, unknown>): T {
  for (let next = loop.next();; next = loop.next()) {
    if (next.done) return next.value;
    if (next.value !== TICK) {
      // A step that needs awaiting never reaches here: trainNetwork only
      // builds the CPU step.
      throw new Error("a device step needs the asynchronous trainer");
    }
  }
}

async function driveAsync<T>(
  loop: Generator<LoopYield, T, unknown>,
): Promise<T> {
  let lastTurn = performance.now();
  let next = loop.next();
  while (!next.done) {
    if (next.value === TICK) {
      if (performance.now() - lastTurn >= YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastTurn = performance.now();
      }
      next = loop.next();
      continue;
    }
    let value: unknown;
    try {
      value = await next.value;
    } catch (error) {
      // Into the loop, which cleans up and may make it resumable.
      next = loop.throw(error);
      continue;
    }
    lastTurn = performance.now();
    next = loop.next(value);
  }
  return next.value;
}

/**
 * The CPU's step: one iteration per span on the network's own kernels,
 * the update rule in this thread.
 */
export class CpuStep implements TrainingStep {
  readonly maxSpan = 1;
  readonly isAsync = false;
  readonly #run: TrainingRun;
  readonly #params: FloatArray[];
  readonly #grads: FloatArray[];
  readonly #optimizer: Optimizer;
  /** Augmented batches are gathered here, then changed. */
  readonly #batch?: Matrix<FloatArray>;
  readonly #reg: number[];

  /** The step for `run`, its update rule fresh or resumed. */
  constructor(run: TrainingRun) {
    const { net, options: o } = run;
    this.#run = run;
    this.#params = PARAM_NAMES.map((name) => flat(net.params[name]));
    this.#grads = PARAM_NAMES.map((name) => flat(net.gradients[name]));
    this.#optimizer = new Optimizer(
      o.optimizer,
      this.#params,
      net.kernels,
      o.resumeFrom?.optimizer,
    );
    if (run.augment) {
      this.#batch = new Matrix(
        o.batchSize,
        net.inputSize,
        net.kernels.allocate(net.dtype, o.batchSize * net.inputSize),
      );
    }
    // The L2 term's strength per parameter: the weights, not the biases.
    this.#reg = PARAM_NAMES.map((name) => name[0] === "W" ? o.reg : 0);
  }

  run(span: TrainingSpan): SpanResult {
    const { net, X, XVal, yVal, options: o } = this.#run;
    const { rows, labels, augment } = span.batches[0];
    const batch = this.#batch;
    if (batch) {
      net.kernels.gatherRows(X, rows, batch);
      this.#run.augment!.apply(batch, augment!, net.kernels);
    }
    const dataLoss = batch
      ? net.dataLossAndGradients(batch, labels)
      : net.dataLossAndGradients(X, labels, rows);
    if (!Number.isFinite(dataLoss)) {
      // No update, as the loss says training diverged.
      const { sumSquares } = net.kernels;
      return {
        losses: [
          dataLoss +
          0.5 * o.reg *
            (sumSquares(this.#params[0]) + sumSquares(this.#params[2])),
        ],
      };
    }
    // The update adds the L2 term's gradient and sums the squared
    // weights for its loss, in its one pass over the weights.
    const loss = dataLoss +
      0.5 * o.reg *
        this.#optimizer.step(
          this.#params,
          this.#grads,
          span.learningRate,
          this.#reg,
        );
    if (!Number.isFinite(loss) || !span.epochEnd) return { losses: [loss] };
    return {
      losses: [loss],
      trainAcc: accuracy(
        batch ? net.predict(batch) : net.predict(X, rows),
        labels,
      ),
      valAcc: accuracy(net.predict(XVal), yVal),
    };
  }

  sync(): OptimizerState {
    return this.#optimizer.state();
  }

  dispose(): void {
    // The rule's state and the augmented batch end with the run.
    this.#optimizer.dispose();
    if (this.#batch) this.#run.net.kernels.release(this.#batch.data);
  }
}

/**
 * Throws unless `c` can continue a run of `net` with these options on
 * `numTrain` rows: every part of the checkpoint is checked, so that a
 * refused one changes nothing.
 */
function checkCheckpoint(
  c: TrainCheckpoint,
  net: Trainable,
  o: CheckedTrainOptions,
  numTrain: number,
): void {
  const sizes = PARAM_NAMES.map((name) => flat(net.params[name]).length);
  if (typeof c !== "object" || c === null) {
    throw new TypeError(
      `resumeFrom must be a checkpoint (TrainingInterrupted's checkpoint), got ${
        show(c)
      }`,
    );
  }
  checkSavedParams("resumeFrom.params", c.params, sizes);
  if (
    !Number.isSafeInteger(c.iteration) || c.iteration < 0 ||
    c.iteration > o.numIters || !Array.isArray(c.lossHistory) ||
    c.lossHistory.length !== c.iteration
  ) {
    throw new RangeError(
      `resumeFrom.iteration must be 0..numIters (${o.numIters}) with one loss per iteration, got ${c.iteration}`,
    );
  }
  const lr = c.learningRate;
  if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr)) {
    throw new RangeError(
      `resumeFrom.learningRate must be a positive finite number, got ${
        show(lr)
      }`,
    );
  }
  // On a scratch stream: the caller's stays as it is.
  try {
    new RandomState(0).setState(c.rng);
  } catch (error) {
    throw new RangeError(
      `resumeFrom.rng: ${(error as Error).message}`,
      { cause: error },
    );
  }
  checkOptimizerState(o.optimizer, sizes, c.optimizer, "resumeFrom.optimizer");
  if (c.optimizer.step !== c.iteration) {
    throw new RangeError(
      `resumeFrom.optimizer.step must be resumeFrom.iteration (${c.iteration}), the updates made, got ${c.optimizer.step}`,
    );
  }
  const bad = c.lossHistory.findIndex((loss) => !Number.isFinite(loss));
  if (bad >= 0) {
    throw new RangeError(
      `resumeFrom.lossHistory must hold finite losses, but entry ${bad} is ${
        show(c.lossHistory[bad])
      }`,
    );
  }
  let epochs = 0;
  for (let it = 0; it < c.iteration; it++) {
    if (endsEpoch(it, numTrain, o.batchSize, o.epochEnd)) epochs++;
  }
  for (const name of ["trainAccHistory", "valAccHistory"] as const) {
    const history = c[name];
    if (!Array.isArray(history) || history.length !== epochs) {
      throw new RangeError(
        `resumeFrom.${name} must hold one accuracy per epoch ended in its ${c.iteration} iterations (${epochs} with epochEnd "${o.epochEnd}", N ${numTrain} and batchSize ${o.batchSize}), got ${
          Array.isArray(history) ? history.length : show(history)
        }`,
      );
    }
    // An empty validation set gives NaN, as numpy's mean of nothing.
    const wrong = history.findIndex((a) =>
      typeof a !== "number" ||
      !(a >= 0 && a <= 1 || name === "valAccHistory" && Number.isNaN(a))
    );
    if (wrong >= 0) {
      throw new RangeError(
        `resumeFrom.${name} must hold accuracies in [0, 1], but entry ${wrong} is ${
          show(history[wrong])
        }`,
      );
    }
  }
  const best = c.best;
  if (o.patience === undefined) {
    if (best !== undefined) {
      throw new RangeError(
        "resumeFrom.best is early stopping's state, but these options have no earlyStopping: pass the options of the interrupted run",
      );
    }
    return;
  }
  if (best === undefined) {
    if (epochs > 0) {
      throw new RangeError(
        `resumeFrom has ${epochs} epochs but no best one, which early stopping keeps from the first epoch on: pass the checkpoint of a run with earlyStopping`,
      );
    }
    return;
  }
  if (
    typeof best !== "object" || best === null ||
    !Number.isInteger(best.epoch) || best.epoch < 0 || best.epoch >= epochs ||
    best.valAcc !== c.valAccHistory[best.epoch]
  ) {
    throw new RangeError(
      `resumeFrom.best must name one of its ${epochs} epochs with that epoch's validation accuracy, got epoch ${
        show(best?.epoch)
      } with ${show(best?.valAcc)}`,
    );
  }
  checkSavedParams("resumeFrom.best.params", best.params, sizes);
}

/**
 * Throws unless `params` are four float arrays of `sizes` values (W1, b1,
 * W2, b2), all finite.
 */
function checkSavedParams(
  what: string,
  params: unknown,
  sizes: number[],
): void {
  if (
    !Array.isArray(params) || params.length !== 4 ||
    params.some((p, k) =>
      !(p instanceof Float64Array || p instanceof Float32Array) ||
      p.length !== sizes[k]
    )
  ) {
    throw new RangeError(
      `${what} must be the parameters of a network of this size (float arrays of ${
        sizes.join(", ")
      } values), got ${
        Array.isArray(params)
          ? `arrays of ${params.map((p) => p?.length).join(", ")} values`
          : show(params)
      }`,
    );
  }
  params.forEach((p: FloatArray, k) => {
    const at = firstNonFinite(p);
    if (at >= 0) {
      throw new RangeError(
        `${what}[${k}] (${
          PARAM_NAMES[k]
        }) must hold finite numbers, but element ${at} is ${p[at]}`,
      );
    }
  });
}

function checkPatience(earlyStopping: EarlyStoppingOptions): number {
  if (typeof earlyStopping !== "object" || earlyStopping === null) {
    throw new TypeError(
      `earlyStopping must be an object such as { patience: 3 }, got ${
        show(earlyStopping)
      }`,
    );
  }
  checkOptionNames("earlyStopping", earlyStopping, ["patience"]);
  const { patience } = earlyStopping;
  if (!Number.isInteger(patience) || patience < 1) {
    throw new RangeError(
      `earlyStopping.patience must be a positive integer (epochs), got ${
        show(patience)
      }`,
    );
  }
  return patience;
}

function flat(p: Matrix<FloatArray> | FloatArray): FloatArray {
  return "data" in p ? p.data : p;
}

/** A value as a message shows it: strings quoted, so "2000" is not 2000. */
function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
