import assert from "node:assert/strict";
import {
  evalNumericalGradient,
  Matrix,
  mseLoss,
  PARAM_NAMES,
  RandomState,
  relError,
  softmaxLoss,
  TwoLayerNet,
} from "../mod.ts";
import { initToyData, initToyModel, TOY_LABELS } from "./toy.ts";

const CORRECT_SCORES = [
  [-1.07260209, 0.05083871, -0.87253915],
  [-2.02778743, -0.10832494, -1.52641362],
  [-0.74225908, 0.15259725, -0.39578548],
  [-0.38172726, 0.10835902, -0.17328274],
  [-0.64417314, -0.18886813, -0.41106892],
];

Deno.test("toy scores match the workbook's to 1e-7", () => {
  const net = initToyModel();
  const scores = net.scores(initToyData());
  assert.deepEqual(scores.shape, [5, 3]);
  const diff = scores.toRows().flat().reduce(
    (sum, v, i) => sum + Math.abs(v - CORRECT_SCORES[Math.floor(i / 3)][i % 3]),
    0,
  );
  assert.ok(diff < 1e-7, `difference ${diff}`);
  // The printed values are rounded to 8 decimals: the workbook got 3.38e-8.
  assert.ok(
    Math.abs(diff - 3.381231204052648e-8) < 1e-14,
    `difference ${diff}`,
  );
});

Deno.test("toy MSE loss with reg 0.05 is the workbook's", () => {
  const { loss } = initToyModel().loss(initToyData(), TOY_LABELS, 0.05);
  assert.ok(Math.abs(loss - 1.8973332763705641) < 1e-12, `loss ${loss}`);
});

Deno.test("toy softmax loss with reg 0.05 is the corrected value", () => {
  const net = initToyModel("softmax");
  const { loss } = net.loss(initToyData(), TOY_LABELS, 0.05);
  assert.ok(Math.abs(loss - 1.071696123862817) < 1e-12, `loss ${loss}`);
});

Deno.test("analytic gradients match centred differences", async (t) => {
  for (const lossName of ["mse", "softmax"] as const) {
    await t.step(lossName, () => {
      const net = initToyModel(lossName);
      const X = initToyData();
      const { grads } = net.loss(X, TOY_LABELS, 0.05);
      for (const name of PARAM_NAMES) {
        const f = () => net.loss(X, TOY_LABELS, 0.05).loss;
        const numeric = evalNumericalGradient(f, net.params[name]);
        const error = relError(numeric, grads[name]);
        assert.ok(error < 1e-8, `${lossName} ${name} relative error ${error}`);
      }
    });
  }
});

Deno.test("b1 gradient-check error equals the workbook's", () => {
  // Same centred differences as the workbook's eval_numerical_gradient.
  const net = initToyModel();
  const X = initToyData();
  const { grads } = net.loss(X, TOY_LABELS, 0.05);
  const f = () => net.loss(X, TOY_LABELS, 0.05).loss;
  const b1 = relError(evalNumericalGradient(f, net.params.b1), grads.b1);
  assert.ok(Math.abs(b1 - 7.382451041178829e-10) < 1e-12, `b1 ${b1}`);
});

Deno.test("losses: values and gradients on a hand-worked case", () => {
  const scores = Matrix.fromRows([[1, 2, 3], [0, 0, 0]]);
  const mse = mseLoss(scores, [2, 0]);
  // ((1)² + (2)² + (2)² + (−1)²) / (2·2) = 10 / 4
  assert.equal(mse.loss, 2.5);
  assert.deepEqual(mse.dscores.toRows(), [[0.5, 1, 1], [-0.5, 0, 0]]);
  const soft = softmaxLoss(scores, [2, 0]);
  const z = Math.exp(-2) + Math.exp(-1) + 1;
  const want = (Math.log(z) + Math.log(3)) / 2;
  assert.ok(Math.abs(soft.loss - want) < 1e-15);
  assert.ok(Math.abs(soft.dscores.get(0, 2) - (1 / z - 1) / 2) < 1e-15);
  assert.ok(Math.abs(soft.dscores.get(1, 1) - 1 / 6) < 1e-15);
});

Deno.test("softmax stays finite on huge scores", () => {
  const scores = Matrix.fromRows([[1000, -1000, 0]]);
  const { loss, dscores } = softmaxLoss(scores, [1]);
  assert.equal(loss, 2000);
  assert.ok(dscores.data.every(Number.isFinite));
});

Deno.test("clone() is a snapshot that draws no random numbers", () => {
  const rng = new RandomState(5);
  const net = new TwoLayerNet(6, 4, 3, { rng, loss: "softmax" });
  const state = rng.getState();
  const copy = net.clone();
  assert.deepEqual(rng.getState(), state);
  assert.equal(copy.lossName, "softmax");
  assert.deepEqual(copy.params.W1.data, net.params.W1.data);
  copy.params.W1.data[0] += 1;
  assert.notEqual(copy.params.W1.data[0], net.params.W1.data[0]);
});

Deno.test("predict() is the argmax of scores, first index on ties", () => {
  const net = initToyModel();
  const X = initToyData();
  const scores = net.scores(X).toRows();
  const want = scores.map((row) => row.indexOf(Math.max(...row)));
  assert.deepEqual(Array.from(net.predict(X)), want);
  assert.deepEqual(
    Array.from(net.predict(X, new Int32Array([4, 0]))),
    [want[4], want[0]],
  );
});

Deno.test("bad inputs name what was expected and what was found", () => {
  const net = initToyModel();
  const X = initToyData();
  assert.throws(
    () => net.scores(new Matrix(5, 3)),
    /X must be N x 4, got 5 x 3/,
  );
  assert.throws(() => net.loss(X, [0, 1, 2], 0), /expected 5 labels.*got 3/);
  assert.throws(
    () => net.loss(X, [0, 1, 3, 2, 1], 0),
    /label 2 is 3; expected an integer in 0\.\.2/,
  );
  assert.throws(() => net.loss(X, [0, 1, -1, 2, 1], 0), /label 2 is -1/);
  const bad = X.clone();
  bad.set(3, 1, NaN);
  assert.throws(() => net.predict(bad), /element \(3, 1\) is NaN/);
  bad.set(3, 1, Infinity);
  assert.throws(() => net.scores(bad), /element \(3, 1\) is Infinity/);
  assert.throws(
    () => new TwoLayerNet(0, 10, 3),
    /inputSize must be a positive integer, got 0/,
  );
  assert.throws(
    () => new Matrix(2, 2, new Float64Array(3)),
    /needs 4 elements, got 3/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new TwoLayerNet(4, 10, 3, { loss: "hinge" as any }),
    /"mse" or "softmax", got "hinge"/,
  );
});

Deno.test("data that is no Matrix is named, from JavaScript's calls too", async () => {
  const net = initToyModel();
  const flat = initToyData().data;
  // deno-lint-ignore no-explicit-any
  const untyped = (v: unknown) => v as any;
  assert.throws(
    () => net.predict(untyped(flat)),
    /^TypeError: X must be a Matrix of N x 4 \(new Matrix\(rows, cols, data\)\), got a Float64Array of 20 values$/,
  );
  assert.throws(
    () => net.loss(untyped([[1, 2, 3, 4]]), [0], 0),
    /X must be a Matrix of N x 4 .*, got an array of 1 items/,
  );
  // Before: "expected undefined labels (one per row), got 5".
  await assert.rejects(
    () =>
      net.trainAsync(untyped(flat), TOY_LABELS, initToyData(), TOY_LABELS, {
        numIters: 1,
        batchSize: 5,
      }),
    /X must be a Matrix of N x 4 .*, got a Float64Array of 20 values/,
  );
  assert.throws(
    () =>
      new TwoLayerNet(4, 10, 3, {
        params: untyped({ ...net.params, W1: net.params.W1.data }),
      }),
    /params\.W1 must be a Matrix of 10 x 4 .*, got a Float64Array of 40 values/,
  );
});
