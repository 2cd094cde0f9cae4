import assert from "node:assert/strict";
import { random } from "../mod.ts";
import { jupyterDisplay } from "../src/plot/mod.ts";
import {
  classCounts,
  compareWithReference,
  firstCifarRun,
  gradientCheck,
  loadData,
  SEARCH_GRIDS,
  SEARCH_SIZE_VARIABLE,
  searchSize,
  softmaxCifarRun,
  softmaxToyLoss,
  testAccuracy,
  toyLoss,
  toyProblem,
  toyScores,
  toyTraining,
  tuneHyperparameters,
  WORKBOOK_REFERENCE,
} from "../src/workbook/mod.ts";

const R = WORKBOOK_REFERENCE;
const quiet = { kind: "quiet" } as const;

/** Runs `step` with a log that collects its lines. */
function collect<T>(step: (log: (line: string) => void) => T): [T, string[]] {
  const lines: string[] = [];
  return [step((line) => lines.push(line)), lines];
}

/** Relative difference, for "equal to 12 significant digits". */
function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

Deno.test("toy cells print the workbook's lines and numbers", () => {
  const toy = toyProblem();
  const [scores, scoreLines] = collect((log) => toyScores(toy, { log }));
  assert.ok(Math.abs(scores.difference - R.toyScoresDifference) < 1e-15);
  assert.deepEqual(scoreLines.slice(0, 2), [
    "Your scores:",
    "[[-1.07260209  0.05083871 -0.87253915]\n" +
    " [-2.02778743 -0.10832494 -1.52641362]\n" +
    " [-0.74225908  0.15259725 -0.39578548]\n" +
    " [-0.38172726  0.10835902 -0.17328274]\n" +
    " [-0.64417314 -0.18886813 -0.41106892]]",
  ]);
  assert.equal(scoreLines.length, 8);
  // 8 digits: the last ones depend on each backend's summation order.
  assert.match(scoreLines[7], /^3\.3812312\d*e-08$/);

  const [loss, lossLines] = collect((log) => toyLoss(toy, { log }));
  assert.equal(loss.loss, 1.8973332763705641);
  assert.deepEqual(lossLines, [
    "Difference between your loss and correct loss:",
    "0.0",
  ]);

  const [errors, gradientLines] = collect((log) => gradientCheck(toy, { log }));
  assert.deepEqual(gradientLines.map((l) => l.split(" ")[0]), [
    "W2",
    "b2",
    "W1",
    "b1",
  ]);
  for (const [name, error] of Object.entries(errors)) {
    assert.ok(error < 1e-8, `${name} relative error ${error}`);
  }
  // b1 and W1 come out as the workbook's to 5 digits.
  assert.ok(relDiff(errors.b1, R.gradientErrors.b1) < 1e-5);
  assert.ok(relDiff(errors.W1, R.gradientErrors.W1) < 1e-5);

  const [training, trainingLines] = collect((log) => toyTraining(toy, { log }));
  assert.ok(relDiff(training.finalLoss, R.toyFinalLoss) < 5e-12);
  assert.match(trainingLines[0], /^Final training loss: 0\.02950555626206\d+$/);
  assert.equal(training.stats.lossHistory.length, 100);
});

Deno.test("toy training re-seeds the model but keeps drawing batches from the default stream", () => {
  // Same start state, same result: the step depends only on the seeds it sets.
  const a = toyTraining(toyProblem(), { log: () => {} });
  random.seed(123);
  const b = toyTraining(toyProblem(), { log: () => {} });
  assert.deepEqual(a.stats.lossHistory, b.stats.lossHistory);
});

Deno.test("softmax toy loss is the corrected value, not the workbook's bug", () => {
  const [losses, lines] = collect((log) =>
    softmaxToyLoss(toyProblem(), { log })
  );
  assert.equal(losses.mse, R.toyLossMse);
  assert.ok(relDiff(losses.softmax, R.softmaxToyLoss) < 5e-12);
  assert.notEqual(losses.softmax, R.workbookSoftmaxToyLoss);
  assert.deepEqual(lines[0], "MSE:  1.8973332763705641");
  assert.match(lines[1], /^Softmax: {2}1\.0716961238628\d*$/);
});

Deno.test("classCounts counts each class and prints numpy arrays", () => {
  const [counts, lines] = collect((log) =>
    classCounts({ yTrain: [9, 9, 0, 5], yVal: new Int32Array([1, 1, 2]) }, {
      log,
    })
  );
  assert.equal(counts.total, 4);
  assert.deepEqual(counts.train, [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.deepEqual(counts.val, [0, 2, 1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(lines, [
    "Total number of datapoints:  4",
    "Counts for each class in training data:  [1 0 0 0 0 1 0 0 0 2]",
    "Counts for each class in validation data:  [0 2 1 0 0 0 0 0 0 0]",
  ]);
  assert.equal(counts.chart.svg.match(/<rect/g)?.length, 20);
});

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

Deno.test("search grids keep the workbook's hidden size, and quick is short", () => {
  for (const grid of Object.values(SEARCH_GRIDS)) {
    assert.ok(grid.length > 0);
    assert.ok(grid.every((s) => s.hiddenSize === 50));
  }
  const iterations = (grid: typeof SEARCH_GRIDS.full) =>
    grid.reduce((sum, s) => sum + (s.numIters ?? 100), 0);
  assert.ok(iterations(SEARCH_GRIDS.quick) <= 1000);
  assert.ok(
    iterations(SEARCH_GRIDS.full) > 10 * iterations(SEARCH_GRIDS.quick),
  );
});

/** The CIFAR fixtures: 20 training and 4 test images of the real layout. */
async function fixtureData(log: (line: string) => void) {
  const dir = new URL("./fixtures/cifar10/", import.meta.url);
  const expected = JSON.parse(
    await Deno.readTextFile(new URL("expected.json", dir)),
  );
  return loadData({
    dir,
    expected,
    numTraining: 16,
    numValidation: 4,
    numTest: 4,
    log,
  });
}

Deno.test("CIFAR steps run in workbook order on the fixtures", async () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const data = await fixtureData(log);
  assert.deepEqual(lines.splice(0), [
    "Train data shape:  (16, 3072)",
    "Train labels shape:  (16,)",
    "Validation data shape:  (4, 3072)",
    "Validation labels shape:  (4,)",
    "Test data shape:  (4, 3072)",
    "Test labels shape:  (4,)",
  ]);

  const first = firstCifarRun(data, {
    settings: { numIters: 101 },
    log,
    progress: quiet,
  });
  assert.match(lines[0], /^iteration 0 \/ 101: loss 0\.50\d+$/);
  assert.match(lines[1], /^iteration 100 \/ 101: loss 0\.\d+$/);
  assert.match(
    lines[2],
    /^Validation accuracy: {2}(0\.0|0\.25|0\.5|0\.75|1\.0)$/,
  );
  // 16 rows, batch 200: every iteration is an epoch.
  assert.equal(first.stats.trainAccHistory.length, 101);
  assert.equal(first.net.hiddenSize, 50);
  assert.ok(first.lossChart.svg.includes("Iteration"));
  lines.length = 0;

  const tuning = await tuneHyperparameters(data, {
    settings: [
      { numIters: 20, learningRate: 1e-4 },
      { numIters: 20, learningRate: 1e-3, loss: "softmax" },
    ],
    workers: 1,
    log,
    progress: quiet,
  });
  assert.equal(tuning.rows.length, 2);
  assert.ok(tuning.seconds > 0);
  assert.match(lines[0], /^setting 1\/2 loss=mse lr=0\.0001 /);
  const bestAt = lines.indexOf("== Best parameter settings ==");
  assert.ok(bestAt > 0);
  assert.equal(lines[bestAt + 2], "Hidden size: 50");
  // The best net is a snapshot: training the original again changes nothing.
  const before = tuning.bestNet.params.W1.data.slice();
  first.net.train(data.XTrain, data.yTrain, data.XVal, data.yVal, {
    numIters: 1,
  });
  assert.deepEqual(tuning.bestNet.params.W1.data, before);
  lines.length = 0;

  const acc = testAccuracy(tuning.bestNet, data, { log });
  assert.ok(acc >= 0 && acc <= 1);
  assert.equal(lines[0].split("  ")[0], "Test accuracy:");
  lines.length = 0;

  const softmax = softmaxCifarRun(data, first.valAcc, {
    settings: { numIters: 3 },
    log,
    progress: quiet,
  });
  // A fresh softmax net starts at ln 10.
  assert.ok(Math.abs(softmax.stats.lossHistory[0] - Math.log(10)) < 1e-3);
  assert.match(lines.at(-1)!, /^Softmax vs MSE validation accuracy: /);
});

Deno.test("compareWithReference judges every reference number", () => {
  const toy = toyProblem();
  const log = () => {};
  const partial = compareWithReference({
    toyScores: toyScores(toy, { log }),
    toyLoss: toyLoss(toy, { log }),
    gradientCheck: gradientCheck(toy, { log }),
    toyTraining: toyTraining(toy, { log }),
    softmaxToy: softmaxToyLoss(toy, { log }),
  });
  const verdict = (quantity: string) =>
    partial.rows.find((row) => row.quantity === quantity)?.verdict;
  assert.equal(verdict("final training loss"), "match");
  assert.equal(verdict("W1 max relative error (< 1e-8)"), "match");
  assert.equal(verdict("toy softmax loss (REFERENCE.md, correct)"), "match");
  assert.equal(
    verdict("toy softmax loss (workbook, wrong formula)"),
    "corrected",
  );
  assert.equal(verdict("loss at iteration 900 (12 digits)"), "not run");
  assert.equal(partial.count("miss"), 0);
  // 10 losses, 5 train accuracies, 21 counts and 19 others.
  assert.equal(partial.rows.length, 55);

  // A run that misses the workbook and a search that beats it.
  const stats = {
    lossHistory: Array.from(
      { length: 1000 },
      (_, i) => R.firstRunLosses[Math.floor(i / 100)],
    ),
    trainAccHistory: [...R.firstRunTrainAcc],
    valAccHistory: [],
  };
  stats.lossHistory[900] += 1e-9;
  const judged = compareWithReference({
    firstRun: { stats, valAcc: 0.171 } as never,
    tuning: { best: { valAcc: 0.53 } } as never,
    testAcc: 0.479,
  });
  const row = (quantity: string) =>
    judged.rows.find((r) => r.quantity === quantity)!;
  assert.equal(row("loss at iteration 0 (12 digits)").verdict, "match");
  assert.equal(row("loss at iteration 900 (12 digits)").verdict, "miss");
  assert.equal(row("validation accuracy").verdict, "miss");
  assert.equal(row("best validation accuracy").verdict, "beat");
  assert.equal(row("test accuracy").verdict, "match");
  assert.equal(row("test accuracy vs kNN").verdict, "beat");
  assert.equal(row("best validation accuracy").ours, "0.53");

  const bundle = judged[jupyterDisplay]();
  assert.ok(
    bundle["text/markdown"].includes(
      "| first CIFAR run | validation accuracy | 0.172 | 0.171 | miss |",
    ),
  );
});
