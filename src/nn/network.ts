/**
 * The workbook's two-layer fully connected network:
 * `scores = relu(X W1ᵀ + b1) W2ᵀ + b2`, with W1 H x D and W2 C x H.
 *
 * @module
 */

import { assertFinite } from "../kernels/elementwise.ts";
import {
  type BackendChoice,
  type BackendName,
  type Kernels,
  kernels,
} from "../kernels/select.ts";
import { webgpuPredict } from "../kernels/webgpu.ts";
import { webgpuTrainingStep } from "./_webgpu_step.ts";
import {
  checkLossName,
  checkReg,
  type Labels,
  LOSSES,
  type LossName,
} from "./losses.ts";
import { checkOptionNames } from "../core/options.ts";
import {
  allocate,
  asDType,
  assertShape,
  checkArraySize,
  checkDType,
  type DType,
  dtypeOf,
  type FloatArray,
  Matrix,
} from "../core/matrix.ts";
import { random, type RandomState } from "../core/random.ts";
import { argmaxRows } from "./metrics.ts";
import {
  DEFAULT_MAX_NETWORK_BYTES,
  type NetworkContents,
  networkFromSafetensors,
  networkToSafetensors,
  readNetworkFile,
  writeNetworkFile,
} from "./_network_file.ts";
import type { Params } from "./params.ts";
import {
  trainNetwork,
  trainNetworkAsync,
  type TrainOptions,
  type TrainSettings,
  type TrainStats,
  trainWithStep,
} from "./trainer.ts";

/** Options for {@linkcode TwoLayerNet}. */
export interface TwoLayerNetOptions {
  /** Scale of the normal initial weights (default 1e-4, the toy model uses 1e-1). */
  std?: number;
  /** Stream for the initial weights (default: the module's global `random`). */
  rng?: RandomState;
  /** Data loss (default `"mse"`, the workbook's; `"softmax"` is the bonus). */
  loss?: LossName;
  /**
   * Element type of parameters and activations (default `"float64"`;
   * `"float32"` on `"webgpu"`, the only type it has).
   */
  dtype?: DType;
  /**
   * Where the arithmetic runs (default: the module's default backend when
   * the network is created, see `setBackend`). `"webgpu"` trains on a GPU
   * with {@linkcode TwoLayerNet.trainAsync} (see `chooseBackend`); its
   * synchronous methods (`scores`, `loss`, `predict`) run on the CPU's
   * default backend.
   */
  backend?: BackendChoice;
  /**
   * Starting parameters to copy instead of drawing random ones (shapes must
   * match the sizes); no random numbers are drawn then.
   */
  params?: Params;
}

const NET_OPTIONS: readonly (keyof TwoLayerNetOptions)[] = [
  "std",
  "rng",
  "loss",
  "dtype",
  "backend",
  "params",
];

/** Options of {@linkcode TwoLayerNet.load} and {@linkcode TwoLayerNet.fromSafetensors}. */
export interface LoadOptions {
  /** Loss for files that do not name one, such as numpy's (default `"mse"`). */
  loss?: LossName;
  /** Backend of the loaded network (default: the module's default). */
  backend?: BackendChoice;
  /**
   * Largest file {@linkcode TwoLayerNet.load} reads, and largest total
   * the arrays of an `.npz` may inflate to (default 512 MiB).
   */
  maxBytes?: number;
}

const LOAD_OPTIONS: readonly (keyof LoadOptions)[] = [
  "loss",
  "backend",
  "maxBytes",
];

/** Names and values of {@linkcode LoadOptions}, checked before any read. */
function checkLoadOptions(where: string, options: LoadOptions): void {
  checkOptionNames(where, options, LOAD_OPTIONS);
  const { loss, maxBytes } = options;
  if (loss !== undefined) checkLossName(`${where} loss`, loss);
  if (
    maxBytes !== undefined &&
    !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)
  ) {
    throw new RangeError(
      `${where} maxBytes must be a non-negative integer (a number of bytes), got ${
        typeof maxBytes === "string" ? JSON.stringify(maxBytes) : maxBytes
      }`,
    );
  }
}

/** Loss and gradients from {@linkcode TwoLayerNet.loss}. */
export interface LossAndGrads {
  /** Data loss plus `0.5 * reg * (‖W1‖² + ‖W2‖²)`. */
  loss: number;
  /** Gradient of `loss` for each parameter, shaped like it. */
  grads: Params;
}

/** Activation and gradient buffers for one batch size, reused across iterations. */
interface Workspace {
  /** The minibatch's rows of X, for backends without a fused gather. */
  batch?: Matrix<FloatArray>;
  hidden: Matrix<FloatArray>;
  scores: Matrix<FloatArray>;
  dscores: Matrix<FloatArray>;
  dhidden: Matrix<FloatArray>;
}

/**
 * A two-layer network for `numClasses`-way classification.
 *
 * @example The workbook's toy model
 * ```ts
 * import { Matrix, RandomState, TwoLayerNet } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const net = new TwoLayerNet(4, 10, 3, { std: 1e-1, rng: new RandomState(0) });
 * const X = Matrix.fromRows([[1, 2, 3, 4], [-4, -3, -2, -1]]);
 * assert.deepEqual(net.scores(X).shape, [2, 3]);
 * const { loss, grads } = net.loss(X, [0, 2], 0.05);
 * assert.ok(loss > 0);
 * assert.deepEqual(grads.W1.shape, [10, 4]);
 * assert.equal(net.predict(X).length, 2);
 * ```
 */
export class TwoLayerNet {
  /** D: values per input row. */
  readonly inputSize: number;
  /** H: hidden units. */
  readonly hiddenSize: number;
  /** C: classes. */
  readonly numClasses: number;
  /** Data loss used by {@linkcode TwoLayerNet.loss} and training. */
  readonly lossName: LossName;
  /** Element type of the parameters. */
  readonly dtype: DType;
  /**
   * Weights and biases; updated in place by training. On the WebAssembly
   * and BLAS backends their arrays are views of the kernels' shared
   * memory (a `SharedArrayBuffer` of their own), where each training step
   * updates them in one pass; `slice()` gives a plain copy.
   */
  readonly params: Params;
  /**
   * Mean training image (D values) to subtract from raw images before
   * {@linkcode TwoLayerNet.predict}; kept by {@linkcode TwoLayerNet.save}.
   */
  meanImage?: Float64Array;
  /** Settings of the last training run; kept by {@linkcode TwoLayerNet.save}. */
  trainingSettings?: TrainSettings;
  /** Gradient buffers written by each loss evaluation. */
  readonly #grads: Params;
  readonly #workspaces = new Map<number, Workspace>();
  /** Kernels bound to the chosen backend (the CPU's for `"webgpu"`). */
  readonly #k: Kernels;
  readonly #backend: BackendName;
  /** Where this network's arrays are made: in its kernels' memory on the CPU. */
  readonly #allocate: (dtype: DType, length: number) => FloatArray;

  /**
   * Initialises like the workbook: `W1 = std * randn(H, D)`, then
   * `W2 = std * randn(C, H)`, biases zero.
   *
   * @throws {RangeError} as {@linkcode checkNetworkArguments}, before
   *   anything is allocated.
   */
  constructor(
    inputSize: number,
    hiddenSize: number,
    numClasses: number,
    options: TwoLayerNetOptions = {},
  ) {
    checkNetworkArguments(inputSize, hiddenSize, numClasses, options);
    const gpu = options.backend === "webgpu";
    const {
      std = 1e-4,
      rng = random,
      loss = "mse",
      dtype = gpu ? "float32" : "float64",
    } = options;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numClasses = numClasses;
    this.lossName = loss;
    this.dtype = dtype;
    this.#k = kernels(gpu ? undefined : options.backend);
    this.#backend = gpu ? "webgpu" : this.#k.backend;
    // A GPU network's arrays are uploaded, not worked on by the CPU's kernels.
    this.#allocate = gpu ? allocate : this.#k.allocate;
    this.params = zeroParams(
      this.#allocate,
      dtype,
      inputSize,
      hiddenSize,
      numClasses,
    );
    this.#grads = zeroParams(
      this.#allocate,
      dtype,
      inputSize,
      hiddenSize,
      numClasses,
    );
    if (options.params) {
      const { W1, b1, W2, b2 } = options.params;
      assertShape("params.W1", W1, hiddenSize, inputSize);
      assertShape("params.W2", W2, numClasses, hiddenSize);
      checkLength("params.b1", b1, hiddenSize);
      checkLength("params.b2", b2, numClasses);
      copyParams(options.params, this.params);
    } else {
      scaleInto(this.params.W1.data, rng.randn(hiddenSize * inputSize), std);
      scaleInto(this.params.W2.data, rng.randn(numClasses * hiddenSize), std);
    }
  }

  /**
   * A deep copy (a snapshot): training the copy leaves this net unchanged,
   * and no random numbers are drawn. With `backend`, the copy runs there
   * (e.g. on the CPU after a GPU was lost), in this net's element type.
   *
   * @example Move a network between backends
   * ```ts
   * import { RandomState, TwoLayerNet } from "@twolayer/net";
   * import assert from "node:assert/strict";
   *
   * const net = new TwoLayerNet(4, 3, 2, { rng: new RandomState(0), dtype: "float32" });
   * const copy = net.clone({ backend: "typescript" });
   * assert.equal(copy.backend, "typescript");
   * assert.deepEqual(copy.params, net.params);
   * ```
   */
  clone(options: { backend?: BackendChoice } = {}): TwoLayerNet {
    checkOptionNames("clone", options, ["backend"]);
    const net = new TwoLayerNet(
      this.inputSize,
      this.hiddenSize,
      this.numClasses,
      {
        loss: this.lossName,
        dtype: this.dtype,
        backend: options.backend ?? this.#backend,
        params: this.params,
      },
    );
    net.meanImage = this.meanImage;
    net.trainingSettings = this.trainingSettings;
    return net;
  }

  /** Where this network's arithmetic runs (see {@linkcode TwoLayerNetOptions.backend}). */
  get backend(): BackendName {
    return this.#backend;
  }

  /**
   * Writes the network to `path`: `.safetensors` (tensors `W1` H x D, `b1`,
   * `W2` C x H, `b2` with the loss, dtype and training settings in
   * `__metadata__`) or `.npz` (what `np.load` gives a numpy student), with
   * {@linkcode TwoLayerNet.meanImage} when set. Written to a temporary file
   * renamed into place, so a failed save leaves no file.
   *
   * @throws {Error} naming `path` for another extension or a failed write.
   *
   * @example Save and load back
   * ```ts
   * import { RandomState, TwoLayerNet } from "@twolayer/net";
   * import assert from "node:assert/strict";
   *
   * const net = new TwoLayerNet(4, 3, 2, { rng: new RandomState(0), loss: "softmax" });
   * const dir = await Deno.makeTempDir();
   * await net.save(`${dir}/net.safetensors`);
   * const back = await TwoLayerNet.load(`${dir}/net.safetensors`);
   * assert.equal(back.lossName, "softmax");
   * assert.deepEqual(back.params, net.params);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async save(path: string): Promise<void> {
    await writeNetworkFile(path, this.#contents());
  }

  /**
   * Reads a network saved by {@linkcode TwoLayerNet.save}, by Python's
   * `safetensors` or by numpy's `np.savez` (`W1`, `b1`, `W2`, `b2`,
   * optionally `mean_image`). Sizes and dtype come from the tensors.
   *
   * @throws {Error} naming `path` and the problem: missing, not a regular
   *   file, too large, truncated or corrupt, a missing tensor, a wrong shape
   *   or dtype.
   */
  static async load(
    path: string,
    options: LoadOptions = {},
  ): Promise<TwoLayerNet> {
    checkLoadOptions("TwoLayerNet.load", options);
    const { maxBytes = DEFAULT_MAX_NETWORK_BYTES } = options;
    return TwoLayerNet.#fromContents(
      await readNetworkFile(path, maxBytes),
      options,
    );
  }

  /**
   * The bytes {@linkcode TwoLayerNet.save} writes to a `.safetensors`
   * file, without touching the file system.
   *
   * @example
   * ```ts
   * import { RandomState, TwoLayerNet } from "@twolayer/net";
   * import assert from "node:assert/strict";
   *
   * const net = new TwoLayerNet(4, 3, 2, { rng: new RandomState(0), dtype: "float32" });
   * const back = TwoLayerNet.fromSafetensors(net.toSafetensors());
   * assert.equal(back.dtype, "float32");
   * assert.deepEqual(back.params.W1.data, net.params.W1.data);
   * ```
   */
  toSafetensors(): Uint8Array {
    return networkToSafetensors(this.#contents());
  }

  /**
   * A network from safetensors bytes (see {@linkcode TwoLayerNet.load}).
   *
   * @throws {Error} for corrupt bytes, a missing tensor, a wrong shape or dtype.
   */
  static fromSafetensors(
    bytes: Uint8Array,
    options: LoadOptions = {},
  ): TwoLayerNet {
    checkLoadOptions("TwoLayerNet.fromSafetensors", options);
    return TwoLayerNet.#fromContents(
      networkFromSafetensors(bytes, "safetensors bytes"),
      options,
    );
  }

  #contents(): NetworkContents {
    return {
      params: this.params,
      loss: this.lossName,
      meanImage: this.meanImage,
      training: this.trainingSettings,
    };
  }

  static #fromContents(
    contents: NetworkContents,
    options: LoadOptions,
  ): TwoLayerNet {
    const { params } = contents;
    const net = new TwoLayerNet(
      params.W1.cols,
      params.W1.rows,
      params.W2.rows,
      {
        params,
        loss: contents.loss ?? options.loss ?? "mse",
        dtype: dtypeOf(params.W1.data),
        backend: options.backend,
      },
    );
    net.meanImage = contents.meanImage;
    net.trainingSettings = contents.training;
    return net;
  }

  /**
   * Class scores for every row of `X` (N x D), or only for rows `rows` of
   * it, as a new matrix with a row per input row.
   */
  scores(X: Matrix<FloatArray>, rows?: Int32Array): Matrix<FloatArray> {
    return this.#forward(this.input(X, rows), rows).scores.clone();
  }

  /** The highest-scoring class of every row of `X` (or of rows `rows`). */
  predict(X: Matrix<FloatArray>, rows?: Int32Array): Int32Array {
    return argmaxRows(this.#forward(this.input(X, rows), rows).scores);
  }

  /**
   * Regularised loss on (X, y) and the gradient of every parameter
   * (fresh copies, safe to keep).
   *
   * @throws {RangeError} on a wrong shape, a label outside 0..C-1, a
   *   non-finite input value, or a negative or non-finite `reg`.
   */
  loss(X: Matrix<FloatArray>, y: Labels, reg = 0): LossAndGrads {
    checkReg(reg);
    const loss = this.lossAndGradients(this.input(X), y, reg);
    const grads = zeroParams(
      allocate,
      this.dtype,
      this.inputSize,
      this.hiddenSize,
      this.numClasses,
    );
    copyParams(this.#grads, grads);
    return { loss, grads };
  }

  /**
   * The training step's loss: forward and backward pass on rows `rows` of
   * `X` (all rows when omitted), leaving gradients in {@linkcode TwoLayerNet.gradients}.
   * Unlike {@linkcode TwoLayerNet.loss} it skips input checks and copies,
   * so the trainer allocates nothing per iteration.
   */
  lossAndGradients(
    X: Matrix<FloatArray>,
    y: Labels,
    reg: number,
    rows?: Int32Array,
  ): number {
    const dataLoss = this.dataLossAndGradients(X, y, rows);
    const { W1, W2 } = this.params, g = this.#grads, k = this.#k;
    return dataLoss +
      0.5 * reg *
        (k.regularize(reg, W1.data, g.W1.data) +
          k.regularize(reg, W2.data, g.W2.data));
  }

  /**
   * {@linkcode TwoLayerNet.lossAndGradients} without the L2 term: the data
   * loss, its gradients left in {@linkcode TwoLayerNet.gradients}. The
   * training step adds the L2 term's gradient in its update, in the same
   * pass over the weights.
   */
  dataLossAndGradients(
    X: Matrix<FloatArray>,
    y: Labels,
    rows?: Int32Array,
  ): number {
    const { W2 } = this.params;
    const k = this.#k;
    if (rows && !k.fusedGather) {
      // Gather once for both products that read the batch (as numpy's X[idx]).
      const ws = this.#workspace(rows.length);
      ws.batch ??= this.#matrix(rows.length, X.cols);
      k.gatherRows(X, rows, ws.batch);
      X = ws.batch;
      rows = undefined;
    }
    const ws = this.#forward(X, rows);
    const g = this.#grads;
    const dataLoss = LOSSES[this.lossName](ws.scores, y, ws.dscores).loss;
    // Backward: scores = h W2ᵀ + b2, h = relu(X W1ᵀ + b1).
    k.matmulAtB(ws.dscores, ws.hidden, g.W2);
    k.sumColumns(ws.dscores, g.b2);
    k.matmulAB(ws.dscores, W2, ws.dhidden);
    k.reluBackwardSum(ws.dhidden, ws.hidden, g.b1);
    k.matmulAtB(ws.dhidden, X, g.W1, rows);
    return dataLoss;
  }

  /** The kernels this network runs on (its backend's). */
  get kernels(): Kernels {
    return this.#k;
  }

  /**
   * Gradients from the last {@linkcode TwoLayerNet.lossAndGradients} call
   * (reused buffers; after {@linkcode TwoLayerNet.dataLossAndGradients},
   * as in training, without the L2 term).
   */
  get gradients(): Params {
    return this.#grads;
  }

  /**
   * Trains with minibatch SGD (see {@linkcode trainNetwork}); the workbook's
   * `net.train(X, y, X_val, y_val, ...)`.
   */
  train(
    X: Matrix<FloatArray>,
    y: Labels,
    XVal: Matrix<FloatArray>,
    yVal: Labels,
    options: TrainOptions = {},
  ): TrainStats {
    if (this.#backend === "webgpu") {
      throw new Error(
        "this network trains on WebGPU, which hands results back asynchronously: call await net.trainAsync(X, y, XVal, yVal, options) instead of net.train(...)",
      );
    }
    const stats = trainNetwork(this, X, y, XVal, yVal, options);
    this.trainingSettings = stats.settings;
    return stats;
  }

  /**
   * {@linkcode TwoLayerNet.train} as a promise, on any backend: the same
   * numbers, but the event loop gets a turn while it trains, so that
   * Jupyter displays, progress bars and timers keep updating during a
   * long run (see {@linkcode trainNetworkAsync}).
   *
   * @example
   * ```ts
   * import { Matrix, RandomState, TwoLayerNet } from "@twolayer/net";
   * import assert from "node:assert/strict";
   *
   * const X = Matrix.fromRows([[1, 0], [0, 1], [1, 0.1], [0.1, 1]]);
   * const y = [0, 1, 0, 1];
   * const rng = new RandomState(0);
   * const net = new TwoLayerNet(2, 8, 2, { std: 0.5, rng, loss: "softmax" });
   * const stats = await net.trainAsync(X, y, X, y, {
   *   learningRate: 0.5, numIters: 200, batchSize: 4, rng,
   * });
   * assert.equal(stats.valAccHistory.at(-1), 1);
   * ```
   */
  async trainAsync(
    X: Matrix<FloatArray>,
    y: Labels,
    XVal: Matrix<FloatArray>,
    yVal: Labels,
    options: TrainOptions = {},
  ): Promise<TrainStats> {
    const stats = this.#backend === "webgpu"
      ? await trainWithStep(
        this,
        X,
        y,
        XVal,
        yVal,
        options,
        (run) => webgpuTrainingStep(run, this.lossName),
      )
      : await trainNetworkAsync(this, X, y, XVal, yVal, options);
    this.trainingSettings = stats.settings;
    return stats;
  }

  /**
   * {@linkcode TwoLayerNet.predict} as a promise: on `"webgpu"` the GPU
   * computes it (in blocks of rows), elsewhere the CPU.
   *
   * @example
   * ```ts
   * import { Matrix, RandomState, TwoLayerNet } from "@twolayer/net";
   * import assert from "node:assert/strict";
   *
   * const net = new TwoLayerNet(2, 3, 2, { std: 1, rng: new RandomState(0) });
   * const X = Matrix.fromRows([[1, 0], [0, 1]]);
   * assert.deepEqual(await net.predictAsync(X), net.predict(X));
   * ```
   */
  async predictAsync(X: Matrix<FloatArray>): Promise<Int32Array> {
    if (this.#backend !== "webgpu") return this.predict(X);
    return await webgpuPredict(this.params, this.lossName, this.input(X));
  }

  #forward(X: Matrix<FloatArray>, rows: Int32Array | undefined): Workspace {
    const { W1, b1, W2, b2 } = this.params;
    const k = this.#k;
    const ws = this.#workspace(rows ? rows.length : X.rows);
    k.matmulABt(X, W1, ws.hidden, rows);
    k.biasRelu(ws.hidden, b1);
    k.matmulABt(ws.hidden, W2, ws.scores);
    k.addRowVector(ws.scores, b2);
    return ws;
  }

  /** A zeroed matrix where this network's kernels work on it in place. */
  #matrix(rows: number, cols: number): Matrix<FloatArray> {
    return new Matrix(rows, cols, this.#allocate(this.dtype, rows * cols));
  }

  #workspace(n: number): Workspace {
    let ws = this.#workspaces.get(n);
    if (!ws) {
      const { hiddenSize: h, numClasses: c } = this;
      ws = {
        hidden: this.#matrix(n, h),
        scores: this.#matrix(n, c),
        dscores: this.#matrix(n, c),
        dhidden: this.#matrix(n, h),
      };
      // Keep at most a training batch and one evaluation set alive.
      if (this.#workspaces.size >= 2) this.#workspaces.clear();
      this.#workspaces.set(n, ws);
    }
    return ws;
  }

  /**
   * `X` checked (shape; finite values in `rows`, or everywhere) and in the
   * network's element type: a float64 matrix given to a float32 net is
   * converted on every call, so an edit of `X` in place is always seen.
   */
  input(X: Matrix<FloatArray>, rows?: Int32Array): Matrix<FloatArray> {
    assertShape("X", X, null, this.inputSize);
    if (rows || !this.#k.allFinite(X.data)) assertFinite("X", X, rows);
    return asDType(X, this.dtype);
  }
}

/**
 * The checks of the {@linkcode TwoLayerNet} constructor, without building
 * a network (a search runs them on every setting before the first one
 * trains): positive integer sizes whose weight matrices fit the 4 GiB
 * limit of one array (see `checkArraySize`), known option names, and
 * option values.
 *
 * @throws {RangeError} when a size is not a positive integer or makes W1
 *   or W2 too large, an option is unknown, or its value is out of range
 *   (`std` not a finite non-negative number, another `loss` or `dtype`).
 *
 * @example
 * ```ts
 * import { checkNetworkArguments } from "./network.ts";
 * import assert from "node:assert/strict";
 *
 * checkNetworkArguments(3072, 50, 10, { loss: "softmax" });
 * assert.throws(
 *   () => checkNetworkArguments(3072, 2_000_000, 10),
 *   /TwoLayerNet W1 \(hiddenSize x inputSize = 2000000 x 3072\) needs 6144000000 values/,
 * );
 * ```
 */
export function checkNetworkArguments(
  inputSize: number,
  hiddenSize: number,
  numClasses: number,
  options: TwoLayerNetOptions = {},
): void {
  for (
    const [name, value] of [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
      ["numClasses", numClasses],
    ] as const
  ) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(
        `TwoLayerNet ${name} must be a positive integer, got ${value}`,
      );
    }
  }
  checkOptionNames("TwoLayerNet", options, NET_OPTIONS);
  const gpu = options.backend === "webgpu";
  const { std = 1e-4, loss = "mse", dtype = gpu ? "float32" : "float64" } =
    options;
  checkLossName("TwoLayerNet loss", loss);
  checkDType("TwoLayerNet dtype", dtype);
  if (gpu && dtype !== "float32") {
    throw new RangeError(
      `TwoLayerNet dtype must be "float32" on backend "webgpu" (WGSL has no float64), got "${dtype}"`,
    );
  }
  checkStd(std);
  // Random initial weights are drawn in float64 whatever the dtype.
  const bytes = dtype === "float32" && options.params ? 4 : 8;
  checkArraySize(
    `TwoLayerNet W1 (hiddenSize x inputSize = ${hiddenSize} x ${inputSize})`,
    hiddenSize * inputSize,
    bytes,
  );
  checkArraySize(
    `TwoLayerNet W2 (numClasses x hiddenSize = ${numClasses} x ${hiddenSize})`,
    numClasses * hiddenSize,
    bytes,
  );
}

/** The initial weights' scale must be a finite number, 0 or more. */
function checkStd(std: unknown): void {
  if (!(typeof std === "number" && std >= 0 && Number.isFinite(std))) {
    throw new RangeError(
      `TwoLayerNet std must be a non-negative finite number, got ${std}`,
    );
  }
}

function zeroParams(
  make: (dtype: DType, length: number) => FloatArray,
  dtype: DType,
  d: number,
  h: number,
  c: number,
): Params {
  return {
    W1: new Matrix(h, d, make(dtype, h * d)),
    b1: make(dtype, h),
    W2: new Matrix(c, h, make(dtype, c * h)),
    b2: make(dtype, c),
  };
}

function copyParams(from: Params, to: Params): void {
  to.W1.data.set(from.W1.data);
  to.b1.set(from.b1);
  to.W2.data.set(from.W2.data);
  to.b2.set(from.b2);
}

function checkLength(what: string, v: FloatArray, n: number): void {
  if (v.length !== n) {
    throw new RangeError(`${what} must have ${n} values, got ${v.length}`);
  }
}

function scaleInto(target: FloatArray, values: Float64Array, scale: number) {
  for (let i = 0; i < values.length; i++) target[i] = scale * values[i];
}
