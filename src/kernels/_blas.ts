/**
 * The native BLAS backend: `cblas_dgemm` / `cblas_sgemm` from OpenBLAS
 * (Linux, Windows) or Accelerate (macOS), called through Deno FFI. Needs
 * `--allow-ffi` and nothing more.
 *
 * Threads: products this small (a minibatch of 200) lose much of
 * OpenBLAS's own threading to its start-up cost, and the minibatch copy
 * stays on one core. So the library runs single-threaded on each of our
 * helper threads (_helper_threads.ts): the copy is split by rows, a
 * product by rows or columns of its output, and every thread calls the
 * library on its slice through raw addresses. Where helpers cannot start,
 * OpenBLAS's own threads take over.
 *
 * Results: the slices depend only on the thread count set, so the same
 * count gives the same bits every time. Across thread counts the copy and
 * `axpy` are bit for bit the same, but a product may differ in its last
 * bits: OpenBLAS picks its blocking, and with some CPU kernels (Haswell,
 * Zen) its order of summation, by the shape of each slice. Each value
 * still lies within the usual `gemm` rounding bound,
 * `|Ĉ − C| ≤ γₖ |A||B|` with `γₖ = k u / (1 − k u)`, so two thread counts
 * differ by at most twice that.
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
import { checkBuffer } from "./_checks.ts";
import { kernelMemory, type WasmInit } from "./_kernel_memory.ts";
import { loadWasm } from "./_wasm.ts";
import { wasmElementwise } from "./_wasm_elementwise.ts";

type M = Matrix<FloatArray>;

// CBLAS enum values.
const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

const GEMM_PARAMS = [
  "i32", // order
  "i32", // transA
  "i32", // transB
  "i32", // m
  "i32", // n
  "i32", // k
  "f64", // alpha
  "buffer", // A
  "i32", // lda
  "buffer", // B
  "i32", // ldb
  "f64", // beta
  "buffer", // C
  "i32", // ldc
] as const;

/** `GEMM_PARAMS` in single precision. */
const SGEMM_PARAMS = GEMM_PARAMS.map((p) =>
  p === "f64" ? "f32" : p
) as unknown as typeof GEMM_PARAMS;

const DAXPY_PARAMS = ["i32", "f64", "buffer", "i32", "buffer", "i32"] as const;
const SAXPY_PARAMS = ["i32", "f32", "buffer", "i32", "buffer", "i32"] as const;

/** What the helper threads call, by address: slices start inside arrays. */
const BY_ADDRESS = {
  cblas_dgemm: { parameters: byAddress(GEMM_PARAMS), result: "void" },
  cblas_sgemm: { parameters: byAddress(SGEMM_PARAMS), result: "void" },
  cblas_daxpy: { parameters: byAddress(DAXPY_PARAMS), result: "void" },
  cblas_saxpy: { parameters: byAddress(SAXPY_PARAMS), result: "void" },
} as const;

function byAddress(params: readonly Deno.NativeType[]): Deno.NativeType[] {
  return params.map((p) => p === "buffer" ? "pointer" : p);
}

const SYMBOLS = {
  cblas_dgemm: { parameters: GEMM_PARAMS, result: "void" },
  cblas_sgemm: { parameters: SGEMM_PARAMS, result: "void" },
  cblas_daxpy: { parameters: DAXPY_PARAMS, result: "void" },
  cblas_saxpy: { parameters: SAXPY_PARAMS, result: "void" },
  cblas_ddot: {
    parameters: ["i32", "buffer", "i32", "buffer", "i32"],
    result: "f64",
  },
  cblas_sdot: {
    parameters: ["i32", "buffer", "i32", "buffer", "i32"],
    result: "f32",
  },
  openblas_set_num_threads: {
    parameters: ["i32"],
    result: "void",
    optional: true,
  },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
} as const;

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;

/** Where each platform keeps a fast CBLAS, most likely first. */
function candidates(): string[] {
  switch (Deno.build.os) {
    case "darwin":
      return ["/System/Library/Frameworks/Accelerate.framework/Accelerate"];
    case "windows":
      return ["libopenblas.dll", "openblas.dll"];
    default:
      return ["libopenblas.so.0", "libopenblas.so"];
  }
}

function granted(desc: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(desc).state === "granted";
}

const LIBC = {
  getenv: { parameters: ["buffer"], result: "pointer" },
  setenv: { parameters: ["buffer", "buffer", "i32"], result: "i32" },
  unsetenv: { parameters: ["buffer"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

function cString(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s + "\0");
}

/** The `flags` line of /proc/cpuinfo (Deno reserves /proc for `-A`, FFI does not). */
function cpuFlags(libc: Deno.DynamicLibrary<typeof LIBC>["symbols"]): string[] {
  const fd = libc.open(cString("/proc/cpuinfo"), 0);
  if (fd < 0) return [];
  const buf = new Uint8Array(1 << 16);
  let text = "";
  try {
    for (let got; (got = Number(libc.read(fd, buf, BigInt(buf.length)))) > 0;) {
      text += new TextDecoder().decode(buf.subarray(0, got));
      const flags = /^flags\s*:(.*)$/m.exec(text);
      if (flags) return flags[1].trim().split(/\s+/);
    }
  } finally {
    libc.close(fd);
  }
  return [];
}

/**
 * OpenBLAS before 0.3.22 (Debian 12 ships 0.3.21) does not know AMD Zen 4
 * and picks its Cooperlake kernels there, half as fast on the workload as
 * its SkylakeX ones. So when the CPU has AVX-512 and the user has not set
 * OPENBLAS_CORETYPE, set it to SkylakeX for the moment the library loads
 * (it reads the variable only then; forcing it without AVX-512 would
 * crash). Done through libc, so it needs no permission beyond FFI. Returns
 * a function restoring the environment.
 */
function chooseCoreType(): () => void {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return () => {};
  }
  let lib: Deno.DynamicLibrary<typeof LIBC>;
  try {
    lib = Deno.dlopen("libc.so.6", LIBC);
  } catch {
    return () => {};
  }
  const libc = lib.symbols, name = cString("OPENBLAS_CORETYPE");
  if (libc.getenv(name) !== null || !cpuFlags(libc).includes("avx512f")) {
    lib.close();
    return () => {};
  }
  libc.setenv(name, cString("SkylakeX"), 0);
  return () => {
    libc.unsetenv(name);
    lib.close();
  };
}

/** The backend over the first library in `paths` with CBLAS, or why none. */
function open(paths: string[]): Backend | string {
  const failures: string[] = [];
  const restore = chooseCoreType();
  try {
    for (const path of paths) {
      try {
        return blasBackend(Deno.dlopen(path, SYMBOLS), path);
      } catch (e) {
        failures.push(`${path}: ${(e as Error).message}`);
      }
    }
  } finally {
    restore();
  }
  return `no CBLAS library could be opened (${failures.join("; ")})`;
}

/**
 * Job codes, the first number of a helper job (literals in blasSetup);
 * from WASM on, the WebAssembly module's export `WASM_OPS[code − WASM]`.
 */
const GATHER = 0, GEMM = 1, AXPY = 2, WASM = 3;

/** Values a slice of a copy or `axpy` keeps at least. */
const MIN_SLICE_VALUES = 1 << 16;

interface BlasInit {
  path: string;
  symbols: typeof BY_ADDRESS;
  /** The kernel memory, for the element-wise kernels (none without WebAssembly). */
  wasm?: WasmInit;
}

/**
 * Every thread's runner, over the library opened again (the process keeps
 * one copy). Jobs, all addresses in bytes:
 * - `[GATHER, bytes per value, src, src values, dst, rows, r0, r1, cols]`
 *   copies rows `rows[r0..r1)` of src to rows `r0..r1` of dst;
 * - `[GEMM, is f64, transA, transB, m, n, k, A, lda, B, ldb, C, ldc]`
 *   is a row-major `C = op(A) op(B)`;
 * - `[AXPY, is f64, n, alpha, x, y]` is `y[0..n) += alpha x[0..n)`;
 * - `[WASM + op, ...args]` calls the module's export `op` (element-wise
 *   kernels on the kernel memory).
 */
const blasSetup: HelperSetup<BlasInit> = ({ path, symbols, wasm }) => {
  const { cblas_dgemm, cblas_sgemm, cblas_daxpy, cblas_saxpy } =
    Deno.dlopen(path, symbols).symbols;
  type Op = (...args: number[]) => void;
  let ops: Op[] = [];
  if (wasm) {
    const x = new WebAssembly.Instance(wasm.module, {
      env: { memory: wasm.memory },
    }).exports as Record<string, Op>;
    ops = wasm.names.map((name) => x[name]);
  }
  const ptr = (address: number) => Deno.UnsafePointer.create(BigInt(address));
  // Views of the memory the jobs name, made once per buffer.
  const views = new Map<string, Float64Array | Float32Array>();
  const view = (address: number, values: number, bytes: number) => {
    const key = `${address}:${values}:${bytes}`;
    let v = views.get(key);
    if (!v) {
      if (views.size > 64) views.clear();
      const buf = Deno.UnsafePointerView.getArrayBuffer(
        ptr(address)!,
        values * bytes,
      );
      v = bytes === 8 ? new Float64Array(buf) : new Float32Array(buf);
      views.set(key, v);
    }
    return v;
  };
  return (a) => {
    if (a[0] >= 3) { // WASM
      ops[a[0] - 3](
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
    } else if (a[0] === 0) { // GATHER
      const [, bytes, src, srcValues, dst, rowsAt, r0, r1, cols] = a;
      const from = view(src, srcValues, bytes),
        to = view(dst, r1 * cols, bytes);
      const rows = new Int32Array(
        Deno.UnsafePointerView.getArrayBuffer(ptr(rowsAt)!, r1 * 4),
      );
      for (let i = r0; i < r1; i++) {
        to.set(from.subarray(rows[i] * cols, rows[i] * cols + cols), i * cols);
      }
    } else if (a[0] === 2) { // AXPY
      const [, f64, n, alpha, x, y] = a;
      (f64 ? cblas_daxpy : cblas_saxpy)(n, alpha, ptr(x), 1, ptr(y), 1);
    } else { // GEMM, row-major (101), alpha 1, beta 0
      const [, f64, tA, tB, m, n, k, A, lda, B, ldb, C, ldc] = a;
      (f64 ? cblas_dgemm : cblas_sgemm)(
        101,
        tA,
        tB,
        m,
        n,
        k,
        1,
        ptr(A),
        lda,
        ptr(B),
        ldb,
        0,
        ptr(C),
        ldc,
      );
    }
  };
};

/** Byte address of a typed array's first element. */
function address(x: FloatArray | Int32Array): number {
  return Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(x)));
}

/** Reused gather buffers, grown on demand, so training allocates nothing. */
class Scratch {
  #f64 = new Float64Array(0);
  #f32 = new Float32Array(0);

  /** A buffer of at least `need` values of `like`'s type. */
  get(like: FloatArray, need: number): FloatArray {
    if (like instanceof Float64Array) {
      if (this.#f64.length < need) this.#f64 = new Float64Array(need);
      return this.#f64;
    }
    if (this.#f32.length < need) this.#f32 = new Float32Array(need);
    return this.#f32;
  }
}

function blasBackend(lib: Library, path: string): Backend {
  const scratch = new Scratch();
  // The element-wise kernels are the WebAssembly module's, on its memory.
  const km = typeof loadWasm() === "string" ? undefined : kernelMemory();
  const pool = new HelperThreads(
    blasSetup,
    () => ({ path, symbols: BY_ADDRESS, wasm: km?.init() }),
  );
  let threads = defaultThreads();
  let ownThreads = false;
  /** Slices of `work` (≥ min each), falling back to OpenBLAS's own threads. */
  const parts = (work: number, min: number) => {
    const count = pool.parts(work, min);
    if (pool.unavailable && !ownThreads) {
      ownThreads = true;
      lib.symbols.openblas_set_num_threads?.(threads);
    }
    return count;
  };
  const setThreads = (n: number) => {
    threads = n;
    pool.setThreads(n);
    lib.symbols.openblas_set_num_threads?.(ownThreads ? n : 1);
  };
  setThreads(threads);

  // `C = op(A) op(B)` with A n x k (as stored: k x n when transposed); the
  // output split into slices of rows (`byRows`) or of columns.
  const gemm = (
    tA: number,
    tB: number,
    n: number,
    m: number,
    k: number,
    a: FloatArray,
    lda: number,
    b: FloatArray,
    ldb: number,
    out: FloatArray,
    byRows: boolean,
  ) => {
    if (n === 0 || m === 0) return;
    const S = out.BYTES_PER_ELEMENT;
    checkBuffer("BLAS gemm A", a, (tA === TRANS ? k : n) * lda, S);
    checkBuffer("BLAS gemm B", b, (tB === TRANS ? m : k) * ldb, S);
    checkBuffer("BLAS gemm C", out, n * m, S);
    if (k === 0) {
      out.fill(0);
      return;
    }
    const count = parts(n * m * k, MIN_SLICE_WORK);
    if (count === 1) {
      // Whole arrays: the plain call, cheapest for the many small products.
      const call = out instanceof Float64Array
        ? lib.symbols.cblas_dgemm
        : lib.symbols.cblas_sgemm;
      call(ROW_MAJOR, tA, tB, n, m, k, 1, a, lda, b, ldb, 0, out, m);
      return;
    }
    const f64 = S === 8 ? 1 : 0;
    const A = address(a), B = address(b), C = address(out);
    pool.run(
      byRows
        // Rows r0..r1 of C: rows of A (A is never transposed here).
        ? slices(n, count, 8).map(([r0, r1]) => [
          GEMM,
          f64,
          tA,
          tB,
          r1 - r0,
          m,
          k,
          A + r0 * lda * S,
          lda,
          B,
          ldb,
          C + r0 * m * S,
          m,
        ])
        // Columns c0..c1 of C: columns of B (B is never transposed here).
        : slices(m, count, 16).map(([c0, c1]) => [
          GEMM,
          f64,
          tA,
          tB,
          n,
          c1 - c0,
          k,
          A,
          lda,
          B + c0 * S,
          ldb,
          C + c0 * S,
          m,
        ]),
    );
  };
  const gather = (
    src: FloatArray,
    rows: Int32Array,
    cols: number,
    out: FloatArray,
  ) => {
    const count = parts(rows.length * cols, MIN_SLICE_VALUES);
    if (count === 1) {
      copyRows(src, cols, rows, out);
      return out;
    }
    const S = src.BYTES_PER_ELEMENT;
    checkBuffer("BLAS gather src", src, 0, S);
    checkBuffer("BLAS gather out", out, rows.length * cols, S);
    const from = address(src), to = address(out), at = address(rows);
    pool.run(
      slices(rows.length, count).map(([r0, r1]) => [
        GATHER,
        S,
        from,
        src.length,
        to,
        at,
        r0,
        r1,
        cols,
      ]),
    );
    return out;
  };
  const gathered = (src: FloatArray, rows: Int32Array, cols: number) =>
    gather(src, rows, cols, scratch.get(src, rows.length * cols));

  const elementwise = km &&
    wasmElementwise(km, { parts, run: (jobs) => pool.run(jobs) }, WASM);

  return {
    name: "blas",
    fusedGather: false,
    ...elementwise,
    matmulABt(a: M, b: M, out: M, aRows?: Int32Array) {
      const k = a.cols;
      const A = aRows ? gathered(a.data, aRows, k) : a.data;
      gemm(
        NO_TRANS,
        TRANS,
        out.rows,
        b.rows,
        k,
        A,
        k,
        b.data,
        k,
        out.data,
        true,
      );
    },
    matmulAB(a: M, b: M, out: M) {
      gemm(
        NO_TRANS,
        NO_TRANS,
        a.rows,
        b.cols,
        a.cols,
        a.data,
        a.cols,
        b.data,
        b.cols,
        out.data,
        true,
      );
    },
    matmulAtB(a: M, b: M, out: M, bRows?: Int32Array) {
      const m = b.cols;
      const B = bRows ? gathered(b.data, bRows, m) : b.data;
      gemm(
        TRANS,
        NO_TRANS,
        a.cols,
        m,
        a.rows,
        a.data,
        a.cols,
        B,
        m,
        out.data,
        false,
      );
    },
    gatherRows(src: M, rows: Int32Array, out: M) {
      gather(src.data, rows, src.cols, out.data);
    },
    // The long elementwise loops of training (weights and gradients of
    // 153,600 values): several times faster than JavaScript's in float32.
    axpy(alpha: number, x: FloatArray, y: FloatArray) {
      const n = x.length, count = parts(n, MIN_SLICE_VALUES);
      checkBuffer("BLAS axpy x", x, n, x.BYTES_PER_ELEMENT);
      checkBuffer("BLAS axpy y", y, n, x.BYTES_PER_ELEMENT);
      if (count === 1) {
        if (x instanceof Float64Array) {
          lib.symbols.cblas_daxpy(n, alpha, x, 1, y, 1);
        } else {
          lib.symbols.cblas_saxpy(n, alpha, x, 1, y, 1);
        }
        return;
      }
      // Elementwise, so a split changes no value.
      const S = x.BYTES_PER_ELEMENT, X = address(x), Y = address(y);
      pool.run(
        slices(n, count, 16).map(([i0, i1]) => [
          AXPY,
          S === 8 ? 1 : 0,
          i1 - i0,
          alpha,
          X + i0 * S,
          Y + i0 * S,
        ]),
      );
    },
    sumSquares(x: FloatArray) {
      checkBuffer("BLAS dot x", x, x.length, x.BYTES_PER_ELEMENT);
      return x instanceof Float64Array
        ? lib.symbols.cblas_ddot(x.length, x, 1, x, 1)
        : lib.symbols.cblas_sdot(x.length, x, 1, x, 1);
    },
    setThreads,
    describe() {
      const core = lib.symbols.openblas_get_corename?.();
      const blasThreads = lib.symbols.openblas_get_num_threads?.();
      return [
        path,
        core ? `core ${Deno.UnsafePointerView.getCString(core)}` : "",
        `${threads} thread${threads === 1 ? "" : "s"} (${
          ownThreads
            ? `OpenBLAS's own${pool.unavailable ? `: ${pool.unavailable}` : ""}`
            : `helper threads, the library on ${blasThreads ?? 1} each`
        })`,
      ].filter((s) => s).join(", ");
    },
  };
}

let loaded: Backend | string | undefined;

/**
 * Opens the platform's BLAS once and returns its {@linkcode Backend}, or a
 * string saying why it is unavailable (no `--allow-ffi`, no library).
 * `library` overrides the search (a path or a name for the dynamic loader);
 * it only counts on the first call.
 *
 * @example
 * ```ts
 * import { loadBlas } from "./_blas.ts";
 *
 * const blas = loadBlas();
 * console.log(typeof blas === "string" ? blas : blas.describe());
 * ```
 */
export function loadBlas(library?: string): Backend | string {
  if (loaded === undefined) {
    // globalThis: a runtime without Deno has no `Deno` binding at all.
    if (typeof globalThis.Deno?.dlopen !== "function") {
      loaded = "FFI is not available in this runtime";
    } else if (!granted({ name: "ffi" })) {
      loaded = "FFI is not permitted (run Deno with --allow-ffi)";
    } else {
      loaded = open(library ? [library] : candidates());
    }
  }
  return loaded;
}
