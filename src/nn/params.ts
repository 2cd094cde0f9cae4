/**
 * The network's parameters as the workbook names them, and what a trainer
 * needs of a network: its parameters, their gradients and a training step.
 *
 * @module
 */

import type { Labels } from "./losses.ts";
import type { DType, FloatArray, Matrix } from "../core/matrix.ts";
import type { Kernels } from "../kernels/select.ts";

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

/**
 * What the trainer needs of a network (`TwoLayerNet` has it): the trainer
 * depends on this, not on the network's module, so the network can offer
 * `net.train` without an import cycle.
 *
 * @example
 * ```ts
 * import { type Trainable, TwoLayerNet } from "@twolayer/net";
 *
 * const net: Trainable = new TwoLayerNet(4, 10, 3);
 * console.log(net.numClasses);
 * ```
 */
export interface Trainable {
  /** Input dimension D. */
  readonly inputSize: number;
  /** Number of classes C (labels must lie in 0..C-1). */
  readonly numClasses: number;
  /** Element type of the parameters. */
  readonly dtype: DType;
  /** The parameters, updated in place by training. */
  readonly params: Params;
  /**
   * Gradients from the last {@linkcode Trainable.lossAndGradients} call
   * (or {@linkcode Trainable.dataLossAndGradients}: without the L2 term).
   */
  readonly gradients: Params;
  /** The kernels the network runs on (the update step's too). */
  readonly kernels: Kernels;
  /** `X` checked and in the network's element type. */
  input(X: Matrix<FloatArray>, rows?: Int32Array): Matrix<FloatArray>;
  /** Loss on rows `rows` of `X`, leaving gradients in `gradients`. */
  lossAndGradients(
    X: Matrix<FloatArray>,
    y: Labels,
    reg: number,
    rows?: Int32Array,
  ): number;
  /**
   * The data loss alone, its gradients (without the L2 term) left in
   * `gradients`: the training step adds the L2 term in its update.
   */
  dataLossAndGradients(
    X: Matrix<FloatArray>,
    y: Labels,
    rows?: Int32Array,
  ): number;
  /** The highest-scoring class of every row of `X` (or of rows `rows`). */
  predict(X: Matrix<FloatArray>, rows?: Int32Array): Int32Array;
}
