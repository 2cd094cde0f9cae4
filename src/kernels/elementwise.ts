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
import { ruleScalars, type UpdateStep } from "./_rules.ts";

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

export type { UpdateRuleName, UpdateStep } from "./_rules.ts";

/**
 * One step of an update rule on parameter `w` with gradient `g`, in place,
 * as CS231n's `optim.py` computes it (`g + reg w` first when `reg` is not
 * 0, not stored):
 * - `"sgd"`: `w += −lr g`;
 * - `"momentum"`: `v = μ v − lr g; w += v` (`first` is v);
 * - `"nesterov"`: `v' = μ v − lr g; w += −μ v + (1 + μ) v'`;
 * - `"adam"`: `m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²;
 *   w −= lr (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)` (`first` m,
 *   `second` v).
 *
 * Every operation is rounded to the arrays' element type, in this order,
 * without fused multiply-adds: float64 gives numpy's bits, float32 those
 * of the same formulas in float32 (each scalar rounded to float32 once),
 * except Adam's last line, which float32 evaluates with one division
 * instead of three as `w −= (lr / (1 − β1ᵗ)) m / (√v / √(1 − β2ᵗ) + ε)`
 * (the scalars in float64, then rounded). Over T steps small against the
 * weights, float32 weights stay within `T u max|w|` (u = 2⁻²⁴) of the
 * float64 formulas' (tests/optimizers_test.ts).
 * Returns `Σ w²` of the weights before the step (for the loss's L2 term).
 *
 * @example Momentum
 * ```ts
 * import { updateParameter } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const w = Float64Array.of(1, 2), v = Float64Array.of(0.5, 0);
 * const step = {
 *   rule: "momentum", learningRate: 0.1, reg: 0, momentum: 0.9, beta1: 0,
 *   beta2: 0, epsilon: 0, correction1: 1, correction2: 1,
 * } as const;
 * const squares = updateParameter(step, w, Float64Array.of(1, 1), v);
 * assert.equal(squares, 5);
 * assert.deepEqual([...v], [0.9 * 0.5 - 0.1, -0.1]);
 * assert.deepEqual([...w], [1 + (0.9 * 0.5 - 0.1), 2 - 0.1]);
 * ```
 */
export function updateParameter(
  step: UpdateStep,
  w: FloatArray,
  g: FloatArray,
  first: FloatArray = w,
  second: FloatArray = w,
): number {
  checkAxpy(g, w);
  const k = ruleScalars(step, w instanceof Float32Array);
  const rule = ["sgd", "momentum", "nesterov", "adam"].indexOf(step.rule);
  for (
    const [name, s, used] of [["first", first, rule > 0], [
      "second",
      second,
      rule === 3,
    ]] as const
  ) {
    if (used && (s.length !== w.length || dtypeOf(s) !== dtypeOf(w))) {
      throw shapeError(
        "updateParameter",
        `${name} state of ${s.length} ${dtypeOf(s)} values for ${w.length} ${
          dtypeOf(w)
        } weights`,
      );
    }
  }
  return w instanceof Float64Array
    ? update64(
      rule,
      w,
      g as Float64Array,
      first as Float64Array,
      second as Float64Array,
      step.reg,
      k,
    )
    : update32(
      rule,
      w,
      g as Float32Array,
      first as Float32Array,
      second as Float32Array,
      step.reg,
      k,
    );
}

function update64(
  rule: number,
  w: Float64Array,
  g: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  reg: number,
  [k0, k1, k2, k3, k4, k5, k6, k7]: number[],
): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    const old = w[i];
    const grad = reg !== 0 ? g[i] + reg * old : g[i];
    sum += old * old;
    if (rule === 0) {
      w[i] = old + k0 * grad;
    } else if (rule === 1) {
      const v = k0 * s1[i] - k1 * grad;
      s1[i] = v;
      w[i] = old + v;
    } else if (rule === 2) {
      const p = s1[i], v = k0 * p - k1 * grad;
      s1[i] = v;
      w[i] = old + (k2 * p + k3 * v);
    } else {
      const m = k0 * s1[i] + k1 * grad;
      const v = k2 * s2[i] + k3 * (grad * grad);
      s1[i] = m;
      s2[i] = v;
      w[i] = old - (k4 * (m / k5)) / (Math.sqrt(v / k6) + k7);
    }
  }
  return sum;
}

// The float32 twin: each operation rounded to float32 (a float64 result
// rounded once is the float32 result for +, −, ×, ÷ and √).
function update32(
  rule: number,
  w: Float32Array,
  g: Float32Array,
  s1: Float32Array,
  s2: Float32Array,
  reg64: number,
  k: number[],
): number {
  const f = Math.fround, reg = f(reg64), regularise = reg64 !== 0;
  const [k0, k1, k2, k3, k4, , k6, k7] = k.map(f);
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    const old = w[i];
    const grad = regularise ? f(g[i] + f(reg * old)) : g[i];
    sum += old * old;
    if (rule === 0) {
      w[i] = old + f(k0 * grad);
    } else if (rule === 1) {
      const v = f(f(k0 * s1[i]) - f(k1 * grad));
      s1[i] = v;
      w[i] = old + v;
    } else if (rule === 2) {
      const p = s1[i], v = f(f(k0 * p) - f(k1 * grad));
      s1[i] = v;
      w[i] = old + f(f(k2 * p) + f(k3 * v));
    } else {
      const m = f(f(k0 * s1[i]) + f(k1 * grad));
      const v = f(f(k2 * s2[i]) + f(k3 * f(grad * grad)));
      s1[i] = m;
      s2[i] = v;
      w[i] = old - f(f(k4 * m) / f(f(f(Math.sqrt(v)) * k6) + k7));
    }
  }
  return sum;
}

/**
 * `g += reg w`, returning `Σ w²`: the L2 term of a loss and its gradient
 * in one pass.
 *
 * @example
 * ```ts
 * import { regularize } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const g = Float64Array.of(1, 1);
 * assert.equal(regularize(0.5, Float64Array.of(2, 4), g), 20);
 * assert.deepEqual([...g], [2, 3]);
 * ```
 */
export function regularize(reg: number, w: FloatArray, g: FloatArray): number {
  checkAxpy(w, g);
  if (w instanceof Float64Array) {
    return regularize64(reg, w, g as Float64Array);
  }
  return regularize32(reg, w, g as Float32Array);
}

function regularize64(reg: number, w: Float64Array, g: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    g[i] += reg * w[i];
    sum += w[i] * w[i];
  }
  return sum;
}

function regularize32(reg64: number, w: Float32Array, g: Float32Array): number {
  const reg = Math.fround(reg64);
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    g[i] += Math.fround(reg * w[i]);
    sum += w[i] * w[i];
  }
  return sum;
}

/**
 * Flips rows of `batch` left to right (`flip[i]` 1) and then moves them by
 * `dx[i]` columns right and `dy[i]` rows down (left and up when negative),
 * in place; each row is an image of `shape` `[height, width, channels]`,
 * pixel-major. Pixels moved in from outside are 0. Empty `flip`, or empty
 * `dx` and `dy`, mean none of that part.
 *
 * @example A 1 x 3 grey image, flipped then moved right by one pixel
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { flipShiftRows } from "@twolayer/net/kernels";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 2, 3]]);
 * flipShiftRows(m, Uint8Array.of(1), Int32Array.of(1), Int32Array.of(0), [1, 3, 1]);
 * assert.deepEqual([...m.data], [0, 3, 2]);
 * ```
 */
export function flipShiftRows(
  batch: AnyMatrix,
  flip: Uint8Array,
  dx: Int32Array,
  dy: Int32Array,
  shape: readonly [number, number, number],
): void {
  const [height, width, channels] = shape;
  const data = batch.data, d = batch.cols, n = batch.rows;
  if (height * width * channels !== d || dx.length !== dy.length) {
    throw shapeError(
      "flipShiftRows",
      `images of ${
        shape.join(" x ")
      } in rows of ${d}, ${dx.length} and ${dy.length} offsets`,
    );
  }
  const rowLength = width * channels;
  for (let i = 0; i < flip.length && i < n; i++) {
    if (!flip[i]) continue;
    for (let r = 0; r < height; r++) {
      const row = i * d + r * rowLength;
      for (let c = 0; c < width >> 1; c++) {
        const left = row + c * channels;
        const right = row + (width - 1 - c) * channels;
        for (let k = 0; k < channels; k++) {
          const t = data[left + k];
          data[left + k] = data[right + k];
          data[right + k] = t;
        }
      }
    }
  }
  // One image, copied out before it is shifted in place.
  const copy = new Float64Array(dx.length ? d : 0);
  for (let i = 0; i < dx.length && i < n; i++) {
    if (dx[i] === 0 && dy[i] === 0) continue;
    const image = data.subarray(i * d, i * d + d);
    copy.set(image);
    // Pixel (r, c) takes the old pixel (r - dy, c - dx), or 0.
    const c0 = Math.max(dx[i], 0), c1 = Math.min(width + dx[i], width);
    const span = (c1 - c0) * channels;
    for (let r = 0; r < height; r++) {
      const to = r * rowLength;
      const from = r - dy[i];
      if (from < 0 || from >= height || span <= 0) {
        image.fill(0, to, to + rowLength);
        continue;
      }
      image.fill(0, to, to + c0 * channels);
      const source = from * rowLength + (c0 - dx[i]) * channels;
      for (let j = 0; j < span; j++) {
        image[to + c0 * channels + j] = copy[source + j];
      }
      image.fill(0, to + c1 * channels, to + rowLength);
    }
  }
}
