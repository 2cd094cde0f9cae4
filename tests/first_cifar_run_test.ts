// The workbook's first CIFAR run, digit for digit, on every backend that can
// run here (BLAS only with --allow-ffi) in float64, written as the
// notebook's cells write it: the toy cells first, as they consume the
// default stream before the CIFAR net is drawn.
import assert from "node:assert/strict";
import {
  accuracy,
  availableBackends,
  getBackend,
  getCifar10Data,
  setBackend,
  TwoLayerNet,
} from "../mod.ts";
import { WORKBOOK_REFERENCE } from "../src/workbook/mod.ts";
import { runToyCells } from "./toy.ts";

const data = await getCifar10Data();

/** `a` and `b` agree to `digits` significant digits. */
function sameDigits(a: number, b: number, digits: number): boolean {
  return Math.abs(a - b) <= 0.5 * 10 ** (-digits + 1) * Math.abs(b);
}

for (const backend of availableBackends()) {
  Deno.test(`${backend}: the first CIFAR run prints the workbook's numbers`, () => {
    const previous = getBackend();
    setBackend(backend);
    try {
      // The toy cells: model (seed 0), data (seed 1), training.
      runToyCells();
      const lines: string[] = [];
      const net = new TwoLayerNet(32 * 32 * 3, 50, 10);
      const stats = net.train(data.XTrain, data.yTrain, data.XVal, data.yVal, {
        numIters: 1000,
        batchSize: 200,
        learningRate: 1e-5,
        learningRateDecay: 0.95,
        reg: 0.1,
        verbose: true,
        log: (line) => lines.push(line),
      });
      const losses = lines.map((line) => Number(line.split("loss ")[1]));
      const want = WORKBOOK_REFERENCE.firstRunLosses;
      assert.equal(losses.length, want.length);
      losses.forEach((loss, i) => {
        assert.ok(
          sameDigits(loss, want[i], 12),
          `iteration ${i * 100}: ${loss} vs the workbook's ${want[i]}`,
        );
        assert.equal(loss, stats.lossHistory[i * 100]);
      });
      assert.equal(
        accuracy(net.predict(data.XVal), data.yVal),
        WORKBOOK_REFERENCE.firstRunValAcc,
      );
      assert.deepEqual(
        stats.trainAccHistory,
        WORKBOOK_REFERENCE.firstRunTrainAcc,
      );
    } finally {
      setBackend(previous);
    }
  });
}
