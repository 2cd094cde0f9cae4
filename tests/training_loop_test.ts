// The one training loop: epochs when N / batchSize is not whole, checks
// before anything changes, the asynchronous driver, and resuming after a
// device failure (issues 17 and 18).
import assert from "node:assert/strict";
import {
  type FloatArray,
  Matrix,
  RandomState,
  TrainingInterrupted,
  trainNetwork,
  trainNetworkAsync,
  type TrainOptions,
  type TrainProgress,
  TwoLayerNet,
} from "../mod.ts";
import { DeviceFailure } from "../src/core/training.ts";
import {
  CpuStep,
  type SpanResult,
  type TrainingRun,
  type TrainingSpan,
  type TrainingStep,
  trainWithStep,
} from "../src/nn/trainer.ts";

function problem(n: number, seed = 5) {
  const rng = new RandomState(seed);
  const X = new Matrix(n, 6, rng.randn(n * 6));
  const y = rng.randint(0, 3, n);
  const XVal = new Matrix(30, 6, rng.randn(30 * 6));
  const yVal = rng.randint(0, 3, 30);
  return { X, y, XVal, yVal };
}

const net = () =>
  new TwoLayerNet(6, 8, 3, {
    std: 0.1,
    rng: new RandomState(1),
    loss: "softmax",
  });

const OPTIONS: TrainOptions = {
  learningRate: 0.5,
  learningRateDecay: 0.5,
  numIters: 40,
  batchSize: 8,
};

Deno.test("epochs of a non-whole N / batchSize end where k epochs of rows are drawn", () => {
  // 50 / 8 = 6.25 iterations per epoch: ends at ⌈6.25 k⌉ = 0, 7, 13, 19, 25, 32, 38.
  const { X, y, XVal, yVal } = problem(50);
  const seen: TrainProgress[] = [];
  const stats = trainNetwork(net(), X, y, XVal, yVal, {
    ...OPTIONS,
    rng: new RandomState(2),
    onProgress: (p) => seen.push(p),
  });
  const ends = seen.filter((p) => p.valAcc !== undefined).map((p) =>
    p.iteration - 1
  );
  assert.deepEqual(ends, [0, 7, 13, 19, 25, 32, 38]);
  assert.equal(stats.valAccHistory.length, 7);
  // The rate halves after each epoch's own step.
  assert.deepEqual(
    [0, 1, 7, 8, 13, 14].map((it) => seen[it].learningRate),
    [0.5, 0.25, 0.25, 0.125, 0.125, 0.0625],
  );
});

Deno.test("early stopping with batch 128 on 1,000 rows keeps the best epoch, not the first step", () => {
  // 1000 / 128 = 7.8125: the old rule saw one epoch only (it = 0) and
  // "restored" the weights after one step.
  const rng = new RandomState(3);
  const X = new Matrix(1000, 6, rng.randn(6000));
  const w = rng.randn(18);
  const y = Int32Array.from({ length: 1000 }, (_, i) => {
    const s = [0, 1, 2].map((c) =>
      [0, 1, 2, 3, 4, 5].reduce((a, j) => a + X.get(i, j) * w[c * 6 + j], 0)
    );
    return s.indexOf(Math.max(...s));
  });
  const XVal = new Matrix(200, 6, X.data.slice(0, 1200));
  const yVal = y.slice(0, 200);
  const snapshots: FloatArray[] = [];
  const trained = net();
  const stats = trained.train(X, y, XVal, yVal, {
    learningRate: 0.2,
    learningRateDecay: 0.95,
    numIters: 300,
    batchSize: 128,
    rng: new RandomState(4),
    earlyStopping: { patience: 50 },
    onProgress: (p) => {
      if (p.valAcc !== undefined) {
        snapshots.push(trained.params.W1.data.slice());
      }
    },
  });
  // ⌈7.8125 k⌉ for k = 0..38: 39 epochs in 300 iterations.
  assert.equal(stats.valAccHistory.length, 39);
  assert.ok(stats.bestEpoch! > 5, `best epoch ${stats.bestEpoch}`);
  assert.ok(Math.max(...stats.valAccHistory) > 0.8);
  assert.deepEqual(trained.params.W1.data, snapshots[stats.bestEpoch!]);
});

Deno.test("bad validation data is refused before any weight changes", () => {
  const { X, y, XVal, yVal } = problem(50);
  const cases: [Matrix, ArrayLike<number>, TrainOptions, RegExp][] = [
    [new Matrix(30, 5), yVal, {}, /XVal must be N x 6 like X, got 30 x 5/],
    [
      (() => {
        const m = XVal.clone();
        m.set(3, 2, NaN);
        return m;
      })(),
      yVal,
      {},
      /XVal must hold finite numbers, but element \(3, 2\) is NaN/,
    ],
    [
      new Matrix(0, 6),
      [],
      { earlyStopping: { patience: 2 } },
      /earlyStopping needs a validation set of at least one row to compare epochs, got XVal with 0 rows/,
    ],
    [
      XVal,
      [...yVal].slice(1),
      {},
      /expected 30 labels \(one per row\), got 29/,
    ],
    [
      XVal,
      yVal,
      { batchSize: 1e9 },
      /a minibatch \(batchSize x inputSize = 1000000000 x 6\) needs 6000000000 values \(44\.7 GiB\), over the limit of 4 GiB for one array/,
    ],
    [
      XVal,
      yVal,
      { verbose: 1 as unknown as boolean },
      /verbose must be true or false, got 1/,
    ],
    [
      XVal,
      yVal,
      { numIters: "2000" as unknown as number },
      /numIters must be a non-negative integer, got "2000"/,
    ],
  ];
  for (const [Xv, yv, options, message] of cases) {
    const fresh = net();
    const before = fresh.params.W1.data.slice();
    assert.throws(
      () => fresh.train(X, y, Xv, yv, { ...OPTIONS, ...options }),
      message,
    );
    assert.deepEqual(fresh.params.W1.data, before);
  }
});

Deno.test("trainAsync gives train's numbers and lets timers run while it trains", async () => {
  const { X, y, XVal, yVal } = problem(400);
  const options = { ...OPTIONS, numIters: 10000, batchSize: 50 };
  const sync = net();
  const expected = sync.train(X, y, XVal, yVal, {
    ...options,
    rng: new RandomState(7),
  });
  // A timer set before the run fires while it trains (it takes far more
  // than the 100 ms between turns of the event loop).
  let iteration = 0;
  let firedAt: number | undefined;
  setTimeout(() => firedAt = iteration, 0);
  const asyncNet = net();
  const stats = await asyncNet.trainAsync(X, y, XVal, yVal, {
    ...options,
    rng: new RandomState(7),
    onProgress: (p) => iteration = p.iteration,
  });
  assert.deepEqual(stats, expected);
  assert.deepEqual(asyncNet.params, sync.params);
  assert.ok(
    firedAt !== undefined && firedAt < options.numIters,
    `the timer fired at iteration ${firedAt} of ${options.numIters}`,
  );
});

/** The CPU step behind an asynchronous face, failing on one span. */
class FlakyStep implements TrainingStep {
  readonly maxSpan = 1;
  readonly isAsync = true;
  readonly #cpu: CpuStep;
  readonly #failAt: number;
  constructor(run: TrainingRun, failAt: number) {
    this.#cpu = new CpuStep(run);
    this.#failAt = failAt;
  }
  run(span: TrainingSpan): Promise<SpanResult> {
    if (span.first === this.#failAt) {
      return Promise.reject(new DeviceFailure("the device was lost"));
    }
    return Promise.resolve(this.#cpu.run(span));
  }
  sync() {
    return Promise.resolve(this.#cpu.sync());
  }
  dispose() {}
}

Deno.test("a device failure keeps the last epoch's weights and resumes to the same end", async () => {
  const { X, y, XVal, yVal } = problem(50);
  const options: TrainOptions = {
    ...OPTIONS,
    optimizer: "adam",
    learningRate: 0.05,
    earlyStopping: { patience: 100 },
  };
  const whole = net();
  const expected = whole.train(X, y, XVal, yVal, {
    ...options,
    rng: new RandomState(2),
  });

  const failing = net();
  const snapshots = new Map<number, FloatArray>();
  const error = await trainWithStep(
    failing,
    X,
    y,
    XVal,
    yVal,
    {
      ...options,
      rng: new RandomState(2),
      onProgress: (p) => {
        if (p.valAcc !== undefined) {
          snapshots.set(p.iteration, failing.params.W1.data.slice());
        }
      },
    },
    (run) => new FlakyStep(run, 23),
  ).then(() => undefined, (e) => e);
  assert.ok(error instanceof TrainingInterrupted, String(error));
  // Epochs end at 0, 7, 13, 19, 25: the last finished one before 23 is 19.
  assert.match(
    error.message,
    /^the device was lost; training stopped after iteration 20 of 40: the network holds the weights of that point, and \{ resumeFrom: error.checkpoint \} continues from there, on any backend$/,
  );
  assert.equal(error.checkpoint.iteration, 20);
  assert.equal(error.checkpoint.lossHistory.length, 20);
  assert.deepEqual(failing.params.W1.data, snapshots.get(20));

  // Resumed on the CPU, the run ends exactly where the whole run ended.
  const resumed = await failing.trainAsync(X, y, XVal, yVal, {
    ...options,
    rng: new RandomState(99),
    resumeFrom: error.checkpoint,
  });
  assert.deepEqual(resumed.lossHistory, expected.lossHistory);
  assert.deepEqual(resumed.valAccHistory, expected.valAccHistory);
  assert.equal(resumed.bestEpoch, expected.bestEpoch);
  assert.deepEqual(failing.params, whole.params);
});

Deno.test("a checkpoint of another size or past numIters is refused", async () => {
  const { X, y, XVal, yVal } = problem(50);
  const error = await trainWithStep(
    net(),
    X,
    y,
    XVal,
    yVal,
    { ...OPTIONS, rng: new RandomState(2) },
    (run) => new FlakyStep(run, 10),
  ).then(() => undefined, (e) => e as TrainingInterrupted);
  const checkpoint = error!.checkpoint;
  const small = new TwoLayerNet(6, 4, 3, { rng: new RandomState(0) });
  assert.throws(
    () => small.train(X, y, XVal, yVal, { ...OPTIONS, resumeFrom: checkpoint }),
    /resumeFrom must be a checkpoint of a network of this size \(parameters of 24, 4, 12, 3 values\)/,
  );
  assert.throws(
    () =>
      net().train(X, y, XVal, yVal, {
        ...OPTIONS,
        numIters: 5,
        resumeFrom: checkpoint,
      }),
    /resumeFrom.iteration must be 0..numIters \(5\) with one loss per iteration, got 8/,
  );
});

Deno.test("trainNetworkAsync trains any Trainable with the CPU step", async () => {
  const { X, y, XVal, yVal } = problem(50);
  const stats = await trainNetworkAsync(net(), X, y, XVal, yVal, {
    ...OPTIONS,
    rng: new RandomState(2),
  });
  assert.equal(stats.lossHistory.length, 40);
});
