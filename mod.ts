/**
 * `@twolayer/net`: a two-layer neural network for CIFAR-10 that reproduces
 * the classic numpy homework workbook number for number.
 *
 * This entry holds what training needs: {@linkcode TwoLayerNet}, the
 * losses, {@linkcode trainNetwork}, the gradient check, accuracy,
 * {@linkcode Matrix} and numpy's random stream, the CIFAR-10 loader,
 * {@linkcode visualizeGrid}, the hyperparameter search, and the backend and
 * thread controls. The rest lives in sub-paths: `@twolayer/net/kernels`
 * (products, elementwise kernels, the backend contract),
 * `@twolayer/net/cifar10` (sources, download, binary export),
 * `@twolayer/net/plot` (charts, figures, inline display, progress),
 * `@twolayer/net/search` (the search's parts) and `@twolayer/net/workbook`
 * (the workbook's cells, its reference numbers, the comparison report).
 *
 * @example Train the workbook's toy network
 * ```ts
 * import { Matrix, RandomState, TwoLayerNet } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const rng = new RandomState(0);
 * const net = new TwoLayerNet(2, 8, 2, { std: 0.5, rng, loss: "softmax" });
 * const X = Matrix.fromRows([[1, 0], [0, 1], [1, 0.1], [0.1, 1]]);
 * const y = [0, 1, 0, 1];
 * const stats = net.train(X, y, X, y, {
 *   learningRate: 0.5, numIters: 200, batchSize: 4, rng,
 * });
 * assert.equal(stats.valAccHistory.at(-1), 1);
 * ```
 *
 * @module
 */

export * from "./src/core/mod.ts";
export * from "./src/nn/mod.ts";
export { chooseBackend } from "./src/kernels/webgpu.ts";
export {
  availableBackends,
  type BackendChoice,
  type BackendName,
  describeBackend,
  getBackend,
  getThreads,
  type Kernels,
  setBackend,
  setThreads,
} from "./src/kernels/select.ts";
export {
  type Cifar10,
  CIFAR10_CLASSES,
  type Cifar10DataOptions,
  type Cifar10DownloadOptions,
  type Cifar10Expected,
  type Cifar10Source,
  type Cifar10SourceOptions,
  type Cifar10Splits,
  getCifar10Data,
  loadCifar10,
} from "./src/cifar10/mod.ts";
export { Picture } from "./src/plot/display.ts";
export {
  type GridOptions,
  type ImageStack,
  visualizeGrid,
} from "./src/plot/visualize.ts";
export {
  gridSettings,
  searchHyperparameters,
  type SearchOptions,
  type SearchResult,
  type SearchRow,
  type SearchSetting,
} from "./src/search/mod.ts";
