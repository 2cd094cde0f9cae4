/**
 * The one check of option names that every entry point with an options
 * object shares: an unknown name is an error naming it and, for a likely
 * typo, the known name meant, instead of an option silently ignored.
 *
 * @module
 */

/**
 * Throws unless `options` is an object (or `undefined`) whose every own key
 * is in `known`. `where` names the entry point in the message.
 *
 * @throws {TypeError} when `options` is not an object.
 * @throws {RangeError} for an unknown name, suggesting the closest known
 *   one when it differs only in case, `_`/`-`, or by up to two letters.
 *
 * @example
 * ```ts
 * import { checkOptionNames } from "./options.ts";
 * import assert from "node:assert/strict";
 *
 * checkOptionNames("train", { learningRate: 1 }, ["learningRate", "reg"]);
 * assert.throws(
 *   () => checkOptionNames("train", { learning_rate: 1 }, ["learningRate", "reg"]),
 *   {
 *     name: "RangeError",
 *     message: 'train has no option "learning_rate"; did you mean "learningRate"? ' +
 *       "Known options: learningRate, reg",
 *   },
 * );
 * ```
 */
export function checkOptionNames(
  where: string,
  options: unknown,
  known: readonly string[],
): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${where} options must be an object, got ${
        options === null ? "null" : typeof options
      }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    throw new RangeError(
      `${where} has no option "${key}"; ${
        guess ? `did you mean "${guess}"? ` : ""
      }Known options: ${known.join(", ")}`,
    );
  }
}

/** The known name `key` most likely misspells, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const same = known.find((k) => plain(k) === plain(key));
  if (same) return same;
  let best: string | undefined, bestDistance = 3;
  for (const k of known) {
    const d = editDistance(plain(key), plain(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j] + 1,
        row[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length];
}
