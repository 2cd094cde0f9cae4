import assert from "node:assert/strict";
import {
  CIFAR10_CLASSES,
  confusionMatrix,
  perClassAccuracy,
  RandomState,
} from "../mod.ts";
import { confusionMatrixChart } from "../src/plot/mod.ts";

Deno.test("confusion matrix matches scikit-learn's convention and counts", () => {
  // sklearn.metrics.confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])
  // (y_true first) is [[2, 0, 0], [0, 0, 1], [1, 0, 2]].
  const actual = [2, 0, 2, 2, 0, 1];
  const predicted = [0, 0, 2, 2, 0, 2];
  const matrix = confusionMatrix(predicted, actual, 3);
  assert.deepEqual(matrix, [[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
  assert.deepEqual(perClassAccuracy(matrix), [1, 0, 2 / 3]);
  assert.ok(Number.isNaN(perClassAccuracy([[0, 0], [1, 1]])[0]));
});

Deno.test("confusion matrix totals and diagonal agree with accuracy", () => {
  const rng = new RandomState(0);
  const actual = rng.randint(0, 10, 500);
  const predicted = actual.map((y, i) => i % 3 === 0 ? (y + 1) % 10 : y);
  const matrix = confusionMatrix(predicted, actual, 10);
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  const diagonal = matrix.reduce((sum, row, i) => sum + row[i], 0);
  assert.equal(total, 500);
  assert.equal(diagonal, 500 - Math.ceil(500 / 3));
  for (let i = 0; i < 10; i++) {
    assert.equal(
      matrix[i].reduce((a, b) => a + b, 0),
      actual.filter((y) => y === i).length,
    );
  }
});

Deno.test("confusion matrix errors say what was expected", () => {
  assert.throws(
    () => confusionMatrix([0, 1], [0], 2),
    /got 2 predictions and 1 labels/,
  );
  assert.throws(
    () => confusionMatrix([0, 3], [0, 1], 3),
    /predicted: label 1 is 3; expected an integer in 0..2/,
  );
  assert.throws(() => confusionMatrix([0], [-1], 3), /actual: label 0 is -1/);
  assert.throws(
    () => confusionMatrix([0], [0], 0),
    /numClasses must be a positive integer, got 0/,
  );
  assert.throws(
    () => perClassAccuracy([[1, 2]]),
    /square matrix: 1 rows, but row 0 has 2 values/,
  );
});

Deno.test("confusion matrix chart: a cell per pair, CIFAR-10 names, counts", () => {
  const matrix = Array.from(
    { length: 10 },
    (_, i) => Array.from({ length: 10 }, (_, j) => i === j ? 80 + i : i + j),
  );
  const { svg } = confusionMatrixChart(matrix, CIFAR10_CLASSES);
  assert.equal(svg.match(/<rect/g)?.length, 100);
  for (const name of CIFAR10_CLASSES) {
    assert.ok(svg.includes(`>${name}<`), name);
  }
  assert.ok(svg.includes("True class") && svg.includes("Predicted class"));
  // Row "cat" (3) has 83 correct of 83 + 3 + 4 + ... : its tooltip and count.
  const catTotal = matrix[3].reduce((a, b) => a + b, 0);
  assert.ok(
    svg.includes(
      `<title>true cat, predicted cat: 83 (${
        Math.round(8300 / catTotal)
      }%)</title>`,
    ),
  );
  assert.ok(svg.includes(">83<"));
  assert.throws(
    () => confusionMatrixChart([[1, 2]], ["a"]),
    /needs a 1 x 1 matrix .* got 1 rows of 2 values/,
  );
});
