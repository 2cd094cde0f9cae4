/**
 * Where a training iteration of workload W goes: trains with
 * `TwoLayerNet.train` while timing every kernel call the network makes, and
 * prints each kernel's time per iteration (mean over the iterations after a
 * warm-up) and what is left for the rest (losses, trainer, JavaScript).
 * Same synthetic CIFAR-shaped data as bench/train_speed.ts.
 *
 * Usage: deno task bench:phases [--backend blas] [--dtype float32]
 *   [--threads N] [--iters 1000]
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type BackendName,
  describeBackend,
  type DType,
  Matrix,
  RandomState,
  setThreads,
  TwoLayerNet,
} from "../mod.ts";

const N = 49000, NVAL = 1000, D = 3072, H = 50, C = 10;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "blas" },
    dtype: { type: "string", default: "float32" },
    threads: { type: "string" },
    iters: { type: "string", default: "1000" },
  },
});
const backend = values.backend as BackendName, dtype = values.dtype as DType;
const iters = Number(values.iters), warmUp = Math.min(100, iters >> 2);
if (values.threads) setThreads(Number(values.threads));

const rng = new RandomState(0);
const X = Matrix.zeros(N, D, dtype), Xv = Matrix.zeros(NVAL, D, dtype);
for (const m of [X, Xv]) {
  m.data.set(rng.randn(m.data.length).map((v) => 60 * v));
}
const y = rng.randint(0, C, N), yv = rng.randint(0, C, NVAL);

const net = new TwoLayerNet(D, H, C, { dtype, backend, rng });
// The network calls its kernels through this object: wrap each one.
const k = net.kernels as unknown as Record<
  string,
  (...a: unknown[]) => unknown
>;
const spent = new Map<string, number>();
let timing = false;
for (const [name, f] of Object.entries(k)) {
  if (typeof f !== "function") continue;
  k[name] = (...args: unknown[]) => {
    const start = performance.now();
    const result = f(...args);
    if (timing) {
      spent.set(name, (spent.get(name) ?? 0) + performance.now() - start);
    }
    return result;
  };
}

let started = 0;
net.train(X, y, Xv, yv, {
  numIters: iters,
  batchSize: 200,
  learningRate: 1e-5,
  learningRateDecay: 0.95,
  reg: 0.1,
  rng,
  onProgress: ({ iteration }) => {
    if (iteration === warmUp) {
      timing = true;
      started = performance.now();
    }
  },
});
const measured = iters - warmUp;
const total = (performance.now() - started) / measured;
const perIteration = [...spent].map(([name, ms]) =>
  [name, ms / measured] as const
)
  .sort((a, b) => b[1] - a[1]);
const kernelsTotal = perIteration.reduce((s, [, ms]) => s + ms, 0);

console.log(`${describeBackend(backend)}, ${dtype}, ${measured} iterations`);
console.log("\n| kernel | µs per iteration |\n| --- | ---: |");
for (const [name, ms] of perIteration) {
  console.log(`| ${name} | ${(ms * 1000).toFixed(0)} |`);
}
console.log(
  `| everything else | ${((total - kernelsTotal) * 1000).toFixed(0)} |`,
);
console.log(`| **iteration** | **${(total * 1000).toFixed(0)}** |`);
