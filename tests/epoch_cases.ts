// The workbook's train loop run by numpy (tools/make_epoch_fixtures.py):
// whole and non-whole N / batchSize, and epochEnd "ceil", from numpy's
// data and weights on numpy's minibatches; shared by the backends' and
// WebGPU's tests.
import {
  type BackendName,
  type DType,
  type LossName,
  Matrix,
  RandomState,
  type TrainOptions,
  type TrainStats,
  TwoLayerNet,
} from "../mod.ts";
import type { EpochEnd } from "../src/nn/trainer.ts";

/** One run of the fixture. */
export interface EpochCase {
  N: number;
  loss: LossName;
  epochEnd: EpochEnd;
  seed: number;
  options: TrainOptions;
  X: string;
  y: number[];
  XVal: string;
  yVal: number[];
  start: string[];
  lossHistory: string;
  trainAccHistory: number[];
  valAccHistory: number[];
  epochEnds: number[];
  end: string[];
}
/** The fixture. */
export const EPOCHS: {
  D: number;
  H: number;
  C: number;
  cases: EpochCase[];
  firstEpochEnds: { N: number; batchSize: number; iteration: number }[];
} = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/epochs.json", import.meta.url)),
);

/** Little-endian float64 values from base64. */
export function f64(base64: string): Float64Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float64Array(bytes.buffer);
}

/**
 * Trains `net` on an epoch case as the fixture did (`train`, or
 * `trainAsync` on WebGPU), the default epoch rule unless the case is
 * "ceil"; with the iterations that ended epochs.
 */
export async function trainEpochCase(
  net: TwoLayerNet,
  c: EpochCase,
): Promise<{ stats: TrainStats; ends: number[] }> {
  const { D } = EPOCHS;
  const ends: number[] = [];
  const X = new Matrix(c.N, D, f64(c.X));
  const XVal = new Matrix(c.yVal.length, D, f64(c.XVal));
  const options: TrainOptions = {
    ...c.options,
    ...(c.epochEnd === "ceil" && { epochEnd: "ceil" }),
    rng: new RandomState(c.seed),
    onProgress: (p) => {
      if (p.valAcc !== undefined) ends.push(p.iteration - 1);
    },
  };
  const stats = net.backend === "webgpu"
    ? await net.trainAsync(X, c.y, XVal, c.yVal, options)
    : net.train(X, c.y, XVal, c.yVal, options);
  return { stats, ends };
}

/** The network a case starts from, with numpy's weights. */
export function epochCaseNet(
  c: EpochCase,
  backend: BackendName | "webgpu",
  dtype: DType,
): TwoLayerNet {
  const { D, H, C } = EPOCHS;
  const [W1, b1, W2, b2] = c.start.map(f64);
  return new TwoLayerNet(D, H, C, {
    loss: c.loss,
    backend,
    dtype,
    params: { W1: new Matrix(H, D, W1), b1, W2: new Matrix(C, H, W2), b2 },
  });
}
