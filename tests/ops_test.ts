// The numpy-style operations of @twolayer/net/ops: values against the
// kernels and hand-computed results, numpy's broadcasting and its error
// messages, element types, and the workbook's forward and backward pass
// written with them against the library's network.
import assert from "node:assert/strict";
import {
  Matrix,
  mseLoss,
  RandomState,
  softmaxLoss,
  TwoLayerNet,
} from "../mod.ts";
import {
  abs,
  add,
  addScaled,
  argmax,
  div,
  exp,
  log,
  matmul,
  matmulT,
  max,
  maximum,
  mean,
  mul,
  oneHot,
  pick,
  randn,
  reluGrad,
  sub,
  sum,
  sumSquares,
  take,
  takeRows,
  tMatmul,
  transpose,
} from "../src/ops/mod.ts";

const M = (rows: number[][]) => Matrix.fromRows(rows);

Deno.test("products equal the definitions, transposes read in place", () => {
  const rng = new RandomState(3);
  const A = randn(7, 5, rng), B = randn(5, 4, rng), C = randn(6, 5, rng);
  const naive = (a: Matrix, b: Matrix) => {
    const out = new Matrix(a.rows, b.cols);
    for (let i = 0; i < a.rows; i++) {
      for (let j = 0; j < b.cols; j++) {
        let s = 0;
        for (let k = 0; k < a.cols; k++) s += a.get(i, k) * b.get(k, j);
        out.set(i, j, s);
      }
    }
    return out;
  };
  const close = (x: Matrix, y: Matrix) => {
    assert.deepEqual(x.shape, y.shape);
    x.data.forEach((v, i) => assert.ok(Math.abs(v - y.data[i]) < 1e-12));
  };
  close(matmul(A, B), naive(A, B));
  close(matmulT(A, C), naive(A, transpose(C)));
  const E = randn(7, 3, rng);
  close(tMatmul(A, E), naive(transpose(A), E));
  assert.deepEqual(transpose(M([[1, 2, 3], [4, 5, 6]])).toRows(), [
    [1, 4],
    [2, 5],
    [3, 6],
  ]);
});

Deno.test("products name numpy's expression and both shapes on a mismatch", () => {
  assert.throws(
    () => matmul(new Matrix(2, 3), new Matrix(2, 3)),
    {
      name: "RangeError",
      message:
        "matmul (numpy's A @ B): A is 2 x 3 and B is 2 x 3; the inner sizes 3 and 2 must agree",
    },
  );
  assert.throws(
    () => matmulT(new Matrix(2, 3), new Matrix(4, 2)),
    /matmulT \(numpy's A @ B\.T\): A is 2 x 3 and B is 4 x 2; the inner sizes 3 and 2 must agree/,
  );
  assert.throws(
    () => tMatmul(new Matrix(2, 3), new Matrix(3, 3)),
    /tMatmul \(numpy's A\.T @ B\): A is 2 x 3 and B is 3 x 3; the inner sizes 2 and 3 must agree/,
  );
  assert.throws(
    () => matmul(new Matrix(1, 1), Matrix.zeros(1, 1, "float32") as never),
    /matmul: A is float64 but B is float32; convert one with \.astype\(\)/,
  );
});

Deno.test("elementwise operations broadcast as numpy", () => {
  const m = M([[1, 2, 3], [4, 5, 6]]);
  // Matrix with matrix, row (1-D or 1 x C), column (N x 1), scalar.
  assert.deepEqual(sub(m, m).toRows(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(add(m, Float64Array.of(10, 20, 30)).toRows(), [
    [11, 22, 33],
    [14, 25, 36],
  ]);
  assert.deepEqual(mul(m, M([[1, 0, -1]])).toRows(), [[1, 0, -3], [4, 0, -6]]);
  assert.deepEqual(div(m, M([[1], [2]])).toRows(), [[1, 2, 3], [2, 2.5, 3]]);
  assert.deepEqual(sub(10, m).toRows(), [[9, 8, 7], [6, 5, 4]]);
  // A column against a row makes the outer result, as numpy.
  assert.deepEqual(add(M([[1], [2]]), Float64Array.of(10, 20)).toRows(), [
    [11, 21],
    [12, 22],
  ]);
  // 1-D with 1-D or a number stays 1-D.
  const v = mul(Float64Array.of(1, 2), 3);
  assert.ok(v instanceof Float64Array);
  assert.deepEqual([...v], [3, 6]);
  // The inputs are never changed.
  assert.deepEqual(m.toRows(), [[1, 2, 3], [4, 5, 6]]);
});

Deno.test("a shape that does not broadcast is numpy's error, with both shapes", () => {
  const m = new Matrix(200, 50);
  assert.throws(() => add(m, new Float64Array(10)), {
    name: "RangeError",
    message:
      "add (numpy's a + b): operands could not be broadcast together with shapes (200, 50) (10,)",
  });
  assert.throws(
    () => sub(m, new Matrix(10, 1)),
    /sub \(numpy's a - b\): operands could not be broadcast together with shapes \(200, 50\) \(10, 1\)/,
  );
  assert.throws(() => mul(2, 3 as never), {
    name: "TypeError",
    message: "mul: expected at least one array or matrix, got two numbers",
  });
  assert.throws(() => div(m, [1, 2] as never), {
    name: "TypeError",
    message:
      "div: expected a number, a Float64Array or Float32Array, or a Matrix, got an Array",
  });
});

Deno.test("element types: float32 stays float32, a float64 operand makes float64", () => {
  const f32 = Matrix.zeros(2, 2, "float32");
  assert.equal(add(f32, 1).dtype, "float32");
  assert.equal(add(f32, Float32Array.of(1, 2)).dtype, "float32");
  assert.equal(add(f32, Float64Array.of(1, 2) as never).dtype, "float64");
  assert.equal(exp(f32).dtype, "float32");
  assert.equal(matmulT(f32, f32).dtype, "float32");
});

Deno.test("maximum, abs, exp, log, and NaN as numpy", () => {
  const h = M([[-1, 0, 2], [NaN, -0.5, 3]]);
  const relu = maximum(0, h);
  assert.deepEqual(relu.toRows().flat().map(String), [
    "0",
    "0",
    "2",
    "NaN",
    "0",
    "3",
  ]);
  assert.deepEqual(abs(M([[-2, 3]])).toRows(), [[2, 3]]);
  assert.deepEqual(log(exp(M([[0, 1, -2]]))).toRows(), [[0, 1, -2]]);
  assert.ok(Number.isNaN(max(h)));
  assert.deepEqual([...argmax(h, 1)], [2, 0]); // the first NaN wins
});

Deno.test("reductions along an axis, with keepdims, and their errors", () => {
  const m = M([[1, 5, 3], [7, 2, 9]]);
  assert.equal(sum(m), 27);
  assert.deepEqual([...sum(m, 0)], [8, 7, 12]);
  assert.deepEqual([...sum(m, 1)], [9, 18]);
  assert.deepEqual(sum(m, 0, { keepdims: true }).shape, [1, 3]);
  assert.deepEqual(max(m, 1, { keepdims: true }).toRows(), [[5], [9]]);
  assert.deepEqual([...mean(m, 0)], [4, 3.5, 6]);
  assert.equal(mean(Float64Array.of(1, 2, 3, 6)), 3);
  assert.deepEqual([...argmax(m, 0)], [1, 0, 1]);
  assert.deepEqual([...argmax(M([[2, 2, 1]]), 1)], [0]); // first on ties
  assert.equal(sumSquares(m), 1 + 25 + 9 + 49 + 4 + 81);
  assert.throws(() => sum(m, 2 as 0), /sum: axis must be 0 or 1, got 2/);
  assert.throws(
    () => sum(m, 0, { keepDims: true } as never),
    /sum has no option "keepDims"; did you mean "keepdims"\?/,
  );
  assert.throws(
    () => max(Float64Array.of(1) as never, 0),
    /max: an axis needs a matrix, got a 1-D array/,
  );
  assert.throws(
    () => max(new Float64Array(0)),
    /max: an empty array has no maximum/,
  );
});

Deno.test("indexing: rows, labels, one element per row, one-hot", () => {
  const X = M([[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(takeRows(X, Int32Array.of(2, 2, 0)).toRows(), [
    [5, 6],
    [5, 6],
    [1, 2],
  ]);
  assert.throws(
    () => takeRows(X, [0, 3]),
    /takeRows: index 1 is 3; expected an integer in 0\.\.2/,
  );
  assert.deepEqual([...take([7, 8, 9], [1, 1])], [8, 8]);
  assert.throws(() => take([7], [0.5]), /take: index 0 is 0.5/);
  assert.deepEqual([...pick(X, [1, 0, 1])], [2, 3, 6]);
  assert.throws(
    () => pick(X, [0, 2, 0]),
    /label 1 is 2; expected an integer in 0\.\.1/,
  );
  assert.deepEqual(oneHot([1, 0], 3).toRows(), [[0, 1, 0], [1, 0, 0]]);
  assert.throws(
    () => oneHot([3], 3),
    /label 0 is 3; expected an integer in 0\.\.2/,
  );
  assert.throws(
    () => oneHot([0], 0),
    /oneHot: numClasses must be a positive integer, got 0/,
  );
});

Deno.test("randn draws numpy's stream row by row", () => {
  const rng = new RandomState(0);
  const m = randn(2, 3, rng);
  assert.deepEqual(
    Array.from(m.data),
    Array.from(new RandomState(0).randn(6)),
  );
  assert.equal(m.get(0, 0), 1.764052345967664);
  assert.throws(
    () => randn(-1, 2),
    /randn: rows must be a non-negative integer, got -1/,
  );
});

Deno.test("addScaled updates in place; reluGrad copies; shapes are checked", () => {
  const W = M([[1, 2], [3, 4]]);
  addScaled(W, -0.5, M([[2, 2], [2, 2]]));
  assert.deepEqual(W.toRows(), [[0, 1], [2, 3]]);
  const b = Float64Array.of(1, 1);
  addScaled(b, 2, Float64Array.of(1, 2));
  assert.deepEqual([...b], [3, 5]);
  assert.throws(
    () => addScaled(W, 1, new Matrix(2, 3)),
    /addScaled: target \(2, 2\) and x \(2, 3\) must have one shape/,
  );
  const dh = M([[1, 2], [3, 4]]);
  const masked = reluGrad(dh, M([[0, 1], [-1, 2]]));
  assert.deepEqual(masked.toRows(), [[0, 2], [0, 4]]);
  assert.deepEqual(dh.toRows(), [[1, 2], [3, 4]]);
  assert.throws(
    () => reluGrad(dh, new Matrix(1, 2)),
    /reluGrad: dout \(2, 2\) and h \(1, 2\) must be matrices of one shape/,
  );
});

Deno.test("addScaled over overlapping views reads x as it was, as numpy does", () => {
  // numpy: w = np.arange(1., 6); w[1:] += w[:-1] -> [1, 3, 5, 7, 9];
  // w[:-1] += w[1:] -> [3, 5, 7, 9, 5]; w[1:] += -0.5 * w[:-1] ->
  // [1, 1.5, 2, 2.5, 3].
  const cases: [number, number, number, number[]][] = [
    [1, 0, 1, [1, 3, 5, 7, 9]],
    [0, 1, 1, [3, 5, 7, 9, 5]],
    [1, 0, -0.5, [1, 1.5, 2, 2.5, 3]],
  ];
  for (const [target, source, alpha, expected] of cases) {
    for (const Type of [Float64Array, Float32Array]) {
      const w = Type.of(1, 2, 3, 4, 5);
      addScaled(
        w.subarray(target, target + 4),
        alpha,
        w.subarray(source, source + 4),
      );
      assert.deepEqual([...w], expected, `${Type.name} ${target} ${source}`);
    }
  }
  // Matrices over one buffer, rows 1..2 += rows 0..1.
  const data = Float64Array.of(1, 2, 3, 4, 5, 6);
  addScaled(
    new Matrix(2, 1, data.subarray(1, 3)),
    1,
    new Matrix(2, 1, data.subarray(0, 2)),
  );
  assert.deepEqual([...data], [1, 3, 5, 4, 5, 6]);
  // The same view as target and x: w += 2 w.
  const same = Float64Array.of(1, 2);
  addScaled(same, 2, same);
  assert.deepEqual([...same], [3, 6]);
});

Deno.test("a result too large to allocate is refused naming the operation and the shapes", () => {
  const tall = new Matrix(100_000, 1), wide = new Matrix(1, 100_000);
  const limit =
    "its (100000, 100000) result needs 10000000000 values (74.5 GiB), over the limit of 4 GiB for one array";
  const cases: [() => unknown, string][] = [
    [
      () => matmul(tall, wide),
      `matmul (numpy's A @ B) of A (100000, 1) and B (1, 100000): ${limit}`,
    ],
    [
      () => matmulT(tall, tall),
      `matmulT (numpy's A @ B.T) of A (100000, 1) and B (100000, 1): ${limit}`,
    ],
    [
      () => tMatmul(wide, wide),
      `tMatmul (numpy's A.T @ B) of A (1, 100000) and B (1, 100000): ${limit}`,
    ],
    [
      () => add(tall, new Float64Array(100_000)),
      `add (numpy's a + b) of (100000, 1) and (100000,): ${limit}`,
    ],
    [
      () => mul(new Float64Array(100_000), tall),
      `mul (numpy's a * b) of (100000,) and (100000, 1): ${limit}`,
    ],
    [
      () => oneHot(new Int32Array(100_000), 100_000),
      `oneHot of 100000 labels into 100000 classes: ${limit}`,
    ],
    [() => randn(100_000, 100_000), `randn: ${limit}`],
    [
      () => takeRows(new Matrix(2, 100_000), new Int32Array(10_000)),
      "takeRows of X (2, 100000) with 10000 indices: its (10000, 100000) result needs 1000000000 values (7.5 GiB), over the limit of 4 GiB for one array",
    ],
  ];
  for (const [op, message] of cases) {
    assert.throws(op, { name: "RangeError", message });
  }
});

Deno.test("the workbook's network written with ops equals the library's", () => {
  const rng = new RandomState(5);
  const net = new TwoLayerNet(6, 8, 3, { std: 0.5, rng });
  const X = randn(9, 6, rng), y = [0, 1, 2, 2, 1, 0, 1, 2, 0];
  const { W1, b1, W2, b2 } = net.params as {
    W1: Matrix;
    b1: Float64Array;
    W2: Matrix;
    b2: Float64Array;
  };
  const reg = 0.1;
  const h = maximum(0, add(matmulT(X, W1), b1));
  const scores = add(matmulT(h, W2), b2);
  assert.deepEqual(scores.toRows(), net.scores(X).toRows());
  assert.deepEqual([...argmax(scores, 1)], [...net.predict(X)]);
  for (
    const [name, library] of [["mse", mseLoss], [
      "softmax",
      softmaxLoss,
    ]] as const
  ) {
    const lossNet = new TwoLayerNet(6, 8, 3, {
      params: net.params,
      loss: name,
    });
    const want = lossNet.loss(X, y, reg);
    const { loss: data, dscores } = library(scores, y);
    // The MSE loss as a student writes it.
    if (name === "mse") {
      const diff = sub(scores, oneHot(y, 3));
      assert.ok(Math.abs(sumSquares(diff) / 18 - data) < 1e-15);
      assert.deepEqual(div(diff, 9).toRows(), dscores.toRows());
    } else {
      const shifted = sub(scores, max(scores, 1, { keepdims: true }));
      const logP = sub(pick(shifted, y), log(sum(exp(shifted), 1)));
      assert.ok(Math.abs(-mean(logP) - data) < 1e-15);
    }
    const loss = data + 0.5 * reg * (sumSquares(W1) + sumSquares(W2));
    assert.ok(Math.abs(loss - want.loss) < 1e-14);
    const dW2 = tMatmul(dscores, h);
    addScaled(dW2, reg, W2);
    const dh = reluGrad(matmul(dscores, W2), h);
    const dW1 = tMatmul(dh, X);
    addScaled(dW1, reg, W1);
    const grads = { W1: dW1, b1: sum(dh, 0), W2: dW2, b2: sum(dscores, 0) };
    for (const key of ["W1", "b1", "W2", "b2"] as const) {
      const got = "data" in grads[key]
        ? (grads[key] as Matrix).data
        : grads[key] as Float64Array;
      const expected = want.grads[key];
      const e = "data" in expected ? expected.data : expected;
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - e[i]) < 1e-13, `${name} ${key}`)
      );
    }
  }
});
