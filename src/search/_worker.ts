/// <reference lib="deno.worker" />
/**
 * Worker side of the search pool: receives the shared data once, then
 * trains the settings it is sent with {@linkcode trainSetting}.
 *
 * @module
 */

import { setThreads } from "../kernels/select.ts";
import type { FloatArray, Matrix } from "../core/matrix.ts";
import { trainSetting } from "./setting.ts";
import {
  type FromWorker,
  paramsMessage,
  type ToWorker,
  unshareMatrix,
} from "./_protocol.ts";
import type { Labels } from "../nn/losses.ts";

let data:
  | {
    XTrain: Matrix<FloatArray>;
    yTrain: Labels;
    XVal: Matrix<FloatArray>;
    yVal: Labels;
  }
  | undefined;

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === "data") {
    data = {
      XTrain: unshareMatrix(msg.XTrain),
      yTrain: msg.yTrain,
      XVal: unshareMatrix(msg.XVal),
      yVal: msg.yVal,
    };
    return;
  }
  const post = (m: FromWorker) => self.postMessage(m);
  try {
    if (!data) {
      throw new Error("the search worker got a setting before its data");
    }
    setThreads(msg.threads);
    const { row, net } = await trainSetting(data, msg.setting, msg.seed, {
      dtype: msg.dtype,
      backend: msg.backend,
      onProgress: (train) => {
        if (train.iteration % 10 === 0 || train.iteration === train.numIters) {
          post({ type: "progress", index: msg.index, train });
        }
      },
    });
    post({ type: "done", index: msg.index, row, params: paramsMessage(net) });
  } catch (error) {
    post({
      type: "error",
      index: msg.index,
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
