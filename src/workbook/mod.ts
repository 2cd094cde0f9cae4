/**
 * What the notebook needs besides the library itself: the workbook's
 * reference numbers, its toy cells and first run's settings (for replays of
 * the notebook), the final report that sets ours beside them,
 * Python/numpy-style printing, and the search size.
 *
 * @example
 * ```ts
 * import { compareWithReference, WORKBOOK_REFERENCE } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * const report = compareWithReference({ toyLoss: WORKBOOK_REFERENCE.toyLossMse });
 * assert.equal(report.count("match"), 2);
 * ```
 *
 * @module
 */

export * from "./reference.ts";
export * from "./cells.ts";
export * from "./compare.ts";
export * from "./python_format.ts";
export * from "./search_size.ts";
