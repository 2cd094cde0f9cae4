/**
 * Matrix products that allocate their result, as numpy's `@` does, run
 * by the default backend's kernels (BLAS through FFI, else WebAssembly
 * SIMD, split over threads for large products), plus the transpose.
 *
 * @module
 */

import { dtypeOf, type FloatArray, type Matrix } from "../core/matrix.ts";
import { kernels } from "../kernels/select.ts";
import { shapeText, strided, zeros } from "./_shape.ts";

/**
 * Checks the operands of the product `name` (numpy's `numpy`) and returns
 * how messages name it: `matmul (numpy's A @ B) of A (2, 3) and B (3, 4)`.
 */
function checkProduct(
  name: string,
  numpy: string,
  a: Matrix<FloatArray>,
  b: Matrix<FloatArray>,
  inner: [number, number],
): string {
  const x = strided(name, a), y = strided(name, b);
  if (x.ndim !== 2 || y.ndim !== 2) {
    throw new TypeError(`${name} (numpy's ${numpy}): A and B must be matrices`);
  }
  if (inner[0] !== inner[1]) {
    throw new RangeError(
      `${name} (numpy's ${numpy}): A is ${a.rows} x ${a.cols} and B is ${b.rows} x ${b.cols}; the inner sizes ${
        inner[0]
      } and ${inner[1]} must agree`,
    );
  }
  if (dtypeOf(a.data) !== dtypeOf(b.data)) {
    throw new TypeError(
      `${name}: A is ${dtypeOf(a.data)} but B is ${
        dtypeOf(b.data)
      }; convert one with .astype()`,
    );
  }
  return `${name} (numpy's ${numpy}) of A ${shapeText(x)} and B ${
    shapeText(y)
  }`;
}

/**
 * `A @ B` (N x K times K x M): a new N x M matrix. Cost: `2 N K M` flops
 * on the backend's product kernel.
 *
 * @throws {RangeError} when A's columns differ from B's rows.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { matmul } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const a = Matrix.fromRows([[1, 2], [3, 4]]);
 * assert.deepEqual(matmul(a, Matrix.fromRows([[1], [1]])).toRows(), [[3], [7]]);
 * ```
 */
export function matmul<A extends FloatArray>(
  a: Matrix<A>,
  b: Matrix<A>,
): Matrix<A> {
  const what = checkProduct("matmul", "A @ B", a, b, [a.cols, b.rows]);
  const out = zeros<A>(what, a.rows, b.cols, dtypeOf(a.data));
  kernels().matmulAB(a, b, out);
  return out;
}

/**
 * `A @ B.T` (N x K times (M x K)ᵀ): a new N x M matrix, without copying
 * the transpose. numpy's `X @ W1.T` is `matmulT(X, W1)`. Cost: `2 N K M`
 * flops.
 *
 * @throws {RangeError} when A and B have different numbers of columns.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { matmulT } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[1, 2, 3]]); // 1 x 3
 * const W = Matrix.fromRows([[1, 0, 0], [1, 1, 1]]); // 2 x 3
 * assert.deepEqual(matmulT(X, W).toRows(), [[1, 6]]);
 * ```
 */
export function matmulT<A extends FloatArray>(
  a: Matrix<A>,
  b: Matrix<A>,
): Matrix<A> {
  const what = checkProduct("matmulT", "A @ B.T", a, b, [a.cols, b.cols]);
  const out = zeros<A>(what, a.rows, b.rows, dtypeOf(a.data));
  kernels().matmulABt(a, b, out);
  return out;
}

/**
 * `A.T @ B` ((K x N)ᵀ times K x M): a new N x M matrix, without copying
 * the transpose; a weight gradient such as numpy's `dscores.T @ h` is
 * `tMatmul(dscores, h)`. Cost: `2 N K M` flops.
 *
 * @throws {RangeError} when A and B have different numbers of rows.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { tMatmul } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * const a = Matrix.fromRows([[1], [2]]); // 2 x 1
 * const b = Matrix.fromRows([[1, 1], [1, 0]]); // 2 x 2
 * assert.deepEqual(tMatmul(a, b).toRows(), [[3, 1]]);
 * ```
 */
export function tMatmul<A extends FloatArray>(
  a: Matrix<A>,
  b: Matrix<A>,
): Matrix<A> {
  const what = checkProduct("tMatmul", "A.T @ B", a, b, [a.rows, b.rows]);
  const out = zeros<A>(what, a.cols, b.cols, dtypeOf(a.data));
  kernels().matmulAtB(a, b, out);
  return out;
}

/**
 * `A.T` as a new matrix (a copy: the products above read transposes in
 * place, so they need none).
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { transpose } from "@twolayer/net/ops";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(transpose(Matrix.fromRows([[1, 2, 3]])).toRows(), [[1], [2], [3]]);
 * ```
 */
export function transpose<A extends FloatArray>(a: Matrix<A>): Matrix<A> {
  const x = strided("transpose", a);
  if (x.ndim !== 2) throw new TypeError("transpose: expected a matrix");
  const out = zeros<A>(
    `transpose of ${shapeText(x)}`,
    a.cols,
    a.rows,
    dtypeOf(a.data),
  );
  const S = a.data, D = out.data, r = a.rows, c = a.cols;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) D[j * r + i] = S[i * c + j];
  }
  return out;
}
