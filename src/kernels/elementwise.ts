/**
 * The elementwise kernels of a training step (bias add, ReLU and its
 * gradient, column sums, `Σ x²`, `axpy`, finiteness, row gather): plain
 * loops, once per element type, the same on every backend.
 *
 * @module
 */

import {
  type AnyMatrix,
  copyRows,
  dtypeOf,
  type FloatArray,
} from "../core/matrix.ts";
import { checkAxpy, checkGather, shapeError } from "./_checks.ts";

/**
 * Adds the vector `v` (length `m.cols`) to every row of `m`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { addRowVector } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 2], [3, 4]]);
 * addRowVector(m, Float64Array.of(10, 20));
 * assert.deepEqual(m.toRows(), [[11, 22], [13, 24]]);
 * ```
 */
export function addRowVector(m: AnyMatrix, v: FloatArray): void {
  const c = m.cols, D = m.data;
  if (v.length !== c) {
    throw shapeError(
      "addRowVector",
      `vector of ${v.length} values for rows of ${c} columns`,
    );
  }
  if (D instanceof Float64Array) addRowVector64(D, v as Float64Array, c);
  else addRowVector32(D, v as Float32Array, c);
}

// The small kernels of every training step also come once per element
// type: used with both, one copy runs two to three times slower.
function addRowVector64(D: Float64Array, v: Float64Array, c: number): void {
  for (let o = 0; o < D.length; o += c) {
    for (let j = 0; j < c; j++) D[o + j] += v[j];
  }
}

function addRowVector32(D: Float32Array, v: Float32Array, c: number): void {
  for (let o = 0; o < D.length; o += c) {
    for (let j = 0; j < c; j++) D[o + j] += v[j];
  }
}

/**
 * ReLU in place: `m = max(m, 0)`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { reluInPlace } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[-1, 2]]);
 * reluInPlace(m);
 * assert.deepEqual(m.toRows(), [[0, 2]]);
 * ```
 */
export function reluInPlace(m: AnyMatrix): void {
  const D = m.data;
  if (D instanceof Float64Array) relu64(words(D));
  else relu32(words(D));
}

// ReLU on the bits: a branch on the sign mispredicts half the time on
// fresh activations (5 ns a value); masks built from the bits do not.
// Values < 0 and -0 become +0; positive values and every NaN (as numpy's
// maximum propagates them) keep their bits.

/** The 32-bit words of `x` (a float64 as low word, high word: little-endian). */
function words(x: FloatArray): Int32Array {
  return new Int32Array(x.buffer, x.byteOffset, x.byteLength / 4);
}

/** All ones if `v` (float32 bits) is a NaN, else 0: exponent all ones, mantissa not 0. */
function nan32(v: number): number {
  return (0x7f800000 - (v & 0x7fffffff)) >> 31;
}

/** All ones if `hi`, `lo` (float64 bits) are a NaN, else 0. */
function nan64(hi: number, lo: number): number {
  const top = hi & 0x7fffffff, exponentOnly = top ^ 0x7ff00000;
  return ((0x7ff00000 - top) >> 31) |
    (~((exponentOnly | -exponentOnly) >> 31) & ((lo | -lo) >> 31));
}

function relu32(I: Int32Array): void {
  for (let i = 0; i < I.length; i++) {
    const v = I[i];
    I[i] = v & (~(v >> 31) | nan32(v));
  }
}

function relu64(I: Int32Array): void {
  for (let i = 1; i < I.length; i += 2) {
    const hi = I[i], keep = ~(hi >> 31) | nan64(hi, I[i - 1]);
    I[i - 1] &= keep;
    I[i] &= keep;
  }
}

/**
 * Backward ReLU in place: zeroes `grad` wherever the activation `h` is not
 * positive.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { reluBackwardInPlace } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const grad = Matrix.fromRows([[5, 6]]);
 * reluBackwardInPlace(grad, Matrix.fromRows([[0, 1]]));
 * assert.deepEqual(grad.toRows(), [[0, 6]]);
 * ```
 */
export function reluBackwardInPlace(grad: AnyMatrix, h: AnyMatrix): void {
  const G = grad.data, H = h.data;
  if (G.length !== H.length) {
    throw shapeError(
      "reluBackwardInPlace",
      `gradient ${grad.rows} x ${grad.cols} and activation ${h.rows} x ${h.cols} differ`,
    );
  }
  if (dtypeOf(G) !== dtypeOf(H)) {
    throw new TypeError(
      `reluBackwardInPlace: gradient is ${dtypeOf(G)} but activation is ${
        dtypeOf(H)
      }`,
    );
  }
  if (G instanceof Float64Array) reluBackward64(words(G), words(H));
  else reluBackward32(words(G), words(H));
}

// Keep a gradient only where `h <= 0` is false, read off h's bits: h is
// positive (sign clear, not zero) or a NaN.

function reluBackward32(G: Int32Array, H: Int32Array): void {
  for (let i = 0; i < G.length; i++) {
    const h = H[i];
    G[i] &= ~((h >> 31) | ((h - 1) >> 31)) | nan32(h);
  }
}

function reluBackward64(G: Int32Array, H: Int32Array): void {
  for (let i = 1; i < G.length; i += 2) {
    const hi = H[i], lo = H[i - 1], any = hi | lo;
    const keep = (~(hi >> 31) & ((any | -any) >> 31)) | nan64(hi, lo);
    G[i - 1] &= keep;
    G[i] &= keep;
  }
}

/**
 * `out[j] = Σᵢ m[i, j]` (numpy's `m.sum(axis=0)`, the bias gradients).
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { sumColumns } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const out = new Float64Array(2);
 * sumColumns(Matrix.fromRows([[1, 2], [3, 4]]), out);
 * assert.deepEqual([...out], [4, 6]);
 * ```
 */
export function sumColumns(m: AnyMatrix, out: FloatArray): void {
  const c = m.cols, D = m.data;
  if (out.length !== c) {
    throw shapeError(
      "sumColumns",
      `out has ${out.length} values for ${c} columns`,
    );
  }
  out.fill(0);
  if (D instanceof Float64Array) sumColumns64(D, out as Float64Array, c);
  else sumColumns32(D, out as Float32Array, c);
}

function sumColumns64(D: Float64Array, out: Float64Array, c: number): void {
  for (let o = 0; o < D.length; o += c) {
    for (let j = 0; j < c; j++) out[j] += D[o + j];
  }
}

function sumColumns32(D: Float32Array, out: Float32Array, c: number): void {
  for (let o = 0; o < D.length; o += c) {
    for (let j = 0; j < c; j++) out[j] += D[o + j];
  }
}

/**
 * `Σ x²` over every element.
 *
 * @example
 * ```ts
 * import { sumSquares } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sumSquares(Float64Array.of(3, 4)), 25);
 * ```
 */
export function sumSquares(x: FloatArray): number {
  return x instanceof Float64Array ? sumSquares64(x) : sumSquares32(x);
}

// One copy of each long elementwise loop per element type: a loop that has
// seen both Float64Array and Float32Array runs several times slower in V8.
function sumSquares64(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

function sumSquares32(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/**
 * `y += alpha * x`, elementwise.
 *
 * @example
 * ```ts
 * import { axpy } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const y = Float64Array.of(1, 1);
 * axpy(2, Float64Array.of(1, 2), y);
 * assert.deepEqual([...y], [3, 5]);
 * ```
 */
export function axpy(alpha: number, x: FloatArray, y: FloatArray): void {
  checkAxpy(x, y);
  if (x instanceof Float64Array) axpy64(alpha, x, y as Float64Array);
  else axpy32(alpha, x, y as Float32Array);
}

function axpy64(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

function axpy32(alpha: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

/**
 * Index of the first NaN or ±Infinity in `x[from..to)`, or -1 when all of
 * them are finite.
 *
 * @example
 * ```ts
 * import { firstNonFinite } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * assert.equal(firstNonFinite(Float64Array.of(1, 2, NaN, Infinity)), 2);
 * assert.equal(firstNonFinite(Float32Array.of(1, 2, NaN), 0, 2), -1);
 * ```
 */
export function firstNonFinite(
  x: FloatArray,
  from = 0,
  to: number = x.length,
): number {
  return x instanceof Float64Array
    ? firstNonFinite64(x, from, to)
    : firstNonFinite32(x, from, to);
}

function firstNonFinite64(x: Float64Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

function firstNonFinite32(x: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/**
 * Throws a `RangeError` naming `what` and the first non-finite element of
 * `m` (of its rows `rows` only, when given), or a row index outside `m`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { assertFinite } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const XVal = Matrix.fromRows([[1, 2], [3, NaN]]);
 * assertFinite("XVal", XVal, Int32Array.of(0));
 * assert.throws(
 *   () => assertFinite("XVal", XVal),
 *   /XVal must hold finite numbers, but element \(1, 1\) is NaN/,
 * );
 * ```
 */
export function assertFinite(
  what: string,
  m: AnyMatrix,
  rows?: Int32Array,
): void {
  const c = m.cols;
  for (let k = 0; k < (rows ? rows.length : 1); k++) {
    let from = 0, to = m.rows * c;
    if (rows) {
      const r = rows[k];
      if (!(r >= 0 && r < m.rows)) {
        throw new RangeError(
          `row index ${r} is outside ${what}'s rows 0..${m.rows - 1}`,
        );
      }
      from = r * c;
      to = from + c;
    }
    const at = firstNonFinite(m.data, from, to);
    if (at >= 0) {
      throw new RangeError(
        `${what} must hold finite numbers, but element (${
          Math.floor(at / c)
        }, ${at % c}) is ${m.data[at]}`,
      );
    }
  }
}

/**
 * Copies rows `rows` of `src` into the first `rows.length` rows of `out`
 * (numpy's `X[idx]`), for backends that need a contiguous minibatch.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { gatherRows } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const out = Matrix.zeros(2, 2);
 * gatherRows(Matrix.fromRows([[1, 2], [3, 4], [5, 6]]), Int32Array.of(2, 0), out);
 * assert.deepEqual(out.toRows(), [[5, 6], [1, 2]]);
 * ```
 */
export function gatherRows(
  src: AnyMatrix,
  rows: Int32Array,
  out: AnyMatrix,
): void {
  checkGather(src, rows, out);
  copyRows(src.data, src.cols, rows, out.data);
}
