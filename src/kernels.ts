/**
 * The handful of dense kernels the network needs, in one place so that
 * faster implementations can replace their insides without touching the
 * network. Every kernel writes into a caller-owned `out` buffer, so training
 * allocates nothing per iteration.
 *
 * @module
 */

import type { FloatArray, Matrix } from "./matrix.ts";

type M = Matrix<FloatArray>;

function shapeError(op: string, detail: string): RangeError {
  return new RangeError(`${op}: ${detail}`);
}

/**
 * `out = a · bᵀ` for `a` n x k and `b` m x k (the forward products
 * `X W1ᵀ` and `h W2ᵀ`). With `aRows`, row i of `a` is `a[aRows[i]]`, so a
 * minibatch is read straight from the full data set without a gather copy.
 */
export function matmulABt(a: M, b: M, out: M, aRows?: Int32Array): void {
  const n = aRows ? aRows.length : a.rows, k = a.cols, m = b.rows;
  if (b.cols !== k || out.rows !== n || out.cols !== m) {
    throw shapeError(
      "matmulABt",
      `a ${n} x ${k} times (b ${b.rows} x ${b.cols})ᵀ into out ${out.rows} x ${out.cols}; expected b m x ${k} and out ${n} x m`,
    );
  }
  const A = a.data, B = b.data, O = out.data;
  for (let i = 0; i < n; i++) {
    const ai = (aRows ? rowIndex(aRows, i, a.rows) : i) * k;
    for (let j = 0; j < m; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ai + p] * B[bj + p];
      O[i * m + j] = s;
    }
  }
}

/**
 * `out = a · b` for `a` n x k and `b` k x m (the backward product
 * `dscores · W2`).
 */
export function matmulAB(a: M, b: M, out: M): void {
  const n = a.rows, k = a.cols, m = b.cols;
  if (b.rows !== k || out.rows !== n || out.cols !== m) {
    throw shapeError(
      "matmulAB",
      `a ${n} x ${k} times b ${b.rows} x ${b.cols} into out ${out.rows} x ${out.cols}; expected b ${k} x m and out ${n} x m`,
    );
  }
  const A = a.data, B = b.data, O = out.data;
  O.fill(0, 0, n * m);
  for (let i = 0; i < n; i++) {
    const oi = i * m;
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p];
      const bp = p * m;
      for (let j = 0; j < m; j++) O[oi + j] += aip * B[bp + j];
    }
  }
}

/**
 * `out = aᵀ · b` for `a` k x n and `b` k x m (the weight gradients
 * `dscoresᵀ h` and `dhᵀ X`). With `bRows`, row p of `b` is `b[bRows[p]]`.
 */
export function matmulAtB(a: M, b: M, out: M, bRows?: Int32Array): void {
  const k = a.rows, n = a.cols, m = b.cols;
  if (
    (bRows ? bRows.length : b.rows) !== k || out.rows !== n || out.cols !== m
  ) {
    throw shapeError(
      "matmulAtB",
      `(a ${k} x ${n})ᵀ times b ${b.rows} x ${b.cols} into out ${out.rows} x ${out.cols}; expected b ${k} x m and out ${n} x m`,
    );
  }
  const A = a.data, B = b.data, O = out.data;
  O.fill(0, 0, n * m);
  for (let p = 0; p < k; p++) {
    const ap = p * n, bp = (bRows ? rowIndex(bRows, p, b.rows) : p) * m;
    for (let i = 0; i < n; i++) {
      const api = A[ap + i];
      if (api === 0) continue;
      const oi = i * m;
      for (let j = 0; j < m; j++) O[oi + j] += api * B[bp + j];
    }
  }
}

/** Adds the vector `v` (length `m.cols`) to every row of `m`. */
export function addRowVector(m: M, v: FloatArray): void {
  const c = m.cols, D = m.data;
  if (v.length !== c) {
    throw shapeError(
      "addRowVector",
      `vector of ${v.length} values for rows of ${c} columns`,
    );
  }
  for (let i = 0; i < m.rows; i++) {
    const o = i * c;
    for (let j = 0; j < c; j++) D[o + j] += v[j];
  }
}

/** ReLU in place: `m = max(m, 0)`. */
export function reluInPlace(m: M): void {
  const D = m.data;
  for (let i = 0; i < D.length; i++) if (D[i] < 0) D[i] = 0;
}

/** Backward ReLU in place: zeroes `grad` wherever the activation `h` is not positive. */
export function reluBackwardInPlace(grad: M, h: M): void {
  const G = grad.data, H = h.data;
  if (G.length !== H.length) {
    throw shapeError(
      "reluBackwardInPlace",
      `gradient ${grad.rows} x ${grad.cols} and activation ${h.rows} x ${h.cols} differ`,
    );
  }
  for (let i = 0; i < G.length; i++) if (H[i] <= 0) G[i] = 0;
}

/** `out[j] = Σᵢ m[i, j]` (numpy's `m.sum(axis=0)`, the bias gradients). */
export function sumColumns(m: M, out: FloatArray): void {
  const c = m.cols, D = m.data;
  if (out.length !== c) {
    throw shapeError(
      "sumColumns",
      `out has ${out.length} values for ${c} columns`,
    );
  }
  out.fill(0);
  for (let i = 0; i < m.rows; i++) {
    const o = i * c;
    for (let j = 0; j < c; j++) out[j] += D[o + j];
  }
}

/** `Σ x²` over every element. */
export function sumSquares(x: FloatArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/** `y += alpha * x`, elementwise. */
export function axpy(alpha: number, x: FloatArray, y: FloatArray): void {
  if (x.length !== y.length) {
    throw shapeError("axpy", `x has ${x.length} values, y has ${y.length}`);
  }
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

function rowIndex(rows: Int32Array, i: number, limit: number): number {
  const r = rows[i];
  if (r < 0 || r >= limit) {
    throw new RangeError(`row index ${r} outside 0..${limit - 1}`);
  }
  return r;
}
