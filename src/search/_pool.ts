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

/**
 * Runs every setting on `workers` Workers; calls back as settings progress
 * and finish. The first failure (a setting's, a callback's, a message that
 * cannot be sent) stops every Worker and rejects with that error.
 */
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
  // Split, not multiplied: Workers x threads never exceeds it.
  const threads = Math.max(1, Math.floor(options.threads / pool.length));
  try {
    await new Promise<void>((resolve, reject) => {
      let idle = 0;
      let stopped = false;
      // The first failure, wherever it comes from (a setting, a callback
      // in a message handler, a message that cannot be sent), ends the
      // search: every Worker is stopped and later messages are ignored.
      const stop = (error: unknown) => {
        if (stopped) return;
        stopped = true;
        for (const worker of pool) worker.terminate();
        reject(error);
      };
      const runNext = (worker: Worker) => {
        if (next >= settings.length) {
          if (++idle === pool.length) resolve();
          return;
        }
        const index = next++;
        const message: ToWorker = {
          type: "run",
          index,
          setting: settings[index],
          seed: options.seed + index,
          dtype: options.dtype,
          backend: options.backend,
          threads,
        };
        worker.postMessage(message);
      };
      const guarded = (body: () => void) => {
        if (stopped) return;
        try {
          body();
        } catch (error) {
          stop(error);
        }
      };
      for (const worker of pool) {
        worker.onmessage = (event: MessageEvent<FromWorker>) =>
          guarded(() => {
            const msg = event.data;
            if (msg.type === "progress") {
              options.onProgress(msg.index, msg.train);
            } else if (msg.type === "error") {
              stop(new Error(`setting ${msg.index}: ${msg.message}`));
            } else {
              options.onDone(
                msg.index,
                msg.row,
                networkOf(msg, data.XTrain.cols, options.dtype),
              );
              runNext(worker);
            }
          });
        worker.onerror = (event) => {
          event.preventDefault();
          stop(new Error(`search worker failed: ${event.message}`));
        };
        worker.onmessageerror = () =>
          stop(new Error("a search worker sent a message that cannot be read"));
        guarded(() => {
          worker.postMessage(dataMessage);
          runNext(worker);
        });
      }
    });
  } finally {
    for (const worker of pool) worker.terminate();
  }
}

/** The trained network a Worker sent back, for data of `D` columns. */
function networkOf(
  msg: Extract<FromWorker, { type: "done" }>,
  D: number,
  dtype: DType | undefined,
): TwoLayerNet {
  const s = msg.row.setting;
  const C = msg.params.b2.length;
  return new TwoLayerNet(D, s.hiddenSize, C, {
    loss: s.loss,
    dtype,
    params: {
      W1: new Matrix(s.hiddenSize, D, msg.params.W1),
      b1: msg.params.b1,
      W2: new Matrix(C, s.hiddenSize, msg.params.W2),
      b2: msg.params.b2,
    },
  });
}
