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

/**
 * Largest array the library allocates, in bytes (4 GiB, over three times
 * CIFAR-10's training set in float64): a larger size is almost always a
 * mistake (a sample count passed as a size, a batch of 1e9 rows), and is
 * refused with a clear error before allocating, instead of an allocation
 * failure or the system killing the process once the pages are touched.
 */
export const MAX_ARRAY_BYTES = 2 ** 32;

/**
 * Throws a `RangeError` naming `what` unless `elements` is a non-negative
 * integer and `elements * bytesPerElement` is at most
 * {@linkcode MAX_ARRAY_BYTES}: the check before every allocation whose
 * size comes from a caller.
 *
 * @example
 * ```ts
 * import { checkArraySize } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * checkArraySize("W1", 3072 * 50, 8);
 * assert.throws(
 *   () => checkArraySize("a batch of 1e9 rows", 1e9 * 3072, 8),
 *   /a batch of 1e9 rows needs 3072000000000 values \(22888\.2 GiB\), over the limit of 4 GiB for one array/,
 * );
 * ```
 */
export function checkArraySize(
  what: string,
  elements: number,
  bytesPerElement: number,
): void {
  if (!Number.isSafeInteger(elements) || elements < 0) {
    throw new RangeError(
      `${what} needs ${elements} values; expected a non-negative integer count`,
    );
  }
  const bytes = elements * bytesPerElement;
  if (bytes > MAX_ARRAY_BYTES) {
    throw new RangeError(
      `${what} needs ${elements} values (${
        (bytes / 2 ** 30).toFixed(1)
      } GiB), over the limit of ${MAX_ARRAY_BYTES / 2 ** 30} GiB for one array`,
    );
  }
}

/**
 * Allocates a zeroed typed array of `length` elements of `dtype`.
 *
 * @throws {RangeError} when `length` is not a count or passes
 *   {@linkcode MAX_ARRAY_BYTES}.
 */
export function allocate(dtype: DType, length: number): FloatArray {
  checkArraySize(`an array of ${dtype}`, length, bytesOf(dtype));
  return dtype === "float32"
    ? new Float32Array(length)
    : new Float64Array(length);
}

/** Bytes per element of `dtype`. */
function bytesOf(dtype: DType): number {
  return dtype === "float32" ? 4 : 8;
}

/**
 * Throws a `RangeError` naming `what` unless `dtype` is `"float64"` or
 * `"float32"`.
 *
 * @example
 * ```ts
 * import { checkDType } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * checkDType("dtype", "float32");
 * assert.throws(() => checkDType("dtype", "float16"), /dtype must be "float64" or "float32", got "float16"/);
 * ```
 */
export function checkDType(
  what: string,
  dtype: unknown,
): asserts dtype is DType {
  if (dtype !== "float64" && dtype !== "float32") {
    throw new RangeError(
      `${what} must be "float64" or "float32", got ${JSON.stringify(dtype)}`,
    );
  }
}

/** The {@linkcode DType} name of a typed array. */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? "float32" : "float64";
}

/**
 * Throws a `TypeError` naming `what`, the type found and how to convert,
 * unless `data` is a `Float64Array` or `Float32Array`: the kernels (native
 * BLAS above all) read 8 or 4 bytes per element, so any other array would
 * be misread or read past its end.
 *
 * @example
 * ```ts
 * import { assertFloatArray } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * assertFloatArray("x", new Float32Array(2));
 * assert.throws(
 *   () => assertFloatArray("x", new Uint8Array(2)),
 *   /x must be a Float64Array or Float32Array, got Uint8Array; convert it first/,
 * );
 * ```
 */
export function assertFloatArray(
  what: string,
  data: unknown,
): asserts data is FloatArray {
  if (data instanceof Float64Array || data instanceof Float32Array) return;
  const found = Array.isArray(data)
    ? "an Array"
    : data === null || typeof data !== "object"
    ? String(data)
    : (data.constructor?.name ?? "an object");
  throw new TypeError(
    `${what} must be a Float64Array or Float32Array, got ${found}; ` +
      `convert it first, e.g. Float64Array.from(data)`,
  );
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
   * @throws {RangeError} when the sizes are not non-negative integers,
   *   `data` does not hold exactly `rows * cols` elements, or a matrix to
   *   allocate would pass {@linkcode MAX_ARRAY_BYTES}.
   * @throws {TypeError} when `data` is not a `Float64Array` or
   *   `Float32Array` (integer arrays and plain arrays are converted by the
   *   caller: `Float64Array.from(data)`).
   */
  constructor(rows: number, cols: number, data?: A) {
    checkSizes("Matrix", rows, cols, data === undefined ? "float64" : null);
    if (data !== undefined) assertFloatArray("Matrix data", data);
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
  /**
   * A zeroed matrix of the given element type.
   *
   * @throws {RangeError} when a size is not a non-negative integer or the
   *   matrix would pass {@linkcode MAX_ARRAY_BYTES}.
   */
  static zeros(rows: number, cols: number, dtype?: DType): Matrix<FloatArray>;
  static zeros(
    rows: number,
    cols: number,
    dtype: DType = "float64",
  ): Matrix<FloatArray> {
    checkDType("Matrix.zeros dtype", dtype);
    checkSizes("Matrix.zeros", rows, cols, dtype);
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
    checkDType("astype dtype", dtype);
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

/**
 * Throws a `RangeError` unless `rows` and `cols` are non-negative
 * integers and, when `dtype` is given, a matrix of them fits
 * {@linkcode MAX_ARRAY_BYTES}.
 */
function checkSizes(
  what: string,
  rows: number,
  cols: number,
  dtype: DType | null,
): void {
  for (const [name, value] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `${what} ${name} must be a non-negative integer, got ${value}`,
      );
    }
  }
  if (dtype !== null) {
    checkArraySize(
      `${what} ${rows} x ${cols} (${dtype})`,
      rows * cols,
      bytesOf(dtype),
    );
  }
}

/**
 * `m` itself when it already holds `dtype`, else a converted copy. Not
 * cached: the copy would go stale when `m` is edited in place, and a
 * conversion costs little next to a product over the same rows.
 *
 * @example
 * ```ts
 * import { asDType, Matrix } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[0.1, 2]]);
 * const f32 = asDType(m, "float32");
 * assert.equal(f32.dtype, "float32");
 * assert.equal(f32.data[1], 2);
 * assert.equal(asDType(m, "float64"), m);
 * ```
 */
export function asDType(
  m: Matrix<FloatArray>,
  dtype: DType,
): Matrix<FloatArray> {
  return m.dtype === dtype ? m : m.astype(dtype);
}

/**
 * Throws a `RangeError` naming `what` unless `m` is `rows` x `cols`
 * (a `null` size is not checked), and a `TypeError` when `m` is no
 * {@linkcode Matrix} at all (a plain array from JavaScript, say).
 *
 * @example
 * ```ts
 * import { assertShape, Matrix } from "./matrix.ts";
 * import assert from "node:assert/strict";
 *
 * assertShape("X", Matrix.zeros(2, 3), null, 3);
 * assert.throws(
 *   () => assertShape("X", Matrix.zeros(2, 4), null, 3),
 *   /X must be N x 3, got 2 x 4/,
 * );
 * assert.throws(
 *   // deno-lint-ignore no-explicit-any
 *   () => assertShape("X", new Float32Array(6) as any, null, 3),
 *   /X must be a Matrix of N x 3 \(new Matrix\(rows, cols, data\)\), got a Float32Array of 6 values/,
 * );
 * ```
 */
export function assertShape(
  what: string,
  m: Matrix<FloatArray>,
  rows: number | null,
  cols: number | null,
): void {
  const want = `${rows ?? "N"} x ${cols ?? "M"}`;
  if (!(m instanceof Matrix)) {
    throw new TypeError(
      `${what} must be a Matrix of ${want} (new Matrix(rows, cols, data)), got ${
        describeValue(m)
      }`,
    );
  }
  if (
    (rows !== null && m.rows !== rows) || (cols !== null && m.cols !== cols)
  ) {
    throw new RangeError(
      `${what} must be ${want}, got ${m.rows} x ${m.cols}`,
    );
  }
}

/** What a value that should have been a matrix is, for a message. */
function describeValue(value: unknown): string {
  if (ArrayBuffer.isView(value) && "length" in value) {
    return `a ${value.constructor.name} of ${value.length} values`;
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value === null || typeof value !== "object") return String(value);
  return `an object (${value.constructor?.name ?? "no class"})`;
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
