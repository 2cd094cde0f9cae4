/**
 * The messages between the search pool and its Workers, and the shared
 * matrices they carry: both sides import this, neither imports the other.
 *
 * @module
 */

import type { BackendChoice } from "../kernels/select.ts";
import { type DType, type FloatArray, Matrix } from "../core/matrix.ts";
import type { TwoLayerNet } from "../nn/network.ts";
import type { TrainProgress } from "../nn/trainer.ts";
import type { SearchRow, SearchSetting } from "./setting.ts";

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

/**
 * `m` backed by shared memory: its own buffer when already shared, else a
 * copy made for this search (not cached, so that an edit of `m` in place
 * between two searches is seen by the second).
 */
export function shareMatrix(m: Matrix<FloatArray>): SharedMatrix {
  const { buffer } = m.data;
  if (
    buffer instanceof SharedArrayBuffer && m.data.byteOffset === 0 &&
    buffer.byteLength === m.data.byteLength
  ) {
    return { rows: m.rows, cols: m.cols, dtype: m.dtype, buffer };
  }
  const sab = new SharedArrayBuffer(m.data.byteLength);
  const view = m.dtype === "float32"
    ? new Float32Array(sab)
    : new Float64Array(sab);
  view.set(m.data);
  return { rows: m.rows, cols: m.cols, dtype: m.dtype, buffer: sab };
}

/** The matrix view of a {@linkcode SharedMatrix} (no copy). */
export function unshareMatrix(s: SharedMatrix): Matrix<FloatArray> {
  const data = s.dtype === "float32"
    ? new Float32Array(s.buffer)
    : new Float64Array(s.buffer);
  return new Matrix(s.rows, s.cols, data);
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
