/**
 * Predictions and accuracy, as the workbook computes them with numpy.
 *
 * @module
 */

import { checkLabels, type Labels } from "./losses.ts";
import type { FloatArray, Matrix } from "../core/matrix.ts";

/**
 * Index of the largest value in each row (first one on ties, like numpy).
 *
 * @example
 * ```ts
 * import { argmaxRows, Matrix } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const scores = Matrix.fromRows([[0, 2, 1], [5, 5, 0]]);
 * assert.deepEqual([...argmaxRows(scores)], [1, 0]);
 * ```
 */
export function argmaxRows(m: Matrix<FloatArray>): Int32Array {
  const out = new Int32Array(m.rows);
  const D = m.data, c = m.cols;
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (D[i * c + j] > D[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * Fraction of predictions equal to the labels (numpy's `(a == b).mean()`).
 *
 * @example
 * ```ts
 * import { accuracy } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.equal(accuracy(Int32Array.of(0, 1, 2, 2), [0, 1, 1, 2]), 0.75);
 * ```
 */
export function accuracy(predicted: Int32Array, y: Labels): number {
  checkLabels(y, predicted.length);
  let hits = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === y[i]) hits++;
  return hits / predicted.length;
}
