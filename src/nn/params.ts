/**
 * The network's parameters as the workbook names them, and what a trainer
 * needs of a network: its parameters, their gradients and a training step.
 *
 * @module
 */

import type { Labels } from "./losses.ts";
import type { DType, FloatArray, Matrix } from "../core/matrix.ts";
import type { Params } from "../core/training.ts";
import type { Kernels } from "../kernels/select.ts";

export { PARAM_NAMES, type Params } from "../core/training.ts";

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
