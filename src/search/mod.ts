/**
 * Hyperparameter search done right: a fresh network per setting, each from
 * a recorded seed, optionally on several Workers, with the best network
 * kept as a snapshot.
 *
 * @example
 * ```ts
 * import { gridSettings } from "@twolayer/net/search";
 * import assert from "node:assert/strict";
 *
 * assert.equal(gridSettings({ learningRate: [1e-3, 1e-4], reg: [0.1] }).length, 2);
 * ```
 *
 * @module
 */

export * from "./search.ts";
export {
  type FullSetting,
  gridSettings,
  SEARCH_DEFAULTS,
  type SearchData,
  type SearchRow,
  type SearchSetting,
} from "./setting.ts";
