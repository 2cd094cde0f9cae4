// Issue 13: no crash, no stale answer, no unbounded read, no silent
// fallback. One test per case, each with the message the user now gets.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  getThreads,
  gridSettings,
  loadCifar10,
  Matrix,
  RandomState,
  searchHyperparameters,
  setThreads,
  TwoLayerNet,
} from "../mod.ts";
import { exportCifar10Binary, writeTinyCifar10 } from "../src/cifar10/mod.ts";

const toyX = () => Matrix.fromRows([[1, 2, 3, 4], [-4, -3, -2, -1]]);

Deno.test("integer or plain-array data is refused with the type and the conversion", () => {
  for (
    const [data, found] of [
      [new Uint8Array(8).fill(200), "Uint8Array"],
      [new Int32Array(8), "Int32Array"],
      [new Array(8).fill(1), "an Array"],
    ] as const
  ) {
    assert.throws(
      () => new Matrix(2, 4, data as unknown as Float64Array),
      {
        name: "TypeError",
        message:
          `Matrix data must be a Float64Array or Float32Array, got ${found}; convert it first, e.g. Float64Array.from(data)`,
      },
    );
  }
});

Deno.test("a float32 network sees an in-place edit of float64 input (predict and train)", () => {
  const net = new TwoLayerNet(4, 10, 3, {
    std: 1,
    rng: new RandomState(0),
    dtype: "float32",
  });
  const X = toyX();
  const before = Array.from(net.scores(X).data);
  X.data.set([-4, -3, -2, -1, 1, 2, 3, 4]);
  // Rows swapped in place: the scores swap too (no stale converted copy).
  const after = Array.from(net.scores(X).data);
  assert.deepEqual(after, [...before.slice(3), ...before.slice(0, 3)]);
  assert.deepEqual(after, Array.from(net.scores(X.clone()).data));

  const train = (m: Matrix) => {
    const n = new TwoLayerNet(4, 5, 2, {
      std: 0.1,
      rng: new RandomState(1),
      dtype: "float32",
    });
    const options = { numIters: 3, batchSize: 2, rng: new RandomState(2) };
    return n.train(m, [0, 1], m, [0, 1], options).lossHistory;
  };
  const Y = toyX();
  train(Y);
  Y.data.set([9, 9, 9, 9, 0, 0, 0, 0]);
  assert.deepEqual(train(Y), train(Y.clone()));
});

Deno.test("a search with two Workers trains on the data as edited in place", async () => {
  const X = Matrix.fromRows([[2, 0], [0, 2], [2, 0.2], [0.2, 2]]);
  const y = [0, 1, 0, 1];
  const settings = gridSettings({ learningRate: [0.5] })
    .map((s) => ({ ...s, hiddenSize: 4, std: 0.5, batchSize: 4, numIters: 5 }));
  const search = async (m: Matrix) =>
    (await searchHyperparameters(
      { XTrain: m, yTrain: y, XVal: m, yVal: y },
      settings,
      { workers: 2 },
    )).rows[0].finalLoss;
  await search(X);
  X.data.set([0, 2, 2, 0, 0.2, 2, 2, 0.2]);
  assert.equal(await search(X), await search(X.clone()));
});

Deno.test("setThreads caps at the cores available and says so", () => {
  const before = getThreads();
  try {
    const cores = navigator.hardwareConcurrency;
    assert.equal(setThreads(1000), cores);
    assert.equal(getThreads(), cores);
    assert.throws(
      () => setThreads(0),
      /threads must be a positive integer, got 0/,
    );
  } finally {
    setThreads(before);
  }
});

Deno.test("search labels are checked alike with one or two Workers", async () => {
  const X = Matrix.fromRows([[1, 0], [0, 1]]);
  for (const workers of [1, 2]) {
    await assert.rejects(
      searchHyperparameters(
        { XTrain: X, yTrain: [0, 1.5], XVal: X, yVal: [0, 1] },
        [{ hiddenSize: 2 }, { hiddenSize: 3 }],
        { workers },
      ),
      {
        name: "RangeError",
        message:
          "yTrain: label 1 is 1.5; expected a non-negative integer (a class index)",
      },
    );
  }
});

Deno.test("unknown option names are errors suggesting the known one, everywhere", async () => {
  const X = toyX(), y = [0, 1];
  const net = new TwoLayerNet(4, 3, 2, { rng: new RandomState(0) });
  const cases: [() => unknown, string][] = [
    [
      () => net.train(X, y, X, y, { learning_rate: 5 } as never),
      'train has no option "learning_rate"; did you mean "learningRate"?',
    ],
    [
      () => new TwoLayerNet(4, 3, 2, { Std: 1 } as never),
      'TwoLayerNet has no option "Std"; did you mean "std"?',
    ],
    [
      () => gridSettings({ learning_rate: [1] } as never),
      'gridSettings has no option "learning_rate"; did you mean "learningRate"?',
    ],
    [
      () =>
        TwoLayerNet.fromSafetensors(
          net.toSafetensors(),
          { max_bytes: 1 } as never,
        ),
      'TwoLayerNet.fromSafetensors has no option "max_bytes"; did you mean "maxBytes"?',
    ],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, (e: Error) => e.message.startsWith(message));
  }
  const rejects: [() => Promise<unknown>, string][] = [
    [
      () =>
        searchHyperparameters(
          { XTrain: X, yTrain: y, XVal: X, yVal: y },
          [{ hiddenSize: 3 }, { hidden_size: 3 } as never],
        ),
      'setting 1 has no option "hidden_size"; did you mean "hiddenSize"?',
    ],
    [
      () =>
        searchHyperparameters(
          { XTrain: X, yTrain: y, XVal: X, yVal: y },
          [{}],
          { worker: 2 } as never,
        ),
      'searchHyperparameters has no option "worker"; did you mean "workers"?',
    ],
    [
      () => loadCifar10({ dri: "x" } as never),
      'loadCifar10 has no option "dri"; did you mean "dir"?',
    ],
    [
      () => TwoLayerNet.load("x.npz", { loss: "mse", maxbytes: 1 } as never),
      'TwoLayerNet.load has no option "maxbytes"; did you mean "maxBytes"?',
    ],
  ];
  for (const [run, message] of rejects) {
    await assert.rejects(run, (e: Error) => e.message.startsWith(message));
  }
});

Deno.test("bad option values are errors: std, dtype, loss, reg", () => {
  const X = toyX();
  const net = new TwoLayerNet(4, 3, 2, { rng: new RandomState(0) });
  const cases: [() => unknown, string][] = [
    [
      () => new TwoLayerNet(4, 3, 2, { std: NaN }),
      "TwoLayerNet std must be a non-negative finite number, got NaN",
    ],
    [
      () => new TwoLayerNet(4, 3, 2, { dtype: "float16" as never }),
      'TwoLayerNet dtype must be "float64" or "float32", got "float16"',
    ],
    [
      () => new TwoLayerNet(4, 3, 2, { loss: "toString" as never }),
      'TwoLayerNet loss must be "mse" or "softmax", got "toString"',
    ],
    [
      () => net.loss(X, [0, 1], -10),
      "reg must be a non-negative finite number, got -10",
    ],
    [
      () => net.train(X, [0, 1], X, [0, 1], { reg: -1 }),
      "reg must be a non-negative finite number, got -1",
    ],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, { name: "RangeError", message });
  }
});

Deno.test("without --allow-env for CIFAR10_DIR the loader says so instead of using the npm mirror", async () => {
  const script = `
    import { loadCifar10 } from ${
    JSON.stringify(import.meta.resolve("../mod.ts"))
  };
    try { await loadCifar10(); } catch (e) { console.log(e.message); }`;
  // `deno eval` would grant everything: run a file with no permission.
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, script);
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      file,
    ],
    env: { CIFAR10_DIR: "/nowhere" },
  }).output();
  await Deno.remove(file);
  assert.equal(
    new TextDecoder().decode(stdout).trim(),
    "cannot tell whether CIFAR10_DIR names a CIFAR-10 folder: --allow-env is not granted for it. " +
      'Run with --allow-env=CIFAR10_DIR, or choose the source explicitly: { dir: "path/to/cifar-10-batches-bin" } or { source: "npm" }',
  );
});

async function tinyDir(): Promise<
  {
    dir: string;
    bin: string;
    expected: Awaited<ReturnType<typeof writeTinyCifar10>>;
  }
> {
  const dir = await Deno.makeTempDir();
  const expected = await writeTinyCifar10(dir);
  return { dir, bin: join(dir, "cifar-10-batches-bin"), expected };
}

Deno.test("batch files that are not regular files are refused before reading", async () => {
  const { dir, bin, expected } = await tinyDir();
  try {
    const file = join(bin, "data_batch_1.bin");
    await Deno.remove(file);
    await Deno.symlink("/dev/zero", file);
    await assert.rejects(
      loadCifar10({ dir, expected }),
      {
        message:
          `${file}: not a regular file (a device); expected 12292 bytes (a binary batch of 4 images)`,
      },
    );
    await Deno.remove(file);
    await new Deno.Command("mkfifo", { args: [file] }).output();
    await assert.rejects(
      loadCifar10({ dir, expected }),
      /data_batch_1\.bin: not a regular file \(a FIFO\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export refuses a concurrent one, clears leftovers, and writes all or nothing", async () => {
  const { dir, expected } = await tinyDir();
  const out = await Deno.makeTempDir();
  try {
    // A staging folder left by a killed export is cleared by the next one.
    await Deno.mkdir(join(out, ".cifar10-export-killed"));
    await Deno.writeFile(
      join(out, ".cifar10-export-killed", "x"),
      new Uint8Array(3),
    );
    using lock = await Deno.open(out);
    assert.ok(await lock.tryLock(true));
    await assert.rejects(exportCifar10Binary(out, { dir, expected }), {
      message: `cannot export to ${
        join(out, "cifar-10-batches-bin")
      }: another export into ${out} is running; wait for it to finish`,
    });
    await lock.unlock();
    const folder = await exportCifar10Binary(out, { dir, expected });
    const names = [];
    for await (const e of Deno.readDir(out)) names.push(e.name);
    assert.deepEqual(names, ["cifar-10-batches-bin"]);
    assert.equal((await Deno.stat(join(folder, "test_batch.bin"))).size, 12292);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("an export interrupted by SIGINT leaves neither staging folder nor result", async () => {
  const { dir, expected } = await tinyDir();
  const out = await Deno.makeTempDir();
  try {
    // The child interrupts itself after the first batch is written.
    const script = `
      import { exportCifar10Binary } from ${
      JSON.stringify(import.meta.resolve("../src/cifar10/mod.ts"))
    };
      const write = Deno.writeFile;
      Deno.writeFile = async (...args) => {
        await write(...args);
        Deno.kill(Deno.pid, "SIGINT");
        await new Promise(() => {});
      };
      await exportCifar10Binary(${JSON.stringify(out)}, { dir: ${
      JSON.stringify(dir)
    }, expected: ${JSON.stringify(expected)} });`;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        "--allow-read",
        "--allow-write",
        "--allow-run",
        script,
      ],
    }).output();
    assert.equal(code, 130);
    const names = [];
    for await (const e of Deno.readDir(out)) names.push(e.name);
    assert.deepEqual(names, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});
