/**
 * What the trainer (`src/nn/`) and a device's training step
 * (`src/kernels/`) share, below both: the parameters, the loss names, the
 * update rules' settings and state, and the error a failing device throws.
 *
 * @module
 */

import type { FloatArray, Matrix } from "./matrix.ts";

/**
 * The network's weights and biases, named as in the workbook.
 *
 * @example
 * ```ts
 * import { type Params, TwoLayerNet } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const params: Params = new TwoLayerNet(4, 10, 3).params;
 * assert.deepEqual(params.W1.shape, [10, 4]);
 * assert.equal(params.b2.length, 3);
 * ```
 */
export interface Params<A extends FloatArray = FloatArray> {
  /** First-layer weights, H x D. */
  W1: Matrix<A>;
  /** First-layer biases, H values. */
  b1: A;
  /** Second-layer weights, C x H. */
  W2: Matrix<A>;
  /** Second-layer biases, C values. */
  b2: A;
}

/**
 * Names of the parameters, in the order the workbook's dict lists them.
 *
 * @example
 * ```ts
 * import { PARAM_NAMES } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(PARAM_NAMES, ["W1", "b1", "W2", "b2"]);
 * ```
 */
export const PARAM_NAMES = ["W1", "b1", "W2", "b2"] as const;

/** Name of a data loss the network can use. */
export type LossName = "mse" | "softmax";

/** Every setting of an update rule, defaults filled in. */
export type ResolvedOptimizer =
  | { optimizer: "sgd" }
  | { optimizer: "momentum"; momentum: number }
  | { optimizer: "nesterov"; momentum: number }
  | { optimizer: "adam"; beta1: number; beta2: number; epsilon: number };

/**
 * An update rule's state between iterations: the steps taken (Adam's `t`),
 * and per parameter the velocity or first moment and Adam's second moment.
 */
export interface OptimizerState {
  /** Updates applied so far. */
  step: number;
  /** Velocity (momentum, Nesterov) or first moment (Adam), per parameter. */
  first: Float64Array[];
  /** Adam's second moment per parameter (empty for other rules). */
  second: Float64Array[];
}

/**
 * What a device step throws when the device itself failed (not the
 * training): the trainer turns it into a resumable `TrainingInterrupted`.
 *
 * @example
 * ```ts
 * import { DeviceFailure } from "./training.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new DeviceFailure("the GPU device was lost");
 * assert.equal(error.name, "DeviceFailure");
 * ```
 */
export class DeviceFailure extends Error {
  /** A device failure described by `message`. */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "DeviceFailure";
  }
}
