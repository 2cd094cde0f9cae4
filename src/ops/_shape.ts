/**
 * What the array operations share: operands as numpy sees them (a number,
 * a 1-D typed array, a 2-D {@linkcode Matrix}), their shapes in numpy's
 * notation for messages, and allocation of results.
 *
 * @module
 */

import {
  allocate,
  assertFloatArray,
  checkArraySize,
  type DType,
  dtypeOf,
  type FloatArray,
  Matrix,
} from "../core/matrix.ts";

/** A number, a 1-D array or a matrix: what an elementwise operation takes. */
export type Operand = number | FloatArray | Matrix<FloatArray>;

/** An operand as rows, columns and strides; a number is a 1 x 1 array. */
export interface Strided {
  data: FloatArray;
  rows: number;
  cols: number;
  /** 0 for a number, 1 for a 1-D array, 2 for a matrix. */
  ndim: 0 | 1 | 2;
}

/** `x` as a strided operand; throws a `TypeError` naming `op` for anything else. */
export function strided(op: string, x: Operand): Strided {
  if (typeof x === "number") {
    return { data: Float64Array.of(x), rows: 1, cols: 1, ndim: 0 };
  }
  if (x instanceof Matrix) {
    assertFloatArray(`${op}: matrix data`, x.data);
    return { data: x.data, rows: x.rows, cols: x.cols, ndim: 2 };
  }
  if (x instanceof Float64Array || x instanceof Float32Array) {
    return { data: x, rows: 1, cols: x.length, ndim: 1 };
  }
  throw new TypeError(
    `${op}: expected a number, a Float64Array or Float32Array, or a Matrix, got ${
      describe(x)
    }`,
  );
}

/** numpy's spelling of a shape: `(200, 50)`, `(50,)` or `()`. */
export function shapeText(x: Strided): string {
  return x.ndim === 0
    ? "()"
    : x.ndim === 1
    ? `(${x.cols},)`
    : `(${x.rows}, ${x.cols})`;
}

/** What a value is, for a message. */
export function describe(x: unknown): string {
  if (x === null || typeof x !== "object") return String(x);
  if (Array.isArray(x)) return "an Array";
  return x.constructor?.name ?? "an object";
}

/** float64 if either operand holds float64 (numpy's promotion), else float32. */
export function resultType(a: Strided, b?: Strided): DType {
  const types = [a, b].filter((x) => x !== undefined && x.ndim > 0)
    .map((x) => dtypeOf(x!.data));
  return types.length > 0 && types.every((t) => t === "float32")
    ? "float32"
    : "float64";
}

/**
 * A zeroed array of `rows * cols` elements of `dtype`: the result of
 * `what` (the operation and its operands' shapes), named when it is too
 * large to allocate.
 */
export function result(
  what: string,
  rows: number,
  cols: number,
  dtype: DType,
): FloatArray {
  checkArraySize(
    `${what}: its (${rows}, ${cols}) result`,
    rows * cols,
    dtype === "float32" ? 4 : 8,
  );
  return allocate(dtype, rows * cols);
}

/** A zeroed `rows` x `cols` matrix of `dtype`, the result of `what` (see {@linkcode result}). */
export function zeros<A extends FloatArray>(
  what: string,
  rows: number,
  cols: number,
  dtype: DType,
): Matrix<A> {
  return new Matrix(rows, cols, result(what, rows, cols, dtype) as A);
}

/** `data` as a result of dimension `ndim`: a matrix, or a 1-D array. */
export function wrap(
  data: FloatArray,
  rows: number,
  cols: number,
  ndim: number,
): FloatArray | Matrix<FloatArray> {
  return ndim === 2 ? new Matrix(rows, cols, data) : data;
}
