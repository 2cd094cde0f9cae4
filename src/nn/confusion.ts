/**
 * Where a classifier goes wrong: the confusion matrix, in scikit-learn's
 * convention (rows the true class, columns the predicted one), and the
 * accuracy on each class.
 *
 * @module
 */

import { checkLabels, type Labels } from "./losses.ts";

/**
 * Most classes a confusion matrix is built for: ImageNet's 1000. Its
 * table has numClasses² entries, so a sample count passed by mistake
 * (10,000, say) would otherwise exhaust memory.
 */
const MAX_CLASSES = 1000;

/**
 * Counts of (true class, predicted class) pairs: entry `[i][j]` is the
 * number of examples of class `i` predicted as class `j`, as scikit-learn's
 * `confusion_matrix(actual, predicted)`.
 *
 * @throws {RangeError} when the lengths differ, `numClasses` is not a
 *   positive integer up to 1000, or a label is outside
 *   `0..numClasses-1`.
 *
 * @example
 * ```ts
 * import { confusionMatrix } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const predicted = [0, 2, 1, 1];
 * const actual = [0, 1, 1, 2];
 * assert.deepEqual(confusionMatrix(predicted, actual, 3), [
 *   [1, 0, 0],
 *   [0, 1, 1],
 *   [0, 1, 0],
 * ]);
 * ```
 */
export function confusionMatrix(
  predicted: Labels,
  actual: Labels,
  numClasses: number,
): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(
      `confusionMatrix numClasses must be a positive integer, got ${numClasses}`,
    );
  }
  if (numClasses > MAX_CLASSES) {
    throw new RangeError(
      `confusionMatrix numClasses must be at most ${MAX_CLASSES} (the table has numClasses² entries), got ${numClasses}${
        numClasses === actual.length
          ? "; that is the number of labels: pass the number of classes, e.g. 10 for CIFAR-10"
          : ""
      }`,
    );
  }
  if (predicted.length !== actual.length) {
    throw new RangeError(
      `confusionMatrix needs one prediction per label: got ${predicted.length} predictions and ${actual.length} labels`,
    );
  }
  for (const [what, labels] of [["predicted", predicted], ["actual", actual]]) {
    try {
      checkLabels(labels as Labels, labels.length, numClasses);
    } catch (error) {
      throw new RangeError(
        `confusionMatrix ${what}: ${(error as Error).message}`,
      );
    }
  }
  const counts = Array.from(
    { length: numClasses },
    () => new Array<number>(numClasses).fill(0),
  );
  for (let i = 0; i < actual.length; i++) counts[actual[i]][predicted[i]]++;
  return counts;
}

/**
 * Accuracy on each true class (its recall): the diagonal of a confusion
 * matrix over its row sums; `NaN` for a class with no examples.
 *
 * @throws {RangeError} when the matrix is not square.
 *
 * @example
 * ```ts
 * import { perClassAccuracy } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(perClassAccuracy([[3, 1], [0, 2]]), [0.75, 1]);
 * ```
 */
export function perClassAccuracy(
  matrix: readonly (readonly number[])[],
): number[] {
  return matrix.map((row, i) => {
    if (row.length !== matrix.length) {
      throw new RangeError(
        `perClassAccuracy needs a square matrix: ${matrix.length} rows, but row ${i} has ${row.length} values`,
      );
    }
    const total = row.reduce((sum, n) => sum + n, 0);
    return total === 0 ? NaN : row[i] / total;
  });
}
