import assert from "node:assert/strict";
import {
  type OptimizerOptions,
  RandomState,
  type TrainOptions,
} from "../mod.ts";
import { kernels } from "../src/kernels/mod.ts";
import { Optimizer, resolveOptimizer } from "../src/nn/optimizers.ts";
import { initToyData, initToyModel, TOY_LABELS } from "./toy.ts";

interface Fixture {
  rules: {
    options: OptimizerOptions;
    start: string[];
    grads: string[][];
    end: string[];
  }[];
  training: {
    options: TrainOptions;
    losses: number[];
    params: string[];
  }[];
}

const fixture: Fixture = JSON.parse(
  await Deno.readTextFile(
    new URL("./fixtures/optimizers.json", import.meta.url),
  ),
);

function f64(base64: string): Float64Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float64Array(bytes.buffer);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  return max;
}

for (const rule of fixture.rules) {
  Deno.test(`${rule.options.optimizer} updates match numpy's optim.py to 1e-12`, () => {
    const params = rule.start.map(f64);
    const optimizer = new Optimizer(rule.options, params, kernels());
    let lr = 1e-2;
    rule.grads.forEach((grads, step) => {
      optimizer.step(params, grads.map(f64), lr);
      if (step % 4 === 3) lr *= 0.9;
    });
    params.forEach((p, k) => {
      const diff = maxDifference(p, f64(rule.end[k]));
      assert.ok(diff <= 1e-12, `parameter ${k}: difference ${diff}`);
    });
    // The parameters moved: a rule that did nothing would fail above.
    assert.ok(maxDifference(params[0], f64(rule.start[0])) > 1e-3);
  });
}

for (const run of fixture.training) {
  const name = run.options.augment
    ? `${run.options.optimizer} with flips`
    : `${run.options.optimizer}`;
  Deno.test(`toy training with ${name} matches numpy to 1e-12`, () => {
    const X = initToyData();
    const net = initToyModel();
    const stats = net.train(X, TOY_LABELS, X, TOY_LABELS, {
      ...run.options,
      numIters: 30,
      rng: new RandomState(7),
    });
    const lossDiff = maxDifference(stats.lossHistory, run.losses);
    assert.ok(lossDiff <= 1e-12, `loss difference ${lossDiff}`);
    (["W1", "b1", "W2", "b2"] as const).forEach((key, k) => {
      const p = net.params[key];
      const diff = maxDifference("data" in p ? p.data : p, f64(run.params[k]));
      assert.ok(diff <= 1e-12, `${key} difference ${diff}`);
    });
  });
}

Deno.test("the rules differ from each other on the same run", () => {
  const last = fixture.training.map((run) => run.losses.at(-1)!);
  assert.equal(new Set(last).size, last.length);
});

Deno.test("optimizer defaults follow optim.py and the workbook", () => {
  assert.deepEqual(resolveOptimizer({}), { optimizer: "sgd" });
  assert.deepEqual(resolveOptimizer({ momentum: 0 }), { optimizer: "sgd" });
  assert.deepEqual(resolveOptimizer({ optimizer: "nesterov" }), {
    optimizer: "nesterov",
    momentum: 0.9,
  });
  assert.deepEqual(resolveOptimizer({ optimizer: "adam", beta2: 0.99 }), {
    optimizer: "adam",
    beta1: 0.9,
    beta2: 0.99,
    epsilon: 1e-8,
  });
});

Deno.test("bad optimizer settings are errors naming them", () => {
  const bad: [OptimizerOptions, RegExp][] = [
    [
      { optimizer: "rmsprop" as "sgd" },
      /optimizer must be one of "sgd", .*"rmsprop"/,
    ],
    [
      { optimizer: "sgd", momentum: 0.9 },
      /momentum 0.9 needs optimizer "momentum" or "nesterov", got "sgd"/,
    ],
    [{ optimizer: "adam", momentum: 0.5 }, /got "adam"/],
    [
      { optimizer: "momentum", beta1: 0.5 },
      /beta1 applies to optimizer "adam" only/,
    ],
    [{ momentum: 1 }, /momentum must be a number in \[0, 1\), got 1/],
    [{ optimizer: "adam", beta2: -0.1 }, /beta2 must be a number in \[0, 1\)/],
    [{ optimizer: "adam", epsilon: 0 }, /epsilon must be positive, got 0/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => resolveOptimizer(options), message);
  }
});
