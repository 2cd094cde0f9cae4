import assert from "node:assert/strict";
import {
  availableBackends,
  type DType,
  getBackend,
  getThreads,
  Matrix,
  RandomState,
  setBackend,
  setThreads,
} from "../mod.ts";
import {
  addRowVector,
  firstNonFinite,
  flipShiftRows,
  kernels,
  regularize,
  reluBackwardInPlace,
  reluInPlace,
  sumColumns,
  updateParameter,
  type UpdateStep,
} from "../src/kernels/mod.ts";
import { helperJobCount } from "../src/kernels/_helper_threads.ts";
import type { FloatArray } from "../src/core/matrix.ts";

type M = Matrix<FloatArray>;

/** out[i, j] = Σₚ A(i, p) B(p, j), element by element from the definition. */
function define(
  out: M,
  k: number,
  A: (i: number, p: number) => number,
  B: (p: number, j: number) => number,
): void {
  for (let i = 0; i < out.rows; i++) {
    for (let j = 0; j < out.cols; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
      out.set(i, j, s);
    }
  }
}

// A reference independent of every backend, the TypeScript one included.
const reference = {
  matmulABt: (a: M, b: M, out: M, rows?: Int32Array) =>
    define(
      out,
      a.cols,
      (i, p) => a.get(rows ? rows[i] : i, p),
      (p, j) => b.get(j, p),
    ),
  matmulAB: (a: M, b: M, out: M) =>
    define(out, a.cols, (i, p) => a.get(i, p), (p, j) => b.get(p, j)),
  matmulAtB: (a: M, b: M, out: M, rows?: Int32Array) =>
    define(
      out,
      a.rows,
      (i, p) => a.get(p, i),
      (p, j) => b.get(rows ? rows[p] : p, j),
    ),
};

// [n, k, m]: the network's shapes, and odd sizes that leave partial
// register tiles, vector tails and empty dimensions in every direction.
const SHAPES = [
  [200, 3072, 50],
  [200, 50, 10],
  [1, 1, 1],
  [3, 5, 7],
  [5, 3, 2],
  [7, 13, 9],
  [17, 33, 11],
  [4, 8, 16],
  [9, 2, 13],
  [0, 3, 2],
  [2, 0, 3],
  [2, 3, 0],
];

// Unit roundoff of each element type.
const UNIT: Record<DType, number> = { float64: 2 ** -53, float32: 2 ** -24 };

function random(rng: RandomState, rows: number, cols: number, dtype: DType): M {
  const m = Matrix.zeros(rows, cols, dtype);
  m.data.set(rng.randn(rows * cols));
  return m;
}

function abs(m: M): M {
  const out = Matrix.zeros(m.rows, m.cols, "float64");
  for (let i = 0; i < m.data.length; i++) out.data[i] = Math.abs(m.data[i]);
  return out;
}

/**
 * Any summation order of k products is within `k u Σ|aᵢ bᵢ|` of the exact
 * sum (plus one rounding of the result), and so is the reference; so two
 * orders differ by at most twice that. `bound` holds `Σ|aᵢ bᵢ|`.
 */
function assertClose(
  what: string,
  got: M,
  want: M,
  bound: M,
  k: number,
  dtype: DType,
): void {
  const tol = 2 * (k + 2) * UNIT[dtype];
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    if (!(err <= tol * bound.data[i] + Number.MIN_VALUE)) {
      assert.fail(
        `${what}: element ${i} is ${got.data[i]}, expected ${
          want.data[i]
        } within ${tol * bound.data[i]}`,
      );
    }
  }
}

for (const backend of availableBackends()) {
  for (const dtype of ["float64", "float32"] as const) {
    Deno.test(`${backend} ${dtype} products match the definition`, () => {
      const k3 = kernels(backend);
      const rng = new RandomState(42);
      for (const [n, k, m] of SHAPES) {
        const what = (op: string) => `${backend} ${dtype} ${op} ${n}x${k}x${m}`;
        // a[aRows] · bᵀ, rows drawn with repeats from a taller matrix.
        const a = random(rng, n + 3, k, dtype), b = random(rng, m, k, dtype);
        const rows = rng.choice(n + 3, n);
        const got = Matrix.zeros(n, m, dtype), want = Matrix.zeros(n, m, dtype);
        const bound = Matrix.zeros(n, m);
        k3.matmulABt(a, b, got, rows);
        reference.matmulABt(a, b, want, rows);
        reference.matmulABt(abs(a), abs(b), bound, rows);
        assertClose(what("matmulABt(aRows)"), got, want, bound, k, dtype);

        const a2 = random(rng, n, k, dtype);
        k3.matmulABt(a2, b, got);
        reference.matmulABt(a2, b, want);
        reference.matmulABt(abs(a2), abs(b), bound);
        assertClose(what("matmulABt"), got, want, bound, k, dtype);

        const bk = random(rng, k, m, dtype);
        k3.matmulAB(a2, bk, got);
        reference.matmulAB(a2, bk, want);
        reference.matmulAB(abs(a2), abs(bk), bound);
        assertClose(what("matmulAB"), got, want, bound, k, dtype);

        // aᵀ · b[bRows] with a k x n.
        const at = random(rng, k, n, dtype),
          tall = random(rng, k + 2, m, dtype);
        const bRows = rng.choice(k + 2, k);
        k3.matmulAtB(at, tall, got, bRows);
        reference.matmulAtB(at, tall, want, bRows);
        reference.matmulAtB(abs(at), abs(tall), bound, bRows);
        assertClose(what("matmulAtB(bRows)"), got, want, bound, k, dtype);

        k3.matmulAtB(at, bk, got);
        reference.matmulAtB(at, bk, want);
        reference.matmulAtB(abs(at), abs(bk), bound);
        assertClose(what("matmulAtB"), got, want, bound, k, dtype);
      }
    });

    Deno.test(`${backend} ${dtype} elementwise kernels and gather`, () => {
      const k = kernels(backend);
      const rng = new RandomState(11);
      // 153,600 values: the size of W1 in training, past any vector tail.
      for (const n of [0, 1, 7, 153_600]) {
        const x = random(rng, 1, n, dtype).data;
        const y = random(rng, 1, n, dtype).data;
        const want = Float64Array.from(y, (v, i) => v + 0.25 * x[i]);
        k.axpy(0.25, x, y);
        // One multiply-add per element: within a rounding of each term.
        y.forEach((v, i) =>
          assert.ok(
            Math.abs(v - want[i]) <=
              4 * UNIT[dtype] * (Math.abs(want[i]) + Math.abs(0.25 * x[i])),
            `axpy[${i}] ${v} vs ${want[i]}`,
          )
        );
        const sq = Array.from(x).reduce((s, v) => s + v * v, 0);
        const got = k.sumSquares(x);
        assert.ok(
          Math.abs(got - sq) <= 2 * (n + 2) * UNIT[dtype] * sq,
          `sumSquares of ${n}: ${got} vs ${sq}`,
        );
      }
      assert.throws(
        () =>
          k.axpy(
            1,
            Matrix.zeros(1, 2, dtype).data,
            Matrix.zeros(1, 3, dtype).data,
          ),
        /axpy: x has 2 values, y has 3/,
      );
      // Huge finite values overflow Σx² (BLAS's fast check) but are finite.
      const big = Matrix.zeros(1, 1000, dtype).data.fill(
        dtype === "float64" ? 1e200 : 1e30,
      );
      assert.equal(k.allFinite(big), true);
      for (const bad of [NaN, Infinity, -Infinity]) {
        big[997] = bad;
        assert.equal(k.allFinite(big), false, `${bad} at 997`);
        assert.equal(firstNonFinite(big), 997);
        assert.equal(firstNonFinite(big, 0, 997), -1);
        big[997] = 1;
      }
      const src = random(rng, 5, 3, dtype), out = Matrix.zeros(2, 3, dtype);
      k.gatherRows(src, Int32Array.of(4, 1), out);
      assert.deepEqual(out.toRows(), [src.toRows()[4], src.toRows()[1]]);
      assert.throws(
        () => k.gatherRows(src, Int32Array.of(5), out),
        /gatherRows: row index 5 \(at 0\) outside 0\.\.4/,
      );
    });

    Deno.test(`${backend} ${dtype} rejects bad operands`, () => {
      const k3 = kernels(backend);
      const z = (r: number, c: number) => Matrix.zeros(r, c, dtype);
      assert.throws(
        () => k3.matmulABt(z(2, 3), z(4, 5), z(2, 4)),
        {
          name: "RangeError",
          message:
            "matmulABt: a 2 x 3 times (b 4 x 5)ᵀ into out 2 x 4; expected b m x 3 and out 2 x m",
        },
      );
      assert.throws(
        () => k3.matmulABt(z(2, 3), z(4, 3), z(2, 4), Int32Array.of(0)),
        { name: "RangeError", message: /a 1 x 3 .* expected .* out 1 x m/ },
      );
      assert.throws(
        () => k3.matmulABt(z(2, 3), z(4, 3), z(2, 4), Int32Array.of(0, 2)),
        {
          name: "RangeError",
          message: "matmulABt: row index 2 (at 1) outside 0..1",
        },
      );
      assert.throws(
        () => k3.matmulAB(z(2, 3), z(2, 3), z(2, 3)),
        {
          name: "RangeError",
          message:
            "matmulAB: a 2 x 3 times b 2 x 3 into out 2 x 3; expected b 3 x m and out 2 x m",
        },
      );
      assert.throws(
        () => k3.matmulAtB(z(2, 3), z(5, 4), z(3, 4), Int32Array.of(-1, 0)),
        {
          name: "RangeError",
          message: "matmulAtB: row index -1 (at 0) outside 0..4",
        },
      );
      assert.throws(
        () => k3.matmulAtB(z(2, 3), z(3, 4), z(3, 4)),
        { name: "RangeError", message: /expected b 2 x m and out 3 x m/ },
      );
      // Integer data slipped past the Matrix constructor (as from untyped
      // code) is refused before any backend reads it: never a crash.
      const bytes = {
        rows: 2,
        cols: 2,
        data: new Uint8Array(4).fill(200),
      } as unknown as Matrix;
      const message =
        /must be a Float64Array or Float32Array, got Uint8Array; convert it first/;
      assert.throws(() => k3.matmulAB(bytes, z(2, 2), z(2, 2)), message);
      assert.throws(() => k3.matmulABt(z(2, 2), z(2, 2), bytes), message);
      assert.throws(
        () => k3.gatherRows(bytes, Int32Array.of(0), z(1, 2)),
        message,
      );
      assert.throws(
        () => k3.axpy(1, bytes.data as unknown as Float64Array, z(2, 2).data),
        message,
      );
      assert.throws(
        () => k3.allFinite(bytes.data as unknown as Float64Array),
        message,
      );
      const short = { rows: 2, cols: 2, data: z(1, 2).data } as Matrix;
      assert.throws(
        () => k3.matmulAB(short, z(2, 2), z(2, 2)),
        /matmulAB: a is 2 x 2 but holds 2 values/,
      );
      const other: DType = dtype === "float64" ? "float32" : "float64";
      assert.throws(
        () => k3.matmulAB(z(2, 2), Matrix.zeros(2, 2, other), z(2, 2)),
        {
          name: "TypeError",
          message:
            `matmulAB: operands must share one element type, got a ${dtype}, b ${other}, out ${dtype}`,
        },
      );
    });
  }
}

Deno.test("the default backend can be chosen and restored", () => {
  const before = getBackend();
  try {
    for (const name of availableBackends()) {
      assert.equal(setBackend(name), name);
      assert.equal(getBackend(), name);
      assert.equal(kernels().backend, name);
    }
    assert.ok(availableBackends().includes(setBackend("auto")));
  } finally {
    setBackend(before);
  }
});

Deno.test("an unknown or unavailable backend is refused with the reason", () => {
  assert.throws(
    // @ts-expect-error: not a backend name
    () => kernels("cuda"),
    {
      name: "RangeError",
      message:
        'backend must be "auto", "blas", "wasm", "typescript" or "webgpu", got "cuda"',
    },
  );
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    assert.throws(() => kernels("blas"), {
      message:
        'backend "blas" is unavailable: FFI is not permitted (run Deno with --allow-ffi)',
    });
    assert.ok(!availableBackends().includes("blas"));
  }
});

Deno.test("relu and its gradient mask match their definition on edge values", () => {
  const edge = [
    -1,
    2,
    -0,
    0,
    NaN,
    -Infinity,
    Infinity,
    0.5,
    -3,
    1e-45,
    -1e-45,
    5e-324,
    -5e-324,
    3.4e38,
    -3.4e38,
    1e300,
    -1e300,
  ];
  // NaNs JavaScript never makes: sign bit set (as x86 arithmetic makes
  // them), or only the lowest mantissa bit set; as 32-bit words.
  const nans = {
    float32: [[0xffc00000], [0x7f800001], [0xff800001]],
    float64: [[0, 0xfff80000], [1, 0x7ff00000], [1, 0xfff00000]],
  };
  const withNans = (dtype: DType) => {
    const m = Matrix.zeros(1, edge.length + 3, dtype);
    m.data.set(edge);
    const bits = new Int32Array(m.data.buffer);
    nans[dtype].forEach((words, k) =>
      bits.set(words, (edge.length + k) * words.length)
    );
    return m;
  };
  for (const dtype of ["float64", "float32"] as const) {
    const m = withNans(dtype);
    const x = [...m.data];
    assert.equal(x.filter(Number.isNaN).length, 4);
    reluInPlace(m);
    // max(x, 0) with +0 for every x <= 0; NaN stays NaN.
    x.forEach((v, i) =>
      assert.ok(
        Object.is(m.data[i], v > 0 || Number.isNaN(v) ? v : 0),
        `${dtype} relu(${v}) gave ${m.data[i]}`,
      )
    );
    const h = withNans(dtype);
    const grad = Matrix.zeros(1, h.cols, dtype);
    grad.data.fill(-7);
    reluBackwardInPlace(grad, h);
    // The gradient is zeroed exactly where h <= 0.
    x.forEach((v, i) =>
      assert.ok(
        Object.is(grad.data[i], v <= 0 ? 0 : -7),
        `${dtype} relu gradient at h = ${v} gave ${grad.data[i]}`,
      )
    );
  }
  assert.throws(
    () =>
      reluBackwardInPlace(Matrix.zeros(1, 2), Matrix.zeros(1, 2, "float32")),
    /gradient is float64 but activation is float32/,
  );
});

/**
 * Fails, fast, at the first value where `got` and `want` differ in any bit
 * (deepEqual on arrays this long takes minutes to print its diff).
 */
function assertSameBits(got: FloatArray, want: FloatArray, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) {
      assert.fail(`${what}: value ${i} is ${got[i]}, expected ${want[i]}`);
    }
  }
}

/**
 * Fails at the first value of `got` farther from `want` than twice the
 * rounding bound of a product over `k` terms, 2 γₖ (|A||B|)ᵢⱼ with
 * γₖ = k u / (1 − k u): what two summation orders may differ by.
 */
function assertWithinProductBound(
  got: FloatArray,
  want: FloatArray,
  absProduct: Float64Array,
  k: number,
  what: string,
) {
  const u = got instanceof Float32Array ? 2 ** -24 : 2 ** -53;
  const gamma = (k * u) / (1 - k * u);
  for (let i = 0; i < got.length; i++) {
    const bound = 2 * gamma * absProduct[i];
    if (!(Math.abs(got[i] - want[i]) <= bound)) {
      assert.fail(
        `${what}: value ${i} is ${got[i]}, expected ${want[i]} within ${bound}`,
      );
    }
  }
}

/** |A||B| in float64 for the product `op(a) op(b)` that `f` computes. */
function absProduct(
  f: (a: M, b: M, out: M) => void,
  a: M,
  b: M,
  out: M,
): Float64Array {
  const abs = (m: M) => {
    const r = Matrix.zeros(m.rows, m.cols);
    m.data.forEach((v, i) => r.data[i] = Math.abs(v));
    return r;
  };
  const r = Matrix.zeros(out.rows, out.cols);
  f(abs(a), abs(b), r);
  return r.data as Float64Array;
}

for (const backend of availableBackends().filter((b) => b !== "typescript")) {
  // The workload's shapes: a minibatch of 200 rows of 3072, H 50.
  const workload = (dtype: DType) => {
    const rng = new RandomState(5);
    const X = random(rng, 300, 3072, dtype), W = random(rng, 50, 3072, dtype);
    const dh = random(rng, 200, 50, dtype), rows = rng.choice(300, 200);
    const k = kernels(backend);
    const batch = Matrix.zeros(200, 3072, dtype);
    k.gatherRows(X, rows, batch);
    const run = () => {
      const gathered = Matrix.zeros(200, 3072, dtype);
      k.gatherRows(X, rows, gathered);
      const h = Matrix.zeros(200, 50, dtype),
        hRows = Matrix.zeros(200, 50, dtype);
      k.matmulABt(batch, W, h);
      k.matmulABt(X, W, hRows, rows);
      const dW = Matrix.zeros(50, 3072, dtype),
        dWRows = Matrix.zeros(50, 3072, dtype);
      k.matmulAtB(dh, batch, dW);
      k.matmulAtB(dh, X, dWRows, rows);
      const back = Matrix.zeros(200, 3072, dtype);
      k.matmulAB(dh, W, back);
      // On an input the same at any thread count, unlike dW.
      const y = W.clone();
      k.axpy(-0.37, W.data, y.data);
      return { gathered, h, hRows, dW, dWRows, back, y };
    };
    return { X, W, dh, batch, run };
  };

  /** Runs `run` at 2 threads until helpers have run 6 jobs, at most 10 s. */
  const onHelpers = async <T>(run: () => T, check: (got: T) => void) => {
    const before = helperJobCount(), start = Date.now();
    while (helperJobCount() - before < 6) {
      if (Date.now() - start > 10_000) {
        assert.fail(`${backend}: helpers ran no job in 10 s`);
      }
      check(run());
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  Deno.test(`${backend} products at one thread count give the same bits, helpers ready or not`, async () => {
    const threads = getThreads();
    try {
      for (const dtype of ["float64", "float32"] as const) {
        const { run } = workload(dtype);
        setThreads(1);
        setThreads(2);
        // Right after setThreads no helper is ready: the caller runs
        // every slice itself, cut as helpers would run them.
        const first = run();
        await onHelpers(run, (got) => {
          for (const [name, m] of Object.entries(got)) {
            assertSameBits(
              m.data,
              first[name as keyof typeof first].data,
              `${dtype} ${name}`,
            );
          }
        });
      }
    } finally {
      setThreads(threads);
    }
  });

  Deno.test(`${backend} products on helper threads agree with one thread's`, async () => {
    const threads = getThreads();
    try {
      for (const dtype of ["float64", "float32"] as const) {
        const { W, dh, batch, run } = workload(dtype);
        setThreads(1);
        const alone = run();
        setThreads(2);
        // |A||B| of each product, for its rounding bound.
        const t = kernels("typescript");
        const bounds = {
          h: absProduct((a, b, o) => t.matmulABt(a, b, o), batch, W, alone.h),
          dW: absProduct(
            (a, b, o) => t.matmulAtB(a, b, o),
            dh,
            batch,
            alone.dW,
          ),
          back: absProduct((a, b, o) => t.matmulAB(a, b, o), dh, W, alone.back),
        };
        const products = [
          ["h", bounds.h, 3072],
          ["hRows", bounds.h, 3072],
          ["dW", bounds.dW, 200],
          ["dWRows", bounds.dW, 200],
          ["back", bounds.back, 50],
        ] as const;
        await onHelpers(run, (got) => {
          // Copies and elementwise updates: the same bits at any count.
          assertSameBits(
            got.gathered.data,
            alone.gathered.data,
            `${dtype} copy`,
          );
          for (const [name, abs, k] of products) {
            const what = `${dtype} ${name}`;
            if (backend === "blas") {
              // OpenBLAS may sum in another order for another slice shape.
              assertWithinProductBound(
                got[name].data,
                alone[name].data,
                abs,
                k,
                what,
              );
            } else {
              // Our own kernel: a row's values never depend on the split.
              assertSameBits(got[name].data, alone[name].data, what);
            }
          }
          assertSameBits(got.y.data, alone.y.data, `${dtype} axpy`);
        });
      }
    } finally {
      setThreads(threads);
    }
  });
}

Deno.test("every backend's products give NaN for 0 x NaN and 0 x Infinity, as numpy does", () => {
  for (const backend of availableBackends()) {
    for (const dtype of ["float64", "float32"] as const) {
      const k3 = kernels(backend);
      // Shapes of a weight gradient (h.T @ dscores), small and large.
      for (const [n, k, m] of [[3, 4, 2], [50, 200, 10]]) {
        const what = `${backend} ${dtype} ${n}x${k}x${m}`;
        // A holds only zeros; B one NaN at row 1 and one Infinity at row 2.
        const zerosNK = Matrix.zeros(k, n, dtype);
        const b = Matrix.zeros(k, m, dtype);
        b.data.fill(1);
        b.set(1, 0, NaN);
        b.set(2, m - 1, Infinity);
        const out = Matrix.zeros(n, m, dtype);
        k3.matmulAtB(zerosNK, b, out);
        const expected = (column: number) =>
          column === 0 || column === m - 1 ? NaN : 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            assert.ok(
              Object.is(out.get(i, j), expected(j)),
              `${what} matmulAtB [${i}, ${j}] is ${out.get(i, j)}`,
            );
          }
        }
        // The same through gathered rows (the trainer's minibatch path).
        out.data.fill(7);
        k3.matmulAtB(
          zerosNK,
          b,
          out,
          Int32Array.from({ length: k }, (_, p) => p),
        );
        assert.ok(Number.isNaN(out.get(0, 0)), `${what} matmulAtB(bRows)`);
        assert.ok(Number.isNaN(out.get(0, m - 1)), `${what} matmulAtB(bRows)`);
        // A @ B and A @ B.T with a zero A and a NaN in B.
        const outAB = Matrix.zeros(n, m, dtype);
        k3.matmulAB(Matrix.zeros(n, k, dtype), b, outAB);
        assert.ok(Number.isNaN(outAB.get(0, 0)), `${what} matmulAB`);
        const outABt = Matrix.zeros(n, k, dtype);
        k3.matmulABt(Matrix.zeros(n, m, dtype), b, outABt);
        assert.ok(Number.isNaN(outABt.get(0, 1)), `${what} matmulABt`);
      }
    }
  }
});

/** Runs `run` at 2 threads until helpers have run 6 jobs, at most 10 s. */
async function onHelpers<T>(run: () => T, check: (got: T) => void) {
  const before = helperJobCount(), start = Date.now();
  while (helperJobCount() - before < 6) {
    if (Date.now() - start > 10_000) assert.fail("helpers ran no job in 10 s");
    check(run());
    await new Promise((r) => setTimeout(r, 1));
  }
}

// The element-wise kernels of a training step: on WebAssembly and BLAS
// they run in the module on the kernel memory, split over the threads
// when large; they must give the TypeScript loops' bits at any count.
for (const backend of availableBackends().filter((b) => b !== "typescript")) {
  Deno.test(`${backend} element-wise kernels give the TypeScript loops' bits at any thread count`, async () => {
    const threads = getThreads();
    try {
      for (const dtype of ["float64", "float32"] as const) {
        const k = kernels(backend);
        const rng = new RandomState(11);
        // Two slices of chunks on two threads, a partial chunk and a tail.
        const n = 2 * 131072 + 4099;
        const fresh = (scale: number) => {
          const a = k.allocate(dtype, n);
          a.set(rng.randn(n).map((v) => scale * v));
          return a;
        };
        const w0 = fresh(0.1), g0 = fresh(1), s10 = fresh(0.01);
        const s20 = k.allocate(dtype, n);
        s20.set(rng.rand(n).map((v) => 0.01 * v));
        assert.ok(w0.buffer instanceof SharedArrayBuffer, "in kernel memory");
        const steps: UpdateStep[] = [];
        for (const rule of ["sgd", "momentum", "nesterov", "adam"] as const) {
          for (const reg of [0, 0.25]) {
            steps.push({
              rule,
              learningRate: 3e-3,
              reg,
              momentum: 0.8,
              beta1: 0.9,
              beta2: 0.999,
              epsilon: 1e-8,
              correction1: 1 - 0.9 ** 3,
              correction2: 1 - 0.999 ** 3,
            });
          }
        }
        // TypeScript's answers, on plain copies.
        const want = steps.map((step) => {
          const w = w0.slice(), s1 = s10.slice(), s2 = s20.slice();
          const squares = updateParameter(step, w, g0.slice(), s1, s2);
          return { w, s1, s2, squares };
        });
        const regG = g0.slice();
        const regSquares = regularize(0.5, w0.slice(), regG);
        const run = () =>
          steps.map((step) => {
            const w = k.allocate(dtype, n), s1 = k.allocate(dtype, n);
            const s2 = k.allocate(dtype, n);
            w.set(w0), s1.set(s10), s2.set(s20);
            const squares = k.update(step, w, g0, s1, s2);
            const g = k.allocate(dtype, n);
            g.set(g0);
            const reg = k.regularize(0.5, w0, g);
            return { w, s1, s2, squares, g, reg };
          });
        setThreads(1);
        const alone = run();
        setThreads(2);
        await onHelpers(run, (got) => {
          got.forEach((r, i) => {
            const what = `${dtype} ${steps[i].rule} reg ${steps[i].reg}`;
            assertSameBits(r.w, want[i].w, `${what} weights`);
            assertSameBits(r.s1, want[i].s1, `${what} first state`);
            assertSameBits(r.s2, want[i].s2, `${what} second state`);
            // Σ w² is summed by chunks: the same at any count, and within
            // float64 rounding of the loop's sum.
            assert.ok(Object.is(r.squares, alone[i].squares), what);
            assert.ok(
              Math.abs(r.squares - want[i].squares) <=
                n * 2 ** -52 * want[i].squares,
              `${what}: Σ w² ${r.squares} vs ${want[i].squares}`,
            );
            assertSameBits(r.g, regG, `${dtype} regularize`);
            assert.ok(Object.is(r.reg, alone[i].reg));
            assert.ok(
              Math.abs(r.reg - regSquares) <= n * 2 ** -52 * regSquares,
            );
          });
        });

        // ReLU and its gradient with column sums, on the bits: edge values
        // included; rows x cols large enough for two slices.
        const rows = 512, cols = 517;
        const edge = [0, -0, -1e-30, 1e-30, NaN, Infinity, -Infinity];
        const h0 = random(rng, rows, cols, dtype).data;
        edge.forEach((v, i) => (h0[i * 1001] = v));
        const b = rng.randn(cols).map((v) => 0.5 * v);
        const dh0 = random(rng, rows, cols, dtype).data;
        const wantH = new Matrix(rows, cols, h0.slice());
        addRowVector(wantH, dtype === "float32" ? Float32Array.from(b) : b);
        reluInPlace(wantH);
        const wantDh = new Matrix(rows, cols, dh0.slice());
        const wantSum = dtype === "float32"
          ? new Float32Array(cols)
          : new Float64Array(cols);
        reluBackwardInPlace(wantDh, wantH);
        sumColumns(wantDh, wantSum);
        // Augmentation: 400 images of 16 x 16 x 3, flips and shifts of up to 3.
        const imageShape = [16, 16, 3] as const, m = 400;
        const images = random(rng, m, 768, dtype).data;
        const flip = Uint8Array.from(rng.rand(m), (u) => (u < 0.5 ? 1 : 0));
        const dx = rng.randint(-3, 4, m), dy = rng.randint(-3, 4, m);
        const wantImages = new Matrix(m, 768, images.slice());
        flipShiftRows(wantImages, flip, dx, dy, imageShape);
        const runRows = () => {
          const h = new Matrix(rows, cols, k.allocate(dtype, rows * cols));
          h.data.set(h0);
          const bias = k.allocate(dtype, cols);
          bias.set(b);
          k.biasRelu(h, bias);
          const dh = new Matrix(rows, cols, k.allocate(dtype, rows * cols));
          dh.data.set(dh0);
          const sum = k.allocate(dtype, cols);
          k.reluBackwardSum(dh, h, sum);
          const batch = new Matrix(m, 768, k.allocate(dtype, m * 768));
          batch.data.set(images);
          k.augment(batch, flip, dx, dy, imageShape);
          return { h: h.data, dh: dh.data, sum, batch: batch.data };
        };
        await onHelpers(runRows, (got) => {
          assertSameBits(got.h, wantH.data, `${dtype} biasRelu`);
          assertSameBits(got.dh, wantDh.data, `${dtype} relu gradient`);
          assertSameBits(got.sum, wantSum, `${dtype} its column sums`);
          assertSameBits(got.batch, wantImages.data, `${dtype} augment`);
        });
      }
    } finally {
      setThreads(threads);
    }
  });
}
