/**
 * The workbook's network and how it learns: {@linkcode TwoLayerNet}, its
 * parameters, the losses, minibatch SGD ({@linkcode trainNetwork}), the
 * numerical gradient check and accuracy.
 *
 * @example
 * ```ts
 * import { Matrix, RandomState, TwoLayerNet } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const net = new TwoLayerNet(4, 10, 3, { std: 1e-1, rng: new RandomState(0) });
 * const X = Matrix.fromRows([[1, 2, 3, 4]]);
 * assert.deepEqual(net.scores(X).shape, [1, 3]);
 * ```
 *
 * @module
 */

export {
  type LossAndGrads,
  TwoLayerNet,
  type TwoLayerNetOptions,
} from "./network.ts";
export { PARAM_NAMES, type Params, type Trainable } from "./params.ts";
export {
  type Labels,
  type LossFunction,
  type LossName,
  type LossResult,
  mseLoss,
  softmaxLoss,
} from "./losses.ts";
export {
  type EarlyStoppingOptions,
  type TrainCheckpoint,
  TrainingInterrupted,
  trainNetwork,
  trainNetworkAsync,
  type TrainOptions,
  type TrainProgress,
  type TrainSettings,
  type TrainStats,
} from "./trainer.ts";
export * from "./gradient_check.ts";
export * from "./metrics.ts";
export type {
  OptimizerName,
  OptimizerOptions,
  OptimizerState,
} from "./optimizers.ts";
export type { AugmentOptions } from "./augment.ts";
export * from "./confusion.ts";
