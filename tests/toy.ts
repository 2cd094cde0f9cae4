// The workbook's toy problem for tests, from src/workbook/'s steps.
import type { Matrix } from "../mod.ts";
import {
  initToyData as toyData,
  TOY_LABELS as LABELS,
} from "../src/workbook/mod.ts";

export { initToyModel } from "../src/workbook/mod.ts";

export const TOY_LABELS = [...LABELS];

/** `init_toy_data()`'s X: seed(1), then 10 * randn(5, 4). */
export function initToyData(): Matrix {
  return toyData().X;
}
