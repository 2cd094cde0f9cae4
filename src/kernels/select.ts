/**
 * Which backend runs the matrix products, and on how many threads. The
 * products run on a backend (backend.ts): plain TypeScript, WebAssembly
 * SIMD, or native BLAS through FFI. The module-level products use the
 * default backend ({@linkcode setBackend}, initially `"auto"`: BLAS when
 * `--allow-ffi` is granted and a library is found, else WebAssembly);
 * {@linkcode kernels} binds every kernel to one backend, for a network that
 * wants its own. Shapes, element types and row indices are checked once,
 * for every backend, before a backend runs.
 *
 * @module
 */

import type { Backend, BackendName } from "./backend.ts";
import { loadBlas } from "./_blas.ts";
import { availableCores, defaultThreads } from "./_helper_threads.ts";
import {
  allocate,
  type AnyMatrix,
  assertFloatArray,
  type DType,
  dtypeOf,
  type FloatArray,
} from "../core/matrix.ts";
import { typescriptBackend } from "./_typescript.ts";
import { loadWasm } from "./_wasm.ts";
import {
  checkAB,
  checkABt,
  checkAtB,
  checkAxpy,
  checkGather,
} from "./_checks.ts";
import {
  addRowVector,
  axpy,
  firstNonFinite,
  flipShiftRows,
  gatherRows,
  regularize,
  reluBackwardInPlace,
  reluInPlace,
  sumColumns,
  sumSquares,
  updateParameter,
  type UpdateStep,
} from "./elementwise.ts";

export type { BackendName } from "./backend.ts";

/**
 * A backend name, or `"auto"` for the fastest available one: `"blas"`,
 * then `"wasm"`, then `"typescript"`.
 *
 * @example
 * ```ts
 * import { type BackendChoice } from "@twolayer/net";
 * import { kernels } from "@twolayer/net/kernels";
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
 * import { Matrix } from "@twolayer/net";
 * import { kernels } from "@twolayer/net/kernels";
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
   * A zeroed array for this backend's element-wise kernels: on WebAssembly
   * and BLAS one in the kernels' memory, where they work on it in place
   * (a plain array once that memory is full); on TypeScript a plain one.
   */
  allocate(dtype: DType, length: number): FloatArray;
  /**
   * Frees an array of {@linkcode Kernels.allocate} at once instead of
   * when it is collected, for an owner that knows its last use: nothing
   * may use it, or a view of it, after. Plain arrays are left alone.
   */
  release(x: FloatArray): void;
  /** See the module-level {@linkcode updateParameter}: the same bits. */
  update(
    step: UpdateStep,
    w: FloatArray,
    g: FloatArray,
    first?: FloatArray,
    second?: FloatArray,
  ): number;
  /**
   * See the module-level {@linkcode regularize} (the sum may be added in
   * another order).
   */
  regularize(reg: number, w: FloatArray, g: FloatArray): number;
  /** {@linkcode addRowVector} then {@linkcode reluInPlace}, in one pass. */
  biasRelu(m: AnyMatrix, b: FloatArray): void;
  /**
   * {@linkcode reluBackwardInPlace} then {@linkcode sumColumns} of the
   * result into `out`, in one pass: the same values.
   */
  reluBackwardSum(grad: AnyMatrix, h: AnyMatrix, out: FloatArray): void;
  /** See the module-level {@linkcode flipShiftRows}: the same values. */
  augment(
    batch: AnyMatrix,
    flip: Uint8Array,
    dx: Int32Array,
    dy: Int32Array,
    shape: readonly [number, number, number],
  ): void;
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
    case "webgpu":
      throw new Error(
        'backend "webgpu" runs whole training steps on a GPU and has no synchronous kernels: give it to a network (new TwoLayerNet(D, H, C, { backend: "webgpu" })) and train with await net.trainAsync(...)',
      );
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
        `backend must be "auto", "blas", "wasm", "typescript" or "webgpu", got ${
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
  if (choice === "webgpu") return `webgpu: ${webgpuNote}`;
  const b = backendFor(choice ?? getBackend());
  return `${b.name}: ${b.describe()}`;
}

let webgpuNote =
  "not examined yet (chooseBackend() or a network's first WebGPU run examines it)";

/**
 * Records what is known of the WebGPU adapter, for
 * {@linkcode describeBackend}; called by the WebGPU backend.
 */
export function noteWebgpu(note: string): void {
  webgpuNote = note;
}

/**
 * Sets how many threads the products may use, for every backend, now and
 * when loaded later (default: one per core, at most 8), and returns the
 * count in effect: `n`, capped at the cores available
 * (`navigator.hardwareConcurrency`), since threads beyond the cores only
 * wait for one another (16 threads on 2 cores made an iteration 300 times
 * slower). The WebAssembly and BLAS backends split large products (and
 * BLAS the minibatch copy) over this many threads: the calling one and
 * helper Workers; results do not depend on the count. On a busy shared
 * machine 1 degrades most gracefully. The TypeScript backend always runs
 * on the calling thread.
 *
 * @example
 * ```ts
 * import { getThreads, setThreads } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const before = getThreads();
 * assert.equal(setThreads(1), 1);
 * assert.equal(getThreads(), 1);
 * assert.equal(setThreads(1000), navigator.hardwareConcurrency);
 * setThreads(before);
 * ```
 *
 * @throws {RangeError} unless `n` is a positive integer.
 */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`threads must be a positive integer, got ${n}`);
  }
  threads = Math.min(n, availableCores());
  for (const b of [loadBlas(), loadWasm(), typescriptBackend]) {
    if (typeof b !== "string") b.setThreads(threads);
  }
  return threads;
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
    allocate: (dtype, length) =>
      b.allocate?.(dtype, length) ?? allocate(dtype, length),
    release: (x) => b.release?.(x),
    // The backend's kernel where it has one and the operands are its
    // arrays; else the TypeScript loop (which checks everything).
    update: (step, w, g, first = w, second = w) =>
      b.update?.(step, w, g, first, second) ??
        updateParameter(step, w, g, first, second),
    regularize: (reg, w, g) =>
      b.regularize?.(reg, w, g) ?? regularize(reg, w, g),
    biasRelu(m, v) {
      if (
        v.length !== m.cols || dtypeOf(v) !== dtypeOf(m.data) ||
        !b.biasRelu?.(m, v)
      ) {
        addRowVector(m, v);
        reluInPlace(m);
      }
    },
    reluBackwardSum(grad, h, out) {
      if (
        grad.rows !== h.rows || grad.cols !== h.cols ||
        out.length !== grad.cols ||
        dtypeOf(grad.data) !== dtypeOf(h.data) ||
        dtypeOf(out) !== dtypeOf(h.data) ||
        !b.reluBackwardSum?.(grad, h, out)
      ) {
        reluBackwardInPlace(grad, h);
        sumColumns(grad, out);
      }
    },
    augment(batch, flip, dx, dy, shape) {
      const [height, width, channels] = shape;
      if (
        height * width * channels !== batch.cols ||
        !b.augment?.(batch, flip, dx, dy, shape)
      ) flipShiftRows(batch, flip, dx, dy, shape);
    },
    // A finite Σ x² proves every value finite; an overflow or a non-finite
    // value falls back to the exact scan.
    allFinite: (x) => {
      assertFloatArray("allFinite", x);
      return (b.sumSquares !== undefined && Number.isFinite(b.sumSquares(x))) ||
        firstNonFinite(x) < 0;
    },
  };
}
