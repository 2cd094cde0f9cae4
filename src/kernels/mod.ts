/**
 * The dense kernels of the network, for people who call them directly or
 * add a backend: the matrix products ({@linkcode matmulABt},
 * {@linkcode matmulAB}, {@linkcode matmulAtB}), the elementwise kernels,
 * the choice of backend and threads, and the {@linkcode Backend} contract
 * that every backend implements. Every kernel writes into a caller-owned
 * buffer, so training allocates nothing per iteration.
 *
 * @example
 * ```ts
 * import { kernels } from "@twolayer/net/kernels";
 * import { Matrix } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const out = Matrix.zeros(1, 1);
 * kernels("typescript").matmulABt(
 *   Matrix.fromRows([[1, 2]]),
 *   Matrix.fromRows([[3, 4]]),
 *   out,
 * );
 * assert.equal(out.data[0], 11);
 * ```
 *
 * @module
 */

export * from "./backend.ts";
export * from "./select.ts";
export * from "./products.ts";
export * from "./elementwise.ts";
export { type BackendDecision, chooseBackend } from "./webgpu.ts";
