/**
 * The native BLAS backend: `cblas_dgemm` / `cblas_sgemm` from OpenBLAS
 * (Linux, Windows) or Accelerate (macOS), called through Deno FFI. Needs
 * `--allow-ffi` and nothing more.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import type { FloatArray, Matrix } from "./matrix.ts";

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

const SYMBOLS = {
  cblas_dgemm: { parameters: GEMM_PARAMS, result: "void" },
  cblas_sgemm: {
    parameters: GEMM_PARAMS.map((p) =>
      p === "f64" ? "f32" : p
    ) as unknown as typeof GEMM_PARAMS,
    result: "void",
  },
  cblas_daxpy: {
    parameters: ["i32", "f64", "buffer", "i32", "buffer", "i32"],
    result: "void",
  },
  cblas_saxpy: {
    parameters: ["i32", "f32", "buffer", "i32", "buffer", "i32"],
    result: "void",
  },
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

/** Reused gather buffers, grown on demand, so training allocates nothing. */
class Scratch {
  #f64 = new Float64Array(0);
  #f32 = new Float32Array(0);

  /** Rows `rows` of the `cols`-wide matrix `src`, packed contiguously. */
  gather(src: FloatArray, rows: Int32Array, cols: number): FloatArray {
    const need = rows.length * cols;
    let buf: FloatArray;
    if (src instanceof Float64Array) {
      if (this.#f64.length < need) this.#f64 = new Float64Array(need);
      buf = this.#f64;
    } else {
      if (this.#f32.length < need) this.#f32 = new Float32Array(need);
      buf = this.#f32;
    }
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] * cols;
      buf.set(src.subarray(r, r + cols), i * cols);
    }
    return buf;
  }
}

function blasBackend(lib: Library, path: string): Backend {
  const { cblas_dgemm, cblas_sgemm } = lib.symbols;
  const scratch = new Scratch();
  // `C = alpha op(A) op(B) + beta C` with alpha 1, beta 0, row-major.
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
  ) => {
    if (n === 0 || m === 0) return;
    if (k === 0) {
      out.fill(0);
      return;
    }
    if (out instanceof Float64Array) {
      cblas_dgemm(ROW_MAJOR, tA, tB, n, m, k, 1, a, lda, b, ldb, 0, out, m);
    } else {
      cblas_sgemm(ROW_MAJOR, tA, tB, n, m, k, 1, a, lda, b, ldb, 0, out, m);
    }
  };
  return {
    name: "blas",
    fusedGather: false,
    matmulABt(a: M, b: M, out: M, aRows?: Int32Array) {
      const k = a.cols;
      const A = aRows ? scratch.gather(a.data, aRows, k) : a.data;
      gemm(NO_TRANS, TRANS, out.rows, b.rows, k, A, k, b.data, k, out.data);
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
      );
    },
    matmulAtB(a: M, b: M, out: M, bRows?: Int32Array) {
      const m = b.cols;
      const B = bRows ? scratch.gather(b.data, bRows, m) : b.data;
      gemm(TRANS, NO_TRANS, a.cols, m, a.rows, a.data, a.cols, B, m, out.data);
    },
    // The long elementwise loops of training (weights and gradients of
    // 153,600 values): several times faster than JavaScript's in float32.
    axpy(alpha: number, x: FloatArray, y: FloatArray) {
      if (x instanceof Float64Array) {
        lib.symbols.cblas_daxpy(x.length, alpha, x, 1, y, 1);
      } else {
        lib.symbols.cblas_saxpy(x.length, alpha, x, 1, y, 1);
      }
    },
    sumSquares(x: FloatArray) {
      return x instanceof Float64Array
        ? lib.symbols.cblas_ddot(x.length, x, 1, x, 1)
        : lib.symbols.cblas_sdot(x.length, x, 1, x, 1);
    },
    setThreads(threads: number) {
      lib.symbols.openblas_set_num_threads?.(threads);
    },
    describe() {
      const core = lib.symbols.openblas_get_corename?.();
      const threads = lib.symbols.openblas_get_num_threads?.();
      return [
        path,
        core ? `core ${Deno.UnsafePointerView.getCString(core)}` : "",
        threads ? `${threads} threads` : "",
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
 * import { loadBlas } from "./blas_backend.ts";
 *
 * const blas = loadBlas();
 * console.log(typeof blas === "string" ? blas : blas.describe());
 * ```
 */
export function loadBlas(library?: string): Backend | string {
  if (loaded === undefined) {
    if (typeof Deno?.dlopen !== "function") {
      loaded = "FFI is not available in this runtime";
    } else if (!granted({ name: "ffi" })) {
      loaded = "FFI is not permitted (run Deno with --allow-ffi)";
    } else {
      loaded = open(library ? [library] : candidates());
    }
  }
  return loaded;
}
