/**
 * Data losses on class scores: each returns the mean loss over the rows and
 * its gradient with respect to the scores.
 *
 * @module
 */

import { type FloatArray, Matrix } from "../core/matrix.ts";
import type { LossName } from "../core/training.ts";

export type { LossName } from "../core/training.ts";

/** Integer class labels, one per row: `Int32Array` or a plain array. */
export type Labels = Int32Array | ArrayLike<number>;

/** What a data loss returns. */
export interface LossResult<A extends FloatArray = FloatArray> {
  /** Mean data loss over the rows (no regularisation). */
  loss: number;
  /** Gradient of `loss` with respect to the scores, same shape. */
  dscores: Matrix<A>;
}

/**
 * A data loss: scores N x C and N labels in, loss and gradient out. When
 * `dscores` is given the gradient is written there (no allocation).
 */
export type LossFunction = <A extends FloatArray>(
  scores: Matrix<A>,
  y: Labels,
  dscores?: Matrix<A>,
) => LossResult<A>;

/**
 * Throws a `RangeError` unless `y` has `n` integer labels in
 * 0..numClasses-1 (any non-negative integers when `numClasses` is
 * omitted). The one label check of training, the search (before any
 * Worker gets the labels) and the loss.
 *
 * @example
 * ```ts
 * import { checkLabels } from "./losses.ts";
 * import assert from "node:assert/strict";
 *
 * checkLabels([0, 2], 2, 3);
 * assert.throws(
 *   () => checkLabels([0, 1.5], 2),
 *   /label 1 is 1.5; expected a non-negative integer/,
 * );
 * ```
 */
export function checkLabels(y: Labels, n: number, numClasses?: number): void {
  if (y === null || typeof y !== "object" || typeof y.length !== "number") {
    throw new TypeError(
      `labels must be an Int32Array or an array of integers, got ${y}`,
    );
  }
  if (y.length !== n) {
    throw new RangeError(
      `expected ${n} labels (one per row), got ${y.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const label = y[i];
    if (
      !Number.isInteger(label) || label < 0 ||
      (numClasses !== undefined && label >= numClasses)
    ) {
      throw new RangeError(
        `label ${i} is ${
          typeof label === "number"
            ? label
            : `${JSON.stringify(label) ?? String(label)} (a ${typeof label})`
        }; expected ${
          numClasses === undefined
            ? "a non-negative integer (a class index)"
            : `an integer in 0..${numClasses - 1}`
        }`,
      );
    }
  }
}

/**
 * Throws a `RangeError` unless `reg` is a non-negative finite number (a
 * negative strength would reward large weights and give a negative loss).
 *
 * @example
 * ```ts
 * import { checkReg } from "./losses.ts";
 * import assert from "node:assert/strict";
 *
 * checkReg(0.05);
 * assert.throws(() => checkReg(-10), /reg must be a non-negative finite number, got -10/);
 * ```
 */
export function checkReg(reg: number): void {
  if (!(typeof reg === "number" && reg >= 0 && Number.isFinite(reg))) {
    throw new RangeError(
      `reg must be a non-negative finite number, got ${reg}`,
    );
  }
}

/**
 * Throws a `RangeError` naming `what` unless `loss` names one of
 * {@linkcode LOSSES} (its own keys: `"toString"` is no loss).
 *
 * @example
 * ```ts
 * import { checkLossName } from "./losses.ts";
 * import assert from "node:assert/strict";
 *
 * checkLossName("loss", "softmax");
 * assert.throws(() => checkLossName("loss", "toString"), /loss must be "mse" or "softmax"/);
 * ```
 */
export function checkLossName(
  what: string,
  loss: unknown,
): asserts loss is LossName {
  if (typeof loss !== "string" || !Object.hasOwn(LOSSES, loss)) {
    throw new RangeError(
      `${what} must be "mse" or "softmax", got ${JSON.stringify(loss)}`,
    );
  }
}

function gradientBuffer<A extends FloatArray>(
  scores: Matrix<A>,
  dscores: Matrix<A> | undefined,
): Matrix<A> {
  if (dscores === undefined) {
    return new Matrix(
      scores.rows,
      scores.cols,
      new (scores.data.constructor as { new (n: number): A })(
        scores.data.length,
      ),
    );
  }
  if (dscores.rows !== scores.rows || dscores.cols !== scores.cols) {
    throw new RangeError(
      `dscores must be ${scores.rows} x ${scores.cols} like the scores, got ${dscores.rows} x ${dscores.cols}`,
    );
  }
  return dscores;
}

/**
 * Mean squared error against one-hot targets Y, as the workbook defines it:
 * `L = 1/(2N) Σ (scores − Y)²` and `dscores = (scores − Y) / N`.
 *
 * @example
 * ```ts
 * import { Matrix, mseLoss } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * // One row: prediction (0.1, 0.1, 0.8), target class 2.
 * const { loss, dscores } = mseLoss(Matrix.fromRows([[0.1, 0.1, 0.8]]), [2]);
 * assert.ok(Math.abs(loss - 0.03) < 1e-15); // (0.01 + 0.01 + 0.04) / 2
 * assert.ok(Math.abs(dscores.get(0, 2) + 0.2) < 1e-15);
 * ```
 */
export function mseLoss<A extends FloatArray>(
  scores: Matrix<A>,
  y: Labels,
  dscores?: Matrix<A>,
): LossResult<A> {
  const n = scores.rows, c = scores.cols;
  checkLabels(y, n, c);
  const grad = gradientBuffer(scores, dscores);
  const S = scores.data, G = grad.data;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    for (let j = 0; j < c; j++) {
      const diff = S[o + j] - (j === y[i] ? 1 : 0);
      sum += diff * diff;
      G[o + j] = diff / n;
    }
  }
  return { loss: sum / (2 * n), dscores: grad };
}

/**
 * Softmax cross-entropy, shifted by each row's maximum so that `exp` never
 * overflows: `L = −1/N Σᵢ log p[i, yᵢ]` and `dscores = (P − Y) / N`.
 *
 * @example
 * ```ts
 * import { Matrix, softmaxLoss } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * // Equal scores over 10 classes: loss is ln 10, even for huge scores.
 * const scores = new Matrix(1, 10, new Float64Array(10).fill(1e4));
 * const { loss, dscores } = softmaxLoss(scores, [3]);
 * assert.ok(Math.abs(loss - Math.log(10)) < 1e-12);
 * assert.ok(Math.abs(dscores.get(0, 3) - (0.1 - 1)) < 1e-12);
 * ```
 */
export function softmaxLoss<A extends FloatArray>(
  scores: Matrix<A>,
  y: Labels,
  dscores?: Matrix<A>,
): LossResult<A> {
  const n = scores.rows, c = scores.cols;
  checkLabels(y, n, c);
  const grad = gradientBuffer(scores, dscores);
  const S = scores.data, G = grad.data;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (S[o + j] > max) max = S[o + j];
    let z = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(S[o + j] - max);
      G[o + j] = e;
      z += e;
    }
    // log p[y] = (s_y − max) − log Σ exp(s − max): finite even when p[y] underflows.
    sum -= S[o + y[i]] - max - Math.log(z);
    for (let j = 0; j < c; j++) {
      G[o + j] = (G[o + j] / z - (j === y[i] ? 1 : 0)) / n;
    }
  }
  return { loss: sum / n, dscores: grad };
}

/** The losses a {@linkcode TwoLayerNet} can train with, by name. */
export const LOSSES: Readonly<Record<"mse" | "softmax", LossFunction>> = {
  mse: mseLoss,
  softmax: softmaxLoss,
};
