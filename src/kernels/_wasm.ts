/**
 * The WebAssembly SIMD backend: register-tiled, cache-blocked products
 * compiled from asm/kernels.ts. Needs no permissions.
 *
 * Operands live in JavaScript memory, so each call copies them into the
 * module's memory (the minibatch rows only, not the whole data set) and
 * copies the product back; the copies are a few percent of the work.
 * The module's memory is shared: large products are split by rows of the
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
  type JobRunner,
  MIN_SLICE_WORK,
  slices,
} from "./_helper_threads.ts";
import { copyRows, type FloatArray, type Matrix } from "../core/matrix.ts";
import { kernelsWasm } from "./_kernels_wasm.ts";

type M = Matrix<FloatArray>;

/**
 * The module's exports the host calls directly (the products run as jobs,
 * see OPS); pointers are byte addresses in its memory.
 */
interface Exports {
  heapBase(): number;
  transpose64(src: number, rows: number, cols: number, dst: number): void;
  transpose32(src: number, rows: number, cols: number, dst: number): void;
}

const PAGE = 65536;

/** Operation codes of a product job: `[op, six arguments of the export]`. */
const OPS = { abt64: 0, abt32: 1, ab64: 2, ab32: 3 } as const;

interface WasmInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** Every thread's runner: its own instance of the module on the shared memory. */
const wasmSetup: HelperSetup<WasmInit> = ({ module, memory }): JobRunner => {
  const x = new WebAssembly.Instance(module, { env: { memory } })
    .exports as Record<string, (...args: number[]) => void>;
  // Indexed by the operation codes of OPS.
  const ops = [x.abt64, x.abt32, x.ab64, x.ab32];
  return (a) => ops[a[0]](a[1], a[2], a[3], a[4], a[5], a[6]);
};

/** The instantiated module and a bump allocator over its memory, reset per call. */
class WasmProducts {
  readonly #memory: WebAssembly.Memory;
  readonly #x: Exports;
  /** Runs product jobs on this thread and its helpers. */
  readonly threads: HelperThreads<WasmInit>;
  readonly #base: number;
  #top = 0;
  #f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  #u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

  constructor() {
    this.#memory = new WebAssembly.Memory({
      initial: 1,
      maximum: 65536,
      shared: true,
    });
    const module = new WebAssembly.Module(kernelsWasm);
    const memory = this.#memory;
    this.#x = new WebAssembly.Instance(module, { env: { memory } })
      .exports as unknown as Exports;
    this.#base = align(this.#x.heapBase());
    this.threads = new HelperThreads(wasmSetup, () => ({ module, memory }));
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

  /** Forgets the previous call's scratch. */
  reset(): void {
    this.#top = this.#base;
  }

  /** Reserves `bytes` of scratch, growing the memory if needed. */
  alloc(bytes: number): number {
    const at = this.#top;
    this.#top = align(at + bytes);
    const have = this.#memory.buffer.byteLength;
    if (this.#top > have) {
      this.#memory.grow(Math.ceil((this.#top - have) / PAGE));
    }
    return at;
  }

  /** Fresh views if the memory grew (shared memory never detaches old ones). */
  #views(): void {
    const buf = this.#memory.buffer;
    if (this.#u32.buffer.byteLength !== buf.byteLength) {
      this.#f64 = new Float64Array(buf);
      this.#f32 = new Float32Array(buf);
      this.#u32 = new Uint32Array(buf);
    }
  }

  /** Copies `src` (all of it, or the listed rows of `cols` values) to a new scratch block. */
  put(src: FloatArray, rows?: Int32Array, cols = 0): number {
    const f64 = src instanceof Float64Array;
    const count = rows ? rows.length * cols : src.length;
    const at = this.alloc(count * (f64 ? 8 : 4));
    this.#views();
    const view = f64 ? this.#f64 : this.#f32;
    const start = at / (f64 ? 8 : 4);
    if (rows) copyRows(src, cols, rows, view, start);
    else view.set(src, start);
    return at;
  }

  /** A table of `count` row addresses `first + i * rowBytes`. */
  rowTable(count: number, first: number, rowBytes: number): number {
    const at = this.alloc(count * 4);
    this.#views();
    const u32 = this.#u32, s = at / 4;
    for (let i = 0; i < count; i++) u32[s + i] = first + i * rowBytes;
    return at;
  }

  /** Copies `dst.length` values at address `at` into `dst`. */
  get(at: number, dst: FloatArray): void {
    this.#views();
    if (dst instanceof Float64Array) {
      dst.set(this.#f64.subarray(at / 8, at / 8 + dst.length));
    } else {
      dst.set(this.#f32.subarray(at / 4, at / 4 + dst.length));
    }
  }

  get exports(): Exports {
    return this.#x;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

let products: WasmProducts | undefined;
let threadCount = defaultThreads();

function module(): WasmProducts {
  products ??= new WasmProducts();
  products.reset();
  return products;
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
  const po = w.alloc(n * m * S);
  w.split(f64 ? OPS.ab64 : OPS.ab32, n, k * m, (r0, r1) => [
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
    const po = w.alloc(n * m * S);
    w.split(f64 ? OPS.abt64 : OPS.abt32, n, k * m, (r0, r1) => [
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
    (f64 ? w.exports.transpose64 : w.exports.transpose32)(pa, k, n, at);
    const pb = bRows ? w.put(b.data, bRows, m) : w.put(b.data);
    productAB(w, f64, at, n, k, w.rowTable(k, pb, m * S), m, out.data);
  },

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
