import assert from "node:assert/strict";
import {
  type OptimizerOptions,
  RandomState,
  type TrainOptions,
} from "../mod.ts";
import {
  availableBackends,
  kernels,
  updateParameter,
  type UpdateStep,
} from "../src/kernels/mod.ts";
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

  // Each backend's kernels, on arrays of its own memory, give the
  // TypeScript loops' bits.
  for (const backend of availableBackends()) {
    Deno.test(`${backend}: ${rule.options.optimizer} updates give the TypeScript loops' bits`, () => {
      const run = (k: ReturnType<typeof kernels>) => {
        const params = rule.start.map((s) => {
          const p = k.allocate("float64", f64(s).length);
          p.set(f64(s));
          return p;
        });
        const grads = params.map((p) => k.allocate("float64", p.length));
        const optimizer = new Optimizer(rule.options, params, k);
        let lr = 1e-2;
        rule.grads.forEach((step, t) => {
          step.forEach((g, i) => grads[i].set(f64(g)));
          optimizer.step(params, grads, lr, [0.1, 0]);
          if (t % 4 === 3) lr *= 0.9;
        });
        return { params, state: optimizer.state() };
      };
      const got = run(kernels(backend)), want = run(kernels("typescript"));
      assert.deepEqual(got, want);
    });
  }
}

for (const backend of availableBackends()) {
  Deno.test(`${backend}: float32 rules stay within T u max|w| of the float64 formulas`, () => {
    // Bound: after T steps on float32 weights w (state in float32), every
    // weight lies within T u max|w| of the same steps in float64 from the
    // same float32 weights and gradients, u = 2^-24, max over the run, when
    // each step is small against the weights (as in training). Measured:
    // 0.07-0.10 of it for every rule with steps 1e-3 of weights 0.05.
    const n = 20_000, T = 100, u = 2 ** -24;
    for (const rule of ["sgd", "momentum", "nesterov", "adam"] as const) {
      const k = kernels(backend), rng = new RandomState(3);
      const w32 = k.allocate("float32", n);
      w32.set(rng.randn(n).map((x) => 0.05 * x));
      const w64 = Float64Array.from(w32);
      const [a, b] = [k.allocate("float32", n), k.allocate("float32", n)];
      const [a64, b64] = [new Float64Array(n), new Float64Array(n)];
      const g = k.allocate("float32", n);
      let maxW = 0;
      for (let t = 1; t <= T; t++) {
        g.set(rng.randn(n).map((x) => x * (1 + Math.sin(t))));
        const step: UpdateStep = {
          rule,
          learningRate: 1e-3,
          reg: 0.1,
          momentum: 0.9,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-8,
          correction1: 1 - 0.9 ** t,
          correction2: 1 - 0.999 ** t,
        };
        k.update(step, w32, g, a, b);
        updateParameter(step, w64, Float64Array.from(g), a64, b64);
        for (let i = 0; i < n; i++) maxW = Math.max(maxW, Math.abs(w64[i]));
      }
      const bound = T * u * maxW;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        worst = Math.max(worst, Math.abs(w32[i] - w64[i]));
      }
      assert.ok(
        worst <= bound,
        `${backend} ${rule}: ${worst} over the bound ${bound}`,
      );
      // float32 arithmetic does differ from float64's.
      assert.ok(worst > 0, `${backend} ${rule}: no rounding at all`);
    }
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
