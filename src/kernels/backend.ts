/**
 * The contract between the public kernels (kernels.ts) and the
 * implementations of the three matrix products behind them.
 *
 * @module
 */

import type { DType, FloatArray, Matrix } from "../core/matrix.ts";
import type { UpdateStep } from "./elementwise.ts";

/**
 * Name of an implementation of the network's arithmetic: plain TypeScript
 * loops (the reference), WebAssembly SIMD or native BLAS through Deno FFI
 * on the CPU, or WGSL shaders on a GPU through WebGPU (whole training
 * steps, asynchronous: `net.trainAsync`).
 *
 * @example
 * ```ts
 * import type { BackendName } from "./backend.ts";
 *
 * const name: BackendName = "wasm";
 * ```
 */
export type BackendName = "typescript" | "wasm" | "blas" | "webgpu";

/**
 * One implementation of the products. The public kernels check shapes,
 * element types and row indices before calling, so a backend may assume
 * them valid; all operands of one call share one element type.
 *
 * @example A backend is what `kernels()` wraps
 * ```ts
 * import type { Backend } from "./backend.ts";
 *
 * const describe = (b: Backend) => `${b.name}: ${b.describe()}`;
 * ```
 */
export interface Backend {
  /** Which implementation this is. */
  readonly name: BackendName;
  /**
   * Whether the products read `aRows`/`bRows` without a copy of their own.
   * When false (BLAS needs contiguous operands), a caller that reads the
   * same rows twice should gather them once and pass the batch whole.
   */
  readonly fusedGather: boolean;
  /** `out = a[aRows] · bᵀ`, see `matmulABt` in kernels.ts. */
  matmulABt(
    a: Matrix<FloatArray>,
    b: Matrix<FloatArray>,
    out: Matrix<FloatArray>,
    aRows?: Int32Array,
  ): void;
  /** `out = a · b`. */
  matmulAB(
    a: Matrix<FloatArray>,
    b: Matrix<FloatArray>,
    out: Matrix<FloatArray>,
  ): void;
  /** `out = aᵀ · b[bRows]`. */
  matmulAtB(
    a: Matrix<FloatArray>,
    b: Matrix<FloatArray>,
    out: Matrix<FloatArray>,
    bRows?: Int32Array,
  ): void;
  /**
   * `y += alpha * x` (optional: without it the TypeScript loop runs). Both
   * arrays share one element type and length.
   */
  axpy?(alpha: number, x: FloatArray, y: FloatArray): void;
  /**
   * `out[i] = src[rows[i]]` row by row (optional: without it the
   * TypeScript copy runs); shapes and indices are checked.
   */
  gatherRows?(
    src: Matrix<FloatArray>,
    rows: Int32Array,
    out: Matrix<FloatArray>,
  ): void;
  /** `Σ x²` (optional, like `axpy`). */
  sumSquares?(x: FloatArray): number;
  /**
   * A zeroed array the element-wise kernels below can work on in place
   * (optional; `undefined` where it has none left: then a plain array).
   */
  allocate?(dtype: DType, length: number): FloatArray | undefined;
  /** Frees an array of `allocate` now (nothing may use it after). */
  release?(x: FloatArray): void;
  // The element-wise kernels of a training step (optional). Each returns
  // `undefined` or false, having done nothing, when an operand is not an
  // array of `allocate`: then the TypeScript loop runs. Shapes and types
  // are checked.
  /** `updateParameter` in elementwise.ts: the same bits. */
  update?(
    step: UpdateStep,
    w: FloatArray,
    g: FloatArray,
    first: FloatArray,
    second: FloatArray,
  ): number | undefined;
  /** `regularize` in elementwise.ts, `Σ w²` summed in another order. */
  regularize?(reg: number, w: FloatArray, g: FloatArray): number | undefined;
  /** `addRowVector` then `reluInPlace`. */
  biasRelu?(m: Matrix<FloatArray>, b: FloatArray): boolean;
  /** `reluBackwardInPlace(grad, h)` then `sumColumns(grad, out)`. */
  reluBackwardSum?(
    grad: Matrix<FloatArray>,
    h: Matrix<FloatArray>,
    out: FloatArray,
  ): boolean;
  /**
   * Flips (`flip[i]` 1) then shifts (`dx[i]`, `dy[i]`; empty arrays: none)
   * the rows of `batch`, images of `shape` `[height, width, channels]`.
   */
  augment?(
    batch: Matrix<FloatArray>,
    flip: Uint8Array,
    dx: Int32Array,
    dy: Int32Array,
    shape: readonly [number, number, number],
  ): boolean;
  /** Sets how many threads the products may use (1 or more). */
  setThreads(threads: number): void;
  /** One line for logs and benchmarks: library, threads, CPU kernel. */
  describe(): string;
}
