/**
 * The WebGPU backend: a network held on the GPU whose shaders run the whole
 * training step (the minibatch gather, both products, ReLU, the loss, the
 * regularisation, the update rule, the accuracies and the learning-rate
 * decay, in WGSL; the trainer drives it from `src/nn/_webgpu_step.ts`),
 * prediction on the GPU, and {@linkcode chooseBackend}, which picks the
 * GPU only where it is real hardware and faster than the CPU.
 *
 * @module
 */

import { type FloatArray, Matrix } from "../core/matrix.ts";
import { RandomState } from "../core/random.ts";
import type { LossName, Params } from "../core/training.ts";
import { gpu, webgpuMissing } from "./_webgpu_device.ts";
import { GpuNetwork, NO_AUGMENT, shapeOf } from "./_webgpu_network.ts";
import {
  type BackendChoice,
  getBackend,
  kernels,
  noteWebgpu,
} from "./select.ts";

// What the trainer's GPU step (src/nn/_webgpu_step.ts) builds on.
export {
  type DispatchRecord,
  GpuNetwork,
  NO_AUGMENT,
  type Read,
  type RowChunks,
  shapeOf,
} from "./_webgpu_network.ts";

/** Rows per block when the GPU predicts. */
const PREDICT_BLOCK = 256;

/**
 * The highest-scoring class of every row of `X` for a network with
 * `params`, computed on the GPU in blocks.
 */
export async function webgpuPredict(
  params: Params,
  loss: LossName,
  X: Matrix<FloatArray>,
): Promise<Int32Array> {
  const N = X.rows;
  if (N === 0) return new Int32Array(0);
  const blocks = Math.ceil(N / PREDICT_BLOCK);
  const network = await GpuNetwork.create(
    shapeOf(params, PREDICT_BLOCK, loss, { optimizer: "sgd" }, [1, X.cols, 1]),
    { draws: N, outputs: N, records: blocks },
  );
  try {
    network.writeParams(params);
    const chunks = network.uploadRows(X);
    network.gpu.device.queue.writeBuffer(
      network.draws,
      0,
      Int32Array.from({ length: N }, (_, i) => i),
    );
    network.writeRecords(
      0,
      Array.from({ length: blocks }, (_, k) => ({
        rows: k * PREDICT_BLOCK,
        augment: NO_AUGMENT,
        n: Math.min(PREDICT_BLOCK, N - k * PREDICT_BLOCK),
        slot: k * PREDICT_BLOCK,
        mode: 2,
      })),
    );
    const [outputs] = await network.submit(
      (pass) => {
        for (let k = 0; k < blocks; k++) {
          const n = Math.min(PREDICT_BLOCK, N - k * PREDICT_BLOCK);
          network.encodeGather(pass, k, chunks, n);
          network.encodeForward(pass, k, n);
        }
      },
      [{ buffer: network.outputs, count: N }],
    );
    return Int32Array.from(outputs);
  } finally {
    network.destroy();
  }
}

/**
 * The GPU's forward and backward pass on one batch, without an update:
 * the scores, the regularised loss and the gradients, as
 * `TwoLayerNet.scores` and `TwoLayerNet.loss` compute them on the CPU (in
 * float32). What the tests check the shaders with.
 */
export async function webgpuLossAndGradients(
  params: Params,
  loss: LossName,
  X: Matrix<FloatArray>,
  y: ArrayLike<number>,
  reg: number,
): Promise<{ scores: Matrix<Float32Array>; loss: number; grads: Params }> {
  const N = X.rows;
  const network = await GpuNetwork.create(
    shapeOf(params, N, loss, { optimizer: "sgd" }, [1, X.cols, 1]),
    { draws: 2 * N, outputs: 1, records: 2 },
  );
  try {
    network.writeParams(params);
    network.writeOptimizer(0);
    const chunks = network.uploadRows(X);
    const draws = new Int32Array(2 * N);
    for (let i = 0; i < N; i++) [draws[i], draws[N + i]] = [i, y[i]];
    network.gpu.device.queue.writeBuffer(network.draws, 0, draws);
    const record = {
      rows: 0,
      labels: N,
      augment: NO_AUGMENT,
      n: N,
      reg,
      halfReg: 0.5 * reg,
    };
    network.writeRecords(0, [{ ...record, mode: 0 }, { ...record, mode: 3 }]);
    const { L } = network, C = params.W2.rows;
    const [lossValue, gradients, scores] = await network.submit(
      (pass) => {
        network.encodeGather(pass, 0, chunks, N);
        network.encodeForward(pass, 0, N);
        network.encodeBackwardAndUpdate(pass, 0);
        network.encodeForward(pass, 1, N);
      },
      [
        { buffer: network.outputs, count: 1 },
        { buffer: network.grads, count: L.P },
        { buffer: network.work, from: L.dscores, count: N * C },
      ],
    );
    const grads: Params = {
      W1: Matrix.zeros(params.W1.rows, params.W1.cols, "float32"),
      b1: new Float32Array(params.b1.length),
      W2: Matrix.zeros(params.W2.rows, params.W2.cols, "float32"),
      b2: new Float32Array(params.b2.length),
    };
    network.readParams(gradients, grads);
    return {
      scores: new Matrix(N, C, scores.slice()),
      loss: lossValue[0],
      grads,
    };
  } finally {
    network.destroy();
  }
}

/** What {@linkcode chooseBackend} found. */
export interface BackendDecision {
  /** The backend to use: `"webgpu"` or the CPU's best. */
  backend: BackendChoice;
  /** Why, in a sentence: the adapter and the self-test's times. */
  reason: string;
}

let decision: Promise<BackendDecision> | undefined;

/**
 * The backend to train on: `"webgpu"` when a hardware GPU adapter is
 * present and a quick self-test (a few CIFAR-sized training iterations,
 * about a second) runs faster on it than on the CPU's best backend, the
 * default CPU backend (`getBackend()`) otherwise. A software adapter (Mesa's
 * llvmpipe, a fallback adapter) is never chosen. Decided once per
 * process; {@linkcode describeBackend}`("webgpu")` then says which adapter
 * and why.
 *
 * @example
 * ```ts
 * import { chooseBackend, describeBackend } from "@twolayer/net";
 *
 * const backend = await chooseBackend(); // e.g. "blas" without a hardware GPU
 * console.log(describeBackend(backend));
 * ```
 */
export async function chooseBackend(): Promise<BackendChoice> {
  decision ??= decide();
  return (await decision).backend;
}

async function decide(): Promise<BackendDecision> {
  const cpu = (reason: string): BackendDecision => {
    noteWebgpu(`not used: ${reason}`);
    return { backend: getBackend(), reason };
  };
  const missing = webgpuMissing();
  if (missing) return cpu(missing);
  let g;
  try {
    g = await gpu();
  } catch (error) {
    return cpu((error as Error).message);
  }
  const name = `${g.adapter.description} (${g.adapter.vendor})`;
  if (g.adapter.software) {
    return cpu(
      `${name} is a software adapter, which runs on the CPU and is slower than the CPU backends`,
    );
  }
  const { gpuMs, cpuMs } = await selfTest();
  if (gpuMs >= cpuMs) {
    return cpu(
      `${name} took ${
        gpuMs.toFixed(2)
      } ms per training iteration in the self-test, the CPU ${
        cpuMs.toFixed(2)
      } ms`,
    );
  }
  const reason = `${name}: ${
    gpuMs.toFixed(2)
  } ms per training iteration in the self-test against ${
    cpuMs.toFixed(2)
  } ms on the CPU`;
  noteWebgpu(reason);
  return { backend: "webgpu", reason };
}

/**
 * Milliseconds per iteration of a CIFAR-sized step (batch 200 of 3,072
 * values, 50 hidden units, float32) on the GPU and on the CPU's best
 * backend, each after a warm-up.
 */
async function selfTest(): Promise<{ gpuMs: number; cpuMs: number }> {
  const D = 3072, H = 50, C = 10, B = 200, N = 1000, iterations = 20;
  const rng = new RandomState(0);
  const X = new Matrix(N, D, Float32Array.from(rng.randn(N * D)));
  const W1 = new Matrix(H, D, Float32Array.from(rng.randn(H * D)));
  const params: Params = {
    W1,
    b1: new Float32Array(H),
    W2: new Matrix(C, H, Float32Array.from(rng.randn(C * H))),
    b2: new Float32Array(C),
  };
  const rows = rng.choice(N, B);

  // The CPU: the two large products, which are most of its iteration.
  const k = kernels("auto");
  const batch = Matrix.zeros(B, D, "float32");
  const hidden = Matrix.zeros(B, H, "float32");
  const dW1 = Matrix.zeros(H, D, "float32");
  const cpuIteration = () => {
    k.gatherRows(X, rows, batch);
    k.matmulABt(batch, W1, hidden);
    k.matmulAtB(hidden, batch, dW1);
  };
  cpuIteration();
  let started = performance.now();
  for (let i = 0; i < iterations; i++) cpuIteration();
  const cpuMs = (performance.now() - started) / iterations;

  const network = await GpuNetwork.create(
    shapeOf(params, B, "softmax", { optimizer: "sgd" }, [1, D, 1]),
    { draws: 2 * B, outputs: iterations, records: iterations },
  );
  try {
    network.writeParams(params);
    network.writeOptimizer(1e-9);
    const chunks = network.uploadRows(X);
    const draws = new Int32Array(2 * B);
    draws.set(rows);
    draws.set(rng.randint(0, C, B), B);
    network.gpu.device.queue.writeBuffer(network.draws, 0, draws);
    network.writeRecords(
      0,
      Array.from({ length: iterations }, (_, j) => ({
        rows: 0,
        labels: B,
        augment: NO_AUGMENT,
        n: B,
        slot: j,
      })),
    );
    const span = (count: number) =>
      network.submit(
        (pass) => {
          for (let j = 0; j < count; j++) {
            network.encodeGather(pass, j, chunks, B);
            network.encodeForward(pass, j, B);
            network.encodeBackwardAndUpdate(pass, j);
          }
        },
        [{ buffer: network.outputs, count }],
      );
    await span(2);
    started = performance.now();
    await span(iterations);
    return { gpuMs: (performance.now() - started) / iterations, cpuMs };
  } finally {
    network.destroy();
  }
}
