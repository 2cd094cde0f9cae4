/**
 * The WebAssembly SIMD backend: register-tiled, cache-blocked products
 * compiled from asm/kernels.ts. Needs no permissions.
 *
 * Operands in JavaScript memory are copied into the module's memory for
 * each call (the minibatch rows only, not the whole data set), and the
 * product back; a network's own arrays live in that memory (the kernel
 * memory, _kernel_memory.ts) and are used where they are. The
 * element-wise kernels of a training step run there too
 * (_wasm_elementwise.ts). The module's memory is shared: large products are split by rows of the
 * output over helper threads (_helper_threads.ts), each running the
 * same module on the same memory. A row's values never depend on the
 * split, so results are identical for every thread count.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import {
  defaultThreads,
  type HelperSetup,
  HelperThreads,
  MIN_SLICE_WORK,
  slices,
} from "./_helper_threads.ts";
import { copyRows, type FloatArray, type Matrix } from "../core/matrix.ts";
import { kernelsWasm } from "./_kernels_wasm.ts";
import {
  type KernelMemory,
  kernelMemory,
  type WasmInit,
  wasmOp,
} from "./_kernel_memory.ts";
import { type WasmElementwise, wasmElementwise } from "./_wasm_elementwise.ts";

type M = Matrix<FloatArray>;

/**
 * Every thread's runner: its own instance of the module on the shared
 * memory; a job `[op, ...args]` calls export `names[op]` with the args.
 */
const wasmSetup: HelperSetup<WasmInit> = ({ module, memory, names }) => {
  const x = new WebAssembly.Instance(module, { env: { memory } })
    .exports as Record<string, (...args: number[]) => void>;
  const ops = names.map((name) => x[name]);
  return (a) =>
    ops[a[0]](
      a[1],
      a[2],
      a[3],
      a[4],
      a[5],
      a[6],
      a[7],
      a[8],
      a[9],
      a[10],
      a[11],
      a[12],
      a[13],
      a[14],
      a[15],
      a[16],
    );
};

/** The kernel memory with this backend's threads, and the calls' copies. */
class WasmProducts {
  readonly km: KernelMemory;
  /** Runs jobs on this thread and its helpers. */
  readonly threads: HelperThreads<WasmInit>;

  constructor() {
    this.km = kernelMemory();
    const km = this.km;
    this.threads = new HelperThreads(wasmSetup, () => km.init());
    this.threads.setThreads(threadCount);
  }

  /**
   * Runs export `op` on `n` output rows (`n * work` multiply-adds), split
   * by rows over the threads: `args(r0, r1)` gives the export's six
   * arguments for rows `r0..r1`.
   */
  split(
    op: number,
    n: number,
    work: number,
    args: (r0: number, r1: number) => number[],
  ): void {
    const parts = this.threads.parts(n * work, MIN_SLICE_WORK);
    // Slices of whole 4-row tiles.
    this.threads.run(
      slices(n, parts, 4).map(([r0, r1]) => [op, ...args(r0, r1)]),
    );
  }

  /** Reserves `bytes` of scratch. */
  alloc(bytes: number): number {
    return this.km.alloc(bytes);
  }

  /**
   * The address of `src` (all of it, or the listed rows of `cols` values):
   * where it lies when it is a kernel array, else a scratch copy.
   */
  put(src: FloatArray, rows?: Int32Array, cols = 0): number {
    const own = rows ? -1 : this.km.address(src);
    if (own >= 0) return own;
    const f64 = src instanceof Float64Array;
    const count = rows ? rows.length * cols : src.length;
    const at = this.alloc(count * (f64 ? 8 : 4));
    const view = this.km.floats(f64);
    const start = at / (f64 ? 8 : 4);
    if (rows) copyRows(src, cols, rows, view, start);
    else view.set(src, start);
    return at;
  }

  /** Where a product for `out` goes: `out` itself when it is a kernel array. */
  target(out: FloatArray): number {
    const own = this.km.address(out);
    return own >= 0 ? own : this.alloc(out.length * out.BYTES_PER_ELEMENT);
  }

  /** A table of `count` row addresses `first + i * rowBytes`. */
  rowTable(count: number, first: number, rowBytes: number): number {
    const at = this.alloc(count * 4);
    const u32 = this.km.words(), s = at / 4;
    for (let i = 0; i < count; i++) u32[s + i] = first + i * rowBytes;
    return at;
  }

  /** Copies `dst.length` values at address `at` into `dst`, unless it is there. */
  get(at: number, dst: FloatArray): void {
    if (this.km.address(dst) === at) return;
    const f64 = dst instanceof Float64Array, S = f64 ? 8 : 4;
    dst.set(this.km.floats(f64).subarray(at / S, at / S + dst.length));
  }

  transpose(
    f64: boolean,
    src: number,
    rows: number,
    cols: number,
    dst: number,
  ) {
    const x = this.km.exports;
    (f64 ? x.transpose64 : x.transpose32)(src, rows, cols, dst);
  }
}

let products: WasmProducts | undefined;
let threadCount = defaultThreads();

function module(): WasmProducts {
  products ??= new WasmProducts();
  products.km.reset();
  return products;
}

let elementwise: WasmElementwise | undefined;

/** The element-wise kernels on this backend's threads. */
function ew(): WasmElementwise {
  products ??= new WasmProducts();
  elementwise ??= wasmElementwise(products.km, products.threads, 0);
  return elementwise;
}

/**
 * `out = A · B` for A n x k at address `pa` and row p of B at address
 * `load(bRows + 4p)`, split by rows of A.
 */
function productAB(
  w: WasmProducts,
  f64: boolean,
  pa: number,
  n: number,
  k: number,
  bRows: number,
  m: number,
  out: FloatArray,
): void {
  const S = f64 ? 8 : 4;
  const po = w.target(out);
  w.split(wasmOp(f64 ? "ab64" : "ab32"), n, k * m, (r0, r1) => [
    pa + r0 * k * S,
    r1 - r0,
    k,
    bRows,
    m,
    po + r0 * m * S,
  ]);
  w.get(po, out);
}

// The WebAssembly backend: f64x2 / f32x4 SIMD, 4 x 2 register tiles.
const wasmBackend: Backend = {
  name: "wasm",
  fusedGather: true,

  matmulABt(a: M, b: M, out: M, aRows?: Int32Array) {
    const w = module(), f64 = a.data instanceof Float64Array;
    const S = f64 ? 8 : 4, n = out.rows, k = a.cols, m = b.rows;
    const pa = aRows ? w.put(a.data, aRows, k) : w.put(a.data);
    const rows = w.rowTable(n, pa, k * S);
    const pb = w.put(b.data);
    const po = w.target(out.data);
    w.split(wasmOp(f64 ? "abt64" : "abt32"), n, k * m, (r0, r1) => [
      rows + r0 * 4,
      r1 - r0,
      k,
      pb,
      m,
      po + r0 * m * S,
    ]);
    w.get(po, out.data);
  },

  matmulAB(a: M, b: M, out: M) {
    const w = module(), f64 = a.data instanceof Float64Array;
    const S = f64 ? 8 : 4, n = a.rows, k = a.cols, m = b.cols;
    const pa = w.put(a.data);
    const rows = w.rowTable(k, w.put(b.data), m * S);
    productAB(w, f64, pa, n, k, rows, m, out.data);
  },

  matmulAtB(a: M, b: M, out: M, bRows?: Int32Array) {
    const w = module(), f64 = a.data instanceof Float64Array;
    const S = f64 ? 8 : 4, k = a.rows, n = a.cols, m = b.cols;
    const pa = w.put(a.data);
    const at = w.alloc(n * k * S);
    w.transpose(f64, pa, k, n, at);
    const pb = bRows ? w.put(b.data, bRows, m) : w.put(b.data);
    productAB(w, f64, at, n, k, w.rowTable(k, pb, m * S), m, out.data);
  },

  allocate: (dtype, length) => ew().allocate(dtype, length),
  release: (x) => ew().release(x),
  update: (step, w, g, first, second) => ew().update(step, w, g, first, second),
  regularize: (reg, w, g) => ew().regularize(reg, w, g),
  biasRelu: (m, b) => ew().biasRelu(m, b),
  reluBackwardSum: (grad, h, out) => ew().reluBackwardSum(grad, h, out),
  augment: (batch, flip, dx, dy, shape) =>
    ew().augment(batch, flip, dx, dy, shape),

  setThreads(threads: number) {
    threadCount = threads;
    products?.threads.setThreads(threads);
  },

  describe() {
    const why = products?.threads.unavailable;
    return `WebAssembly SIMD (128-bit), ${threadCount} thread${
      threadCount === 1 ? "" : "s"
    }${why ? ` (${why})` : ""}`;
  },
};

/**
 * The WebAssembly SIMD {@linkcode Backend}, or a string saying why this
 * runtime cannot run it (no WebAssembly, SIMD or shared memory).
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { loadWasm } from "./_wasm.ts";
 * import assert from "node:assert/strict";
 *
 * const wasm = loadWasm();
 * assert.ok(typeof wasm !== "string");
 * const out = Matrix.zeros(1, 1);
 * wasm.matmulAB(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]]), out);
 * assert.equal(out.data[0], 11);
 * ```
 */
export function loadWasm(): Backend | string {
  // Not `SharedArrayBuffer`: a page that is not cross-origin isolated
  // hides it, yet has shared WebAssembly memory (for one thread).
  if (typeof WebAssembly !== "object" || !sharedMemory()) {
    return "WebAssembly with shared memory is not available";
  }
  if (!WebAssembly.validate(kernelsWasm)) {
    return "this runtime's WebAssembly lacks SIMD or threads";
  }
  return wasmBackend;
}

function sharedMemory(): boolean {
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}
