import assert from "node:assert/strict";
import { evalNumericalGradient, relError } from "../mod.ts";
import { jupyterDisplay } from "../src/plot/mod.ts";
import {
  compareWithReference,
  SEARCH_SIZE_VARIABLE,
  searchSize,
  WORKBOOK_REFERENCE,
} from "../src/workbook/mod.ts";
import { initToyData, initToyModel, TOY_LABELS, TOY_TRAINING } from "./toy.ts";

const R = WORKBOOK_REFERENCE;

Deno.test("searchSize reads TWOLAYER_SEARCH and rejects other values", () => {
  const saved = Deno.env.get(SEARCH_SIZE_VARIABLE);
  try {
    Deno.env.set(SEARCH_SIZE_VARIABLE, "quick");
    assert.equal(searchSize(), "quick");
    Deno.env.delete(SEARCH_SIZE_VARIABLE);
    assert.equal(searchSize(), "full");
    Deno.env.set(SEARCH_SIZE_VARIABLE, "medium");
    assert.throws(
      () => searchSize(),
      /TWOLAYER_SEARCH must be "quick" or "full", got "medium"/,
    );
  } finally {
    if (saved === undefined) Deno.env.delete(SEARCH_SIZE_VARIABLE);
    else Deno.env.set(SEARCH_SIZE_VARIABLE, saved);
  }
});

Deno.test("compareWithReference judges the toy numbers the notebook computes", () => {
  const net = initToyModel();
  const X = initToyData();
  const { loss, grads } = net.loss(X, TOY_LABELS, 0.05);
  const gradientErrors: Record<string, number> = {};
  for (const name of ["W2", "b2", "W1", "b1"] as const) {
    const numeric = evalNumericalGradient(
      () => net.loss(X, TOY_LABELS, 0.05).loss,
      net.params[name],
    );
    gradientErrors[name] = relError(numeric, grads[name]);
  }
  const toyStats = initToyModel().train(
    X,
    TOY_LABELS,
    X,
    TOY_LABELS,
    TOY_TRAINING,
  );
  const partial = compareWithReference({
    toyLoss: loss,
    gradientErrors,
    toyFinalLoss: toyStats.lossHistory.at(-1)!,
    softmaxToyLoss: initToyModel("softmax").loss(X, TOY_LABELS, 0.05).loss,
  });
  const verdict = (quantity: string) =>
    partial.rows.find((row) => row.quantity === quantity)?.verdict;
  assert.equal(verdict("MSE loss, reg 0.05"), "match");
  assert.equal(verdict("difference from correct loss"), "match");
  assert.equal(verdict("final training loss"), "match");
  assert.equal(verdict("W1 max relative error (< 1e-8)"), "match");
  assert.equal(verdict("toy softmax loss (REFERENCE.md, correct)"), "match");
  assert.equal(
    verdict("toy softmax loss (workbook, wrong formula)"),
    "corrected",
  );
  assert.equal(verdict("loss at iteration 900 (12 digits)"), "not run");
  assert.equal(partial.count("miss"), 0);
  assert.equal(partial.count("match"), 8);
  // 10 losses, 5 train accuracies, 21 counts and 19 others.
  assert.equal(partial.rows.length, 55);
});

Deno.test("compareWithReference: misses, beats, and the report's Markdown", () => {
  const stats = {
    lossHistory: Array.from(
      { length: 1000 },
      (_, i) => R.firstRunLosses[Math.floor(i / 100)],
    ),
    trainAccHistory: [...R.firstRunTrainAcc],
  };
  stats.lossHistory[900] += 1e-9;
  const judged = compareWithReference({
    firstRun: { stats, valAcc: 0.171 },
    classCounts: { train: [...R.trainCounts], val: [...R.valCounts] },
    bestValAcc: 0.53,
    bestSetting: { reg: 0.5, augment: { flipHorizontal: true } },
    testAcc: 0.479,
  });
  const row = (quantity: string) =>
    judged.rows.find((r) => r.quantity === quantity)!;
  assert.equal(row("loss at iteration 0 (12 digits)").verdict, "match");
  assert.equal(row("loss at iteration 900 (12 digits)").verdict, "miss");
  assert.equal(row("validation accuracy").verdict, "miss");
  assert.equal(row("training data points").ours, "49000");
  assert.equal(row("training data points").verdict, "match");
  assert.equal(row("best validation accuracy").verdict, "beat");
  assert.equal(row("test accuracy").verdict, "match");
  assert.equal(row("test accuracy vs kNN").verdict, "beat");
  assert.equal(row("best validation accuracy").ours, "0.53");

  const markdown = judged[jupyterDisplay]()["text/markdown"];
  assert.ok(
    markdown.startsWith(
      "Verdicts: 36 match, 2 beat, 0 corrected (workbook bug), 2 miss",
    ),
  );
  assert.ok(
    markdown.includes(
      "| first CIFAR run | validation accuracy | 0.172 | 0.171 | miss |",
    ),
  );
  assert.ok(markdown.endsWith(
    '| reg | 0.5 |\n| augment | {"flipHorizontal":true} |',
  ));
});
