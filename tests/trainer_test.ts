import assert from "node:assert/strict";
import {
  Matrix,
  RandomState,
  trainNetwork,
  type TrainProgress,
  TwoLayerNet,
} from "../mod.ts";
import { initToyData, initToyModel, TOY_LABELS, TOY_TRAINING } from "./toy.ts";

Deno.test("toy training ends at the workbook's loss", () => {
  // The workbook's cell: X, y from seed(1), then a fresh toy model (seed(0)),
  // trained on the default stream.
  const X = initToyData();
  const net = initToyModel();
  const stats = net.train(X, TOY_LABELS, X, TOY_LABELS, TOY_TRAINING);
  const last = stats.lossHistory.at(-1)!;
  assert.equal(stats.lossHistory.length, 100);
  assert.ok(Math.abs(last - 0.02950555626206818) < 1e-12, `last loss ${last}`);
  // Every iteration is an epoch when N < batch size.
  assert.equal(stats.trainAccHistory.length, 100);
  assert.equal(stats.valAccHistory.at(-1), 1);
});

function syntheticData(n: number, d: number, c: number, seed: number) {
  const rng = new RandomState(seed);
  const X = new Matrix(n, d, rng.randn(n * d));
  const y = rng.randint(0, c, n);
  return { X, y };
}

Deno.test("epochs, decay and accuracy points follow the workbook", () => {
  const { X, y } = syntheticData(50, 6, 3, 1);
  const net = new TwoLayerNet(6, 5, 3, { rng: new RandomState(2) });
  const seen: TrainProgress[] = [];
  const stats = trainNetwork(net, X, y, X, y, {
    learningRate: 1e-2,
    learningRateDecay: 0.5,
    numIters: 40,
    batchSize: 10,
    rng: new RandomState(3),
    onProgress: (p) => seen.push(p),
  });
  // 50 / 10 = 5 iterations per epoch: epochs end at it = 0, 5, ..., 35.
  const epochs = seen.filter((p) => p.valAcc !== undefined)
    .map((p) => p.iteration - 1);
  assert.deepEqual(epochs, [0, 5, 10, 15, 20, 25, 30, 35]);
  assert.equal(stats.trainAccHistory.length, 8);
  assert.equal(stats.valAccHistory.length, 8);
  assert.equal(seen.length, 40);
  // The decay applies after the epoch's own step.
  assert.deepEqual(
    seen.slice(0, 7).map((p) => p.learningRate),
    [1e-2, 5e-3, 5e-3, 5e-3, 5e-3, 5e-3, 2.5e-3],
  );
  assert.equal(seen[5].valAcc, stats.valAccHistory[1]);
});

Deno.test("CIFAR-shaped schedule: 245 iterations per epoch give 5 points in 1000", () => {
  const { X, y } = syntheticData(490, 3, 2, 4);
  const net = new TwoLayerNet(3, 2, 2, { rng: new RandomState(0) });
  const rates: number[] = [];
  const stats = trainNetwork(net, X, y, X, y, {
    learningRate: 1,
    learningRateDecay: 0.5,
    numIters: 10,
    batchSize: 2,
    rng: new RandomState(0),
    onProgress: (p) => rates.push(p.learningRate),
  });
  // 490 / 2 = 245 iterations per epoch: the only epoch end in 10 is it = 0.
  assert.equal(stats.trainAccHistory.length, 1);
  assert.deepEqual(rates, [1, ...Array(9).fill(0.5)]);
  const big = trainNetwork(
    new TwoLayerNet(3, 2, 2, { rng: new RandomState(0) }),
    X,
    y,
    X,
    y,
    { numIters: 1000, batchSize: 2, rng: new RandomState(0) },
  );
  assert.equal(big.trainAccHistory.length, 5); // 0, 245, 490, 735, 980
});

Deno.test("verbose prints every 100th iteration in the workbook's format", () => {
  const { X, y } = syntheticData(20, 4, 3, 5);
  const net = new TwoLayerNet(4, 3, 3, { rng: new RandomState(1) });
  const lines: string[] = [];
  const stats = trainNetwork(net, X, y, X, y, {
    numIters: 250,
    batchSize: 5,
    verbose: true,
    rng: new RandomState(6),
    log: (line) => lines.push(line),
  });
  assert.deepEqual(lines, [
    `iteration 0 / 250: loss ${stats.lossHistory[0]}`,
    `iteration 100 / 250: loss ${stats.lossHistory[100]}`,
    `iteration 200 / 250: loss ${stats.lossHistory[200]}`,
  ]);
});

Deno.test("the same seeds give the same run; momentum changes it", () => {
  const { X, y } = syntheticData(30, 4, 3, 7);
  const run = (momentum: number) =>
    trainNetwork(
      new TwoLayerNet(4, 6, 3, { rng: new RandomState(8), std: 0.1 }),
      X,
      y,
      X,
      y,
      { numIters: 50, batchSize: 8, rng: new RandomState(9), momentum },
    ).lossHistory;
  assert.deepEqual(run(0), run(0));
  const plain = run(0), heavy = run(0.9);
  assert.equal(plain[0], heavy[0]);
  assert.notEqual(plain[49], heavy[49]);
});

Deno.test("divergence stops at the first non-finite loss and says where", () => {
  const X = initToyData();
  const net = initToyModel();
  assert.throws(
    () =>
      net.train(X, TOY_LABELS, X, TOY_LABELS, {
        learningRate: 1e6,
        numIters: 50,
        rng: new RandomState(0),
      }),
    /loss is (NaN|Infinity) at iteration \d+ \(learning rate [\d.e+]+\); expected a finite loss, try a smaller learning rate/,
  );
});

Deno.test("bad training options and data are rejected", () => {
  const X = initToyData();
  const net = initToyModel();
  const train = (options: object, y = TOY_LABELS, Xt = X) =>
    net.train(Xt, y, X, TOY_LABELS, { rng: new RandomState(0), ...options });
  assert.throws(
    () => train({ batchSize: 0 }),
    /batchSize must be a positive integer, got 0/,
  );
  assert.throws(() => train({ batchSize: 2.5 }), /got 2.5/);
  assert.throws(
    () => train({ learningRate: -1 }),
    /learningRate must be a positive finite number, got -1/,
  );
  assert.throws(
    () => train({ numIters: -3 }),
    /numIters must be a non-negative integer, got -3/,
  );
  assert.throws(
    () => train({ momentum: 1 }),
    /momentum must be a number in \[0, 1\), got 1/,
  );
  assert.throws(() => train({}, [0, 1, 2]), /expected 5 labels/);
  assert.throws(
    () => train({}, [0, 1, 2, 9, 1]),
    /label 3 is 9; expected an integer in 0\.\.2/,
  );
  assert.throws(
    () => train({}, TOY_LABELS, new Matrix(5, 2)),
    /X must be N x 4, got 5 x 2/,
  );
  const nan = X.clone();
  nan.set(0, 0, NaN);
  assert.throws(() => train({}, TOY_LABELS, nan), /element \(0, 0\) is NaN/);
});
