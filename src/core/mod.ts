/**
 * The numpy pieces the workbook relies on: {@linkcode Matrix}, a row-major
 * typed-array matrix, and {@linkcode RandomState}, numpy's legacy random
 * stream, draw for draw.
 *
 * @example
 * ```ts
 * import { Matrix, RandomState } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const m = new Matrix(2, 2, new RandomState(0).randn(4));
 * assert.equal(m.get(0, 0), 1.764052345967664); // np.random.seed(0); randn()
 * ```
 *
 * @module
 */

export {
  type AnyMatrix,
  type DType,
  type FloatArray,
  Matrix,
} from "./matrix.ts";
export * from "./random.ts";
