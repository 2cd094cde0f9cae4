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
  assert.throws(() => renderProgressBar(1, 0), /total must be positive, got 0/);
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
  progress.finish("done");
  progress.update(60); // after finish: ignored
  assert.deepEqual(writes, [
    "\r\x1b[2Ktrain [----------]   1% 1/100 0s",
    "\r\x1b[2Ktrain [#####-----]  50% 50/100 0s loss 0.5",
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
  assert.deepEqual(lines, [
    "[#-------]  12% 1/8 0s",
    "[##------]  25% 2/8 0s",
    "[####----]  50% 4/8 0s",
    "[######--]  75% 6/8 0s",
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
    /^toy \[-{10}\] {3}5% 1\/20 0s loss \d\.\d{4} val \d\.\d{3}$/,
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
    "search [#-------]  12% 0.5/4 0s best val 0.000",
    "search [##------]  25% 1/4 0s best val 0.000",
    "search [###-----]  37% 1.5/4 0s best val 0.400",
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
