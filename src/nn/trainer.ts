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
import { checkArraySize, type FloatArray, Matrix } from "../core/matrix.ts";
import {
  random,
  RandomState,
  type RandomStateSnapshot,
} from "../core/random.ts";
import { assertFinite } from "../kernels/elementwise.ts";
import { kernels } from "../kernels/select.ts";
import { accuracy } from "./metrics.ts";
import {
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
  /** Print `iteration i / n: loss L` every 100 iterations (default false). */
  verbose?: boolean;
  /** Stream for the minibatches (default: the module's global `random`). */
  rng?: RandomState;
  /**
   * Stop when validation accuracy has not improved for `patience` epochs,
   * and in any case end with the weights of the best epoch. Needs a
   * validation set of at least one row.
   */
  earlyStopping?: EarlyStoppingOptions;
  /** Augment each minibatch, e.g. `{ flipHorizontal: true }`. */
  augment?: AugmentOptions;
  /** Called after every iteration, e.g. to drive a progress bar. */
  onProgress?: (progress: TrainProgress) => void;
  /** Where verbose lines go (default `console.log`). */
  log?: (line: string) => void;
  /**
   * Continue a run from a checkpoint (from a {@linkcode TrainingInterrupted}
   * error) instead of starting afresh: its weights, iteration, learning
   * rate, update-rule state, random stream and histories. Pass the options
   * of the interrupted run, on any backend.
   */
  resumeFrom?: TrainCheckpoint;
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
  "rng" | "onProgress" | "log" | "verbose" | "resumeFrom"
>;

/**
 * Everything needed to continue a run after its last finished epoch, as a
 * {@linkcode TrainingInterrupted} error carries it: pass it back as
 * {@linkcode TrainOptions.resumeFrom}.
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
 * network holds the weights of the last finished epoch, and
 * {@linkcode TrainingInterrupted.checkpoint} continues from there, for
 * example on the CPU.
 */
export class TrainingInterrupted extends Error {
  /** The state after the last finished epoch (or the start). */
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
 * image shape and the minibatch's size against it.
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
 * ```
 */
export function checkTrainOptions(
  options: TrainOptions,
  inputSize?: number,
): CheckedTrainOptions {
  checkOptionNames("train", options, TRAIN_OPTION_NAMES);
  const {
    learningRate = 1e-3,
    learningRateDecay = 0.95,
    reg = 5e-6,
    numIters = 100,
    batchSize = 200,
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
  return {
    learningRate,
    learningRateDecay,
    reg,
    numIters,
    batchSize,
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
 * batches of `batchSize`: an epoch is `numTrain / batchSize` iterations (a
 * real number), and epoch k ends at the first iteration by which k epochs'
 * worth of rows have been drawn, `⌈k · numTrain / batchSize⌉`. Where
 * `numTrain / batchSize` is whole this is the workbook's
 * `it % iterations_per_epoch == 0`; with more rows per batch than
 * `numTrain`, every iteration ends an epoch (the workbook's
 * `max(N / batch_size, 1)`).
 *
 * @example
 * ```ts
 * import { endsEpoch } from "./trainer.ts";
 * import assert from "node:assert/strict";
 *
 * const ends = (n: number, b: number) =>
 *   [...Array(1000).keys()].filter((it) => endsEpoch(it, n, b));
 * assert.deepEqual(ends(49000, 200), [0, 245, 490, 735, 980]);
 * // 49,000 / 128 = 382.8125 iterations per epoch.
 * assert.deepEqual(ends(49000, 128), [0, 383, 766]);
 * ```
 */
export function endsEpoch(
  it: number,
  numTrain: number,
  batchSize: number,
): boolean {
  return it === 0 ||
    Math.floor(it * batchSize / numTrain) >
      Math.floor((it - 1) * batchSize / numTrain);
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
   * live there) and returns the update rule's state; called after spans
   * that end an epoch and at the end.
   */
  sync(): OptimizerState | Promise<OptimizerState>;
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
  return driveSync(trainingLoop(run, new CpuStep(run)));
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
 * GPU trains with. Checks everything before `makeStep` runs.
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
  return await driveAsync(trainingLoop(run, await makeStep(run)));
}

/**
 * Most milliseconds {@linkcode trainNetworkAsync} trains before it lets
 * the event loop run.
 */
export const YIELD_MS = 100;

/** Checks every input and option; nothing has changed yet when it throws. */
function prepareRun(
  net: Trainable,
  X: Matrix<FloatArray>,
  y: Labels,
  XVal: Matrix<FloatArray>,
  yVal: Labels,
  options: TrainOptions,
): TrainingRun {
  const checked = checkTrainOptions(options, net.inputSize);
  if (X.rows === 0) {
    throw new RangeError("X must have at least one row, got 0");
  }
  checkLabels(y, X.rows, net.numClasses);
  // Checked and converted to the net's dtype once.
  const Xn = net.input(X);
  if (!(XVal instanceof Matrix) || XVal.cols !== net.inputSize) {
    throw new RangeError(
      `XVal must be N x ${net.inputSize} like X, got ${
        XVal instanceof Matrix ? `${XVal.rows} x ${XVal.cols}` : show(XVal)
      }`,
    );
  }
  if (!net.kernels.allFinite(XVal.data)) assertFinite("XVal", XVal);
  checkLabels(yVal, XVal.rows, net.numClasses);
  if (checked.patience !== undefined && XVal.rows === 0) {
    throw new RangeError(
      "earlyStopping needs a validation set of at least one row to compare epochs, got XVal with 0 rows",
    );
  }
  const resume = checked.resumeFrom;
  if (resume) {
    checkCheckpoint(resume, net, checked);
    // Everything is checked: the run starts from the checkpoint's state.
    PARAM_NAMES.forEach((name, k) =>
      flat(net.params[name]).set(resume.params[k])
    );
    checked.rng.setState(resume.rng);
  }
  const augment = checked.augment &&
    augmenter(checked.augment, net.inputSize);
  return { net, X: Xn, y, XVal, yVal, options: checked, augment };
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
  // The state after the last finished epoch, to resume from if the
  // device fails; taken only where it can.
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
    while (it < numIters) {
      // A span runs up to the next epoch end, at most maxSpan iterations.
      let end = it;
      do end++; while (
        end < numIters && end - it < step.maxSpan &&
        !endsEpoch(end - 1, numTrain, batchSize)
      );
      const batches: Minibatch[] = [];
      for (let k = it; k < end; k++) {
        const rows = rng.choice(numTrain, batchSize);
        const labels = new Int32Array(batchSize);
        for (let i = 0; i < batchSize; i++) labels[i] = y[rows[i]];
        batches.push({
          rows,
          labels,
          augment: run.augment?.draw(rng, batchSize),
        });
      }
      const epochEnd = endsEpoch(end - 1, numTrain, batchSize);
      const pending = step.run({ first: it, batches, learningRate, epochEnd });
      const result = pending instanceof Promise
        ? yield* awaited(pending)
        : pending;
      // A device's weights come back at epoch ends, for early stopping
      // and the checkpoint.
      const state = epochEnd && step.isAsync
        ? yield* awaitedIf(step.sync())
        : undefined;

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
        o.onProgress?.(progress);
      }
      it = end;
      if (state) takeCheckpoint(state);
      if (stop) break;
      yield TICK;
    }
    yield* awaitedIf(step.sync());
  } catch (error) {
    if (error instanceof DeviceFailure && checkpoint) {
      // The network gets the last finished epoch's weights back.
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

/**
 * What a device step throws when the device itself failed (not the
 * training): the loop turns it into a resumable {@linkcode TrainingInterrupted}.
 */
export class DeviceFailure extends Error {
  /** A device failure described by `message`. */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "DeviceFailure";
  }
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

/** Throws unless `c` can continue a run of `net` with these options. */
function checkCheckpoint(
  c: TrainCheckpoint,
  net: Trainable,
  o: CheckedTrainOptions,
): void {
  const sizes = PARAM_NAMES.map((name) => flat(net.params[name]).length);
  if (
    typeof c !== "object" || c === null || !Array.isArray(c.params) ||
    c.params.length !== 4 || c.params.some((p, k) => p?.length !== sizes[k])
  ) {
    throw new RangeError(
      `resumeFrom must be a checkpoint of a network of this size (parameters of ${
        sizes.join(", ")
      } values)`,
    );
  }
  if (
    !Number.isSafeInteger(c.iteration) || c.iteration < 0 ||
    c.iteration > o.numIters || c.lossHistory?.length !== c.iteration
  ) {
    throw new RangeError(
      `resumeFrom.iteration must be 0..numIters (${o.numIters}) with one loss per iteration, got ${c.iteration}`,
    );
  }
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
