// The workbook's toy problem: model from seed(0), data from seed(1).
import { Matrix, random, seed, TwoLayerNet } from "../mod.ts";
import type { LossName } from "../mod.ts";

export const TOY_LABELS = [0, 1, 2, 2, 1];

/** `init_toy_model()`: seed(0), then a 4-10-3 net with std 1e-1. */
export function initToyModel(loss: LossName = "mse"): TwoLayerNet {
  seed(0);
  return new TwoLayerNet(4, 10, 3, { std: 1e-1, loss });
}

/** `init_toy_data()`: seed(1), then X = 10 * randn(5, 4). */
export function initToyData(): Matrix {
  seed(1);
  return new Matrix(5, 4, random.randn(20).map((v) => 10 * v));
}
