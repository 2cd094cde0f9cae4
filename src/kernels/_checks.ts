/**
 * The shape, element-type and row-index checks of the kernels: done once
 * here, for every backend, with messages naming what was expected and
 * what was found.
 *
 * @module
 */

import {
  type AnyMatrix,
  assertFloatArray,
  dtypeOf,
  type FloatArray,
} from "../core/matrix.ts";

export function shapeError(op: string, detail: string): RangeError {
  return new RangeError(`${op}: ${detail}`);
}

/**
 * A matrix's data must be a float array of `rows * cols` elements: checked
 * again here because a backend reads exactly that many through a pointer.
 */
export function checkData(op: string, what: string, m: AnyMatrix): void {
  assertFloatArray(`${op}: ${what}`, m.data);
  if (m.data.length !== m.rows * m.cols) {
    throw shapeError(
      op,
      `${what} is ${m.rows} x ${m.cols} but holds ${m.data.length} values`,
    );
  }
}

/** Every operand of a product must have one element type. */
export function checkTypes(
  op: string,
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
): void {
  checkData(op, "a", a);
  checkData(op, "b", b);
  checkData(op, "out", out);
  const t = dtypeOf(a.data);
  if (dtypeOf(b.data) !== t || dtypeOf(out.data) !== t) {
    throw new TypeError(
      `${op}: operands must share one element type, got a ${t}, b ${
        dtypeOf(b.data)
      }, out ${dtypeOf(out.data)}`,
    );
  }
}

/** Row indices must lie in `0..limit-1` (the backends read them unchecked). */
export function checkRows(op: string, rows: Int32Array, limit: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r < 0 || r >= limit) {
      throw new RangeError(
        `${op}: row index ${r} (at ${i}) outside 0..${limit - 1}`,
      );
    }
  }
}

export function checkABt(
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
  aRows?: Int32Array,
): void {
  const n = aRows ? aRows.length : a.rows, k = a.cols, m = b.rows;
  if (b.cols !== k || out.rows !== n || out.cols !== m) {
    throw shapeError(
      "matmulABt",
      `a ${n} x ${k} times (b ${b.rows} x ${b.cols})ᵀ into out ${out.rows} x ${out.cols}; expected b m x ${k} and out ${n} x m`,
    );
  }
  checkTypes("matmulABt", a, b, out);
  if (aRows) checkRows("matmulABt", aRows, a.rows);
}

export function checkAB(a: AnyMatrix, b: AnyMatrix, out: AnyMatrix): void {
  const n = a.rows, k = a.cols, m = b.cols;
  if (b.rows !== k || out.rows !== n || out.cols !== m) {
    throw shapeError(
      "matmulAB",
      `a ${n} x ${k} times b ${b.rows} x ${b.cols} into out ${out.rows} x ${out.cols}; expected b ${k} x m and out ${n} x m`,
    );
  }
  checkTypes("matmulAB", a, b, out);
}

export function checkAtB(
  a: AnyMatrix,
  b: AnyMatrix,
  out: AnyMatrix,
  bRows?: Int32Array,
): void {
  const k = a.rows, n = a.cols, m = b.cols;
  if (
    (bRows ? bRows.length : b.rows) !== k || out.rows !== n || out.cols !== m
  ) {
    throw shapeError(
      "matmulAtB",
      `(a ${k} x ${n})ᵀ times b ${
        bRows ? bRows.length : b.rows
      } x ${b.cols} into out ${out.rows} x ${out.cols}; expected b ${k} x m and out ${n} x m`,
    );
  }
  checkTypes("matmulAtB", a, b, out);
  if (bRows) checkRows("matmulAtB", bRows, b.rows);
}

export function checkAxpy(x: FloatArray, y: FloatArray): void {
  assertFloatArray("axpy: x", x);
  assertFloatArray("axpy: y", y);
  if (x.length !== y.length) {
    throw shapeError("axpy", `x has ${x.length} values, y has ${y.length}`);
  }
  if (dtypeOf(x) !== dtypeOf(y)) {
    throw new TypeError(
      `axpy: x and y must share one element type, got x ${dtypeOf(x)}, y ${
        dtypeOf(y)
      }`,
    );
  }
}

export function checkGather(
  src: AnyMatrix,
  rows: Int32Array,
  out: AnyMatrix,
): void {
  checkData("gatherRows", "src", src);
  checkData("gatherRows", "out", out);
  const c = src.cols;
  if (out.cols !== c || out.rows < rows.length) {
    throw shapeError(
      "gatherRows",
      `${rows.length} rows of ${c} columns into out ${out.rows} x ${out.cols}`,
    );
  }
  if (dtypeOf(src.data) !== dtypeOf(out.data)) {
    throw new TypeError(
      `gatherRows: src is ${dtypeOf(src.data)} but out is ${dtypeOf(out.data)}`,
    );
  }
  checkRows("gatherRows", rows, src.rows);
}

/**
 * The last guard before native code: `x` must be a float array of
 * `bytes`-byte elements holding at least `need` of them, or the library
 * would read or write outside it (a crash, not an exception).
 */
export function checkBuffer(
  op: string,
  x: FloatArray,
  need: number,
  bytes: number,
): void {
  assertFloatArray(op, x);
  if (x.BYTES_PER_ELEMENT !== bytes || x.length < need) {
    throw new RangeError(
      `${op}: expected at least ${need} values of ${bytes} bytes, found ${x.length} of ${x.BYTES_PER_ELEMENT}`,
    );
  }
}
