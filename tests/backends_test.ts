// The reference checks once per backend that can run here (BLAS only with
// --allow-ffi), in float64 to the workbook's tolerances and in float32 to
// tolerances set by float32's precision.
import assert from "node:assert/strict";
import {
  availableBackends,
  type BackendName,
  type DType,
  evalNumericalGradient,
  type LossName,
  PARAM_NAMES,
  relError,
  seed,
  TwoLayerNet,
} from "../mod.ts";
import { endsEpoch } from "../src/nn/trainer.ts";
import { epochCaseNet, EPOCHS, f64, trainEpochCase } from "./epoch_cases.ts";
import { initToyData, TOY_LABELS } from "./toy.ts";

const CORRECT_SCORES = [
  -1.07260209,
  0.05083871,
  -0.87253915,
  -2.02778743,
  -0.10832494,
  -1.52641362,
  -0.74225908,
  0.15259725,
  -0.39578548,
  -0.38172726,
  0.10835902,
  -0.17328274,
  -0.64417314,
  -0.18886813,
  -0.41106892,
];

function toyModel(backend: BackendName, dtype: DType, loss: LossName = "mse") {
  seed(0);
  return new TwoLayerNet(4, 10, 3, { std: 1e-1, loss, backend, dtype });
}

// float32 has 24-bit significands (ε ≈ 6e-8): inputs near 10 and sums of a
// few products give score errors near 1e-6, so the toy checks allow 1e-5
// summed over 15 scores and 1e-6 relative on losses.
const TOLERANCE = {
  float64: { scores: 1e-7, loss: 1e-12, trained: 1e-12 },
  float32: { scores: 1e-5, loss: 2e-6, trained: 1e-6 },
};

for (const backend of availableBackends()) {
  for (const dtype of ["float64", "float32"] as const) {
    Deno.test(`${backend} ${dtype}: the workbook's toy checks`, async (t) => {
      const tol = TOLERANCE[dtype];
      const X = initToyData();
      await t.step("scores", () => {
        const scores = toyModel(backend, dtype).scores(X);
        assert.equal(scores.dtype, dtype);
        const diff = Array.from(scores.data)
          .reduce((sum, v, i) => sum + Math.abs(v - CORRECT_SCORES[i]), 0);
        assert.ok(diff < tol.scores, `difference ${diff}`);
      });
      await t.step("losses", () => {
        const mse = toyModel(backend, dtype).loss(X, TOY_LABELS, 0.05).loss;
        assert.ok(
          Math.abs(mse - 1.8973332763705641) < tol.loss * 1.9,
          `mse ${mse}`,
        );
        const soft = toyModel(backend, dtype, "softmax")
          .loss(X, TOY_LABELS, 0.05).loss;
        assert.ok(
          Math.abs(soft - 1.071696123862817) < tol.loss * 1.1,
          `softmax ${soft}`,
        );
      });
      await t.step("gradients", () => {
        for (const loss of ["mse", "softmax"] as const) {
          const net = toyModel(backend, dtype, loss);
          const { grads } = net.loss(X, TOY_LABELS, 0.05);
          if (dtype === "float64") {
            for (const name of PARAM_NAMES) {
              const f = () => net.loss(X, TOY_LABELS, 0.05).loss;
              const error = relError(
                evalNumericalGradient(f, net.params[name]),
                grads[name],
              );
              assert.ok(error < 1e-8, `${loss} ${name}: ${error}`);
            }
          } else {
            // Centred differences with h = 1e-5 drown in float32 rounding:
            // compare with the float64 network's analytic gradients instead.
            const ref = toyModel("typescript", "float64", loss)
              .loss(X, TOY_LABELS, 0.05).grads;
            for (const name of PARAM_NAMES) {
              const error = relError(grads[name], ref[name]);
              assert.ok(error < 1e-4, `${loss} ${name}: ${error}`);
            }
          }
        }
      });
      await t.step("toy training", () => {
        const net = toyModel(backend, dtype);
        const stats = net.train(X, TOY_LABELS, X, TOY_LABELS, {
          learningRate: 1e-1,
          reg: 5e-6,
          numIters: 100,
          batchSize: 200,
          learningRateDecay: 0.95,
        });
        const last = stats.lossHistory.at(-1)!;
        assert.ok(
          Math.abs(last - 0.02950555626206818) < tol.trained,
          `last loss ${last}`,
        );
      });
    });
  }
}

Deno.test("a float32 network converts float64 inputs alike on every call", () => {
  const X = initToyData();
  const net = toyModel("typescript", "float32");
  const a = net.scores(X), b = net.scores(X);
  assert.equal(a.dtype, "float32");
  assert.deepEqual(a.data, b.data);
});

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return max;
}

for (const backend of availableBackends()) {
  for (const c of EPOCHS.cases) {
    const B = c.options.batchSize!;
    Deno.test(`${backend} float64: the workbook's train loop matches numpy for N / batchSize = ${c.N} / ${B} (epochEnd ${c.epochEnd}, ${c.loss})`, async () => {
      const net = epochCaseNet(c, backend, "float64");
      const { stats, ends } = await trainEpochCase(net, c);
      assert.deepEqual(ends, c.epochEnds);
      assert.deepEqual(stats.trainAccHistory, c.trainAccHistory);
      assert.deepEqual(stats.valAccHistory, c.valAccHistory);
      const losses = maxDifference(stats.lossHistory, f64(c.lossHistory));
      assert.ok(losses <= 1e-12, `losses differ by ${losses}`);
      PARAM_NAMES.forEach((name, k) => {
        const p = net.params[name];
        const d = maxDifference("data" in p ? p.data : p, f64(c.end[k]));
        assert.ok(d <= 1e-12, `${name} differs by ${d}`);
      });
    });
  }
}

Deno.test("the workbook's rule ends its first epoch after 0 where Python's it % (N / B) == 0 does", () => {
  for (const { N, batchSize, iteration } of EPOCHS.firstEpochEnds) {
    assert.ok(endsEpoch(iteration, N, batchSize), `${N} / ${batchSize}`);
    // Python checked the 1,000 iterations before; so does this, and the
    // first 1,000.
    for (let d = 1; d < Math.min(iteration, 1000); d++) {
      assert.ok(!endsEpoch(iteration - d, N, batchSize), `${iteration - d}`);
      assert.ok(!endsEpoch(d, N, batchSize), `${d}`);
    }
  }
});
