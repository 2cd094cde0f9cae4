/**
 * The handful of dense kernels the network needs, in one place so that
 * faster implementations can replace their insides without touching the
 * network. Every kernel writes into a caller-owned `out` buffer, so training
 * allocates nothing per iteration.
 *
 * The three matrix products run on a backend (backend.ts): plain
 * TypeScript, WebAssembly SIMD, or native BLAS through FFI. The module-level
 * functions use the default backend ({@linkcode setBackend}, initially
 * `"auto"`: BLAS when `--allow-ffi` is granted and a library is found, else
 * WebAssembly); {@linkcode kernels} binds them to one backend, for a
 * network that wants its own. Shapes, element types and row indices are
 * checked here, once, for every backend.
 *
 * @module
 */

import type { Backend, BackendName } from "./backend.ts";
import { loadBlas } from "./_blas.ts";
import { defaultThreads } from "./_helper_threads.ts";
import {
  type AnyMatrix,
  copyRows,
  dtypeOf,
  type FloatArray,
} from "../core/matrix.ts";
import { typescriptBackend } from "./_typescript.ts";
import { loadWasm } from "./_wasm.ts";

export type { BackendName } from "./backend.ts";

/**
 * A backend name, or `"auto"` for the fastest available one: `"blas"`,
 * then `"wasm"`, then `"typescript"`.
 *
 * @example
 * ```ts
 * import { type BackendChoice, kernels } from "@twolayer/net";
 *
 * const choice: BackendChoice = "auto";
 * console.log(kernels(choice).backend);
 * ```
 */
export type BackendChoice = BackendName | "auto";

/**
 * All kernels, with the matrix products bound to one backend.
 *
 * @example
 * ```ts
 * import { kernels, Matrix } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const k = kernels("typescript");
 * const out = Matrix.zeros(1, 1);
 * k.matmulABt(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3, 4]]), out);
 * assert.equal(out.data[0], 11);
 * ```
 */
export interface Kernels {
  /** The backend running the products. */
  readonly backend: BackendName;
  /** Whether row-indexed products avoid a copy (see `Backend.fusedGather`). */
  readonly fusedGather: boolean;
  /** See the module-level {@linkcode matmulABt}. */
  matmulABt(
    a: AnyMatrix,
    b: AnyMatrix,
    out: AnyMatrix,
    aRows?: Int32Array,
  ): void;
  /** See the module-level {@linkcode matmulAB}. */
  matmulAB(a: AnyMatrix, b: AnyMatrix, out: AnyMatrix): void;
  /** See the module-level {@linkcode matmulAtB}. */
  matmulAtB(
    a: AnyMatrix,
    b: AnyMatrix,
    out: AnyMatrix,
    bRows?: Int32Array,
  ): void;
  /** See the module-level {@linkcode addRowVector}. */
  addRowVector(m: AnyMatrix, v: FloatArray): void;
  /** See the module-level {@linkcode reluInPlace}. */
  reluInPlace(m: AnyMatrix): void;
  /** See the module-level {@linkcode reluBackwardInPlace}. */
  reluBackwardInPlace(grad: AnyMatrix, h: AnyMatrix): void;
  /** See the module-level {@linkcode sumColumns}. */
  sumColumns(m: AnyMatrix, out: FloatArray): void;
  /** See the module-level {@linkcode sumSquares}. */
  sumSquares(x: FloatArray): number;
  /** See the module-level {@linkcode axpy}. */
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  /** See the module-level {@linkcode gatherRows}. */
  gatherRows(src: AnyMatrix, rows: Int32Array, out: AnyMatrix): void;
  /**
   * Whether every value of `x` is finite (see {@linkcode firstNonFinite});
   * with BLAS one native `Σ x²` pass answers for data sets of any size.
   */
  allFinite(x: FloatArray): boolean;
}

let threads: number | undefined;

/** The backend for `choice`, loaded on first use; throws if unavailable. */
function backendFor(choice: BackendChoice): Backend {
  let b: Backend | string;
  switch (choice) {
    case "typescript":
      b = typescriptBackend;
      break;
    case "wasm":
      b = loadWasm();
      break;
    case "blas":
      b = loadBlas();
      break;
    case "auto": {
      const blas = loadBlas();
      const wasm = loadWasm();
      b = typeof blas !== "string"
        ? blas
        : typeof wasm !== "string"
        ? wasm
        : typescriptBackend;
      break;
    }
    default:
      throw new RangeError(
        `backend must be "auto", "blas", "wasm" or "typescript", got ${
          JSON.stringify(choice)
        }`,
      );
  }
  if (typeof b === "string") {
    throw new Error(`backend "${choice}" is unavailable: ${b}`);
  }
  if (threads !== undefined) b.setThreads(threads);
  return b;
}

/**
 * Names of the backends that can run here, fastest first; `"typescript"`
 * is always among them. Loading BLAS needs `--allow-ffi`.
 *
 * @example
 * ```ts
 * import { availableBackends } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.ok(availableBackends().includes("typescript"));
 * ```
 */
export function availableBackends(): BackendName[] {
  const names: BackendName[] = [];
  if (typeof loadBlas() !== "string") names.push("blas");
  if (typeof loadWasm() !== "string") names.push("wasm");
  names.push("typescript");
  return names;
}

/**
 * {@linkcode Kernels} whose products run on `choice` (default: the current
 * default backend, see {@linkcode setBackend}).
 *
 * @throws {Error} when the chosen backend cannot run here; the message
 *   says why (for BLAS: no `--allow-ffi`, or no library found).
 */
export function kernels(choice?: BackendChoice): Kernels {
  return choice === undefined ? active() : bind(backendFor(choice));
}

let current: Kernels | undefined;

/** The module-level kernels, resolving `"auto"` on first use. */
function active(): Kernels {
  current ??= bind(backendFor("auto"));
  return current;
}

/**
 * Makes `choice` the backend of the module-level product kernels and
 * returns its name (the one `"auto"` resolved to).
 *
 * @example
 * ```ts
 * import { getBackend, setBackend } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const before = getBackend();
 * assert.equal(setBackend("typescript"), "typescript");
 * assert.equal(getBackend(), "typescript");
 * setBackend(before);
 * ```
 *
 * @throws {Error} when the backend cannot run here.
 */
export function setBackend(choice: BackendChoice): BackendName {
  current = bind(backendFor(choice));
  return current.backend;
}

/**
 * Name of the module-level kernels' backend.
 *
 * @example
 * ```ts
 * import { availableBackends, getBackend } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.ok(availableBackends().includes(getBackend()));
 * ```
 */
export function getBackend(): BackendName {
  return active().backend;
}

/**
 * One line describing a backend for logs and benchmarks: library, CPU
 * kernel and threads.
 *
 * @example
 * ```ts
 * import { describeBackend } from "@twolayer/net";
 *
 * console.log(describeBackend("wasm"));
 * ```
 */
export function describeBackend(choice?: BackendChoice): string {
  const b = backendFor(choice ?? getBackend());
  return `${b.name}: ${b.describe()}`;
}

/**
 * Sets how many threads the products may use, for every backend, now and
 * when loaded later (default: one per core, at most 8). The WebAssembly
 * and BLAS backends split large products (and BLAS the minibatch copy)
 * over this many threads: the calling one and helper Workers; results do
 * not depend on the count. On a busy shared machine 1 degrades most gracefully. The
 * TypeScript backend always runs on the calling thread.
 *
 * @example
 * ```ts
 * import { getThreads, setThreads } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const before = getThreads();
 * setThreads(1);
 * assert.equal(getThreads(), 1);
 * setThreads(before);
 * ```
 *
 * @throws {RangeError} unless `n` is a positive integer.
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`threads must be a positive integer, got ${n}`);
  }
  threads = n;
  for (const b of [loadBlas(), loadWasm(), typescriptBackend]) {
    if (typeof b !== "string") b.setThreads(n);
  }
}

/**
 * The thread count of {@linkcode setThreads}: as set, else one per core.
 *
 * @example
 * ```ts
 * import { getThreads } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.ok(getThreads() >= 1);
 * ```
 */
export function getThreads(): number {
  return threads ?? defaultThreads();
}

function bind(b: Backend): Kernels {
  return {
    backend: b.name,
    fusedGather: b.fusedGather,
    matmulABt(a, bm, out, aRows) {
      checkABt(a, bm, out, aRows);
      b.matmulABt(a, bm, out, aRows);
    },
    matmulAB(a, bm, out) {
      checkAB(a, bm, out);
      b.matmulAB(a, bm, out);
    },
    matmulAtB(a, bm, out, bRows) {
      checkAtB(a, bm, out, bRows);
      b.matmulAtB(a, bm, out, bRows);
    },
    addRowVector,
    reluInPlace,
    reluBackwardInPlace,
    sumColumns,
    sumSquares: b.sumSquares?.bind(b) ?? sumSquares,
    axpy: b.axpy
      ? (alpha, x, y) => {
        checkAxpy(x, y);
        b.axpy!(alpha, x, y);
      }
      : axpy,
    gatherRows: b.gatherRows
      ? (src, rows, out) => {
        checkGather(src, rows, out);
        b.gatherRows!(src, rows, out);
      }
      : gatherRows,
    // A finite Σ x² proves every value finite; an overflow or a non-finite
    // value falls back to the exact scan.
    allFinite: b.sumSquares
      ? (x) => Number.isFinite(b.sumSquares!(x)) || firstNonFinite(x) < 0
      : (x) => firstNonFinite(x) < 0,
  };
}

function shapeError(op: string, detail: string): RangeError {
  return new RangeError(`${op}: ${detail}`);
}

/** Every operand of a product must have one element type. */
function checkTypes(
  op: string,
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
): void {
  const t = dtypeOf(a.data);
  if (dtypeOf(b.data) !== t || dtypeOf(out.data) !== t) {
    throw new TypeError(
      `${op}: operands must share one element type, got a ${t}, b ${
        dtypeOf(b.data)
      }, out ${dtypeOf(out.data)}`,
    );
  }
}

/** Row indices must lie in `0..limit-1` (the backends read them unchecked). */
function checkRows(op: string, rows: Int32Array, limit: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r < 0 || r >= limit) {
      throw new RangeError(
        `${op}: row index ${r} (at ${i}) outside 0..${limit - 1}`,
      );
    }
  }
}

function checkABt(
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
  aRows?: Int32Array,
): void {
  const n = aRows ? aRows.length : a.rows, k = a.cols, m = b.rows;
  if (b.cols !== k || out.rows !== n || out.cols !== m) {
    throw shapeError(
      "matmulABt",
      `a ${n} x ${k} times (b ${b.rows} x ${b.cols})ᵀ into out ${out.rows} x ${out.cols}; expected b m x ${k} and out ${n} x m`,
    );
  }
  checkTypes("matmulABt", a, b, out);
  if (aRows) checkRows("matmulABt", aRows, a.rows);
}

function checkAB(a: AnyMatrix, b: AnyMatrix, out: AnyMatrix): void {
  const n = a.rows, k = a.cols, m = b.cols;
  if (b.rows !== k || out.rows !== n || out.cols !== m) {
    throw shapeError(
      "matmulAB",
      `a ${n} x ${k} times b ${b.rows} x ${b.cols} into out ${out.rows} x ${out.cols}; expected b ${k} x m and out ${n} x m`,
    );
  }
  checkTypes("matmulAB", a, b, out);
}

function checkAtB(
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
  bRows?: Int32Array,
): void {
  const k = a.rows, n = a.cols, m = b.cols;
  if (
    (bRows ? bRows.length : b.rows) !== k || out.rows !== n || out.cols !== m
  ) {
    throw shapeError(
      "matmulAtB",
      `(a ${k} x ${n})ᵀ times b ${
        bRows ? bRows.length : b.rows
      } x ${b.cols} into out ${out.rows} x ${out.cols}; expected b ${k} x m and out ${n} x m`,
    );
  }
  checkTypes("matmulAtB", a, b, out);
  if (bRows) checkRows("matmulAtB", bRows, b.rows);
}

/**
 * `out = a · bᵀ` for `a` n x k and `b` m x k (the forward products
 * `X W1ᵀ` and `h W2ᵀ`). With `aRows`, row i of `a` is `a[aRows[i]]`, so a
 * minibatch is read straight from the full data set without a gather copy.
 *
 * @example A minibatch of rows 2 and 0
 * ```ts
 * import { matmulABt, Matrix } from "@twolayer/net";
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
  active().matmulABt(a, b, out, aRows);
}

/**
 * `out = a · b` for `a` n x k and `b` k x m (the backward product
 * `dscores · W2`).
 *
 * @example
 * ```ts
 * import { matmulAB, Matrix } from "@twolayer/net";
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
  active().matmulAB(a, b, out);
}

/**
 * `out = aᵀ · b` for `a` k x n and `b` k x m (the weight gradients
 * `dscoresᵀ h` and `dhᵀ X`). With `bRows`, row p of `b` is `b[bRows[p]]`.
 *
 * @example
 * ```ts
 * import { matmulAtB, Matrix } from "@twolayer/net";
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
  active().matmulAtB(a, b, out, bRows);
}
/**
 * Adds the vector `v` (length `m.cols`) to every row of `m`.
 *
 * @example
 * ```ts
 * import { addRowVector, Matrix } from "@twolayer/net";
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
 * import { Matrix, reluInPlace } from "@twolayer/net";
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
 * import { Matrix, reluBackwardInPlace } from "@twolayer/net";
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
 * import { Matrix, sumColumns } from "@twolayer/net";
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
 * import { sumSquares } from "@twolayer/net";
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
 * import { axpy } from "@twolayer/net";
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

function checkAxpy(x: FloatArray, y: FloatArray): void {
  if (x.length !== y.length) {
    throw shapeError("axpy", `x has ${x.length} values, y has ${y.length}`);
  }
  if (dtypeOf(x) !== dtypeOf(y)) {
    throw new TypeError(
      `axpy: x and y must share one element type, got x ${dtypeOf(x)}, y ${
        dtypeOf(y)
      }`,
    );
  }
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
 * import { firstNonFinite } from "@twolayer/net";
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
 * Copies rows `rows` of `src` into the first `rows.length` rows of `out`
 * (numpy's `X[idx]`), for backends that need a contiguous minibatch.
 *
 * @example
 * ```ts
 * import { gatherRows, Matrix } from "@twolayer/net";
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

function checkGather(src: AnyMatrix, rows: Int32Array, out: AnyMatrix): void {
  const c = src.cols;
  if (out.cols !== c || out.rows < rows.length) {
    throw shapeError(
      "gatherRows",
      `${rows.length} rows of ${c} columns into out ${out.rows} x ${out.cols}`,
    );
  }
  if (dtypeOf(src.data) !== dtypeOf(out.data)) {
    throw new TypeError(
      `gatherRows: src is ${dtypeOf(src.data)} but out is ${dtypeOf(out.data)}`,
    );
  }
  checkRows("gatherRows", rows, src.rows);
}
