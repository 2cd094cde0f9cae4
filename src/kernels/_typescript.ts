/**
 * The reference matrix products: plain TypeScript loops in the order numpy's
 * textbook definition sums them. Every faster backend is tested against
 * these.
 *
 * @module
 */

import type { Backend } from "./backend.ts";

/**
 * The plain-TypeScript {@linkcode Backend}: always available, single
 * threaded, and the yardstick for the others.
 *
 * @example
 * ```ts
 * import { Matrix } from "@twolayer/net";
 * import { typescriptBackend } from "./_typescript.ts";
 * import assert from "node:assert/strict";
 *
 * const out = Matrix.zeros(1, 1);
 * typescriptBackend.matmulABt(
 *   Matrix.fromRows([[1, 2]]),
 *   Matrix.fromRows([[3, 4]]),
 *   out,
 * );
 * assert.equal(out.data[0], 11);
 * ```
 */
export const typescriptBackend: Backend = {
  name: "typescript",
  fusedGather: true,

  matmulABt(a, b, out, aRows) {
    const n = out.rows, k = a.cols, m = b.rows;
    const A = a.data, B = b.data, O = out.data;
    for (let i = 0; i < n; i++) {
      const ai = (aRows ? aRows[i] : i) * k;
      for (let j = 0; j < m; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ai + p] * B[bj + p];
        O[i * m + j] = s;
      }
    }
  },

  matmulAB(a, b, out) {
    const n = a.rows, k = a.cols, m = b.cols;
    const A = a.data, B = b.data, O = out.data;
    O.fill(0, 0, n * m);
    for (let i = 0; i < n; i++) {
      const oi = i * m;
      for (let p = 0; p < k; p++) {
        const aip = A[i * k + p];
        const bp = p * m;
        for (let j = 0; j < m; j++) O[oi + j] += aip * B[bp + j];
      }
    }
  },

  matmulAtB(a, b, out, bRows) {
    const k = a.rows, n = a.cols, m = b.cols;
    const A = a.data, B = b.data, O = out.data;
    O.fill(0, 0, n * m);
    for (let p = 0; p < k; p++) {
      const ap = p * n, bp = (bRows ? bRows[p] : p) * m;
      // Skipping a zero of A (ReLU makes many) adds nothing but zeros only
      // when B's row is finite: 0 * NaN and 0 * Infinity are NaN.
      let finite = true;
      for (let j = 0; j < m && finite; j++) finite = Number.isFinite(B[bp + j]);
      for (let i = 0; i < n; i++) {
        const api = A[ap + i];
        if (api === 0 && finite) continue;
        const oi = i * m;
        for (let j = 0; j < m; j++) O[oi + j] += api * B[bp + j];
      }
    }
  },

  // Plain loops run on the calling thread only.
  setThreads() {},

  describe() {
    return "plain TypeScript loops, 1 thread";
  },
};
