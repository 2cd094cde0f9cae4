import assert from "node:assert/strict";
import {
  gridSettings,
  Matrix,
  RandomState,
  searchHyperparameters,
} from "../mod.ts";
import type { SearchProgress } from "../src/search/mod.ts";
import { searchChart } from "../src/plot/mod.ts";
import { trainSetting } from "../src/search/setting.ts";

// Three noisy, separable classes: the class's own column is shifted by 3.
function blobs(n: number, d: number, seed: number) {
  const rng = new RandomState(seed);
  const X = new Matrix(n, d, rng.randn(n * d));
  const y = rng.randint(0, 3, n);
  for (let i = 0; i < n; i++) X.data[i * d + y[i]] += 3;
  return { X, y };
}

const train = blobs(300, 20, 0);
const val = blobs(100, 20, 1);
const data = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
const settings = gridSettings({ learningRate: [1e-3, 5e-2], reg: [0.01, 1] })
  .map((s) => ({
    ...s,
    hiddenSize: 10,
    std: 0.1,
    numIters: 150,
    batchSize: 50,
    loss: "softmax" as const,
  }));

Deno.test("each setting trains a fresh net from seed + index", async () => {
  const { rows, best, bestNet } = await searchHyperparameters(data, settings, {
    seed: 5,
  });
  assert.deepEqual(rows.map((r) => r.seed), [5, 6, 7, 8]);
  assert.deepEqual(rows.map((r) => r.index), [0, 1, 2, 3]);
  // Row 2 re-run alone from its recorded seed gives the same numbers.
  const again = await trainSetting(data, settings[2], 7);
  assert.equal(again.row.valAcc, rows[2].valAcc);
  assert.deepEqual(again.row.stats, rows[2].stats);
  assert.equal(rows[2].setting.learningRate, 5e-2);
  assert.equal(rows[2].setting.momentum, 0);
  // The best row is the highest accuracy and the snapshot scores it.
  const top = Math.max(...rows.map((r) => r.valAcc));
  assert.equal(best.valAcc, top);
  assert.equal(best.index, rows.findIndex((r) => r.valAcc === top));
  const predicted = bestNet.predict(val.X);
  const hits = predicted.filter((p, i) => p === val.y[i]).length;
  assert.equal(hits / 100, best.valAcc);
  assert.ok(best.valAcc > 0.9, `best ${best.valAcc}`);
  // The search table charts directly: one dot per setting, labelled by what varies.
  const chart = searchChart(rows);
  assert.equal(chart.svg.match(/<circle/g)?.length, 4);
  assert.ok(chart.svg.includes("learningRate=0.05 reg=0.01"));
});

Deno.test("two Workers give the same table as one thread", async () => {
  const one = await searchHyperparameters(data, settings, { seed: 3 });
  const seen: SearchProgress[] = [];
  const two = await searchHyperparameters(data, settings, {
    seed: 3,
    workers: 2,
    onProgress: (p) => seen.push(p),
  });
  assert.deepEqual(
    two.rows.map((r) => [r.valAcc, r.finalLoss, r.stats.lossHistory]),
    one.rows.map((r) => [r.valAcc, r.finalLoss, r.stats.lossHistory]),
  );
  assert.deepEqual(two.bestNet.params.W1.data, one.bestNet.params.W1.data);
  assert.equal(two.bestNet.lossName, "softmax");
  // Every setting reports its last iteration; progress every 10 iterations.
  const finals = seen.filter((p) => p.train.iteration === 150);
  assert.deepEqual(finals.map((p) => p.index).sort(), [0, 1, 2, 3]);
  assert.equal(seen.length, 4 * 15);
});

Deno.test("far more Workers than cores start one per core, with the same table", async () => {
  const one = await searchHyperparameters(data, settings, { seed: 3 });
  const workersStarted: number[] = [];
  const RealWorker = globalThis.Worker;
  globalThis.Worker = class extends RealWorker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      workersStarted.push(1);
    }
  };
  let many;
  try {
    many = await searchHyperparameters(data, settings, {
      seed: 3,
      workers: 1000,
    });
  } finally {
    globalThis.Worker = RealWorker;
  }
  assert.equal(
    workersStarted.length,
    Math.min(settings.length, navigator.hardwareConcurrency),
  );
  assert.deepEqual(
    many.rows.map((r) => [r.valAcc, r.finalLoss]),
    one.rows.map((r) => [r.valAcc, r.finalLoss]),
  );
});

Deno.test("the best snapshot is a copy, not the trained net", async () => {
  const { bestNet, best } = await searchHyperparameters(data, settings, {
    seed: 1,
  });
  const before = bestNet.params.W1.data.slice();
  // Training the snapshot further changes it but not the search's record.
  bestNet.train(data.XTrain, data.yTrain, data.XVal, data.yVal, {
    numIters: 5,
    rng: new RandomState(0),
  });
  assert.notDeepEqual(bestNet.params.W1.data, before);
  assert.ok(best.valAcc > 0);
});

Deno.test("bad search arguments are rejected", async () => {
  await assert.rejects(
    () => searchHyperparameters(data, []),
    /at least one setting, got 0/,
  );
  await assert.rejects(
    () => searchHyperparameters(data, settings, { workers: 0 }),
    /workers must be a positive integer, got 0/,
  );
  assert.throws(
    () => gridSettings({ reg: [] }),
    /"reg" needs a non-empty list/,
  );
  await assert.rejects(
    () =>
      searchHyperparameters(data, [{ ...settings[0], learningRate: 1e9 }], {
        workers: 2,
      }),
    /setting 0: training diverged/,
  );
});
