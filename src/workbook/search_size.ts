/**
 * How long the notebook's hyperparameter search runs, from the
 * `TWOLAYER_SEARCH` environment variable.
 *
 * @module
 */

/** How much searching the notebook does: a short check or the real search. */
export type SearchSize = "quick" | "full";

/** Environment variable that sets the search size. */
export const SEARCH_SIZE_VARIABLE = "TWOLAYER_SEARCH";

/**
 * The search size from `value`, else from the `TWOLAYER_SEARCH`
 * environment variable (without `--allow-env`, or unset: `"full"`).
 *
 * @throws {RangeError} when the value is neither `quick` nor `full`.
 *
 * @example
 * ```ts
 * import { searchSize } from "@twolayer/net/workbook";
 * import assert from "node:assert/strict";
 *
 * assert.equal(searchSize("quick"), "quick");
 * assert.throws(() => searchSize("huge"), /quick.*full.*huge/);
 * ```
 */
export function searchSize(value?: string): SearchSize {
  if (value === undefined) {
    try {
      value = Deno.env.get(SEARCH_SIZE_VARIABLE);
    } catch {
      // No --allow-env: the default.
    }
  }
  value ||= "full";
  if (value !== "quick" && value !== "full") {
    throw new RangeError(
      `${SEARCH_SIZE_VARIABLE} must be "quick" or "full", got "${value}"`,
    );
  }
  return value;
}
