// The one training loop: epochs when N / batchSize is not whole (the
// workbook's rule and epochEnd "ceil"), checks before anything changes, the
// asynchronous driver, resuming after a device failure, one run per
// network, and a report that throws (issues 17, 18 and 23).
import assert from "node:assert/strict";
import {
  type FloatArray,
  Matrix,
  PARAM_NAMES,
  RandomState,
  type TrainCheckpoint,
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

Deno.test("epochs of a non-whole N / batchSize: the workbook's it % 6.25 == 0, or epochEnd ceil", () => {
  const { X, y, XVal, yVal } = problem(50);
  const run = (options: TrainOptions) => {
    const seen: TrainProgress[] = [];
    const stats = trainNetwork(net(), X, y, XVal, yVal, {
      ...OPTIONS,
      ...options,
      rng: new RandomState(2),
      onProgress: (p) => seen.push(p),
    });
    const ends = seen.filter((p) => p.valAcc !== undefined).map((p) =>
      p.iteration - 1
    );
    return { seen, stats, ends };
  };
  // The workbook's rule: 50 / 8 = 6.25 = 25 / 4 divides 0 and 25 only.
  const workbook = run({});
  assert.deepEqual(workbook.ends, [0, 25]);
  assert.deepEqual(workbook.stats.settings.epochEnd, undefined);
  // ⌈6.25 k⌉ = 0, 7, 13, 19, 25, 32, 38.
  const ceil = run({ epochEnd: "ceil" });
  assert.deepEqual(ceil.ends, [0, 7, 13, 19, 25, 32, 38]);
  assert.equal(ceil.stats.valAccHistory.length, 7);
  assert.equal(ceil.stats.settings.epochEnd, "ceil");
  // The rate halves after each epoch's own step.
  assert.deepEqual(
    [0, 1, 7, 8, 13, 14].map((it) => ceil.seen[it].learningRate),
    [0.5, 0.25, 0.25, 0.125, 0.125, 0.0625],
  );
  // The first iteration is the same in both; then the rates part.
  assert.equal(workbook.stats.lossHistory[1], ceil.stats.lossHistory[1]);
  assert.notEqual(workbook.stats.lossHistory[39], ceil.stats.lossHistory[39]);
});

Deno.test("early stopping under the workbook's rule with a non-whole N / batchSize is refused before training", () => {
  const { X, y, XVal, yVal } = problem(1000);
  const fresh = net();
  const before = fresh.params.W1.data.slice();
  const rng = new RandomState(4);
  const stream = rng.getState();
  assert.throws(
    () =>
      fresh.train(X, y, XVal, yVal, {
        batchSize: 128,
        earlyStopping: { patience: 3 },
        rng,
      }),
    {
      name: "RangeError",
      message:
        'earlyStopping compares epochs, but N / batchSize = 1000 / 128 = 7.8125 is not whole: under epochEnd "workbook" (the default, the workbook\'s it % (N / batchSize) == 0) the first epoch after iteration 0 would end at iteration 125; pass epochEnd: "ceil" to end epoch k at iteration ⌈k N / batchSize⌉ (the first at iteration 8), or a batchSize that divides N',
    },
  );
  assert.deepEqual(fresh.params.W1.data, before);
  assert.deepEqual(rng.getState(), stream);
  // A whole N / batchSize, and epochEnd "ceil", are fine.
  fresh.train(X, y, XVal, yVal, {
    batchSize: 125,
    numIters: 3,
    earlyStopping: { patience: 3 },
  });
  assert.throws(
    () => fresh.train(X, y, XVal, yVal, { epochEnd: "round" as "ceil" }),
    /^RangeError: epochEnd must be "workbook" or "ceil", got "round"$/,
  );
});

Deno.test("early stopping with batch 128 on 1,000 rows and epochEnd ceil keeps the best epoch", () => {
  // 1000 / 128 = 7.8125: the workbook's rule ends epochs 125 apart (and
  // is refused with early stopping); ceil's end 7 or 8 apart.
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
    epochEnd: "ceil",
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
    [new Matrix(30, 5), yVal, {}, /XVal must be N x 6, got 30 x 5/],
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
      { earlyStopping: { patience: 2 }, epochEnd: "ceil" },
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

Deno.test("a device failure keeps the last span's weights and resumes to the same end", async () => {
  const { X, y, XVal, yVal } = problem(50);
  const options: TrainOptions = {
    ...OPTIONS,
    optimizer: "adam",
    learningRate: 0.05,
    epochEnd: "ceil",
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
        snapshots.set(p.iteration, failing.params.W1.data.slice());
      },
    },
    (run) => new FlakyStep(run, 23),
  ).then(() => undefined, (e) => e);
  assert.ok(error instanceof TrainingInterrupted, String(error));
  // The weights come back after every span, here one iteration: the
  // checkpoint is where the device stopped, mid-epoch (epochs end at 0, 7,
  // 13, 19, 25).
  assert.match(
    error.message,
    /^the device was lost; training stopped after iteration 23 of 40: the network holds the weights of that point, and \{ resumeFrom: error.checkpoint \} continues from there, on any backend$/,
  );
  assert.equal(error.checkpoint.iteration, 23);
  assert.equal(error.checkpoint.lossHistory.length, 23);
  assert.equal(error.checkpoint.valAccHistory.length, 4);
  assert.deepEqual(failing.params.W1.data, snapshots.get(23));

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
    /^RangeError: resumeFrom.params must be the parameters of a network of this size \(float arrays of 24, 4, 12, 3 values\), got arrays of 48, 8, 24, 3 values$/,
  );
  assert.throws(
    () =>
      net().train(X, y, XVal, yVal, {
        ...OPTIONS,
        numIters: 5,
        resumeFrom: checkpoint,
      }),
    /resumeFrom.iteration must be 0..numIters \(5\) with one loss per iteration, got 10/,
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

/** A checkpoint of a momentum run with early stopping, stopped at 23. */
async function checkpointAt23(): Promise<TrainCheckpoint> {
  const { X, y, XVal, yVal } = problem(50);
  const error = await trainWithStep(
    net(),
    X,
    y,
    XVal,
    yVal,
    { ...RESUMABLE, rng: new RandomState(2) },
    (run) => new FlakyStep(run, 23),
  ).then(() => undefined, (e) => e as TrainingInterrupted);
  return error!.checkpoint;
}

const RESUMABLE: TrainOptions = {
  ...OPTIONS,
  momentum: 0.9,
  epochEnd: "ceil",
  earlyStopping: { patience: 100 },
};

Deno.test("a corrupt or mismatched checkpoint is refused whole, before anything changes", async () => {
  const { X, y, XVal, yVal } = problem(50);
  const good = await checkpointAt23();
  // Epochs end at 0, 7, 13, 19 in its 23 iterations.
  assert.equal(good.valAccHistory.length, 4);
  const W1 = (c: TrainCheckpoint) => c.params[0];
  const nanW1 = W1(good).slice();
  nanW1[3] = NaN;
  const cases: [Partial<TrainCheckpoint>, TrainOptions, string][] = [
    // A momentum checkpoint resumed with Adam.
    [
      {},
      { momentum: undefined, optimizer: "adam" },
      `resumeFrom.optimizer does not fit "adam" on these parameters: expected 4 + 4 arrays of the parameters' sizes, got 4 + 0`,
    ],
    [
      { rng: { ...good.rng, key: new Uint32Array(10) } },
      {},
      "resumeFrom.rng: RandomState snapshot key must hold 624 integers in 0..2**32-1, got 10 values",
    ],
    [
      { optimizer: { step: 23, first: "x", second: [] } as never },
      {},
      'resumeFrom.optimizer.first must be an array (of one array per parameter, or none), got "x"',
    ],
    [
      {
        best: {
          ...good.best!,
          params: [new Float64Array(96), ...good.best!.params.slice(1)],
        },
      },
      {},
      "resumeFrom.best.params must be the parameters of a network of this size (float arrays of 48, 8, 24, 3 values), got arrays of 96, 8, 24, 3 values",
    ],
    [
      {
        best: {
          ...good.best!,
          params: [new Float64Array(10), ...good.best!.params.slice(1)],
        },
      },
      {},
      "resumeFrom.best.params must be the parameters of a network of this size (float arrays of 48, 8, 24, 3 values), got arrays of 10, 8, 24, 3 values",
    ],
    [
      { learningRate: -5 },
      {},
      "resumeFrom.learningRate must be a positive finite number, got -5",
    ],
    [
      { rng: { ...good.rng, pos: NaN } },
      {},
      "resumeFrom.rng: RandomState snapshot pos must be an integer in 0..624, got NaN",
    ],
    [
      { rng: { ...good.rng, key: new Uint32Array(624) } },
      {},
      "resumeFrom.rng: RandomState snapshot key is all zeros, from which the Mersenne Twister draws only zeros",
    ],
    [
      { valAccHistory: Array(53).fill(0.5) },
      {},
      'resumeFrom.valAccHistory must hold one accuracy per epoch ended in its 23 iterations (4 with epochEnd "ceil", N 50 and batchSize 8), got 53',
    ],
    [
      { trainAccHistory: [0.5, 1.5, 0.5, 0.5] },
      {},
      "resumeFrom.trainAccHistory must hold accuracies in [0, 1], but entry 1 is 1.5",
    ],
    [
      { params: [nanW1, ...good.params.slice(1)] },
      {},
      "resumeFrom.params[0] (W1) must hold finite numbers, but element 3 is NaN",
    ],
    [
      { lossHistory: [1, 1, NaN, ...good.lossHistory.slice(3)] },
      {},
      "resumeFrom.lossHistory must hold finite losses, but entry 2 is NaN",
    ],
    [
      { optimizer: { ...good.optimizer, step: 5 } },
      {},
      "resumeFrom.optimizer.step must be resumeFrom.iteration (23), the updates made, got 5",
    ],
    [
      {
        optimizer: {
          ...good.optimizer,
          first: [
            good.optimizer.first[0],
            Float64Array.of(NaN, ...good.optimizer.first[1].slice(1)),
            ...good.optimizer.first.slice(2),
          ],
        },
      },
      {},
      "resumeFrom.optimizer.first[1] must hold finite numbers, but element 0 is NaN",
    ],
    [
      { best: { ...good.best!, epoch: 4 } },
      {},
      `resumeFrom.best must name one of its 4 epochs with that epoch's validation accuracy, got epoch 4 with ${
        good.best!.valAcc
      }`,
    ],
    [
      {},
      { earlyStopping: undefined },
      "resumeFrom.best is early stopping's state, but these options have no earlyStopping: pass the options of the interrupted run",
    ],
    // The same checkpoint under the workbook's rule (50 / 8 = 6.25): its
    // 23 iterations end one epoch, not four.
    [
      {},
      { epochEnd: undefined, earlyStopping: undefined },
      'resumeFrom.trainAccHistory must hold one accuracy per epoch ended in its 23 iterations (1 with epochEnd "workbook", N 50 and batchSize 8), got 4',
    ],
  ];
  for (const [change, options, message] of cases) {
    const fresh = net();
    const before = fresh.params.W1.data.slice();
    const rng = new RandomState(9);
    const stream = rng.getState();
    const resumeFrom = { ...good, ...change };
    const all = { ...RESUMABLE, ...options, rng, resumeFrom };
    assert.throws(
      () => fresh.train(X, y, XVal, yVal, all),
      (e: Error) => e instanceof RangeError && e.message === message,
      message,
    );
    await assert.rejects(
      () => fresh.trainAsync(X, y, XVal, yVal, all),
      (e: Error) => e.message === message,
    );
    assert.deepEqual(fresh.params.W1.data, before, message);
    assert.deepEqual(rng.getState(), stream, message);
  }
  assert.throws(
    () =>
      net().train(X, y, XVal, yVal, {
        ...RESUMABLE,
        resumeFrom: 5 as unknown as TrainCheckpoint,
      }),
    /^TypeError: resumeFrom must be a checkpoint \(TrainingInterrupted's checkpoint\), got 5$/,
  );
  // The good one resumes.
  const resumed = net().train(X, y, XVal, yVal, {
    ...RESUMABLE,
    resumeFrom: good,
  });
  assert.equal(resumed.lossHistory.length, 40);
});

Deno.test("a device step that cannot start leaves a resumed network and its stream as they were", async () => {
  const { X, y, XVal, yVal } = problem(50);
  const good = await checkpointAt23();
  const fresh = net();
  const before = fresh.params.W1.data.slice();
  const rng = new RandomState(9);
  const stream = rng.getState();
  let seen: FloatArray | undefined;
  await assert.rejects(
    () =>
      trainWithStep(
        fresh,
        X,
        y,
        XVal,
        yVal,
        { ...RESUMABLE, rng, resumeFrom: good },
        (run) => {
          // The step is made from the checkpoint's weights...
          seen = run.net.params.W1.data.slice();
          return Promise.reject(new Error("no adapter"));
        },
      ),
    /^Error: no adapter$/,
  );
  assert.deepEqual(seen, good.params[0]);
  // ...and they go back when it fails.
  assert.deepEqual(fresh.params.W1.data, before);
  assert.deepEqual(rng.getState(), stream);
  // Nor does the network stay marked as training.
  assert.equal(fresh.train(X, y, XVal, yVal, OPTIONS).lossHistory.length, 40);
});

const BUSY =
  "this network is already training (an earlier train or trainAsync call on it has not finished): await that call before training the network again, or train a copy (net.clone())";

Deno.test("one training at a time per network: a second trainAsync, or train from a timer or onProgress, is refused", async () => {
  const { X, y, XVal, yVal } = problem(400);
  const options = { ...OPTIONS, numIters: 10000, batchSize: 50 };
  const solo = net();
  const expected = solo.train(X, y, XVal, yVal, {
    ...options,
    rng: new RandomState(7),
  });

  const shared = net();
  const refusals: string[] = [];
  const refused = (e: unknown) => refusals.push((e as Error).message);
  // A timer that fires while the run trains (it yields every 100 ms).
  setTimeout(() => {
    try {
      shared.train(X, y, XVal, yVal, options);
    } catch (e) {
      refused(e);
    }
  }, 0);
  const first = shared.trainAsync(X, y, XVal, yVal, {
    ...options,
    rng: new RandomState(7),
    onProgress: (p) => {
      if (p.iteration !== 5) return;
      try {
        shared.train(X, y, XVal, yVal, options);
      } catch (e) {
        refused(e);
      }
    },
  });
  // Called before the first has finished.
  await assert.rejects(
    () => shared.trainAsync(X, y, XVal, yVal, options),
    (e: Error) => e.message === BUSY,
  );
  const stats = await first;
  assert.deepEqual(refusals, [BUSY, BUSY]);
  // The refusals changed nothing: the run is the solo run.
  assert.deepEqual(stats, expected);
  assert.deepEqual(shared.params, solo.params);
  // Once it has finished, the network trains again.
  assert.equal(
    (await shared.trainAsync(X, y, XVal, yVal, { ...options, numIters: 3 }))
      .lossHistory.length,
    3,
  );
});

Deno.test("train from its own onProgress is refused, and the refusal stops that run", () => {
  const { X, y, XVal, yVal } = problem(50);
  const n = net();
  assert.throws(
    () =>
      n.train(X, y, XVal, yVal, {
        ...OPTIONS,
        onProgress: () => n.train(X, y, XVal, yVal, OPTIONS),
      }),
    (e: Error) => e.message === BUSY,
  );
  assert.equal(n.train(X, y, XVal, yVal, OPTIONS).lossHistory.length, 40);
});

/**
 * A device-like step on the CPU: spans of up to 16 iterations, weights
 * read back after each, and `restore`, as the WebGPU step has them.
 */
class SpanStep implements TrainingStep {
  readonly maxSpan = 16;
  readonly isAsync = true;
  readonly #run: TrainingRun;
  #cpu: CpuStep;
  constructor(run: TrainingRun) {
    this.#run = run;
    this.#cpu = new CpuStep(run);
  }
  run(span: TrainingSpan): Promise<SpanResult> {
    const losses: number[] = [];
    let last: SpanResult = { losses: [] };
    span.batches.forEach((batch, j) => {
      last = this.#cpu.run({
        ...span,
        first: span.first + j,
        batches: [batch],
        epochEnd: span.epochEnd && j === span.batches.length - 1,
      });
      losses.push(last.losses[0]);
    });
    return Promise.resolve({ ...last, losses });
  }
  sync() {
    return Promise.resolve(this.#cpu.sync());
  }
  restore(checkpoint: TrainCheckpoint) {
    const { net, options } = this.#run;
    PARAM_NAMES.forEach((name, k) => {
      const p = net.params[name];
      ("data" in p ? p.data : p).set(checkpoint.params[k]);
    });
    this.#cpu = new CpuStep({
      ...this.#run,
      options: { ...options, resumeFrom: checkpoint },
    });
  }
  dispose() {}
}

Deno.test("a report that throws inside a device's span leaves that iteration's weights and stream, as on the CPU", async () => {
  const { X, y, XVal, yVal } = problem(50);
  // Epochs end at 0, 7, 13, 19, 25 (0-based): the spans are [1, 8),
  // [8, 14), [14, 20), ... Report 17 (iteration 16) and report 10 fall
  // inside a span, report 20 ends one.
  const options: TrainOptions = {
    ...OPTIONS,
    optimizer: "adam",
    learningRate: 0.05,
    epochEnd: "ceil",
  };
  for (const stopAt of [17, 10, 20]) {
    const onProgress: TrainOptions["onProgress"] = (p) => {
      if (p.iteration === stopAt) throw new Error(`stop at ${stopAt}`);
    };
    const cpu = net(), cpuRng = new RandomState(2);
    assert.throws(
      () =>
        cpu.train(X, y, XVal, yVal, { ...options, onProgress, rng: cpuRng }),
      new RegExp(`^Error: stop at ${stopAt}$`),
    );
    const device = net(), deviceRng = new RandomState(2);
    await assert.rejects(
      () =>
        trainWithStep(
          device,
          X,
          y,
          XVal,
          yVal,
          { ...options, onProgress, rng: deviceRng },
          (run) => new SpanStep(run),
        ),
      new RegExp(`^Error: stop at ${stopAt}$`),
    );
    assert.deepEqual(device.params, cpu.params, `stopped at ${stopAt}`);
    assert.deepEqual(deviceRng.getState(), cpuRng.getState());
  }
});
