import assert from "node:assert/strict";
import { trainNetwork } from "../mod.ts";
import {
  progressReporter,
  type ProgressSink,
  renderProgressBar,
  searchProgress,
  trainingProgress,
} from "../src/plot/mod.ts";
import { initToyData, initToyModel, TOY_LABELS } from "./toy.ts";
import { lossChart } from "../src/plot/charts.ts";
import { LIVE_CHART_BUDGET, LiveChart } from "../src/plot/_live_view.ts";

/** A clock the test moves by hand. */
function fakeClock() {
  let ms = 0;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

Deno.test("renderProgressBar draws label, bar, percent, count, time and detail", () => {
  assert.equal(
    renderProgressBar(0, 10, { width: 5 }),
    "[-----]   0% 0/10",
  );
  assert.equal(
    renderProgressBar(10, 10, {
      label: "run",
      width: 5,
      seconds: 125,
      detail: "loss 0.1",
    }),
    "run [#####] 100% 10/10 2m05s loss 0.1",
  );
  // Overshoot and negative counts stay inside the bar.
  assert.equal(renderProgressBar(15, 10, { width: 4 }), "[####] 100% 15/10");
  assert.equal(renderProgressBar(-1, 10, { width: 4 }), "[----]   0% -1/10");
  // Settings in flight make fractional counts.
  assert.equal(renderProgressBar(1.25, 4, { width: 4 }), "[#---]  31% 1.3/4");
});

Deno.test("renderProgressBar rejects a bad total or width, naming the value", () => {
  assert.throws(
    () => renderProgressBar(1, 0),
    /total must be a positive finite number, got 0/,
  );
  assert.throws(
    () => renderProgressBar(1, 2, { width: 2.5 }),
    /width must be a positive integer, got 2.5/,
  );
  assert.throws(
    () => progressReporter({ total: -3, sink: { kind: "quiet" } }),
    /got -3/,
  );
});

Deno.test("terminal bar rewrites one line, throttled, and ends with a newline", () => {
  const clock = fakeClock();
  const writes: string[] = [];
  const progress = progressReporter({
    total: 100,
    label: "train",
    width: 10,
    interval: 100,
    now: clock.now,
    sink: { kind: "terminal", write: (text) => writes.push(text) },
  });
  progress.update(1);
  clock.advance(50);
  progress.update(2); // within 100 ms of the last draw: skipped
  clock.advance(60);
  progress.update(50, "loss 0.5");
  clock.advance(200);
  progress.update(100, "loss 0.4"); // the total: left to finish
  progress.finish("done");
  progress.update(60); // after finish: ignored
  assert.deepEqual(writes, [
    "\r\x1b[2Ktrain [----------]   1% 1/100 0s (0s left)",
    "\r\x1b[2Ktrain [#####-----]  50% 50/100 0s (0s left) loss 0.5",
    "\r\x1b[2Ktrain [##########] 100% 100/100 0s done\n",
  ]);
});

Deno.test("Jupyter sink shows one display and then updates it in place", async () => {
  const messages: { type: string; content: Record<string, unknown> }[] = [];
  const clock = fakeClock();
  const progress = progressReporter({
    total: 4,
    width: 4,
    now: clock.now,
    sink: {
      kind: "jupyter",
      broadcast: (type, content) => {
        messages.push({ type, content });
        return Promise.resolve();
      },
    },
  });
  for (let i = 1; i <= 3; i++) {
    progress.update(i);
    clock.advance(1000);
  }
  progress.finish();
  assert.deepEqual(messages.map((m) => m.type), [
    "display_data",
    "update_display_data",
    "update_display_data",
    "update_display_data",
  ]);
  const ids = new Set(
    messages.map((m) =>
      (m.content.transient as { display_id: string }).display_id
    ),
  );
  assert.equal(ids.size, 1);
  assert.match([...ids][0], /^twolayer-progress-/);
  assert.deepEqual(messages.at(-1)!.content.data, {
    "text/plain": "[####] 100% 4/4 3s",
  });
  // A second reporter gets its own display.
  const other: string[] = [];
  progressReporter({
    total: 1,
    sink: {
      kind: "jupyter",
      broadcast: (_, content) =>
        other.push((content.transient as { display_id: string }).display_id),
    },
  }).finish();
  assert.ok(!ids.has(other[0]));
  // Let any promise callbacks run before the test ends.
  await Promise.resolve();
});

Deno.test("a failing Jupyter broadcast does not break the work it reports on", async () => {
  const progress = progressReporter({
    total: 2,
    interval: 0,
    sink: {
      kind: "jupyter",
      broadcast: () => Promise.reject(new Error("iopub closed")),
    },
  });
  progress.update(1);
  progress.finish();
  // An unhandled rejection would fail this test.
  await new Promise((resolve) => setTimeout(resolve, 10));
});

Deno.test("an output that fails goes quiet, and the training it reports on goes on", () => {
  const X = initToyData();
  for (const kind of ["terminal", "lines"] as const) {
    let tries = 0;
    const fail = () => {
      if (++tries > 2) throw new Error("No space left on device (os error 28)");
    };
    const sink: ProgressSink = kind === "terminal"
      ? { kind, write: fail }
      : { kind, log: fail, every: 0.01 };
    const stats = trainNetwork(initToyModel(), X, TOY_LABELS, X, TOY_LABELS, {
      learningRate: 1e-1,
      numIters: 20,
      batchSize: 5,
      onProgress: trainingProgress({ interval: 0, sink }),
    });
    assert.equal(stats.lossHistory.length, 20);
    // Two lines out, the third failed, then none tried.
    assert.equal(tries, 3, kind);
  }
});

Deno.test("training with its progress on a full standard error (2>/dev/full) ends normally", async () => {
  const code = `
    import { Matrix, RandomState, TwoLayerNet } from "./mod.ts";
    import { trainingProgress } from "./src/plot/mod.ts";
    const rng = new RandomState(0);
    const X = new Matrix(40, 4, rng.randn(160));
    const y = rng.randint(0, 3, 40);
    const net = new TwoLayerNet(4, 5, 3, { rng });
    const stats = await net.trainAsync(X, y, X, y, {
      numIters: 50, batchSize: 10, rng,
      onProgress: trainingProgress({ interval: 0 }),
    });
    console.log("trained", stats.lossHistory.length);`;
  const { code: status, stdout } = await new Deno.Command("sh", {
    args: ["-c", 'exec "$0" eval "$1" 2>/dev/full', Deno.execPath(), code],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(stdout), "trained 50\n");
  assert.equal(status, 0);
});

Deno.test("lines sink logs a line per step of progress, and quiet logs nothing", () => {
  const lines: string[] = [];
  const sink: ProgressSink = {
    kind: "lines",
    log: (line) => lines.push(line),
    every: 0.25,
  };
  const progress = progressReporter({ total: 8, width: 8, now: () => 0, sink });
  for (let i = 1; i < 8; i++) progress.update(i);
  progress.finish();
  progress.update(8); // the total: drawn once, by finish
  progress.finish();
  assert.deepEqual(lines, [
    "[#-------]  12% 1/8 0s (0s left)",
    "[##------]  25% 2/8 0s (0s left)",
    "[####----]  50% 4/8 0s (0s left)",
    "[######--]  75% 6/8 0s (0s left)",
    "[########] 100% 8/8 0s",
  ]);
  const quiet = progressReporter({ total: 2, sink: { kind: "quiet" } });
  quiet.update(1);
  quiet.finish();
});

Deno.test("trainingProgress follows a real training run to its last iteration", () => {
  const writes: string[] = [];
  const X = initToyData();
  const y = TOY_LABELS;
  const net = initToyModel();
  trainNetwork(net, X, y, X, y, {
    learningRate: 1e-1,
    numIters: 20,
    batchSize: 5,
    onProgress: trainingProgress({
      label: "toy",
      width: 10,
      interval: 0,
      now: () => 0,
      sink: { kind: "terminal", write: (text) => writes.push(text) },
    }),
  });
  assert.equal(writes.length, 20);
  const clear = "\r\x1b[2K";
  assert.ok(writes.every((text) => text.startsWith(clear)));
  assert.match(
    writes[0].slice(clear.length),
    /^toy \[-{10}\] {3}5% 1\/20 0s \(0s left\) loss \d\.\d{4} val \d\.\d{3}$/,
  );
  assert.match(
    writes.at(-1)!,
    /toy \[#{10}\] 100% 20\/20 0s loss 0\.\d{4} val 1\.000\n$/,
  );
});

Deno.test("searchProgress adds up the settings in flight", () => {
  const lines: string[] = [];
  const { onProgress, finish } = searchProgress({
    width: 8,
    interval: 0,
    now: () => 0,
    sink: { kind: "lines", log: (line) => lines.push(line), every: 0.05 },
  });
  const train = (iteration: number) => ({
    iteration,
    numIters: 100,
    loss: 1,
    learningRate: 1e-3,
  });
  // Two Workers: settings 0 and 1 interleave.
  onProgress({ done: 0, total: 4, index: 0, train: train(50), bestValAcc: 0 });
  onProgress({ done: 0, total: 4, index: 1, train: train(50), bestValAcc: 0 });
  onProgress({
    done: 1,
    total: 4,
    index: 0,
    train: train(100),
    bestValAcc: 0.4,
  });
  finish("best val 0.450");
  assert.deepEqual(lines, [
    "search [#-------]  12% 0.5/4 0s (0s left) best val 0.000",
    "search [##------]  25% 1/4 0s (0s left) best val 0.000",
    "search [###-----]  37% 1.5/4 0s (0s left) best val 0.400",
    "search [########] 100% 4/4 0s best val 0.450",
  ]);
});

Deno.test("searchProgress finishes cleanly when nothing was reported", () => {
  const lines: string[] = [];
  const { finish } = searchProgress({
    now: () => 0,
    width: 2,
    sink: { kind: "lines", log: (line) => lines.push(line) },
  });
  finish("no settings reported");
  assert.deepEqual(lines, ["search [##] 100% 1/1 0s no settings reported"]);
});

/** Messages a fake Jupyter kernel receives, and the sink that sends them. */
function fakeKernel() {
  const messages: {
    type: string;
    id: string;
    data: Record<string, string>;
  }[] = [];
  const sink: ProgressSink = {
    kind: "jupyter",
    broadcast: (type, content) => {
      messages.push({
        type,
        id: (content.transient as { display_id: string }).display_id,
        data: content.data as Record<string, string>,
      });
    },
  };
  return { messages, sink };
}

Deno.test("the live chart redraws within its share of the time, and always at the end", () => {
  let ms = 0;
  const drawn: number[] = [];
  const chart = new LiveChart(() => {
    drawn.push(ms);
    ms += 30; // each drawing takes 30 ms
    return lossChart({ lossHistory: [1, 0.5] });
  }, () => ms);
  let bundle: Record<string, string> = {};
  for (let t = 250; t <= 10_000; t += 250) {
    ms = Math.max(ms, t);
    chart.changed();
    bundle = chart.bundle(`at ${t}`, t === 10_000);
  }
  // Budget 1.5%: a drawing once the time spent, this drawing and the
  // final one (each as long as the last) fit in 1.5% of the time so far.
  assert.deepEqual(drawn, [1500, 6000, 8000, 10_000]);
  assert.ok(LIVE_CHART_BUDGET <= 0.015);
  assert.deepEqual(Object.keys(bundle).sort(), [
    "image/svg+xml",
    "text/html",
    "text/plain",
  ]);
  assert.match(
    bundle["text/html"],
    /^<img alt="chart" src="data:image\/svg\+xml;base64,[^"]+"><pre>at 10000<\/pre>$/,
  );
  assert.equal(bundle["text/plain"], "at 10000");
  // Before anything is drawn, only the line; escaped in HTML.
  const empty = new LiveChart(() => undefined, () => 0);
  empty.changed();
  assert.deepEqual(empty.bundle("a < b", true), { "text/plain": "a < b" });
  const live = new LiveChart(() => lossChart({ lossHistory: [1] }), () => 0);
  live.changed();
  assert.match(
    live.bundle("a < b & c", true)["text/html"],
    /<pre>a &lt; b &amp; c<\/pre>$/,
  );
});

Deno.test("in Jupyter, training shows one display: the line, then the final chart with it", () => {
  const { messages, sink } = fakeKernel();
  let ms = 0;
  const onProgress = trainingProgress({
    label: "run",
    width: 4,
    sink,
    now: () => ms,
  });
  for (let i = 1; i <= 100; i++) {
    ms += 20; // 50 iterations a second: updates at most every 250 ms
    onProgress({
      iteration: i,
      numIters: 100,
      loss: 2 / i,
      learningRate: 0.1,
      ...(i % 25 === 1 && { trainAcc: i / 200, valAcc: i / 250 }),
    });
  }
  assert.equal(new Set(messages.map((m) => m.id)).size, 1);
  assert.deepEqual(
    messages.map((m) => m.type),
    ["display_data", ...Array(messages.length - 1).fill("update_display_data")],
  );
  // 2 seconds of training: the first draw, one every 250 ms, the last.
  assert.equal(messages.length, 9);
  const last = messages.at(-1)!.data;
  assert.equal(
    last["text/plain"],
    "run [####] 100% 100/100 2s loss 0.0200 val 0.304",
  );
  assert.match(
    last["image/svg+xml"],
    /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/,
  );
  // The chart holds the loss and both accuracy lines.
  assert.equal(last["image/svg+xml"].match(/aria-label="line"/g)?.length, 3);
  assert.match(
    last["text/html"],
    /^<img alt="chart" src="data:image\/svg\+xml;base64,/,
  );
  assert.ok(last["text/html"].endsWith(`<pre>${last["text/plain"]}</pre>`));
  // The final state is drawn once; earlier updates carry no SVG.
  assert.equal(
    messages.filter((m) => m.data["text/plain"].includes("100%")).length,
    1,
  );
  assert.ok(messages.slice(0, -1).every((m) => !("image/svg+xml" in m.data)));
  // A second run through the same callback gets a display of its own.
  onProgress({ iteration: 1, numIters: 2, loss: 1, learningRate: 0.1 });
  assert.notEqual(messages.at(-1)!.id, messages[0].id);
  assert.equal(messages.at(-1)!.type, "display_data");
});

Deno.test("early stopping ends the display at the epoch it stops", () => {
  const lines: string[] = [];
  const onProgress = trainingProgress({
    label: "run",
    width: 4,
    now: () => 0,
    sink: { kind: "lines", log: (line) => lines.push(line), every: 1 },
  });
  const p = { numIters: 100, loss: 0.5, learningRate: 0.1 };
  onProgress({ ...p, iteration: 1, trainAcc: 0.2, valAcc: 0.3 });
  onProgress({
    ...p,
    iteration: 2,
    trainAcc: 0.2,
    valAcc: 0.25,
    stopped: true,
  });
  onProgress({ ...p, iteration: 3 }); // a new run
  assert.deepEqual(lines, [
    "run [----]   1% 1/100 0s (0s left) loss 0.5000 val 0.300",
    "run [----]   2% 2/100 0s loss 0.5000 val 0.250, stopped early",
  ]);
});

Deno.test("in Jupyter, a search shows each finished setting beside the best so far", () => {
  const { messages, sink } = fakeKernel();
  const bar = searchProgress({ width: 4, interval: 0, sink, now: () => 0 });
  const train = { iteration: 100, numIters: 100, loss: 1, learningRate: 1 };
  bar.onProgress({ done: 0, total: 3, index: 1, train, bestValAcc: 0 });
  bar.onResult({ index: 1, valAcc: 0.42 });
  bar.onResult({ index: 0, valAcc: 0.47 });
  bar.onResult({ index: 2, valAcc: 0.45 });
  bar.finish("best val 0.470");
  const last = messages.at(-1)!.data;
  assert.equal(last["text/plain"], "search [####] 100% 3/3 0s best val 0.470");
  const svg = last["image/svg+xml"];
  for (
    const label of ["#2 0.420", "#1 0.470", "#3 0.450", "best so far 0.470"]
  ) {
    assert.ok(svg.includes(`>${label}<`), label);
  }
  assert.equal(svg.match(/<circle/g)?.length, 3);
  // The finished settings count in the bar before finish.
  assert.match(
    messages.at(-2)!.data["text/plain"],
    /^search \[##--\] {2}66% 2\/3 /,
  );
});

Deno.test("progress options are checked", () => {
  assert.throws(
    () => trainingProgress({ chart: true, labl: "x" } as never),
    /trainingProgress has no option "labl"; did you mean "label"\?/,
  );
  assert.throws(
    () => searchProgress({ charts: false } as never),
    /searchProgress has no option "charts"; did you mean "chart"\?/,
  );
});

Deno.test("a progress display's options are checked when it is created, not at its first update", () => {
  const log = () => {};
  const cases: [() => unknown, ErrorConstructor, string][] = [
    [
      () => trainingProgress({ width: 0 }),
      RangeError,
      "progress bar width must be a positive integer, got 0",
    ],
    [
      () => trainingProgress({ width: 2.5 }),
      RangeError,
      "progress bar width must be a positive integer, got 2.5",
    ],
    [
      () => searchProgress({ width: -1 }),
      RangeError,
      "progress bar width must be a positive integer, got -1",
    ],
    [
      () => trainingProgress({ sink: { kind: "file" } as never }),
      RangeError,
      'progress sink kind must be "terminal", "jupyter", "lines" or "quiet", got "file"',
    ],
    [
      () => searchProgress({ sink: {} as never }),
      RangeError,
      'progress sink kind must be "terminal", "jupyter", "lines" or "quiet", got none',
    ],
    [
      () => progressReporter({ total: 3, sink: "terminal" as never }),
      RangeError,
      'progress sink kind must be "terminal", "jupyter", "lines" or "quiet", got a sink of type string',
    ],
    [
      () => trainingProgress({ sink: { kind: "terminal" } as never }),
      TypeError,
      'a "terminal" progress sink needs a write function, got undefined',
    ],
    [
      () =>
        trainingProgress({ sink: { kind: "lines", log, evry: 0.5 } as never }),
      RangeError,
      'a "lines" progress sink has no option "evry"; did you mean "every"? Known options: kind, log, every',
    ],
    [
      () => trainingProgress({ sink: { kind: "lines", log, every: 0 } }),
      RangeError,
      'a "lines" progress sink\'s every must be a fraction of the work in (0, 1], got 0',
    ],
    [
      () => trainingProgress({ interval: -5 }),
      RangeError,
      "progress interval must be a number of milliseconds, 0 or more, got -5",
    ],
    [
      () => trainingProgress({ now: 5 as never }),
      TypeError,
      "progress now must be a function returning milliseconds, got number",
    ],
    [
      () => progressReporter({ total: 3, widht: 3 } as never),
      RangeError,
      'progressReporter has no option "widht"; did you mean "width"? Known options: total, label, sink, width, interval, now, jupyterView',
    ],
    // Infinity drew "(InfinitymNaNs left)".
    [
      () => progressReporter({ total: Infinity, sink: { kind: "quiet" } }),
      RangeError,
      "progress total must be a positive finite number, got Infinity",
    ],
    [
      () => renderProgressBar(1, Infinity),
      RangeError,
      "progress total must be a positive finite number, got Infinity",
    ],
  ];
  for (const [create, type, message] of cases) {
    assert.throws(create, { name: type.name, message });
  }
});
