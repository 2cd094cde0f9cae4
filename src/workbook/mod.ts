/**
 * The workbook's cells as library steps, in the workbook's order. The
 * notebook and `deno task workbook` both call these, so they print the same
 * lines and draw the same random numbers: every step draws from the default
 * stream (`random`) exactly as its numpy cell drew from `np.random`.
 *
 * Order matters, as it did in the workbook: {@linkcode toyProblem},
 * {@linkcode toyScores}, {@linkcode toyLoss}, {@linkcode gradientCheck},
 * {@linkcode toyTraining}, {@linkcode loadData}, {@linkcode firstCifarRun},
 * {@linkcode classCounts}, {@linkcode tuneHyperparameters},
 * {@linkcode testAccuracy}, {@linkcode softmaxToyLoss},
 * {@linkcode softmaxCifarRun}.
 *
 * @example
 * ```ts
 * import { toyProblem, toyScores } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const { difference } = toyScores(toyProblem(), { log: () => {} });
 * assert.ok(difference < 1e-7);
 * ```
 *
 * @module
 */

export * from "./options.ts";
export * from "./toy.ts";
export * from "./cifar.ts";
export * from "./tune.ts";
export * from "./reference.ts";
export * from "./compare.ts";
export * from "./python_format.ts";
