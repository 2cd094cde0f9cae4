/**
 * Indexing and construction as numpy writes them: rows by index
 * (`X[idx]`), labels by index (`y[idx]`), one element per row
 * (`P[np.arange(N), y]`), one-hot targets (`np.eye(C)[y]`) and normal
 * draws (`np.random.randn(rows, cols)`) from numpy's stream.
 *
 * @module
 */

import {
  checkArraySize,
  dtypeOf,
  type FloatArray,
  Matrix,
} from "../core/matrix.ts";
import { random, type RandomState } from "../core/random.ts";
import { kernels } from "../kernels/select.ts";
import { checkLabels, type Labels } from "../nn/losses.ts";
import { describe, shapeText, strided, zeros } from "./_shape.ts";

/** `idx` as row indices below `limit`, or a `RangeError` naming `name`. */
function indices(name: string, idx: ArrayLike<number>, limit: number) {
  if (idx === null || typeof idx !== "object" || !("length" in idx)) {
    throw new TypeError(
      `${name}: indices must be an Int32Array or an array of integers, got ${
        describe(idx)
      }`,
    );
  }
  const rows = idx instanceof Int32Array ? idx : new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!Number.isInteger(r) || r < 0 || r >= limit) {
      throw new RangeError(
        `${name}: index ${i} is ${r}; expected an integer in 0..${limit - 1}`,
      );
    }
    rows[i] = r;
  }
  return rows;
}

/**
 * `X[idx]`: a new matrix of rows `idx` of `X`, in that order (a minibatch
 * is `takeRows(X, random.choice(N, batchSize))`). Runs on the backend's
 * row copy, split over threads for a large batch.
 *
 * @throws {RangeError} for an index outside `X`'s rows.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { takeRows } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 2], [3, 4], [5, 6]]);
 * assert.deepEqual(takeRows(X, [2, 0, 2]).toRows(), [[5, 6], [1, 2], [5, 6]]);
 * ```
 */
export function takeRows<A extends FloatArray>(
  X: Matrix<A>,
  idx: ArrayLike<number>,
): Matrix<A> {
  const x = strided("takeRows", X);
  if (x.ndim !== 2) throw new TypeError("takeRows: X must be a matrix");
  const rows = indices("takeRows", idx, X.rows);
  const out = zeros<A>(
    `takeRows of X ${shapeText(x)} with ${rows.length} indices`,
    rows.length,
    X.cols,
    dtypeOf(X.data),
  );
  kernels().gatherRows(X, rows, out);
  return out;
}

/**
 * `y[idx]` for labels: a new `Int32Array` (the minibatch's labels are
 * `take(y, idx)`).
 *
 * @throws {RangeError} for an index outside `y`.
 *
 * @example
 * ```ts
 * import { take } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...take([7, 8, 9], [2, 2, 0])], [9, 9, 7]);
 * ```
 */
export function take(y: ArrayLike<number>, idx: ArrayLike<number>): Int32Array {
  const rows = indices("take", idx, y.length);
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}

/**
 * `P[np.arange(N), y]`: element `y[i]` of every row `i` of `P` (each
 * example's probability of its own class, in a cross-entropy loss).
 *
 * @throws {RangeError} unless `y` has one label in 0..C-1 per row.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { pick } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const P = Matrix.fromRows([[0.1, 0.9], [0.7, 0.3]]);
 * assert.deepEqual([...pick(P, [1, 0])], [0.9, 0.7]);
 * ```
 */
export function pick<A extends FloatArray>(P: Matrix<A>, y: Labels): A {
  const x = strided("pick", P);
  if (x.ndim !== 2) throw new TypeError("pick: P must be a matrix");
  checkLabels(y, P.rows, P.cols);
  const out = new (P.data.constructor as { new (n: number): A })(P.rows);
  for (let i = 0; i < P.rows; i++) out[i] = P.data[i * P.cols + y[i]];
  return out;
}

/**
 * `np.eye(numClasses)[y]`: one row per label, 1 in the label's column and
 * 0 elsewhere (the MSE loss's targets).
 *
 * @throws {RangeError} for a label outside 0..numClasses-1.
 *
 * @example
 * ```ts
 * import { oneHot } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(oneHot([2, 0], 3).toRows(), [[0, 0, 1], [1, 0, 0]]);
 * ```
 */
export function oneHot(y: Labels, numClasses: number): Matrix<Float64Array> {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new RangeError(
      `oneHot: numClasses must be a positive integer, got ${numClasses}`,
    );
  }
  checkLabels(y, y.length, numClasses);
  const out = zeros<Float64Array>(
    `oneHot of ${y.length} labels into ${numClasses} classes`,
    y.length,
    numClasses,
    "float64",
  );
  for (let i = 0; i < y.length; i++) out.data[i * numClasses + y[i]] = 1;
  return out;
}

/**
 * `np.random.randn(rows, cols)`: a new matrix of standard normal draws
 * from numpy's stream (the default `random`, which `seed()` re-seeds as
 * `np.random.seed`, or `rng`), in row-major order as numpy draws them.
 *
 * @example
 * ```ts
 * import { seed } from "@twolayer/net";
 * import { randn } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * seed(0);
 * assert.equal(randn(2, 3).get(0, 0), 1.764052345967664); // np.random.seed(0); np.random.randn(2, 3)[0, 0]
 * ```
 */
export function randn(
  rows: number,
  cols: number,
  rng: RandomState = random,
): Matrix<Float64Array> {
  for (const [name, n] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(
        `randn: ${name} must be a non-negative integer, got ${n}`,
      );
    }
  }
  checkArraySize(`randn: its (${rows}, ${cols}) result`, rows * cols, 8);
  return new Matrix(rows, cols, rng.randn(rows * cols));
}
