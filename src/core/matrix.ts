/**
 * A dense row-major matrix: the one array type the network, losses and
 * trainer pass around.
 *
 * @module
 */

/** Element types a {@linkcode Matrix} can hold. */
export type FloatArray = Float64Array | Float32Array;

/** A matrix of either element type, as kernels and losses accept. */
export type AnyMatrix = Matrix<FloatArray>;

/** Name of a floating-point element type, as numpy spells it. */
export type DType = "float64" | "float32";

/** Allocates a zeroed typed array of `length` elements of `dtype`. */
export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === "float32"
    ? new Float32Array(length)
    : new Float64Array(length);
}

/** The {@linkcode DType} name of a typed array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? "float32" : "float64";
}

/**
 * A `rows` x `cols` matrix stored row by row in a typed array, so that
 * element (i, j) is `data[i * cols + j]`, exactly like a C-contiguous numpy
 * array.
 *
 * @example Build, read and write
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[1, 2, 3], [4, 5, 6]]);
 * assert.deepEqual(m.shape, [2, 3]);
 * assert.equal(m.get(1, 0), 4);
 * m.set(1, 0, 40);
 * assert.equal(m.data[3], 40);
 * ```
 */
export class Matrix<A extends FloatArray = Float64Array> {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Row-major elements; length `rows * cols`. */
  readonly data: A;

  /**
   * Wraps `data` (not copied) or allocates a zeroed float64 matrix.
   *
   * @throws {RangeError} when the sizes are not non-negative integers or
   *   `data` does not hold exactly `rows * cols` elements.
   */
  constructor(rows: number, cols: number, data?: A) {
    if (!Number.isInteger(rows) || rows < 0) {
      throw new RangeError(
        `Matrix rows must be a non-negative integer, got ${rows}`,
      );
    }
    if (!Number.isInteger(cols) || cols < 0) {
      throw new RangeError(
        `Matrix cols must be a non-negative integer, got ${cols}`,
      );
    }
    if (data !== undefined && data.length !== rows * cols) {
      throw new RangeError(
        `Matrix ${rows} x ${cols} needs ${
          rows * cols
        } elements, got ${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? (new Float64Array(rows * cols) as A);
  }

  /** A zeroed float32 matrix. */
  static zeros(
    rows: number,
    cols: number,
    dtype: "float32",
  ): Matrix<Float32Array>;
  /** A zeroed float64 matrix (the default element type). */
  static zeros(
    rows: number,
    cols: number,
    dtype?: "float64",
  ): Matrix<Float64Array>;
  /** A zeroed matrix of the given element type. */
  static zeros(rows: number, cols: number, dtype?: DType): Matrix<FloatArray>;
  static zeros(
    rows: number,
    cols: number,
    dtype: DType = "float64",
  ): Matrix<FloatArray> {
    return new Matrix(rows, cols, allocate(dtype, rows * cols));
  }

  /**
   * A float64 matrix from nested arrays (one inner array per row).
   *
   * @throws {RangeError} when the rows have different lengths.
   */
  static fromRows(rows: ArrayLike<number>[]): Matrix<Float64Array> {
    const cols = rows.length === 0 ? 0 : rows[0].length;
    const m = new Matrix(rows.length, cols);
    rows.forEach((row, i) => {
      if (row.length !== cols) {
        throw new RangeError(
          `Matrix.fromRows: row 0 has ${cols} values but row ${i} has ${row.length}`,
        );
      }
      m.data.set(row, i * cols);
    });
    return m;
  }

  /** `[rows, cols]`, like numpy's `shape`. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Element type of {@linkcode Matrix.data}. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** Element (i, j). */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** Sets element (i, j) to `value`. */
  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Row `i` as a view (writes go through to the matrix). */
  row(i: number): A {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols) as A;
  }

  /** A deep copy. */
  clone(): Matrix<A> {
    return new Matrix(this.rows, this.cols, this.data.slice() as A);
  }

  /** A copy with elements converted to `dtype`. */
  astype(dtype: DType): Matrix<FloatArray> {
    const out = Matrix.zeros(this.rows, this.cols, dtype);
    out.data.set(this.data);
    return out;
  }

  /** Nested arrays, one per row (handy for printing and tests). */
  toRows(): number[][] {
    return Array.from(
      { length: this.rows },
      (_, i) => Array.from(this.row(i)),
    );
  }
}

const converted = new WeakMap<Matrix<FloatArray>, Matrix<FloatArray>>();

/**
 * `m` itself when it already holds `dtype`, else a converted copy, made once
 * per matrix and cached (training converts a 49,000-row set only once).
 * The cache assumes `m` is not modified afterwards.
 *
 * @example
 * ```ts
 * import { asDType, Matrix } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[0.1, 2]]);
 * const f32 = asDType(m, "float32");
 * assert.equal(f32.dtype, "float32");
 * assert.equal(asDType(m, "float32"), f32); // cached
 * assert.equal(asDType(m, "float64"), m);
 * ```
 */
export function asDType(
  m: Matrix<FloatArray>,
  dtype: DType,
): Matrix<FloatArray> {
  if (m.dtype === dtype) return m;
  let copy = converted.get(m);
  if (copy?.dtype !== dtype) {
    copy = m.astype(dtype);
    converted.set(m, copy);
  }
  return copy;
}

/**
 * Throws a `RangeError` naming `what` unless `m` is `rows` x `cols`
 * (a `null` size is not checked).
 */
export function assertShape(
  what: string,
  m: Matrix<FloatArray>,
  rows: number | null,
  cols: number | null,
): void {
  if (
    (rows !== null && m.rows !== rows) || (cols !== null && m.cols !== cols)
  ) {
    const want = `${rows ?? "N"} x ${cols ?? "M"}`;
    throw new RangeError(
      `${what} must be ${want}, got ${m.rows} x ${m.cols}`,
    );
  }
}

/**
 * Copies rows `rows` of the row-major, `cols`-wide `src` one after another
 * into `dst` from element `at` on (numpy's `X[idx]`, unchecked: the callers
 * have checked the indices).
 *
 * @example
 * ```ts
 * import { copyRows } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const dst = new Float64Array(4);
 * copyRows(Float64Array.of(1, 2, 3, 4, 5, 6), 2, Int32Array.of(2, 0), dst);
 * assert.deepEqual([...dst], [5, 6, 1, 2]);
 * ```
 */
export function copyRows(
  src: FloatArray,
  cols: number,
  rows: Int32Array,
  dst: FloatArray,
  at = 0,
): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] * cols;
    dst.set(src.subarray(r, r + cols), at + i * cols);
  }
}
