/**
 * Reductions as numpy writes them: over everything (`np.sum(a)`), or along
 * an axis of a matrix (`a.sum(axis=0)`, `np.argmax(a, axis=1)`), with
 * `keepdims` for results that broadcast back against the matrix.
 *
 * @module
 */

import { checkOptionNames } from "../core/options.ts";
import { allocate, dtypeOf, type FloatArray, Matrix } from "../core/matrix.ts";
import { kernels } from "../kernels/select.ts";
import { type Strided, strided } from "./_shape.ts";

/** Options of a reduction along an axis. */
export interface ReduceOptions {
  /**
   * Keep the reduced axis with size 1 (numpy's `keepdims=True`): a matrix
   * 1 x C for axis 0, N x 1 for axis 1, which broadcasts against N x C.
   */
  keepdims?: boolean;
}

/** A reduction: over every element, or along an axis of a matrix. */
export interface Reduction {
  /** Over every element of a matrix or 1-D array: a number. */
  (a: Matrix<FloatArray> | FloatArray): number;
  /** Along `axis` (0: down the rows, 1: across each row): a 1-D array. */
  <A extends FloatArray>(a: Matrix<A>, axis: 0 | 1): A;
  /** Along `axis`, keeping it with size 1: a 1 x C or N x 1 matrix. */
  <A extends FloatArray>(
    a: Matrix<A>,
    axis: 0 | 1,
    options: { keepdims: true },
  ): Matrix<A>;
  /** Along `axis`, keeping it when `options.keepdims` is true. */
  <A extends FloatArray>(
    a: Matrix<A>,
    axis: 0 | 1,
    options: ReduceOptions,
  ): A | Matrix<A>;
}

/** Reduces `x.data[from + k * step]` for k < n. */
type Fold = (x: FloatArray, from: number, step: number, n: number) => number;

const sumFold: Fold = (x, from, step, n) => {
  let s = 0;
  for (let k = 0, i = from; k < n; k++, i += step) s += x[i];
  return s;
};

const maxFold: Fold = (x, from, step, n) => {
  let m = -Infinity;
  for (let k = 0, i = from; k < n; k++, i += step) {
    const v = x[i];
    // NaN wins, as in np.max.
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
};

function checkAxis(
  name: string,
  x: Strided,
  axis: unknown,
): asserts axis is 0 | 1 {
  if (x.ndim !== 2) {
    throw new TypeError(`${name}: an axis needs a matrix, got a 1-D array`);
  }
  if (axis !== 0 && axis !== 1) {
    throw new RangeError(`${name}: axis must be 0 or 1, got ${axis}`);
  }
}

function reduction(name: string, fold: Fold, mean: boolean): Reduction {
  return ((
    a: Matrix<FloatArray> | FloatArray,
    axis?: 0 | 1,
    options: ReduceOptions = {},
  ) => {
    const x = strided(name, a);
    if (x.ndim === 0) {
      throw new TypeError(`${name}: expected an array or matrix, got a number`);
    }
    if (axis === undefined) {
      const n = x.data.length;
      if (n === 0 && !mean && fold === maxFold) {
        throw new RangeError(`${name}: an empty array has no maximum`);
      }
      const v = fold(x.data, 0, 1, n);
      return mean ? v / n : v;
    }
    checkAxis(name, x, axis);
    checkOptionNames(name, options, ["keepdims"]);
    // Axis 0 folds each column (stride cols), axis 1 each row (stride 1).
    const count = axis === 0 ? x.cols : x.rows;
    const length = axis === 0 ? x.rows : x.cols;
    if (length === 0 && fold === maxFold) {
      throw new RangeError(`${name}: axis ${axis} has size 0, no maximum`);
    }
    const out = allocate(dtypeOf(x.data), count);
    for (let k = 0; k < count; k++) {
      const v = axis === 0
        ? fold(x.data, k, x.cols, length)
        : fold(x.data, k * x.cols, 1, length);
      out[k] = mean ? v / length : v;
    }
    if (!options.keepdims) return out;
    return axis === 0 ? new Matrix(1, count, out) : new Matrix(count, 1, out);
  }) as Reduction;
}

/**
 * `np.sum(a)`, or `a.sum(axis)`: the bias gradient `dscores.sum(axis=0)`
 * is `sum(dscores, 0)`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { sum } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 2], [3, 4]]);
 * assert.equal(sum(m), 10);
 * assert.deepEqual([...sum(m, 0)], [4, 6]);
 * assert.deepEqual(sum(m, 1, { keepdims: true }).toRows(), [[3], [7]]);
 * ```
 */
export const sum: Reduction = reduction("sum", sumFold, false);

/**
 * `np.mean(a)`, or `a.mean(axis)`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { mean } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mean(Matrix.fromRows([[1, 2], [3, 6]])), 3);
 * assert.deepEqual([...mean(Matrix.fromRows([[1, 2], [3, 6]]), 1)], [1.5, 4.5]);
 * ```
 */
export const mean: Reduction = reduction("mean", sumFold, true);

/**
 * `np.max(a)`, or `a.max(axis)`: the row maxima that make a softmax
 * safe are `max(scores, 1, { keepdims: true })`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { max } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 5], [7, 2]]);
 * assert.equal(max(m), 7);
 * assert.deepEqual([...max(m, 1)], [5, 7]);
 * ```
 */
export const max: Reduction = reduction("max", maxFold, false);

/**
 * `np.argmax(a, axis)`: the index of the largest value in each column
 * (axis 0) or row (axis 1), the first one on ties, as numpy. Predicted
 * classes are `argmax(scores, 1)`.
 *
 * @throws {RangeError} when the axis is not 0 or 1, or has size 0.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { argmax } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const scores = Matrix.fromRows([[0, 2, 1], [5, 5, 0]]);
 * assert.deepEqual([...argmax(scores, 1)], [1, 0]);
 * assert.deepEqual([...argmax(scores, 0)], [1, 1, 0]);
 * ```
 */
export function argmax(a: Matrix<FloatArray>, axis: 0 | 1): Int32Array {
  const x = strided("argmax", a);
  checkAxis("argmax", x, axis);
  const count = axis === 0 ? x.cols : x.rows;
  const length = axis === 0 ? x.rows : x.cols;
  const step = axis === 0 ? x.cols : 1;
  if (length === 0 && count > 0) {
    throw new RangeError(`argmax: axis ${axis} has size 0, no maximum`);
  }
  const out = new Int32Array(count), D = x.data;
  for (let k = 0; k < count; k++) {
    const from = axis === 0 ? k : k * x.cols;
    let best = 0, top = D[from];
    for (let j = 1; j < length && top === top; j++) {
      const v = D[from + j * step];
      if (v > top || v !== v) {
        best = j;
        top = v;
      }
    }
    out[k] = best;
  }
  return out;
}

/**
 * `np.sum(a * a)` without the temporary: the squared norm in the
 * regularization loss, `sumSquares(W1)`. Runs on the backend's kernel.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { sumSquares } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sumSquares(Matrix.fromRows([[3, 4]])), 25);
 * ```
 */
export function sumSquares(a: Matrix<FloatArray> | FloatArray): number {
  const x = strided("sumSquares", a);
  if (x.ndim === 0) {
    throw new TypeError(
      "sumSquares: expected an array or matrix, got a number",
    );
  }
  return kernels().sumSquares(x.data);
}
