/**
 * Elementwise arithmetic with numpy's broadcasting (`a + b`, `a - b`,
 * `a * b`, `a / b`, `np.maximum(a, b)`, `np.abs`, `np.exp`, `np.log`), each
 * returning a new array, plus the in-place update `w += alpha * x` of a
 * training step and the ReLU gradient mask of a backward pass.
 *
 * @module
 */

import {
  allocate,
  dtypeOf,
  type FloatArray,
  type Matrix,
} from "../core/matrix.ts";
import { kernels } from "../kernels/select.ts";
import {
  describe,
  type Operand,
  result,
  resultType,
  shapeText,
  strided,
  wrap,
} from "./_shape.ts";

/**
 * An elementwise operation on two operands, broadcast as numpy does: a
 * number applies to every element, a 1-D array of C values to every row
 * of an N x C matrix, an N x 1 or 1 x C matrix to every column or row.
 * The result is a new matrix when either operand is one, else a new 1-D
 * array; float64 unless both arrays are float32.
 */
export interface Elementwise {
  /** Matrix with matrix, 1-D array or number: a new matrix. */
  <A extends FloatArray>(a: Matrix<A>, b: Matrix<A> | A | number): Matrix<A>;
  /** 1-D array or number with a matrix: a new matrix. */
  <A extends FloatArray>(a: A | number, b: Matrix<A>): Matrix<A>;
  /** 1-D array with 1-D array or number: a new 1-D array. */
  <A extends FloatArray>(a: A, b: A | number): A;
  /** Number with a 1-D array: a new 1-D array. */
  <A extends FloatArray>(a: number, b: A): A;
}

/** Writes `out[i, j] = f(a[i, j], b[i, j])` over broadcast strides. */
type Loop = (
  A: FloatArray,
  ar: number,
  ac: number,
  B: FloatArray,
  br: number,
  bc: number,
  out: FloatArray,
  rows: number,
  cols: number,
) => void;

// One loop per operator, so each stays monomorphic and fast in V8.
const addLoop: Loop = (A, ar, ac, B, br, bc, out, rows, cols) => {
  for (let i = 0, o = 0; i < rows; i++) {
    const a = i * ar, b = i * br;
    for (let j = 0; j < cols; j++) out[o++] = A[a + j * ac] + B[b + j * bc];
  }
};
const subLoop: Loop = (A, ar, ac, B, br, bc, out, rows, cols) => {
  for (let i = 0, o = 0; i < rows; i++) {
    const a = i * ar, b = i * br;
    for (let j = 0; j < cols; j++) out[o++] = A[a + j * ac] - B[b + j * bc];
  }
};
const mulLoop: Loop = (A, ar, ac, B, br, bc, out, rows, cols) => {
  for (let i = 0, o = 0; i < rows; i++) {
    const a = i * ar, b = i * br;
    for (let j = 0; j < cols; j++) out[o++] = A[a + j * ac] * B[b + j * bc];
  }
};
const divLoop: Loop = (A, ar, ac, B, br, bc, out, rows, cols) => {
  for (let i = 0, o = 0; i < rows; i++) {
    const a = i * ar, b = i * br;
    for (let j = 0; j < cols; j++) out[o++] = A[a + j * ac] / B[b + j * bc];
  }
};
const maximumLoop: Loop = (A, ar, ac, B, br, bc, out, rows, cols) => {
  for (let i = 0, o = 0; i < rows; i++) {
    const a = i * ar, b = i * br;
    for (let j = 0; j < cols; j++) {
      const x = A[a + j * ac], y = B[b + j * bc];
      // NaN wins, as in np.maximum.
      out[o++] = x > y || x !== x ? x : y;
    }
  }
};

/** The size of one axis after broadcasting `m` against `n`, or -1 if they clash. */
function broadcastAxis(m: number, n: number): number {
  return m === n || n === 1 ? m : m === 1 ? n : -1;
}

function binary(name: string, numpy: string, loop: Loop): Elementwise {
  return ((a: Operand, b: Operand) => {
    const x = strided(name, a), y = strided(name, b);
    if (x.ndim === 0 && y.ndim === 0) {
      throw new TypeError(
        `${name}: expected at least one array or matrix, got two numbers`,
      );
    }
    // A 1-D array is a row, as numpy lines up shapes from the last axis.
    const rows = broadcastAxis(x.rows, y.rows);
    const cols = broadcastAxis(x.cols, y.cols);
    if (rows < 0 || cols < 0) {
      throw new RangeError(
        `${name} (numpy's ${numpy}): operands could not be broadcast together with shapes ${
          shapeText(x)
        } ${shapeText(y)}`,
      );
    }
    const out = result(
      `${name} (numpy's ${numpy}) of ${shapeText(x)} and ${shapeText(y)}`,
      rows,
      cols,
      resultType(x, y),
    );
    loop(
      x.data,
      x.rows === 1 ? 0 : x.cols,
      x.cols === 1 ? 0 : 1,
      y.data,
      y.rows === 1 ? 0 : y.cols,
      y.cols === 1 ? 0 : 1,
      out,
      rows,
      cols,
    );
    return wrap(out, rows, cols, Math.max(x.ndim, y.ndim));
  }) as Elementwise;
}

/**
 * `a + b` with numpy's broadcasting: numpy's `X @ W.T + b` is
 * `add(matmulT(X, W), b)`, the bias `b` added to every row.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { add } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 2], [3, 4]]);
 * assert.deepEqual(add(m, Float64Array.of(10, 20)).toRows(), [[11, 22], [13, 24]]);
 * assert.deepEqual(add(m, 1).toRows(), [[2, 3], [4, 5]]);
 * assert.deepEqual([...add(Float64Array.of(1, 2), 0.5)], [1.5, 2.5]);
 * ```
 */
export const add: Elementwise = binary("add", "a + b", addLoop);

/**
 * `a - b` with numpy's broadcasting.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { sub } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 2], [3, 4]]);
 * const columnMax = Matrix.fromRows([[2], [4]]); // N x 1: one value per row
 * assert.deepEqual(sub(m, columnMax).toRows(), [[-1, 0], [-1, 0]]);
 * ```
 */
export const sub: Elementwise = binary("sub", "a - b", subLoop);

/**
 * `a * b` elementwise (not a matrix product) with numpy's broadcasting.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { mul } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mul(0.5, Matrix.fromRows([[2, 4]])).toRows(), [[1, 2]]);
 * ```
 */
export const mul: Elementwise = binary("mul", "a * b", mulLoop);

/**
 * `a / b` with numpy's broadcasting.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { div } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(div(Matrix.fromRows([[2, 4]]), 2).toRows(), [[1, 2]]);
 * ```
 */
export const div: Elementwise = binary("div", "a / b", divLoop);

/**
 * `np.maximum(a, b)` with numpy's broadcasting (a NaN in either wins):
 * the ReLU `np.maximum(0, h)` is `maximum(0, h)`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { maximum } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(maximum(0, Matrix.fromRows([[-1, 2]])).toRows(), [[0, 2]]);
 * ```
 */
export const maximum: Elementwise = binary(
  "maximum",
  "np.maximum(a, b)",
  maximumLoop,
);

/** A one-operand elementwise function: a matrix in, a new matrix out. */
export interface Unary {
  /** A new matrix of `f` of every element. */
  <A extends FloatArray>(a: Matrix<A>): Matrix<A>;
  /** A new 1-D array of `f` of every element. */
  <A extends FloatArray>(a: A): A;
}

function unary(name: string, loop: (x: FloatArray, out: FloatArray) => void) {
  return ((a: Matrix<FloatArray> | FloatArray) => {
    const x = strided(name, a as Operand);
    if (x.ndim === 0) {
      throw new TypeError(`${name}: expected an array or matrix, got a number`);
    }
    const out = allocate(dtypeOf(x.data), x.data.length);
    loop(x.data, out);
    return wrap(out, x.rows, x.cols, x.ndim);
  }) as Unary;
}

/**
 * `np.abs(a)`: a new array of the absolute value of every element.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { abs } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(abs(Matrix.fromRows([[-1.5, 2]])).toRows(), [[1.5, 2]]);
 * ```
 */
export const abs: Unary = unary("abs", (x, out) => {
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
});

/**
 * `np.exp(a)`: a new array of `e` to the power of every element.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { exp } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(exp(Matrix.fromRows([[0, 1]])).toRows(), [[1, Math.E]]);
 * ```
 */
export const exp: Unary = unary("exp", (x, out) => {
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]);
});

/**
 * `np.log(a)`: a new array of the natural logarithm of every element.
 *
 * @example
 * ```ts
 * import { log } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...log(Float64Array.of(1, Math.E))], [0, 1]);
 * ```
 */
export const log: Unary = unary("log", (x, out) => {
  for (let i = 0; i < x.length; i++) out[i] = Math.log(x[i]);
});

/**
 * `target += alpha * x` in place (numpy's `W -= learning_rate * dW` is
 * `addScaled(W, -learningRate, dW)`): the update of a training step,
 * without a temporary array. As in numpy, `x` is read as it was before
 * the update even when it shares memory with `target` (overlapping
 * `subarray` views of one buffer): `W[1:] += W[:-1]` adds the old values.
 *
 * @throws {RangeError} when the shapes differ.
 * @throws {TypeError} when the element types differ.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { addScaled } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const W = Matrix.fromRows([[1, 1]]);
 * addScaled(W, -0.5, Matrix.fromRows([[2, 4]]));
 * assert.deepEqual(W.toRows(), [[0, -1]]);
 *
 * // numpy's w[1:] += w[:-1] on two views of one array.
 * const w = Float64Array.of(1, 2, 3, 4, 5);
 * addScaled(w.subarray(1), 1, w.subarray(0, 4));
 * assert.deepEqual([...w], [1, 3, 5, 7, 9]);
 * ```
 */
export function addScaled<A extends FloatArray>(
  target: Matrix<A> | A,
  alpha: number,
  x: Matrix<A> | A,
): void {
  const t = strided("addScaled", target), s = strided("addScaled", x);
  if (t.ndim !== s.ndim || t.rows !== s.rows || t.cols !== s.cols) {
    throw new RangeError(
      `addScaled: target ${shapeText(t)} and x ${
        shapeText(s)
      } must have one shape`,
    );
  }
  if (typeof alpha !== "number") {
    throw new TypeError(
      `addScaled: alpha must be a number, got ${describe(alpha)}`,
    );
  }
  // A partly overlapping x would be read after its start was updated;
  // numpy copies such an operand first. (x as target itself is safe.)
  const overlap = s.data.buffer === t.data.buffer &&
    s.data.byteOffset !== t.data.byteOffset &&
    s.data.byteOffset < t.data.byteOffset + t.data.byteLength &&
    t.data.byteOffset < s.data.byteOffset + s.data.byteLength;
  kernels().axpy(alpha, overlap ? s.data.slice() : s.data, t.data);
}

/**
 * The ReLU's backward pass: a copy of `dout` with zeros wherever the
 * activation `h` is not positive (numpy's `dh[h <= 0] = 0`, on a copy).
 *
 * @throws {RangeError} when the shapes differ.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { reluGrad } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const dh = reluGrad(Matrix.fromRows([[5, 6, 7]]), Matrix.fromRows([[0, 1, -1]]));
 * assert.deepEqual(dh.toRows(), [[0, 6, 0]]);
 * ```
 */
export function reluGrad<A extends FloatArray>(
  dout: Matrix<A>,
  h: Matrix<A>,
): Matrix<A> {
  const g = strided("reluGrad", dout), a = strided("reluGrad", h);
  if (g.ndim !== 2 || a.ndim !== 2 || g.rows !== a.rows || g.cols !== a.cols) {
    throw new RangeError(
      `reluGrad: dout ${shapeText(g)} and h ${
        shapeText(a)
      } must be matrices of one shape`,
    );
  }
  const out = dout.clone();
  kernels().reluBackwardInPlace(out, h);
  return out;
}
