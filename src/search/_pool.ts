/**
 * Runs search settings on a pool of Workers that share the data through
 * SharedArrayBuffers (copied there once), so two cores train two settings
 * at once with the same per-setting results as a single thread.
 *
 * @module
 */

import type { BackendChoice } from "../kernels/select.ts";
import type { Labels } from "../nn/losses.ts";
import { type DType, Matrix } from "../core/matrix.ts";
import { TwoLayerNet } from "../nn/network.ts";
import type { TrainProgress } from "../nn/trainer.ts";
import type { SearchData, SearchRow, SearchSetting } from "./setting.ts";
import { type FromWorker, shareMatrix, type ToWorker } from "./_protocol.ts";

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
    // More Workers than cores only adds start-up time and memory traffic.
    {
      length: Math.min(
        options.workers,
        settings.length,
        navigator.hardwareConcurrency || options.workers,
      ),
    },
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
