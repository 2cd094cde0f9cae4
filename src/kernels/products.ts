/**
 * The three matrix products of the network, on the default backend (see
 * `setBackend`); `kernels(choice)` binds them to another.
 *
 * @module
 */

import type { AnyMatrix } from "../core/matrix.ts";
import { kernels } from "./select.ts";

/**
 * `out = a · bᵀ` for `a` n x k and `b` m x k (the forward products
 * `X W1ᵀ` and `h W2ᵀ`). With `aRows`, row i of `a` is `a[aRows[i]]`, so a
 * minibatch is read straight from the full data set without a gather copy.
 *
 * @example A minibatch of rows 2 and 0
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { matmulABt } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 0], [0, 1], [1, 1]]);
 * const W = Matrix.fromRows([[2, 3]]);
 * const out = Matrix.zeros(2, 1);
 * matmulABt(X, W, out, Int32Array.of(2, 0));
 * assert.deepEqual(out.toRows(), [[5], [2]]);
 * ```
 *
 * @throws {RangeError} on mismatched shapes or a row index out of range.
 * @throws {TypeError} when the operands mix float64 and float32.
 */
export function matmulABt(
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
  aRows?: Int32Array,
): void {
  kernels().matmulABt(a, b, out, aRows);
}

/**
 * `out = a · b` for `a` n x k and `b` k x m (the backward product
 * `dscores · W2`).
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { matmulAB } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const out = Matrix.zeros(1, 2);
 * matmulAB(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[1, 0], [0, 1]]), out);
 * assert.deepEqual(out.toRows(), [[1, 2]]);
 * ```
 *
 * @throws {RangeError} on mismatched shapes.
 * @throws {TypeError} when the operands mix float64 and float32.
 */
export function matmulAB(a: AnyMatrix, b: AnyMatrix, out: AnyMatrix): void {
  kernels().matmulAB(a, b, out);
}

/**
 * `out = aᵀ · b` for `a` k x n and `b` k x m (the weight gradients
 * `dscoresᵀ h` and `dhᵀ X`). With `bRows`, row p of `b` is `b[bRows[p]]`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { matmulAtB } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const out = Matrix.zeros(1, 2);
 * const X = Matrix.fromRows([[1, 2], [3, 4]]);
 * matmulAtB(Matrix.fromRows([[10]]), X, out, Int32Array.of(1));
 * assert.deepEqual(out.toRows(), [[30, 40]]);
 * ```
 *
 * @throws {RangeError} on mismatched shapes or a row index out of range.
 * @throws {TypeError} when the operands mix float64 and float32.
 */
export function matmulAtB(
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
  bRows?: Int32Array,
): void {
  kernels().matmulAtB(a, b, out, bRows);
}
