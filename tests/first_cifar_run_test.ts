// The workbook's first CIFAR run, digit for digit, on every backend that can
// run here (BLAS only with --allow-ffi) in float64: the toy cells first, as
// they consume the default stream before the CIFAR net is drawn.
import assert from "node:assert/strict";
import {
  availableBackends,
  getBackend,
  getCifar10Data,
  setBackend,
} from "../mod.ts";
import {
  firstCifarRun,
  toyProblem,
  toyTraining,
  WORKBOOK_REFERENCE,
} from "../src/workbook/mod.ts";

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
      const quiet = () => {};
      toyTraining(toyProblem(), { log: quiet });
      const lines: string[] = [];
      const run = firstCifarRun(data, {
        log: (line) => lines.push(line),
        progress: { kind: "quiet" },
      });
      const losses = lines
        .filter((line) => line.startsWith("iteration "))
        .map((line) => Number(line.split("loss ")[1]));
      const want = WORKBOOK_REFERENCE.firstRunLosses;
      assert.equal(losses.length, want.length);
      losses.forEach((loss, i) => {
        assert.ok(
          sameDigits(loss, want[i], 12),
          `iteration ${i * 100}: ${loss} vs the workbook's ${want[i]}`,
        );
        assert.equal(loss, run.stats.lossHistory[i * 100]);
      });
      assert.equal(run.valAcc, WORKBOOK_REFERENCE.firstRunValAcc);
      assert.deepEqual(
        run.stats.trainAccHistory,
        WORKBOOK_REFERENCE.firstRunTrainAcc,
      );
      assert.equal(lines.at(-1), "Validation accuracy:  0.172");
    } finally {
      setBackend(previous);
    }
  });
}
