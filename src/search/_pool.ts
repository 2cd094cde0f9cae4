/**
 * Runs search settings on a pool of Workers that share the data through
 * SharedArrayBuffers (copied there once), so two cores train two settings
 * at once with the same per-setting results as a single thread.
 *
 * @module
 */

import type { BackendChoice } from "../kernels/kernels.ts";
import type { Labels } from "../nn/losses.ts";
import { type DType, type FloatArray, Matrix } from "../core/matrix.ts";
import { TwoLayerNet } from "../nn/network.ts";
import type { SearchData, SearchRow, SearchSetting } from "./search.ts";
import type { TrainProgress } from "../nn/trainer.ts";

/** A matrix as it crosses to a Worker: sizes and a shared buffer. */
export interface SharedMatrix {
  rows: number;
  cols: number;
  dtype: DType;
  buffer: SharedArrayBuffer;
}

/** Messages from the pool to a Worker. */
export type ToWorker =
  | {
    type: "data";
    XTrain: SharedMatrix;
    yTrain: Int32Array;
    XVal: SharedMatrix;
    yVal: Int32Array;
  }
  | {
    type: "run";
    index: number;
    setting: SearchSetting;
    seed: number;
    dtype?: DType;
    backend: BackendChoice;
    /** Product threads in this Worker (its share of the cores). */
    threads: number;
  };

/** Messages from a Worker to the pool. */
export type FromWorker =
  | { type: "progress"; index: number; train: TrainProgress }
  | {
    type: "done";
    index: number;
    row: Omit<SearchRow, "index">;
    params: { W1: FloatArray; b1: FloatArray; W2: FloatArray; b2: FloatArray };
  }
  | { type: "error"; index: number; message: string };

const sharedCopies = new WeakMap<Matrix<FloatArray>, SharedMatrix>();

/** `m` backed by shared memory; copied once per matrix, then reused. */
export function shareMatrix(m: Matrix<FloatArray>): SharedMatrix {
  const { buffer } = m.data;
  if (buffer instanceof SharedArrayBuffer && m.data.byteOffset === 0) {
    return { rows: m.rows, cols: m.cols, dtype: m.dtype, buffer };
  }
  let shared = sharedCopies.get(m);
  if (!shared) {
    const sab = new SharedArrayBuffer(m.data.byteLength);
    const view = m.dtype === "float32"
      ? new Float32Array(sab)
      : new Float64Array(sab);
    view.set(m.data);
    shared = { rows: m.rows, cols: m.cols, dtype: m.dtype, buffer: sab };
    sharedCopies.set(m, shared);
  }
  return shared;
}

/** The matrix view of a {@linkcode SharedMatrix} (no copy). */
export function unshareMatrix(s: SharedMatrix): Matrix<FloatArray> {
  const data = s.dtype === "float32"
    ? new Float32Array(s.buffer)
    : new Float64Array(s.buffer);
  return new Matrix(s.rows, s.cols, data);
}

/** Runs every setting on `workers` Workers; calls back as settings progress and finish. */
export async function runOnWorkers(
  data: SearchData,
  settings: SearchSetting[],
  options: {
    seed: number;
    workers: number;
    dtype?: DType;
    backend: BackendChoice;
    /** Product threads to share among the Workers. */
    threads: number;
    onProgress: (index: number, train: TrainProgress) => void;
    onDone: (
      index: number,
      row: Omit<SearchRow, "index">,
      net: TwoLayerNet,
    ) => void;
  },
): Promise<void> {
  const dataMessage: ToWorker = {
    type: "data",
    XTrain: shareMatrix(data.XTrain),
    yTrain: Int32Array.from(data.yTrain as Labels as ArrayLike<number>),
    XVal: shareMatrix(data.XVal),
    yVal: Int32Array.from(data.yVal as ArrayLike<number>),
  };
  let next = 0;
  const pool = Array.from(
    { length: Math.min(options.workers, settings.length) },
    () =>
      new Worker(new URL("./_worker.ts", import.meta.url), {
        type: "module",
      }),
  );
  try {
    await Promise.all(
      pool.map((worker) =>
        new Promise<void>((resolve, reject) => {
          const runNext = () => {
            if (next >= settings.length) return resolve();
            const index = next++;
            const message: ToWorker = {
              type: "run",
              index,
              setting: settings[index],
              seed: options.seed + index,
              dtype: options.dtype,
              backend: options.backend,
              // Split, not multiplied: Workers x threads never exceeds it.
              threads: Math.max(1, Math.floor(options.threads / pool.length)),
            };
            worker.postMessage(message);
          };
          worker.onmessage = (event: MessageEvent<FromWorker>) => {
            const msg = event.data;
            if (msg.type === "progress") {
              options.onProgress(msg.index, msg.train);
            } else if (msg.type === "error") {
              reject(new Error(`setting ${msg.index}: ${msg.message}`));
            } else {
              const s = msg.row.setting;
              const net = new TwoLayerNet(
                data.XTrain.cols,
                s.hiddenSize,
                msg.params.b2.length,
                {
                  loss: s.loss,
                  dtype: options.dtype,
                  params: {
                    W1: new Matrix(
                      s.hiddenSize,
                      data.XTrain.cols,
                      msg.params.W1,
                    ),
                    b1: msg.params.b1,
                    W2: new Matrix(
                      msg.params.b2.length,
                      s.hiddenSize,
                      msg.params.W2,
                    ),
                    b2: msg.params.b2,
                  },
                },
              );
              options.onDone(msg.index, msg.row, net);
              runNext();
            }
          };
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(`search worker failed: ${event.message}`));
          };
          worker.postMessage(dataMessage);
          runNext();
        })
      ),
    );
  } finally {
    for (const worker of pool) worker.terminate();
  }
}

/** Copies of a net's parameters as plain typed arrays, for postMessage. */
export function paramsMessage(
  net: TwoLayerNet,
): Extract<FromWorker, { type: "done" }>["params"] {
  const { W1, b1, W2, b2 } = net.params;
  return {
    W1: W1.data.slice(),
    b1: b1.slice(),
    W2: W2.data.slice(),
    b2: b2.slice(),
  };
}
