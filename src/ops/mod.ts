/**
 * numpy-style array operations: each returns a new array, as numpy does,
 * so a numpy line becomes one TypeScript line. The products run on the
 * library's kernels (BLAS through FFI when `--allow-ffi` and OpenBLAS are
 * there, else WebAssembly SIMD, split over threads), so code written with
 * these runs at numpy's speed without a loop over the data.
 *
 * | numpy                        | here                                 |
 * | ---------------------------- | ------------------------------------ |
 * | `X @ W.T + b`                | `add(matmulT(X, W), b)`              |
 * | `A @ B`, `A.T @ B`           | `matmul(A, B)`, `tMatmul(A, B)`      |
 * | `np.maximum(0, h)`           | `maximum(0, h)`                      |
 * | `a + b`, `a - b`, `a * b`, `a / b` | `add`, `sub`, `mul`, `div` (broadcasting) |
 * | `np.sum(a)`, `a.sum(axis=0)` | `sum(a)`, `sum(a, 0)`                |
 * | `a.max(axis=1, keepdims=True)` | `max(a, 1, { keepdims: true })`    |
 * | `np.argmax(a, axis=1)`       | `argmax(a, 1)`                       |
 * | `np.abs(a)`, `np.exp(a)`, `np.log(a)` | `abs(a)`, `exp(a)`, `log(a)` |
 * | `np.sum(W * W)`              | `sumSquares(W)`                      |
 * | `X[idx]`, `y[idx]`           | `takeRows(X, idx)`, `take(y, idx)`   |
 * | `P[np.arange(N), y]`         | `pick(P, y)`                         |
 * | `np.eye(C)[y]`               | `oneHot(y, C)`                       |
 * | `W -= lr * dW`               | `addScaled(W, -lr, dW)` (in place)   |
 * | `dh[h <= 0] = 0`             | `reluGrad(dh, h)` (a copy)           |
 * | `np.random.randn(r, c)`      | `randn(r, c)`                        |
 *
 * Shapes follow numpy: a `Matrix` is 2-D, a `Float64Array` (or
 * `Float32Array`) 1-D, a number a scalar; a 1-D array broadcasts as a row,
 * an N x 1 matrix as a column. A shape that does not broadcast is an
 * error naming both shapes, as numpy's.
 *
 * @example The workbook's forward pass, numpy line for line
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import { add, argmax, matmulT, maximum, randn } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const rng = new RandomState(0);
 * const X = randn(5, 4, rng); // N x D
 * const W1 = randn(10, 4, rng), b1 = new Float64Array(10); // H x D, H
 * const W2 = randn(3, 10, rng), b2 = new Float64Array(3); // C x H, C
 * const h = maximum(0, add(matmulT(X, W1), b1)); // np.maximum(0, X @ W1.T + b1)
 * const scores = add(matmulT(h, W2), b2); // h @ W2.T + b2
 * assert.deepEqual(scores.shape, [5, 3]);
 * assert.equal(argmax(scores, 1).length, 5);
 * ```
 *
 * @module
 */

export * from "./linalg.ts";
export * from "./elementwise.ts";
export * from "./reduce.ts";
export * from "./indexing.ts";
export type { Operand } from "./_shape.ts";
