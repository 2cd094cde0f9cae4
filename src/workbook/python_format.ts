/**
 * Numbers printed the way the workbook's Python printed them: `repr` of a
 * float (`1e-05`, `0.0`, `3.381231204052648e-08`) and numpy's `str` of
 * arrays (`[ 87 119  79]`, aligned matrix rows), so our lines read like the
 * workbook's.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../core/matrix.ts";

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as
 * JavaScript's), in fixed notation for exponents -4..15 and scientific
 * otherwise, always with a decimal point or exponent.
 *
 * @example
 * ```ts
 * import { formatPythonFloat } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatPythonFloat(1e-5), "1e-05");
 * assert.equal(formatPythonFloat(0.0009), "0.0009");
 * assert.equal(formatPythonFloat(0), "0.0");
 * assert.equal(formatPythonFloat(3.381231204052648e-8), "3.381231204052648e-08");
 * assert.equal(formatPythonFloat(49000), "49000.0");
 * ```
 */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e");
  const e = Number(exp);
  const digits = mantissa.replace(".", "");
  if (e < -4 || e >= 16) {
    return `${sign}${mantissa}e${e < 0 ? "-" : "+"}${
      String(Math.abs(e)).padStart(2, "0")
    }`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
  return `${sign}${whole}.${digits.slice(e + 1) || "0"}`;
}

/**
 * numpy's `str` of a 1-D array: values padded to one width, space
 * separated, in brackets. Integers print as integers; other numbers with
 * the fewest decimals (at most 8) that show every value, as numpy's
 * default `maxprec` mode does.
 *
 * @example The workbook's validation class counts
 * ```ts
 * import { formatNumpyArray } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatNumpyArray([87, 119, 79]), "[ 87 119  79]");
 * assert.equal(formatNumpyArray([0.5, -0.25]), "[ 0.5  -0.25]");
 * ```
 */
export function formatNumpyArray(values: ArrayLike<number>): string {
  const cells = formatCells(Array.from(values));
  return `[${cells.join(" ")}]`;
}

/**
 * numpy's `str` of a 2-D array: one bracketed row per line, every value
 * padded to the width of the widest (see {@linkcode formatNumpyArray}).
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { formatNumpyMatrix } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const m = Matrix.fromRows([[-1.072602091, 0.05083871], [2, -0.1]]);
 * assert.equal(
 *   formatNumpyMatrix(m),
 *   "[[-1.07260209  0.05083871]\n [ 2.         -0.1       ]]",
 * );
 * ```
 */
export function formatNumpyMatrix(m: Matrix<FloatArray>): string {
  const cells = formatCells(Array.from(m.data));
  const lines = [];
  for (let i = 0; i < m.rows; i++) {
    lines.push(`[${cells.slice(i * m.cols, (i + 1) * m.cols).join(" ")}]`);
  }
  return `[${lines.join("\n ")}]`;
}

/** Every value with shared decimals, padded to a shared width. */
function formatCells(values: number[]): string[] {
  let texts: string[];
  if (values.every(Number.isInteger)) {
    texts = values.map(String);
  } else {
    // numpy's maxprec: the fewest decimals (<= 8) that show each value,
    // then shared by all, padded with spaces where trailing zeros drop.
    const decimals = Math.max(
      ...values.map((v) => {
        const fraction = Number(v.toFixed(8)).toString().split(".")[1];
        return fraction?.length ?? 0;
      }),
    );
    texts = values.map((v) => {
      const fixed = v.toFixed(decimals);
      return fixed.replace(/0+$/, "").padEnd(fixed.length, " ");
    });
  }
  const width = Math.max(...texts.map((t) => t.trimEnd().length));
  return texts.map((t) => {
    const core = t.trimEnd();
    return core.padStart(width - (t.length - core.length), " ") +
      " ".repeat(t.length - core.length);
  });
}
