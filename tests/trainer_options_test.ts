import assert from "node:assert/strict";
import {
  type AugmentOptions,
  Matrix,
  RandomState,
  trainNetwork,
  type TrainOptions,
  TwoLayerNet,
} from "../mod.ts";
import { augmenter } from "../src/nn/augment.ts";

function problem(seed: number) {
  const rng = new RandomState(seed);
  const X = new Matrix(60, 6, rng.randn(60 * 6));
  const y = rng.randint(0, 3, 60);
  const XVal = new Matrix(30, 6, rng.randn(30 * 6));
  const yVal = rng.randint(0, 3, 30);
  return { X, y, XVal, yVal };
}

function run(options: TrainOptions, record?: (net: TwoLayerNet) => void) {
  const { X, y, XVal, yVal } = problem(5);
  const net = new TwoLayerNet(6, 8, 3, {
    std: 0.1,
    rng: new RandomState(1),
    loss: "softmax",
  });
  const snapshots: Float64Array[] = [];
  const stats = trainNetwork(net, X, y, XVal, yVal, {
    learningRate: 0.5,
    learningRateDecay: 1,
    numIters: 200,
    batchSize: 20,
    rng: new RandomState(2),
    onProgress: (p) => {
      if (p.valAcc !== undefined) {
        snapshots.push(Float64Array.from(net.params.W1.data));
      }
      record?.(net);
    },
    ...options,
  });
  return { net, stats, snapshots };
}

Deno.test("early stopping stops after patience epochs and keeps the best weights", () => {
  const full = run({});
  // 60 / 20 = 3 iterations per epoch: 67 epochs in 200 iterations.
  assert.equal(full.stats.valAccHistory.length, 67);
  assert.equal(full.stats.bestEpoch, undefined);
  const patience = 5;
  const { net, stats, snapshots } = run({ earlyStopping: { patience } });
  const history = stats.valAccHistory;
  // The same run up to the stop: early stopping draws no random numbers.
  assert.deepEqual(history, full.stats.valAccHistory.slice(0, history.length));
  const best = history.indexOf(Math.max(...history));
  assert.equal(stats.bestEpoch, best);
  assert.equal(stats.stoppedEpoch, best + patience);
  assert.equal(history.length, best + patience + 1);
  assert.ok(history.length < 67, `stopped at epoch ${stats.stoppedEpoch}`);
  assert.equal(stats.lossHistory.length, 3 * (history.length - 1) + 1);
  assert.deepEqual(net.params.W1.data, snapshots[best]);
  assert.notDeepEqual(net.params.W1.data, snapshots.at(-1));
});

Deno.test("early stopping without a stop still ends on the best epoch", () => {
  const { net, stats, snapshots } = run({ earlyStopping: { patience: 1000 } });
  const history = stats.valAccHistory;
  assert.equal(stats.stoppedEpoch, undefined);
  assert.equal(stats.lossHistory.length, 200);
  assert.equal(stats.bestEpoch, history.indexOf(Math.max(...history)));
  assert.deepEqual(net.params.W1.data, snapshots[stats.bestEpoch!]);
});

Deno.test("flips are reproducible, and off draws no random numbers", () => {
  const flips = { flipHorizontal: true, imageShape: [1, 3, 2] } as const;
  const a = run({ augment: flips }), b = run({ augment: flips });
  assert.deepEqual(a.stats.lossHistory, b.stats.lossHistory);
  const plain = run({});
  assert.notDeepEqual(a.stats.lossHistory, plain.stats.lossHistory);
  const off = run({ augment: { flipHorizontal: false } });
  assert.deepEqual(off.stats.lossHistory, plain.stats.lossHistory);
});

Deno.test("flips mirror pixel-major 32 x 32 x 3 rows by default", () => {
  const flip = augmenter({ flipHorizontal: true }, 3072)!;
  const row = Float64Array.from({ length: 3072 }, (_, i) => i);
  const batch = new Matrix(2, 3072, new Float64Array(6144));
  batch.data.set(row, 0);
  batch.data.set(row, 3072);
  // numpy's RandomState(1).rand(2) is [0.417, 0.720]: the first only.
  flip.augment(batch, new RandomState(1));
  const at = (n: number, r: number, c: number, k: number) =>
    batch.data[n * 3072 + (r * 32 + c) * 3 + k];
  assert.equal(at(0, 5, 0, 2), (5 * 32 + 31) * 3 + 2);
  assert.equal(at(0, 5, 31, 0), (5 * 32 + 0) * 3 + 0);
  assert.equal(at(0, 31, 16, 1), (31 * 32 + 15) * 3 + 1);
  assert.deepEqual(batch.data.subarray(3072), row);
});

Deno.test("unknown and bad training options are errors", () => {
  const bad: [TrainOptions, RegExp][] = [
    [
      { learningrate: 1 } as TrainOptions,
      /train has no option "learningrate"; did you mean "learningRate"\? Known options: learningRate, learningRateDecay,/,
    ],
    [
      { earlyStopping: { patience: 0 } },
      /patience must be a positive integer \(epochs\), got 0/,
    ],
    [
      { earlyStopping: { patience: 2, delta: 1 } as { patience: number } },
      /earlyStopping has no option "delta"/,
    ],
    [
      { augment: { flipVertical: true } as AugmentOptions },
      /augment has no option "flipVertical"/,
    ],
    [
      { augment: { flipHorizontal: true } },
      /needs imageShape .* rows of 6 values/,
    ],
    [
      { augment: { flipHorizontal: true, imageShape: [2, 2, 2] } },
      /product 6, got \[2,2,2\]/,
    ],
    [
      { optimizer: "sgd", momentum: 0.9 },
      /needs optimizer "momentum" or "nesterov"/,
    ],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => run(options), message);
  }
});

Deno.test("a run reports its settings, and net.train records them", () => {
  const want = {
    learningRate: 0.5,
    learningRateDecay: 1,
    reg: 5e-6,
    numIters: 200,
    batchSize: 20,
    optimizer: "nesterov",
    momentum: 0.9,
    earlyStopping: { patience: 3 },
  };
  const { stats } = run({
    optimizer: "nesterov",
    earlyStopping: { patience: 3 },
  });
  assert.deepEqual(stats.settings, want);
  const { X, y, XVal, yVal } = problem(5);
  const net = new TwoLayerNet(6, 8, 3, { std: 0.1, rng: new RandomState(1) });
  assert.equal(net.trainingSettings, undefined);
  net.train(X, y, XVal, yVal, {
    learningRate: 0.5,
    learningRateDecay: 1,
    numIters: 200,
    batchSize: 20,
    rng: new RandomState(2),
    optimizer: "nesterov",
    earlyStopping: { patience: 3 },
  });
  assert.deepEqual(net.trainingSettings, want);
});
