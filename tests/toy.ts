// The workbook's toy problem for tests, built as the notebook's toy cell
// builds it.
import {
  type LossName,
  Matrix,
  random,
  seed,
  type TrainStats,
  TwoLayerNet,
} from "../mod.ts";

export const TOY_LABELS = [0, 1, 2, 2, 1];

/** `init_toy_model()`: seed(0), then a 4-10-3 net with std 1e-1. */
export function initToyModel(loss: LossName = "mse"): TwoLayerNet {
  seed(0);
  return new TwoLayerNet(4, 10, 3, { std: 1e-1, loss });
}

/** `init_toy_data()`'s X: seed(1), then 10 * randn(5, 4). */
export function initToyData(): Matrix {
  seed(1);
  return new Matrix(5, 4, random.randn(20).map((v) => 10 * v));
}

/** The workbook's toy training cell's settings. */
export const TOY_TRAINING = {
  learningRate: 1e-1,
  reg: 5e-6,
  numIters: 100,
  batchSize: 200,
  learningRateDecay: 0.95,
};

/**
 * The notebook's toy cells in order (model, data, training), which draw
 * from the default stream before the first CIFAR network does; returns the
 * toy training's stats.
 */
export function runToyCells(): TrainStats {
  initToyModel();
  const X = initToyData();
  return initToyModel().train(X, TOY_LABELS, X, TOY_LABELS, TOY_TRAINING);
}
