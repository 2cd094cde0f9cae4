// The WebGPU backend against the float32 CPU path (issue 18). On machines
// without a GPU these run on Mesa's software adapter (llvmpipe): right for
// correctness, never for speed. They need an adapter: without one they are
// ignored locally and fail under CI.
//
// Bounds, float32 throughout: scores and losses agree to a relative 1e-5,
// gradients to the workbook's relative error 1e-4 (sums of 3,072 products
// in another order), weights after training to 1e-5 of their largest
// magnitude, predictions exactly where the CPU's top two scores differ by
// more than 1e-4.
import assert from "node:assert/strict";
import {
  accuracy,
  chooseBackend,
  describeBackend,
  getBackend,
  getCifar10Data,
  type LossName,
  Matrix,
  type OptimizerName,
  PARAM_NAMES,
  random,
  RandomState,
  relError,
  searchHyperparameters,
  type TrainCheckpoint,
  TrainingInterrupted,
  type TrainOptions,
  TwoLayerNet,
} from "../mod.ts";
import { gpu } from "../src/kernels/_webgpu_device.ts";
import { webgpuLossAndGradients } from "../src/kernels/webgpu.ts";
import { initToyData, initToyModel, runToyCells, TOY_LABELS } from "./toy.ts";
import { epochCaseNet, EPOCHS, f64, trainEpochCase } from "./epoch_cases.ts";

const adapter = await navigator.gpu?.requestAdapter();
const missing = adapter ? undefined : "no WebGPU adapter (navigator.gpu)";
if (missing && Deno.env.get("CI")) {
  Deno.test("WebGPU tests run in CI", () => {
    assert.fail(
      `CI must run the WebGPU tests, but there is ${missing}; .ci/run installs Mesa's software drivers`,
    );
  });
} else if (missing) {
  console.warn(`WebGPU tests ignored: ${missing}`);
}
const ignore = missing !== undefined;

/** Largest |a - b| over largest |b|, for arrays of one length. */
function scaledDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

for (const loss of ["mse", "softmax"] as const) {
  Deno.test({
    name:
      `webgpu: the toy model's scores, ${loss} loss and gradients match the CPU's float32`,
    ignore,
    async fn() {
      const X = initToyData();
      const cpu = initToyModel(loss);
      const net = new TwoLayerNet(4, 10, 3, {
        loss,
        dtype: "float32",
        params: cpu.params,
      });
      const want = net.loss(X, TOY_LABELS, 0.05);
      const got = await webgpuLossAndGradients(
        net.params,
        loss,
        X,
        TOY_LABELS,
        0.05,
      );
      assert.ok(
        relError(got.scores, net.scores(X)) < 1e-5,
        `scores: ${relError(got.scores, net.scores(X))}`,
      );
      assert.ok(
        Math.abs(got.loss - want.loss) < 1e-5 * want.loss,
        `loss ${got.loss} vs ${want.loss}`,
      );
      // And the workbook's float64 values, within float32's precision.
      const reference = loss === "mse" ? 1.8973332763705641 : 1.071696123862817;
      assert.ok(Math.abs(got.loss - reference) < 1e-6, `${got.loss}`);
      for (const name of ["W1", "b1", "W2", "b2"] as const) {
        const error = relError(got.grads[name], want.grads[name]);
        assert.ok(error < 1e-4, `${name} relative error ${error}`);
      }
    },
  });
}

function synthetic(seed: number) {
  const rng = new RandomState(seed);
  const X = new Matrix(300, 12, rng.randn(300 * 12));
  const y = rng.randint(0, 4, 300);
  return { X, y };
}

const RULES: [OptimizerName, number][] = [
  ["sgd", 0.05],
  ["momentum", 0.05],
  ["nesterov", 0.05],
  ["adam", 0.01],
];

for (const [optimizer, learningRate] of RULES) {
  Deno.test({
    name:
      `webgpu: ${optimizer} trains as on the CPU (losses, accuracies, weights)`,
    ignore,
    async fn() {
      const { X, y } = synthetic(0);
      const options: TrainOptions = {
        optimizer,
        learningRate,
        numIters: 60,
        batchSize: 20,
        reg: 0.01,
        learningRateDecay: 0.9,
      };
      const make = (backend: "webgpu" | "wasm", loss: LossName) =>
        new TwoLayerNet(12, 7, 4, {
          std: 0.1,
          rng: new RandomState(1),
          loss,
          dtype: "float32",
          backend,
        });
      for (const loss of ["mse", "softmax"] as const) {
        const cpu = make("wasm", loss), gpuNet = make("webgpu", loss);
        const want = await cpu.trainAsync(X, y, X, y, {
          ...options,
          rng: new RandomState(2),
        });
        const got = await gpuNet.trainAsync(X, y, X, y, {
          ...options,
          rng: new RandomState(2),
        });
        assert.equal(got.lossHistory.length, 60);
        const lossError = relError(got.lossHistory, want.lossHistory);
        assert.ok(lossError < 1e-5, `${loss} losses: ${lossError}`);
        assert.deepEqual(got.valAccHistory, want.valAccHistory);
        assert.deepEqual(got.trainAccHistory, want.trainAccHistory);
        for (const name of ["W1", "b1", "W2", "b2"] as const) {
          const p = gpuNet.params[name], q = cpu.params[name];
          const d = scaledDifference(
            "data" in p ? p.data : p,
            "data" in q ? q.data : q,
          );
          assert.ok(d < 1e-5, `${loss} ${name}: ${d}`);
        }
      }
    },
  });
}

Deno.test({
  name: "webgpu: flips and shifts are drawn and applied as on the CPU",
  ignore,
  async fn() {
    // 300 images of 3 x 4 pixels, 1 channel.
    const { X, y } = synthetic(5);
    const options: TrainOptions = {
      learningRate: 0.05,
      numIters: 45,
      batchSize: 20,
      augment: { flipHorizontal: true, shift: 1, imageShape: [3, 4, 1] },
    };
    const make = (backend: "webgpu" | "wasm") =>
      new TwoLayerNet(12, 7, 4, {
        std: 0.1,
        rng: new RandomState(1),
        loss: "softmax",
        dtype: "float32",
        backend,
      });
    const cpu = make("wasm"), net = make("webgpu");
    const want = await cpu.trainAsync(X, y, X, y, {
      ...options,
      rng: new RandomState(2),
    });
    const got = await net.trainAsync(X, y, X, y, {
      ...options,
      rng: new RandomState(2),
    });
    const error = relError(got.lossHistory, want.lossHistory);
    assert.ok(error < 1e-5, `losses: ${error}`);
    assert.deepEqual(got.trainAccHistory, want.trainAccHistory);
    // Without the augmentation the run is another one.
    const plain = await make("webgpu").trainAsync(X, y, X, y, {
      ...options,
      augment: undefined,
      rng: new RandomState(2),
    });
    assert.ok(relError(plain.lossHistory, want.lossHistory) > 1e-3);
  },
});

Deno.test({
  name:
    "webgpu: a search puts its settings on the GPU, several at once, as on the CPU",
  ignore,
  async fn() {
    const { X, y } = synthetic(4);
    const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
    const settings = [1e-2, 5e-2, 1e-1].map((learningRate) => ({
      hiddenSize: 7,
      std: 0.1,
      loss: "softmax" as const,
      learningRate,
      numIters: 40,
      batchSize: 20,
    }));
    const one = await searchHyperparameters(data, settings, {
      backend: "webgpu",
    });
    const three = await searchHyperparameters(data, settings, {
      backend: "webgpu",
      workers: 3,
    });
    const cpu = await searchHyperparameters(data, settings, {
      backend: "wasm",
      dtype: "float32",
    });
    assert.equal(one.bestNet.backend, "webgpu");
    assert.deepEqual(
      three.rows.map((r) => r.stats.lossHistory),
      one.rows.map((r) => r.stats.lossHistory),
    );
    one.rows.forEach((row, i) => {
      const error = relError(
        row.stats.lossHistory,
        cpu.rows[i].stats.lossHistory,
      );
      assert.ok(error < 1e-5, `setting ${i}: ${error}`);
      assert.equal(row.valAcc, cpu.rows[i].valAcc);
    });
  },
});

Deno.test({
  name: "webgpu: a network there says to train with trainAsync",
  ignore,
  fn() {
    const { X, y } = synthetic(0);
    const net = new TwoLayerNet(12, 7, 4, { backend: "webgpu" });
    assert.equal(net.dtype, "float32");
    assert.throws(
      () => net.train(X, y, X, y),
      /this network trains on WebGPU, which hands results back asynchronously: call await net.trainAsync\(X, y, XVal, yVal, options\) instead of net.train\(...\)/,
    );
    assert.throws(
      () => new TwoLayerNet(12, 7, 4, { backend: "webgpu", dtype: "float64" }),
      /TwoLayerNet dtype must be "float32" on backend "webgpu" \(WGSL has no float64\), got "float64"/,
    );
  },
});

Deno.test({
  name:
    "webgpu: a lost device stops training with the last epoch's weights; it resumes on the CPU",
  ignore,
  sanitizeResources: false,
  async fn() {
    const { X, y } = synthetic(3);
    // 300 / 20 = 15 iterations per epoch.
    const options: TrainOptions = {
      optimizer: "momentum",
      learningRate: 0.05,
      numIters: 60,
      batchSize: 20,
    };
    const net = new TwoLayerNet(12, 7, 4, {
      std: 0.1,
      rng: new RandomState(1),
      backend: "webgpu",
    });
    const { device } = await gpu();
    const snapshots = new Map<number, Float32Array>();
    const error = await net.trainAsync(X, y, X, y, {
      ...options,
      rng: new RandomState(2),
      onProgress: (p) => {
        if (p.valAcc !== undefined) {
          snapshots.set(
            p.iteration,
            net.params.W1.data.slice() as Float32Array,
          );
        }
        if (p.iteration === 20) device.destroy();
      },
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof TrainingInterrupted, String(error));
    assert.match(
      error.message,
      /^the WebGPU device \(.+\) was lost \(destroyed: .*\); training stopped after iteration 31 of 60: the network holds the weights of that point/,
    );
    // Epochs end at 0, 15, 30, 45: the run read back the weights after 31.
    assert.equal(error.checkpoint.iteration, 31);
    assert.deepEqual(net.params.W1.data, snapshots.get(31));

    const cpu = net.clone({ backend: "wasm" });
    const stats = await cpu.trainAsync(X, y, X, y, {
      ...options,
      resumeFrom: error.checkpoint,
    });
    assert.equal(stats.lossHistory.length, 60);
    assert.deepEqual(
      stats.lossHistory.slice(0, 31),
      error.checkpoint.lossHistory,
    );
    assert.equal(stats.valAccHistory.length, 4);
    // A new device serves the next network.
    const again = new TwoLayerNet(12, 7, 4, { backend: "webgpu" });
    assert.equal(
      (await again.trainAsync(X, y, X, y, options)).lossHistory.length,
      60,
    );
  },
});

Deno.test({
  name: "webgpu: chooseBackend never picks a software adapter, and says why",
  ignore,
  async fn() {
    const info = adapter!.info;
    const software = /llvmpipe|lavapipe|swiftshader/i.test(info.description) ||
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    const backend = await chooseBackend();
    if (software) {
      assert.equal(backend, getBackend());
      assert.match(
        describeBackend("webgpu"),
        /^webgpu: not used: .+ is a software adapter, which runs on the CPU and is slower than the CPU backends$/,
      );
    } else {
      assert.match(describeBackend("webgpu"), /ms per training iteration/);
    }
  },
});

const data = ignore ? undefined : await getCifar10Data();

Deno.test({
  name:
    "webgpu: the workbook's first CIFAR run (49,000 rows in chunks) gives validation 0.172 ± 0.005 and the CPU's float32 losses; predict agrees",
  ignore,
  async fn() {
    const { XTrain, yTrain, XVal, yVal } = data!;
    // The notebook's cells before the run draw from the default stream.
    runToyCells();
    const stream = random.getState();
    const options: TrainOptions = {
      numIters: 1000,
      batchSize: 200,
      learningRate: 1e-5,
      learningRateDecay: 0.95,
      reg: 0.1,
    };
    const net = new TwoLayerNet(3072, 50, 10, { backend: "webgpu" });
    const got = await net.trainAsync(XTrain, yTrain, XVal, yVal, options);
    random.setState(stream);
    const cpu = new TwoLayerNet(3072, 50, 10, {
      backend: "wasm",
      dtype: "float32",
    });
    const want = await cpu.trainAsync(XTrain, yTrain, XVal, yVal, options);

    const error = relError(got.lossHistory, want.lossHistory);
    assert.ok(error < 1e-5, `losses: ${error}`);
    assert.deepEqual(got.trainAccHistory, want.trainAccHistory);
    assert.deepEqual(got.valAccHistory, want.valAccHistory);
    const predicted = await net.predictAsync(XVal);
    const valAcc = accuracy(predicted, yVal);
    assert.ok(Math.abs(valAcc - 0.172) <= 0.005, `validation ${valAcc}`);
    const scores = cpu.scores(XVal);
    const expected = cpu.predict(XVal);
    for (let i = 0; i < XVal.rows; i++) {
      const row = Array.from(scores.row(i)).sort((a, b) => b - a);
      if (row[0] - row[1] > 1e-4) {
        assert.equal(predicted[i], expected[i], `row ${i}`);
      }
    }
  },
});

Deno.test({
  name:
    "webgpu: the workbook's train loop matches numpy, whole and non-whole N / batchSize (float32)",
  ignore,
  async fn() {
    for (const c of EPOCHS.cases) {
      const what = `${c.N} / ${c.options.batchSize} ${c.epochEnd}`;
      const net = epochCaseNet(c, "webgpu", "float32");
      const { stats, ends } = await trainEpochCase(net, c);
      assert.deepEqual(ends, c.epochEnds, what);
      assert.deepEqual(stats.trainAccHistory, c.trainAccHistory, what);
      assert.deepEqual(stats.valAccHistory, c.valAccHistory, what);
      const lossError = relError(stats.lossHistory, f64(c.lossHistory));
      assert.ok(lossError < 1e-5, `${what} losses: ${lossError}`);
      PARAM_NAMES.forEach((name, k) => {
        const p = net.params[name];
        const d = scaledDifference("data" in p ? p.data : p, f64(c.end[k]));
        assert.ok(d < 1e-5, `${what} ${name}: ${d}`);
      });
    }
  },
});

Deno.test({
  name:
    "webgpu: an empty validation set trains (no 0-byte write), with NaN accuracies as on the CPU",
  ignore,
  async fn() {
    const { X, y } = synthetic(6);
    const none = new Matrix(0, 12, new Float32Array(0));
    const options: TrainOptions = { numIters: 30, batchSize: 20 };
    const make = (backend: "webgpu" | "wasm") =>
      new TwoLayerNet(12, 7, 4, {
        std: 0.1,
        rng: new RandomState(1),
        dtype: "float32",
        backend,
      });
    const want = await make("wasm").trainAsync(X, y, none, [], {
      ...options,
      rng: new RandomState(2),
    });
    const got = await make("webgpu").trainAsync(X, y, none, [], {
      ...options,
      rng: new RandomState(2),
    });
    assert.deepEqual(got.valAccHistory, [NaN, NaN]);
    assert.deepEqual(got.valAccHistory, want.valAccHistory);
    assert.deepEqual(got.trainAccHistory, want.trainAccHistory);
    assert.ok(relError(got.lossHistory, want.lossHistory) < 1e-5);
  },
});

/** A valid checkpoint at iteration 0 of an SGD run, from other weights. */
function startCheckpoint(): TrainCheckpoint {
  const other = new TwoLayerNet(12, 7, 4, {
    std: 0.1,
    rng: new RandomState(11),
    dtype: "float32",
  });
  return {
    iteration: 0,
    learningRate: 0.05,
    params: PARAM_NAMES.map((name) => {
      const p = other.params[name];
      return ("data" in p ? p.data : p).slice();
    }),
    optimizer: { step: 0, first: [], second: [] },
    rng: new RandomState(3).getState(),
    lossHistory: [],
    trainAccHistory: [],
    valAccHistory: [],
  };
}

Deno.test({
  name:
    "webgpu: a refused checkpoint leaves the network as it was; a good one resumes as on the CPU",
  ignore,
  async fn() {
    const { X, y } = synthetic(7);
    const options: TrainOptions = {
      learningRate: 0.05,
      numIters: 30,
      batchSize: 20,
    };
    const good = startCheckpoint();
    const net = new TwoLayerNet(12, 7, 4, {
      std: 0.1,
      rng: new RandomState(1),
      backend: "webgpu",
    });
    const before = net.params.W1.data.slice();
    const refusals: [TrainCheckpoint, TrainOptions, string][] = [
      [
        good,
        { optimizer: "adam" },
        `resumeFrom.optimizer does not fit "adam" on these parameters: expected 4 + 4 arrays of the parameters' sizes, got 0 + 0`,
      ],
      [
        { ...good, rng: { ...good.rng, key: new Uint32Array(10) } },
        {},
        "resumeFrom.rng: RandomState snapshot key must hold 624 integers in 0..2**32-1, got 10 values",
      ],
      [
        { ...good, learningRate: -5 },
        {},
        "resumeFrom.learningRate must be a positive finite number, got -5",
      ],
    ];
    for (const [resumeFrom, extra, message] of refusals) {
      await assert.rejects(
        () => net.trainAsync(X, y, X, y, { ...options, ...extra, resumeFrom }),
        (e: Error) => e.message === message,
      );
      assert.deepEqual(net.params.W1.data, before, message);
    }
    const got = await net.trainAsync(X, y, X, y, {
      ...options,
      resumeFrom: good,
    });
    const cpu = new TwoLayerNet(12, 7, 4, {
      dtype: "float32",
      backend: "wasm",
    });
    const want = await cpu.trainAsync(X, y, X, y, {
      ...options,
      resumeFrom: good,
    });
    assert.ok(relError(got.lossHistory, want.lossHistory) < 1e-5);
    assert.ok(scaledDifference(net.params.W1.data, cpu.params.W1.data) < 1e-5);
  },
});

Deno.test({
  name:
    "webgpu: a second trainAsync on a network that is training is refused; the first runs as alone",
  ignore,
  async fn() {
    const { X, y } = synthetic(8);
    const options: TrainOptions = {
      learningRate: 0.05,
      numIters: 40,
      batchSize: 20,
    };
    const make = () =>
      new TwoLayerNet(12, 7, 4, {
        std: 0.1,
        rng: new RandomState(1),
        backend: "webgpu",
      });
    const alone = make();
    const want = await alone.trainAsync(X, y, X, y, {
      ...options,
      rng: new RandomState(2),
    });
    const net = make();
    const first = net.trainAsync(X, y, X, y, {
      ...options,
      rng: new RandomState(2),
    });
    await assert.rejects(
      () => net.trainAsync(X, y, X, y, { ...options, rng: new RandomState(5) }),
      /^Error: this network is already training \(an earlier train or trainAsync call on it has not finished\): await that call before training the network again, or train a copy \(net\.clone\(\)\)$/,
    );
    assert.deepEqual(await first, want);
    assert.deepEqual(net.params, alone.params);
  },
});

Deno.test({
  name:
    "webgpu: a report that throws at iteration 20 leaves iteration 20's weights and stream, as on the CPU",
  ignore,
  async fn() {
    const { X, y } = synthetic(3);
    // 300 / 20 = 15 iterations per epoch: the GPU runs [16, 31) at once,
    // then goes back to iteration 20.
    const options: TrainOptions = {
      optimizer: "adam",
      learningRate: 0.01,
      numIters: 60,
      batchSize: 20,
      onProgress: (p) => {
        if (p.iteration === 20) throw new Error("enough");
      },
    };
    const make = (backend: "webgpu" | "wasm") =>
      new TwoLayerNet(12, 7, 4, {
        std: 0.1,
        rng: new RandomState(1),
        dtype: "float32",
        backend,
      });
    const cpu = make("wasm"), cpuRng = new RandomState(2);
    await assert.rejects(
      () => cpu.trainAsync(X, y, X, y, { ...options, rng: cpuRng }),
      /^Error: enough$/,
    );
    const net = make("webgpu"), gpuRng = new RandomState(2);
    await assert.rejects(
      () => net.trainAsync(X, y, X, y, { ...options, rng: gpuRng }),
      /^Error: enough$/,
    );
    assert.deepEqual(gpuRng.getState(), cpuRng.getState());
    for (const name of ["W1", "b1", "W2", "b2"] as const) {
      const p = net.params[name], q = cpu.params[name];
      const d = scaledDifference(
        "data" in p ? p.data : p,
        "data" in q ? q.data : q,
      );
      assert.ok(d < 1e-5, `${name}: ${d}`);
    }
    // Not the weights of iteration 31, where the GPU's span ended.
    const on = make("wasm");
    await on.trainAsync(X, y, X, y, {
      ...options,
      numIters: 31,
      onProgress: undefined,
      rng: new RandomState(2),
    });
    assert.ok(scaledDifference(net.params.W1.data, on.params.W1.data) > 1e-3);
  },
});
