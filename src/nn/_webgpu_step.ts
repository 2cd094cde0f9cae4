/**
 * The trainer's step on a GPU: the {@linkcode TrainingStep} that runs whole
 * epochs of a {@linkcode TrainingRun} on the WebGPU backend's network
 * (`src/kernels/webgpu.ts`), reading back losses, accuracies and, after
 * every span, the weights and the update rule's state.
 *
 * @module
 */

import { type OptimizerState, PARAM_NAMES } from "../core/training.ts";
import type { LossName } from "./losses.ts";
import {
  type DispatchRecord,
  GpuNetwork,
  NO_AUGMENT,
  type Read,
  type RowChunks,
  shapeOf,
} from "../kernels/webgpu.ts";
import type {
  SpanResult,
  TrainCheckpoint,
  TrainingRun,
  TrainingSpan,
  TrainingStep,
} from "./trainer.ts";

/** Iterations one span may hold on the GPU (between two read-backs). */
const MAX_SPAN = 512;

/**
 * The GPU's training step for `run`: uploads the network, its update
 * rule's state and both data sets once, then runs whole epochs per span
 * and reads back their losses and accuracies, and after every span the
 * weights and the rule's state.
 *
 * @throws {Error} when WebGPU is unavailable or the network does not fit.
 */
export async function webgpuTrainingStep(
  run: TrainingRun,
  loss: LossName,
): Promise<TrainingStep> {
  const step = new WebgpuStep(run, loss);
  await step.open();
  return step;
}

class WebgpuStep implements TrainingStep {
  readonly maxSpan = MAX_SPAN;
  readonly isAsync = true;
  readonly #run: TrainingRun;
  readonly #loss: LossName;
  #gpu?: GpuNetwork;
  #train?: RowChunks;
  #val?: RowChunks;
  /** Updates applied (Adam's step count). */
  #t: number;
  /** The state read back with the last span's results, until the next span. */
  #state?: { params: Float32Array; opt: Float32Array };

  constructor(run: TrainingRun, loss: LossName) {
    this.#run = run;
    this.#loss = loss;
    this.#t = run.options.resumeFrom?.optimizer.step ?? 0;
  }

  async open(): Promise<void> {
    const { net, X, XVal, yVal, options: o, augment } = this.#run;
    const B = o.batchSize, M = XVal.rows;
    const blocks = Math.ceil(M / B);
    const network = await GpuNetwork.create(
      shapeOf(
        net.params,
        B,
        this.#loss,
        o.optimizer,
        augment?.imageShape ?? [1, X.cols, 1],
      ),
      {
        draws: 2 * M + 5 * MAX_SPAN * B,
        outputs: MAX_SPAN + 1 + blocks,
        records: MAX_SPAN + 2 + blocks,
      },
    );
    this.#gpu = network;
    network.writeParams(net.params);
    network.writeOptimizer(
      o.resumeFrom?.learningRate ?? o.learningRate,
      o.resumeFrom?.optimizer,
    );
    this.#train = network.uploadRows(X);
    this.#val = network.uploadRows(XVal);
    const val = new Int32Array(2 * M);
    for (let i = 0; i < M; i++) {
      val[i] = i;
      val[M + i] = yVal[i];
    }
    // An empty validation set has nothing to write, and Deno 2.9's
    // writeBuffer panics (an uncatchable crash) on a write of 0 bytes.
    if (M > 0) network.gpu.device.queue.writeBuffer(network.draws, 0, val);
  }

  restore(checkpoint: TrainCheckpoint): void {
    const network = this.#gpu!;
    const { params } = this.#run.net;
    PARAM_NAMES.forEach((name, k) => {
      const p = params[name];
      ("data" in p ? p.data : p).set(checkpoint.params[k]);
    });
    network.writeParams(params);
    network.writeOptimizer(checkpoint.learningRate, checkpoint.optimizer);
    this.#t = checkpoint.optimizer.step;
    this.#state = undefined;
  }

  async run(span: TrainingSpan): Promise<SpanResult> {
    const network = this.#gpu!;
    const { XVal, options: o } = this.#run;
    const B = o.batchSize, M = XVal.rows, n = span.batches.length;
    const blocks = Math.ceil(M / B);
    // Per iteration j: its rows, labels and, per row, flip, dy and dx.
    const rowsAt = 2 * M, labelsAt = rowsAt + MAX_SPAN * B;
    const augmentAt = labelsAt + MAX_SPAN * B;
    const draws = new Int32Array(5 * MAX_SPAN * B);
    span.batches.forEach(({ rows, labels, augment }, j) => {
      draws.set(rows, j * B);
      draws.set(labels, MAX_SPAN * B + j * B);
      if (!augment) return;
      const at = 2 * MAX_SPAN * B + 3 * j * B;
      for (let i = 0; i < B; i++) {
        draws[at + 3 * i] = augment.flip[i] ?? 0;
        draws[at + 3 * i + 1] = augment.dy[i] ?? 0;
        draws[at + 3 * i + 2] = augment.dx[i] ?? 0;
      }
    });
    network.gpu.device.queue.writeBuffer(network.draws, rowsAt * 4, draws);

    const { optimizer } = o;
    const records: DispatchRecord[] = span.batches.map((_, j) => {
      const t = this.#t + j + 1;
      return {
        rows: rowsAt + j * B,
        labels: labelsAt + j * B,
        augment: this.#run.augment ? augmentAt + 3 * j * B : NO_AUGMENT,
        n: B,
        slot: j,
        mode: 0,
        reg: o.reg,
        halfReg: 0.5 * o.reg,
        c1: optimizer.optimizer === "adam" ? 1 - optimizer.beta1 ** t : 0,
        c2: optimizer.optimizer === "adam" ? 1 - optimizer.beta2 ** t : 0,
      };
    });
    network.writeRecords(0, records);
    const ends: DispatchRecord[] = [{
      rows: rowsAt + (n - 1) * B,
      labels: labelsAt + (n - 1) * B,
      augment: NO_AUGMENT,
      n: B,
      slot: MAX_SPAN,
      mode: 1,
    }];
    for (let k = 0; k < blocks; k++) {
      ends.push({
        rows: k * B,
        labels: M + k * B,
        augment: NO_AUGMENT,
        n: Math.min(B, M - k * B),
        slot: MAX_SPAN + 1 + k,
        mode: 1,
      });
    }
    ends.push({ decay: o.learningRateDecay });
    if (span.epochEnd) network.writeRecords(MAX_SPAN, ends);

    this.#state = undefined;
    const outputs = span.epochEnd ? MAX_SPAN + 1 + blocks : n;
    const [results, params, opt] = await network.submit(
      (pass) => {
        for (let j = 0; j < n; j++) {
          network.encodeGather(pass, j, this.#train!, B);
          network.encodeForward(pass, j, B);
          network.encodeBackwardAndUpdate(pass, j);
        }
        if (!span.epochEnd) return;
        network.encodeForward(pass, MAX_SPAN, B);
        network.encodeReduce(pass, MAX_SPAN);
        for (let k = 0; k < blocks; k++) {
          const record = MAX_SPAN + 1 + k;
          const rows = ends[k + 1].n!;
          network.encodeGather(pass, record, this.#val!, rows);
          network.encodeForward(pass, record, rows);
          network.encodeReduce(pass, record);
        }
        network.encodeDecay(pass, MAX_SPAN + 1 + blocks);
      },
      [
        { buffer: network.outputs, count: outputs },
        ...this.#stateReads(network),
      ],
    );
    this.#t += n;
    this.#state = { params, opt };
    const losses = Float64Array.from(results.subarray(0, n));
    if (!span.epochEnd) return { losses };
    let hits = 0;
    for (let k = 0; k < blocks; k++) hits += results[MAX_SPAN + 1 + k];
    return { losses, trainAcc: results[MAX_SPAN] / B, valAcc: hits / M };
  }

  #stateReads(network: GpuNetwork): Read[] {
    return [
      { buffer: network.params, count: network.L.P },
      { buffer: network.opt, count: network.L.optimizer },
    ];
  }

  async sync(): Promise<OptimizerState> {
    const network = this.#gpu!;
    let state = this.#state;
    if (!state) {
      const [params, opt] = await network.submit(
        () => {},
        this.#stateReads(network),
      );
      state = { params, opt };
    }
    network.readParams(state.params, this.#run.net.params);
    return network.readOptimizer(state.opt, this.#t);
  }

  dispose(): void {
    this.#gpu?.destroy();
  }
}
