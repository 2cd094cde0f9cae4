/**
 * The homework's network against the library's, side by side: the
 * workbook's first CIFAR-10 run (1,000 iterations, batch 200, H 50, MSE,
 * lr 1e-5, decay 0.95, reg 0.1) on the real data, trained by the
 * instructor's `homework/neural_net.ts` (written with `@twolayer/net/ops`)
 * and by the library's `TwoLayerNet`, alternating, on each backend. Both
 * draw their weights and minibatches from the default stream after the
 * same `seed`, so they train the same network; the final losses printed
 * show it. Prints medians and the homework's time as a multiple of the
 * library's.
 *
 * Usage: deno task bench:homework [--reps 5] [--iters 1000] [--threads N]
 *   [--backends blas,wasm]
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  accuracy,
  availableBackends,
  type BackendName,
  describeBackend,
  getCifar10Data,
  seed,
  setBackend,
  setThreads,
  TwoLayerNet,
} from "../mod.ts";
import { TwoLayerNet as HomeworkNet } from "../homework/neural_net.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    reps: { type: "string", default: "5" },
    iters: { type: "string", default: "1000" },
    threads: { type: "string" },
    backends: { type: "string" },
  },
});
const reps = Number(values.reps), iters = Number(values.iters);
if (values.threads) setThreads(Number(values.threads));
const backends = (values.backends?.split(",") as BackendName[] | undefined) ??
  availableBackends().filter((b) => b !== "typescript");

console.log("loading CIFAR-10...");
const { XTrain, yTrain, XVal, yVal } = await getCifar10Data();
const settings = {
  numIters: iters,
  batchSize: 200,
  learningRate: 1e-5,
  learningRateDecay: 0.95,
  reg: 0.1,
};

interface Run {
  seconds: number;
  loss: number;
  valAcc: number;
}

function run(kind: "homework" | "library"): Run {
  seed(0);
  const net = kind === "homework"
    ? new HomeworkNet(3072, 50, 10)
    : new TwoLayerNet(3072, 50, 10);
  const t = performance.now();
  const stats = net.train(XTrain, yTrain, XVal, yVal, settings);
  const seconds = (performance.now() - t) / 1000;
  return {
    seconds,
    loss: stats.lossHistory.at(-1)!,
    valAcc: accuracy(net.predict(XVal), yVal),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

const lines: string[] = [];
for (const backend of backends) {
  setBackend(backend);
  const times = { homework: [] as number[], library: [] as number[] };
  const last: Partial<Record<"homework" | "library", Run>> = {};
  for (let rep = 0; rep < reps; rep++) {
    // Alternate, so both see the same machine load.
    for (const kind of ["library", "homework"] as const) {
      const r = run(kind);
      times[kind].push(r.seconds);
      last[kind] = r;
    }
    console.log(`${backend}: repetition ${rep + 1}/${reps} done`);
  }
  const lib = median(times.library), hw = median(times.homework);
  lines.push(
    `| ${backend} | ${lib.toFixed(2)} | ${hw.toFixed(2)} | ${
      (hw / lib).toFixed(2)
    } | ${last.library!.loss.toPrecision(12)} / ${
      last.homework!.loss.toPrecision(12)
    } | ${last.library!.valAcc} / ${last.homework!.valAcc} | ${
      times.library.map((t) => t.toFixed(2)).join(", ")
    } | ${times.homework.map((t) => t.toFixed(2)).join(", ")} |`,
  );
}

console.log(
  `\nThe first CIFAR-10 run: ${iters} iterations, batch 200, H 50, MSE; ` +
    `${reps} repetitions, alternating; ${navigator.hardwareConcurrency} cores`,
);
for (const b of backends) console.log(`  ${describeBackend(b)}`);
console.log(
  "\n| backend | library s | homework s | homework / library | final loss (library / homework) | val acc | library runs (s) | homework runs (s) |",
);
console.log("| --- | ---: | ---: | ---: | --- | --- | --- | --- |");
for (const line of lines) console.log(line);
