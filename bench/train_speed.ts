/**
 * Workload W: the workbook's first CIFAR-10 run (1000 iterations, batch
 * 200, D 3072, H 50, C 10, MSE, 49,000 training rows), timed on every
 * available backend and dtype and, when python3 with numpy is present, in
 * numpy float64 and float32 on the same data, alternating, several
 * repetitions. Prints medians, each one's ratio to numpy float64, and peak
 * memory.
 *
 * The data are synthetic, CIFAR-shaped (60 * randn pixels, uniform labels):
 * both sides draw them from numpy's stream with the same seed, so they are
 * identical without a 1.2 GB transfer.
 *
 * `--backends webgpu` (alone or with others) trains W on the GPU in
 * float32 with `trainAsync`, then times the workbook's default search
 * (the notebook's two settings of 12,000 iterations, or `--search-iters`)
 * on the GPU and on the CPU's best backend in float32, two at a time, and
 * names the adapter. On a software adapter (Mesa's llvmpipe) expect about
 * 50 times the CPU's time: pass `--search-iters 100` there.
 *
 * With `--live`, each run also trains with the live view of
 * `trainingProgress` as Deno's Jupyter kernel shows it (the charts drawn
 * and their display messages built, then dropped), side by side with the
 * plain run, and prints the view's cost: the time difference and the time
 * spent inside the progress callback.
 *
 * Then the cost of each update rule and of augmentation against plain SGD
 * (rule table): one hidden layer of 50, 500 and 2,000 (`--hidden`),
 * batch 200, the same data, `--rule-iters` iterations per run; SGD,
 * momentum, Nesterov, Adam and SGD with flips and 2-pixel shifts train in
 * turn (the order rotating), `--reps` times, and each is reported as the
 * median of its time over SGD's in the same turn. Where PyTorch is
 * installed (`--torch-python`, default `python3`), its CPU Adam/SGD ratio
 * for the same shapes and threads stands beside ours. `--skip-w` runs the
 * rule table alone.
 *
 * `--browser` times W instead in Chromium, on the web page of `deno task
 * site` (built in `--site DIR`, default out/site, when absent), side by
 * side with Deno's wasm backend (bench/browser_speed.ts).
 *
 * Usage: deno task bench [--reps 3] [--iters 1000] [--threads N]
 *   [--backends blas,wasm,webgpu] [--dtypes float64,float32] [--live]
 *   [--search-iters 12000] [--hidden 50,500,2000] [--rule-iters 20]
 *   [--torch-python python3] [--skip-w] [--browser [--site DIR]]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { trainingProgress } from "../src/plot/mod.ts";
import {
  availableBackends,
  type BackendName,
  chooseBackend,
  describeBackend,
  type DType,
  getThreads,
  Matrix,
  RandomState,
  searchHyperparameters,
  type SearchSetting,
  setThreads,
  TwoLayerNet,
} from "../mod.ts";
import { gpu } from "../src/kernels/_webgpu_device.ts";

const N = 49000, NVAL = 1000, D = 3072, H = 50, C = 10, SEED = 0;
const SCALE = 60;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    reps: { type: "string", default: "3" },
    iters: { type: "string", default: "1000" },
    threads: { type: "string" },
    backends: { type: "string" },
    dtypes: { type: "string" },
    live: { type: "boolean", default: false },
    "search-iters": { type: "string", default: "12000" },
    hidden: { type: "string", default: "50,500,2000" },
    "rule-iters": { type: "string", default: "20" },
    "torch-python": { type: "string", default: "python3" },
    "skip-w": { type: "boolean", default: false },
    browser: { type: "boolean", default: false },
    site: { type: "string", default: "out/site" },
  },
});
if (values.browser) {
  const { benchBrowser } = await import("./browser_speed.ts");
  await benchBrowser({ reps: Number(values.reps), site: values.site });
  Deno.exit(0);
}
const reps = Number(values.reps), iters = Number(values.iters);
const threads = values.threads ? Number(values.threads) : undefined;
if (threads !== undefined) setThreads(threads);
const backends = (values.backends?.split(",") as BackendName[] | undefined) ??
  availableBackends().filter((b) => b !== "typescript");
const dtypes = (values.dtypes?.split(",") as DType[] | undefined) ??
  ["float64", "float32"];

// The numpy side: data from the same stream, the workbook's forward,
// backward and SGD step, and the validation accuracy at each epoch.
const NUMPY = `
import sys, time, resource
import numpy as np
N, NVAL, D, H, C, SEED, SCALE, ITERS = ${N}, ${NVAL}, ${D}, ${H}, ${C}, ${SEED}, ${SCALE}, ${iters}
rng = np.random.RandomState(SEED)
X64 = SCALE * rng.randn(N, D); y = rng.randint(0, C, N)
Xv64 = SCALE * rng.randn(NVAL, D); yv = rng.randint(0, C, NVAL)
data = {"float64": (X64, Xv64), "float32": (X64.astype(np.float32), Xv64.astype(np.float32))}
def train(dt):
    X, Xv = data[dt]
    r = np.random.RandomState(SEED)
    W1 = (1e-4 * r.randn(H, D)).astype(dt); b1 = np.zeros(H, dt)
    W2 = (1e-4 * r.randn(C, H)).astype(dt); b2 = np.zeros(C, dt)
    lr, reg, per_epoch = 1e-5, 0.1, max(N / 200, 1)
    for it in range(ITERS):
        idx = r.choice(N, 200); Xb = X[idx]
        h = np.maximum(Xb.dot(W1.T) + b1, 0); s = h.dot(W2.T) + b2
        Y = np.zeros_like(s); Y[np.arange(200), y[idx]] = 1
        loss = 0.5 * np.sum((s - Y) ** 2) / 200 + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        ds = (s - Y) / 200
        dW2 = ds.T.dot(h) + reg * W2; db2 = ds.sum(0)
        dh = ds.dot(W2); dh[h <= 0] = 0
        dW1 = dh.T.dot(Xb) + reg * W1; db1 = dh.sum(0)
        W1 -= lr * dW1; b1 -= lr * db1; W2 -= lr * dW2; b2 -= lr * db2
        if it % per_epoch == 0:
            hv = np.maximum(Xv.dot(W1.T) + b1, 0)
            np.mean(np.argmax(hv.dot(W2.T) + b2, 1) == yv); lr *= 0.95
    return loss
print("ready", flush=True)
for line in sys.stdin:
    t = time.perf_counter(); loss = train(line.strip())
    print(time.perf_counter() - t, loss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, flush=True)
`;

/** A running python3 answering one timing per line sent, or undefined. */
async function startNumpy() {
  try {
    const env: Record<string, string> = {};
    if (threads !== undefined) env.OPENBLAS_NUM_THREADS = String(threads);
    const child = new Deno.Command("python3", {
      args: ["-c", NUMPY],
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream())
      .pipeThrough(splitLines()).getReader();
    const writer = child.stdin.getWriter();
    if ((await lines.read()).value !== "ready") throw new Error("no numpy");
    return {
      async run(dtype: DType) {
        await writer.write(new TextEncoder().encode(dtype + "\n"));
        const [seconds, loss, rss] = (await lines.read()).value!.split(" ")
          .map(Number);
        return { seconds, loss, rss };
      },
      async close() {
        await writer.close();
        await child.status;
      },
    };
  } catch (e) {
    console.log(`numpy skipped: ${(e as Error).message}`);
    return undefined;
  }
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) controller.enqueue(p);
    },
  });
}

function scaled(values: Float64Array, rows: number): Matrix<Float64Array> {
  for (let i = 0; i < values.length; i++) values[i] *= SCALE;
  return new Matrix(rows, D, values);
}

console.log("generating data...");
const numpy = values["skip-w"] ? undefined : await startNumpy();
const rng = new RandomState(SEED);
const X64 = scaled(rng.randn(N * D), N), y = rng.randint(0, C, N);
const Xv64 = scaled(rng.randn(NVAL * D), NVAL), yv = rng.randint(0, C, NVAL);
const data = {
  float64: [X64, Xv64],
  float32: [X64.astype("float32"), Xv64.astype("float32")],
} as const;

if (!values["skip-w"]) await benchW();
await ruleTable();

/** Workload W on every backend and dtype, and numpy, alternating. */
async function benchW(): Promise<void> {
  let peakRss = 0;
  /** Milliseconds spent in the live view's callback during the last run. */
  let viewMs = 0;
  async function train(
    backend: BackendName,
    dtype: DType,
    live = false,
  ): Promise<{ seconds: number; loss: number }> {
    const r = new RandomState(SEED);
    const net = new TwoLayerNet(D, H, C, { std: 1e-4, rng: r, dtype, backend });
    const [X, Xv] = data[dtype];
    // The live view as in Jupyter: charts drawn, messages built, not sent.
    const view = trainingProgress({
      label: "W",
      sink: { kind: "jupyter", broadcast: () => {} },
    });
    viewMs = 0;
    const t = performance.now();
    const options = {
      learningRate: 1e-5,
      learningRateDecay: 0.95,
      reg: 0.1,
      numIters: iters,
      batchSize: 200,
      rng: r,
      ...(live && {
        onProgress: (p: Parameters<typeof view>[0]) => {
          const start = performance.now();
          view(p);
          viewMs += performance.now() - start;
        },
      }),
    };
    // The GPU trains only asynchronously; the CPU as the workbook calls it.
    const stats = backend === "webgpu"
      ? await net.trainAsync(X, y, Xv, yv, options)
      : net.train(X, y, Xv, yv, options);
    const seconds = (performance.now() - t) / 1000;
    peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    return { seconds, loss: stats.lossHistory.at(-1)! };
  }

  type Row = {
    name: string;
    times: number[];
    loss: number;
    rss?: number;
    viewMs?: number[];
  };
  const rows: Row[] = [];
  const row = (name: string) => {
    let r = rows.find((x) => x.name === name);
    if (!r) rows.push(r = { name, times: [], loss: NaN });
    return r;
  };
  for (let rep = 0; rep < reps; rep++) {
    for (const dtype of dtypes) {
      if (numpy) {
        const r = row(`numpy ${dtype}`), got = await numpy.run(dtype);
        r.times.push(got.seconds);
        r.loss = got.loss;
        r.rss = got.rss;
      }
      for (const b of backends) {
        if (b === "webgpu" && dtype !== "float32") continue;
        // With --live, the plain run and the live one alternate, in turns.
        const order = !values.live
          ? [false]
          : rep % 2
          ? [true, false]
          : [false, true];
        for (const live of order) {
          const r = row(`${b} ${dtype}${live ? " live view" : ""}`);
          const got = await train(b, dtype, live);
          r.times.push(got.seconds);
          r.loss = got.loss;
          if (live) (r.viewMs ??= []).push(viewMs);
        }
      }
    }
    console.log(`repetition ${rep + 1}/${reps} done`);
  }
  await numpy?.close();

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  const base = rows.find((r) => r.name === "numpy float64");
  console.log(
    `\nW: ${iters} iterations, batch 200, ${N} x ${D}, H ${H}, C ${C}, MSE; ` +
      `${reps} repetitions; ${navigator.hardwareConcurrency} cores`,
  );
  if (backends.includes("webgpu")) await chooseBackend();
  for (const b of backends) console.log(`  ${describeBackend(b)}`);
  console.log("\n| run | median s | x numpy f64 | final loss | runs (s) |");
  console.log("| --- | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    const m = median(r.times);
    const ratio = base ? (m / median(base.times)).toFixed(2) : "-";
    console.log(
      `| ${r.name} | ${m.toFixed(2)} | ${ratio} | ${r.loss.toPrecision(12)} | ${
        r.times.map((t) => t.toFixed(2)).join(", ")
      } |`,
    );
  }
  if (values.live) {
    console.log(
      "\nLive view (trainingProgress in Jupyter, drawn but not sent), paired with the plain run:",
    );
    console.log(
      "\n| run | plain median s | live median s | difference | time in the view (median ms) | share of training |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const r of rows.filter((r) => r.viewMs)) {
      const plain = rows.find((p) =>
        p.name === r.name.replace(" live view", "")
      )!;
      const off = median(plain.times), on = median(r.times);
      const inView = median(r.viewMs!);
      console.log(
        `| ${plain.name} | ${off.toFixed(2)} | ${on.toFixed(2)} | ${
          (100 * (on / off - 1)).toFixed(1)
        }% | ${inView.toFixed(0)} | ${
          (100 * inView / 1000 / on).toFixed(1)
        }% |`,
      );
    }
  }
  console.log(
    `\npeak RSS: deno ${(peakRss / 2 ** 30).toFixed(2)} GiB` + (
      base?.rss ? `, python ${(base.rss / 2 ** 30).toFixed(2)} GiB` : ""
    ),
  );

  if (backends.includes("webgpu")) await timeSearch();
}

/** PyTorch's CPU Adam/SGD time ratio per dtype and hidden size, or why none. */
async function torchRatios(
  hidden: number[],
  reps: number,
  iters: number,
): Promise<Map<string, number> | string> {
  const script = `
import sys, time, json
try:
    import torch
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"})); sys.exit()
threads = ${threads ?? "None"}
if threads: torch.set_num_threads(threads)
D, C, B, ITERS, REPS = ${D}, ${C}, 200, ${iters}, ${reps}
g = torch.Generator().manual_seed(0)
out = {"version": torch.__version__, "threads": torch.get_num_threads()}
for dt in ${JSON.stringify(dtypes)}:
    dtype = getattr(torch, dt)
    X = 60 * torch.randn(4000, D, generator=g, dtype=dtype)
    y = torch.randint(0, C, (4000,), generator=g)
    for H in ${JSON.stringify(hidden)}:
        def run(make):
            W1 = (1e-4 * torch.randn(H, D, generator=g, dtype=dtype)).requires_grad_()
            b1 = torch.zeros(H, dtype=dtype, requires_grad=True)
            W2 = (1e-4 * torch.randn(C, H, generator=g, dtype=dtype)).requires_grad_()
            b2 = torch.zeros(C, dtype=dtype, requires_grad=True)
            opt = make([W1, b1, W2, b2])
            t = None
            for it in range(ITERS + 2):
                if it == 2: t = time.perf_counter()
                idx = torch.randint(0, 4000, (B,), generator=g)
                s = torch.relu(X[idx] @ W1.T + b1) @ W2.T + b2
                Y = torch.nn.functional.one_hot(y[idx], C).to(dtype)
                loss = 0.5 * ((s - Y) ** 2).sum() / B + 0.05 * ((W1 * W1).sum() + (W2 * W2).sum())
                opt.zero_grad(); loss.backward(); opt.step()
            return (time.perf_counter() - t) / ITERS
        ratios = []
        for r in range(REPS):
            sgd = run(lambda p: torch.optim.SGD(p, lr=1e-5))
            adam = run(lambda p: torch.optim.Adam(p, lr=1e-5))
            ratios.append(adam / sgd)
        ratios.sort()
        out[f"{dt} {H}"] = ratios[len(ratios) // 2]
print(json.dumps(out))
`;
  try {
    const { stdout } = await new Deno.Command(values["torch-python"]!, {
      args: ["-c", script],
      stderr: "inherit",
    }).output();
    const got = JSON.parse(new TextDecoder().decode(stdout));
    if (got.error) {
      return `PyTorch not importable by ${
        values["torch-python"]
      }: ${got.error}`;
    }
    console.log(`PyTorch ${got.version}, ${got.threads} threads`);
    return new Map(
      Object.entries(got).filter(([k]) => / \d+$/.test(k)) as [
        string,
        number,
      ][],
    );
  } catch (e) {
    return `no PyTorch (${values["torch-python"]}: ${(e as Error).message})`;
  }
}

/**
 * The rule table: each update rule's and augmentation's iteration time
 * over plain SGD's, measured in turns, at several hidden sizes.
 */
async function ruleTable(): Promise<void> {
  const hidden = values.hidden.split(",").map(Number);
  const ruleIters = Number(values["rule-iters"]);
  const variants = {
    momentum: { optimizer: "momentum", momentum: 0.9 },
    Nesterov: { optimizer: "nesterov", momentum: 0.9 },
    Adam: { optimizer: "adam" },
    "flips + shifts": { augment: { flipHorizontal: true, shift: 2 } },
  } as const;
  const names = ["SGD", ...Object.keys(variants)] as const;
  const options = (name: string) =>
    name === "SGD" ? {} : variants[name as keyof typeof variants];
  const time = (
    backend: BackendName,
    dtype: DType,
    H: number,
    name: string,
    numIters: number,
  ) => {
    const [X, Xv] = data[dtype];
    const r = new RandomState(SEED);
    const net = new TwoLayerNet(D, H, C, { dtype, backend, rng: r });
    const val = new Matrix(200, D, Xv.data.subarray(0, 200 * D));
    // Steady state: from the end of the first iteration to the end of the
    // last, leaving out the run's setup (the update rule's state is
    // allocated and zeroed once per run).
    let first = 0, last = 0, calls = 0;
    net.train(X, y, val, yv.subarray(0, 200), {
      learningRate: 1e-5,
      reg: 0.1,
      numIters,
      batchSize: 200,
      rng: r,
      ...options(name),
      onProgress: () => {
        last = performance.now();
        if (++calls === 1) first = last;
      },
    });
    return (last - first) / (numIters - 1);
  };
  const cpu = backends.filter((b) => b !== "webgpu");
  const load = () => {
    try {
      return Deno.loadavg()[0].toFixed(2);
    } catch {
      return "unknown (no --allow-sys=loadavg)";
    }
  };
  const loadBefore = load();
  const ms = new Map<string, number[]>(), ratio = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, key: string, v: number) =>
    m.set(key, [...(m.get(key) ?? []), v]);
  for (let rep = 0; rep < reps; rep++) {
    for (const b of cpu) {
      for (const dtype of dtypes) {
        for (const H of hidden) {
          if (rep === 0) time(b, dtype, H, "SGD", 3); // warm-up
          // Rotate the order, so that no variant always follows another.
          const order = names.map((_, i) => names[(i + rep) % names.length]);
          const got: Record<string, number> = {};
          for (const name of order) {
            got[name] = time(b, dtype, H, name, ruleIters);
            // A turn of the event loop, so that the kernel memory of the
            // networks dropped so far can go back (FinalizationRegistry).
            await new Promise((r) => setTimeout(r, 0));
          }
          for (const name of names) {
            const key = `${b} ${dtype} ${H} ${name}`;
            push(ms, key, got[name]);
            push(ratio, key, got[name] / got.SGD);
          }
        }
      }
    }
    console.log(`rule table: repetition ${rep + 1}/${reps} done`);
  }
  const torch = await torchRatios(hidden, reps, ruleIters);
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  console.log(
    `\nRule table: iteration time over SGD's in the same turn, median of ${reps} ` +
      `(in brackets: fastest run over SGD's fastest), ` +
      `${ruleIters} iterations per run (timed from the end of the first), batch 200, D ${D}, C ${C}, ` +
      `${getThreads()} threads; load average ${loadBefore} before, ${load()} after`,
  );
  if (typeof torch === "string") {
    console.log(`PyTorch column skipped: ${torch}`);
  }
  console.log(
    `\n| backend | dtype | H | SGD ms | ${
      names.slice(1).join(" | ")
    } | PyTorch Adam/SGD |`,
  );
  console.log(
    `| --- | --- | ---: | ---: | ${
      names.slice(1).map(() => "---:").join(" | ")
    } | ---: |`,
  );
  for (const b of cpu) {
    for (const dtype of dtypes) {
      for (const H of hidden) {
        const key = (name: string) => `${b} ${dtype} ${H} ${name}`;
        // The median of the turns' ratios, and the ratio of the fastest
        // runs (the least disturbed on a busy machine).
        const cells = names.slice(1).map((n) =>
          `${median(ratio.get(key(n))!).toFixed(3)}x (${
            (Math.min(...ms.get(key(n))!) / Math.min(...ms.get(key("SGD"))!))
              .toFixed(3)
          }x)`
        );
        const t = typeof torch === "string"
          ? undefined
          : torch.get(`${dtype} ${H}`);
        console.log(
          `| ${b} | ${dtype} | ${H} | ${
            median(ms.get(key("SGD"))!).toFixed(2)
          } | ${cells.join(" | ")} | ${
            t === undefined ? "-" : t.toFixed(3) + "x"
          } |`,
        );
      }
    }
  }
}

/**
 * The notebook's full search (two_layer_net.ipynb, "Optimize the neural
 * network"), with its settings copied here, on the GPU and on the CPU's
 * best backend, float32, two settings at a time.
 */
async function timeSearch(): Promise<void> {
  const numIters = Number(values["search-iters"]);
  const shared: SearchSetting = {
    hiddenSize: 50,
    loss: "softmax",
    batchSize: 200,
    optimizer: "momentum",
    momentum: 0.9,
    augment: { flipHorizontal: true },
    learningRate: 1e-3,
    learningRateDecay: 0.92,
    numIters,
  };
  const settings = [{ ...shared, reg: 0.75 }, { ...shared, reg: 0.5 }];
  const cpu = availableBackends()[0];
  const { adapter } = await gpu();
  console.log(
    `\nThe workbook's search: 2 settings of ${numIters} iterations (softmax, momentum 0.9, flips), float32, 2 at a time; adapter ${adapter.description} (${adapter.vendor})`,
  );
  console.log("\n| backend | seconds | best val | x CPU |");
  console.log("| --- | ---: | ---: | ---: |");
  let cpuSeconds = NaN;
  for (const backend of [cpu, "webgpu"] as const) {
    const t = performance.now();
    const { best } = await searchHyperparameters(
      { XTrain: data.float32[0], yTrain: y, XVal: data.float32[1], yVal: yv },
      settings,
      { backend, dtype: "float32", workers: 2 },
    );
    const seconds = (performance.now() - t) / 1000;
    if (backend === cpu) cpuSeconds = seconds;
    console.log(
      `| ${backend} | ${seconds.toFixed(2)} | ${best.valAcc.toFixed(3)} | ${
        (seconds / cpuSeconds).toFixed(2)
      } |`,
    );
  }
}
