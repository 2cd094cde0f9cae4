/**
 * Numerical gradients by centred differences, and the workbook's relative
 * error, to check a backward pass against its forward pass.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";

/** Options of {@linkcode evalNumericalGradient}. */
export interface NumericalGradientOptions {
  /** Step of the centred difference (default 1e-5, as the workbook). */
  h?: number;
}

/**
 * The gradient of `f` at `x` by centred differences,
 * `(f(x + h eᵢ) − f(x − h eᵢ)) / 2h` for every element i. `x` is perturbed
 * in place (so `f` can read it, e.g. a network's parameter) and restored.
 *
 * @example
 * ```ts
 * import { evalNumericalGradient } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const x = new Float64Array([1, 2, 3]);
 * const f = () => x[0] ** 2 + 3 * x[1] - x[2] ** 3; // reads x
 * const grad = evalNumericalGradient(f, x);
 * assert.ok(Math.abs(grad[0] - 2) < 1e-8);
 * assert.ok(Math.abs(grad[1] - 3) < 1e-8);
 * assert.ok(Math.abs(grad[2] + 27) < 1e-6);
 * assert.deepEqual(Array.from(x), [1, 2, 3]); // restored
 * ```
 */
export function evalNumericalGradient(
  f: (x: FloatArray) => number,
  x: FloatArray | Matrix<FloatArray>,
  options: NumericalGradientOptions = {},
): Float64Array {
  const { h = 1e-5 } = options;
  if (!(h > 0)) throw new RangeError(`h must be positive, got ${h}`);
  const data = "data" in x ? x.data : x;
  const grad = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const old = data[i];
    data[i] = old + h;
    const plus = f(data);
    data[i] = old - h;
    const minus = f(data);
    data[i] = old;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

/**
 * The workbook's `rel_error`: `max |x − y| / max(1e-8, |x| + |y|)`.
 *
 * @example
 * ```ts
 * import { relError } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.equal(relError([1, 2], [1, 2]), 0);
 * assert.equal(relError([1], [3]), 0.5);
 * ```
 */
export function relError(
  x: ArrayLike<number> | Matrix<FloatArray>,
  y: ArrayLike<number> | Matrix<FloatArray>,
): number {
  const a = "data" in x ? x.data : x;
  const b = "data" in y ? y.data : y;
  if (a.length !== b.length) {
    throw new RangeError(
      `relError needs equal sizes, got ${a.length} and ${b.length}`,
    );
  }
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) /
      Math.max(1e-8, Math.abs(a[i]) + Math.abs(b[i]));
    if (e > max) max = e;
  }
  return max;
}
